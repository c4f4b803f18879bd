package engine

import (
	"context"
	"sync"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/internal/testwait"
	"github.com/aftersale/aftersale/privacy"
)

// panickyMailer panics at its first Send (a bug in a Mailer, which the job
// runner recovers) and then sends like captured, telling sent of each
// recipient.
type panickyMailer struct {
	captured
	once     sync.Once
	panicked chan struct{}
	sent     chan string
}

func (m *panickyMailer) Send(ctx context.Context, e *aftersale.Email) error {
	first := false
	m.once.Do(func() { first = true })
	if first {
		close(m.panicked)
		panic("mailer bug")
	}
	if err := m.captured.Send(ctx, e); err != nil {
		return err
	}
	m.sent <- e.To.Email
	return nil
}

// TestPanickingSendFreesItsSlot: with one hand-off slot, a Mailer that
// panics once does not keep the slot: the next order's emails still go.
// (Without freeing the slot on a panic, every later send waits for it.)
func TestPanickingSendFreesItsSlot(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			m := &panickyMailer{panicked: make(chan struct{}), sent: make(chan string, 100)}
			h := startHarness(t, db, aftersale.NewManualClock(harnessStart()), m, true,
				func(c *Config) { c.HandOvers = 1 })
			ctx, cancel := context.WithTimeout(context.Background(), testwait.HangGuard)
			defer cancel()
			first := order("p1", "ana@example.com", "P1", aftersale.KindDigital)
			first.OccurredAt = h.clock.RealNow()
			if _, err := h.svc.Ingest(ctx, first); err != nil {
				t.Fatal(err)
			}
			select {
			case <-m.panicked:
			case <-ctx.Done():
				t.Fatal("the mailer was never called")
			}
			next := order("p2", "bo@example.com", "P2", aftersale.KindDigital)
			next.OccurredAt = h.clock.RealNow()
			if _, err := h.svc.Ingest(ctx, next); err != nil {
				t.Fatal(err)
			}
			for {
				select {
				case to := <-m.sent:
					if to == "bo@example.com" {
						return
					}
				case <-ctx.Done():
					t.Fatal("no email went out after the panic: its hand-off slot was not freed")
				}
			}
		})
	}
}

// erasingMailer erases the customer through another Service on the same
// store (another node, or the CLI beside the service, whose erase gate the
// send does not hold) while the first email to them is being handed over,
// and closes handed when that Send returns.
type erasingMailer struct {
	captured
	other  *privacy.Service
	once   sync.Once
	err    error
	handed chan struct{}
}

func (m *erasingMailer) Send(ctx context.Context, e *aftersale.Email) error {
	first := false
	m.once.Do(func() { first = true })
	if !first {
		return m.captured.Send(ctx, e)
	}
	defer close(m.handed)
	if _, m.err = m.other.Erase(ctx, e.To.Email, "test"); m.err != nil {
		return m.err
	}
	return m.captured.Send(ctx, e)
}

// TestHandedOverRecordSkipsErased: an email handed over while another
// node erases its customer is not recorded with the erased address: the
// early record, like the orphans' record, leaves out a customer erased
// meanwhile.
func TestHandedOverRecordSkipsErased(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			m := &erasingMailer{handed: make(chan struct{})}
			h := startHarness(t, db, aftersale.NewManualClock(harnessStart()), m, true,
				func(c *Config) { c.HandOvers = 1 })
			cfg := h.svc.cfg
			cfg.Mailer = &captured{}
			other, err := NewService(cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(other.Close)
			m.other = eraser(t, other)
			const addr = "ana@example.com"
			ctx, cancel := context.WithTimeout(context.Background(), testwait.HangGuard)
			defer cancel()
			ev := order("e1", addr, "E1", aftersale.KindDigital)
			ev.OccurredAt = h.clock.RealNow()
			if _, err := h.svc.Ingest(ctx, ev); err != nil {
				t.Fatal(err)
			}
			select {
			case <-m.handed:
			case <-ctx.Done():
				t.Fatal("no email was handed over")
			}
			if m.err != nil {
				t.Fatalf("the erase while sending: %v", m.err)
			}
			// The one slot is free once the email's early record is done.
			release, err := h.svc.handOver(ctx)
			if err != nil {
				t.Fatal(err)
			}
			release()
			h.settle(t)
			msgs, err := h.st.MessageListRecent(ctx, 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, msg := range msgs {
				if msg.Recipient == addr {
					t.Errorf("message %s (%s) is recorded to the erased address", msg.MessageID, msg.Status)
				}
			}
		})
	}
}
