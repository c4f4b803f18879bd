package engine

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/smtp"
	"github.com/aftersale/aftersale/smtptest"
)

// watchedMailer sends through a real SMTP pool and, at each hand-off,
// counts the emails the server has accepted that the store does not yet
// record as sent: what a kill at that moment would send again (with the
// one being handed over).
type watchedMailer struct {
	pool *smtp.Pool
	srv  *smtptest.Server
	st   aftersale.Store

	mu  sync.Mutex
	max int
	err error
}

func (m *watchedMailer) Send(ctx context.Context, e *aftersale.Email) error {
	delivered := len(m.srv.Messages()) // read first: a record committed meanwhile only lowers the count
	counts, err := m.st.MessageCountByStatus(ctx)
	m.mu.Lock()
	if err != nil && m.err == nil {
		m.err = err
	}
	if n := delivered - counts[aftersale.MessageSent]; n > m.max {
		m.max = n
	}
	m.mu.Unlock()
	return m.pool.Send(ctx, e)
}

// TestCrashResendsAtMostTheHandOvers runs many orders' at-once emails
// through 50 workers and two SMTP connections: at every hand-off, the
// emails accepted by the server but not recorded (what a kill -9 would
// send twice) are fewer than the hand-off slots, however many jobs run.
func TestCrashResendsAtMostTheHandOvers(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t)
			pool, err := smtp.NewPool(srv.URL(), 2)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { pool.Close() })
			m := &watchedMailer{pool: pool, srv: srv}
			const slots = 2
			h := startHarness(t, db, aftersale.NewManualClock(harnessStart()), m, true,
				func(c *Config) { c.HandOvers = slots })
			m.st = h.st
			const orders = 40
			var evs []*aftersale.Event
			for i := range orders {
				ev := order(fmt.Sprintf("h%02d", i), fmt.Sprintf("buyer%02d@example.com", i), fmt.Sprintf("H%02d", i), "digital")
				ev.OccurredAt = h.clock.RealNow()
				evs = append(evs, ev)
			}
			if _, err := h.svc.Import(context.Background(), evs, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := srv.WaitFor(orders*3, hang); err != nil {
				t.Fatalf("waiting for the at-once emails: %v", err)
			}
			h.settle(t)
			m.mu.Lock()
			defer m.mu.Unlock()
			if m.err != nil {
				t.Fatal(m.err)
			}
			// The hand-off being made holds one slot; the others at most
			// slots-1 accepted, unrecorded emails.
			if m.max > slots-1 {
				t.Errorf("at a hand-off, %d accepted emails were not recorded; want at most %d (the other slots)", m.max, slots-1)
			}
			counts, err := h.st.MessageCountByStatus(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if counts[aftersale.MessageSent] != orders*3 || len(srv.Messages()) != orders*3 {
				t.Errorf("%d recorded as sent, %d delivered; want %d each", counts[aftersale.MessageSent], len(srv.Messages()), orders*3)
			}
			t.Logf("largest number of accepted, unrecorded emails at a hand-off: %d", m.max)
		})
	}
}
