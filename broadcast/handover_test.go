package broadcast

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/internal/enginetest"
	"github.com/aftersale/aftersale/internal/enginetest/fixture"
	"github.com/aftersale/aftersale/internal/testwait"
	"github.com/aftersale/aftersale/smtp"
	"github.com/aftersale/aftersale/smtptest"
)

// dyingMailer sends the first n emails through a real SMTP pool; every
// call after those never comes back (the process dies while handing them
// over): it tells stuck and waits for revive, then returns a temporary
// failure (nothing was handed over).
type dyingMailer struct {
	pool   *smtp.Pool
	n      int32
	calls  atomic.Int32
	stuck  chan struct{}
	revive chan struct{}
}

func (m *dyingMailer) Send(ctx context.Context, e *aftersale.Email) error {
	if m.calls.Add(1) > m.n {
		m.stuck <- struct{}{}
		<-m.revive
		return errors.New("the process died")
	}
	return m.pool.Send(ctx, e)
}

// TestBroadcastCrashResendsAtMostTheHandOvers sends a broadcast of one
// page (30 recipients) with two hand-off slots; after the SMTP server has
// accepted 10 of its messages the process "dies" (every later hand-off
// hangs), and a new Service on the same store runs the broadcast again,
// as the job would after a restart. The recipients recorded as sent are
// passed over: at most the other slot's message (accepted, not yet
// recorded) goes out twice, not the 10 of the page's single record at its
// end; every recipient gets the broadcast and it is counted once each.
func TestBroadcastCrashResendsAtMostTheHandOvers(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			const slots, recipients, accepted = 2, 30, 10
			srv := smtptest.Start(t)
			newPool := func() *smtp.Pool {
				pool, err := smtp.NewPool(srv.URL(), slots)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { pool.Close() })
				return pool
			}
			m := &dyingMailer{pool: newPool(), n: accepted, stuck: make(chan struct{}, broadcastSenders), revive: make(chan struct{})}
			h := startHarness(t, db, m, false, enginetest.Configure(func(c *engine.Config) { c.HandOvers = slots }))
			ctx, cancel := context.WithTimeout(context.Background(), testwait.HangGuard)
			defer cancel()
			yes := true
			for i := range recipients {
				if _, err := h.Store.CustomerUpsert(ctx, &aftersale.Contact{
					Email: fmt.Sprintf("reader%02d@example.com", i), Name: "Ana Lima", MarketingConsent: &yes,
				}, h.Clock.RealNow()); err != nil {
					t.Fatal(err)
				}
			}
			b, err := h.bc.Save(ctx, &aftersale.Broadcast{Subject: "News, {{.FirstName}}", Body: "Something new.", Rate: 100}, "olga@shop.example")
			if err != nil {
				t.Fatal(err)
			}
			if err := h.Store.BroadcastSetStatus(ctx, b.ID, aftersale.BroadcastDraft, aftersale.BroadcastSending, h.Clock.RealNow()); err != nil {
				t.Fatal(err)
			}

			first := make(chan error, 1)
			go func() {
				_, err := h.bc.Run(ctx, b.ID, 0)
				first <- err
			}()
			// Registered after the harness: runs before the store closes.
			t.Cleanup(func() {
				close(m.revive)
				<-first
			})
			if _, err := srv.WaitFor(accepted, testwait.HangGuard); err != nil {
				t.Fatalf("waiting for the first %d messages: %v", accepted, err)
			}
			select {
			case <-m.stuck: // the process is dead from this hand-off on
			case <-ctx.Done():
				t.Fatal("no hand-off after the first messages")
			}

			cfg := h.Config
			cfg.Mailer = newPool()
			restarted, err := engine.NewService(cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(restarted.Close)
			if done, err := h.broadcasts(t, restarted, cfg.Mailer).Run(ctx, b.ID, 0); err != nil || !done {
				t.Fatalf("the restarted broadcast: done %v, %v", done, err)
			}

			got := map[string]int{}
			for _, msg := range srv.Messages() {
				for _, to := range msg.To {
					got[to]++
				}
			}
			twice := 0
			for i := range recipients {
				addr := fmt.Sprintf("reader%02d@example.com", i)
				switch n := got[addr]; {
				case n == 0:
					t.Errorf("%s never got the broadcast", addr)
				case n > 1:
					twice += n - 1
				}
			}
			// The hand-off that hung holds one slot; the other holds at most
			// one accepted, unrecorded message.
			if twice > slots-1 {
				t.Errorf("after the crash %d messages went out twice; want at most %d (the other slots)", twice, slots-1)
			}
			fin, err := h.Store.BroadcastGet(ctx, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if fin.Status != aftersale.BroadcastSent || fin.Sent != recipients {
				t.Errorf("the broadcast is %s with %d sent; want sent, %d", fin.Status, fin.Sent, recipients)
			}
			t.Logf("messages sent twice after the crash: %d", twice)
		})
	}
}

// holdingMailer holds its first Send until release is closed, telling
// entered when it is in it; the others it keeps, like fixture.Mailer.
type holdingMailer struct {
	fixture.Mailer
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func (m *holdingMailer) Send(ctx context.Context, e *aftersale.Email) error {
	first := false
	m.once.Do(func() { first = true })
	if first {
		close(m.entered)
		<-m.release
	}
	return m.Mailer.Send(ctx, e)
}

// TestBroadcastTakesThePipelinesSlots: with one hand-off slot, a
// broadcast message in the Mailer holds the pipeline's only slot, the one
// the journey steps' emails take too (there is no second pool), until
// its record is committed.
func TestBroadcastTakesThePipelinesSlots(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			m := &holdingMailer{entered: make(chan struct{}), release: make(chan struct{})}
			h := startHarness(t, db, m, false, enginetest.Configure(func(c *engine.Config) { c.HandOvers = 1 }))
			ctx, cancel := context.WithTimeout(context.Background(), testwait.HangGuard)
			defer cancel()
			yes := true
			if _, err := h.Store.CustomerUpsert(ctx, &aftersale.Contact{Email: "reader@example.com", Name: "Ana Lima", MarketingConsent: &yes}, h.Clock.RealNow()); err != nil {
				t.Fatal(err)
			}
			b, err := h.bc.Save(ctx, &aftersale.Broadcast{Subject: "News", Body: "Something new."}, "olga@shop.example")
			if err != nil {
				t.Fatal(err)
			}
			if err := h.Store.BroadcastSetStatus(ctx, b.ID, aftersale.BroadcastDraft, aftersale.BroadcastSending, h.Clock.RealNow()); err != nil {
				t.Fatal(err)
			}
			ran := make(chan error, 1)
			go func() {
				_, err := h.bc.Run(ctx, b.ID, 0)
				ran <- err
			}()
			select {
			case <-m.entered:
			case <-ctx.Done():
				t.Fatal("the broadcast never reached the Mailer")
			}
			ended, end := context.WithCancel(ctx)
			end()
			if slot, err := h.Svc.TakeHandOff(ended); err == nil {
				slot.Release()
				t.Fatal("a second hand-off slot was free while the broadcast's message was in the Mailer")
			}
			close(m.release)
			if err := <-ran; err != nil {
				t.Fatal(err)
			}
			slot, err := h.Svc.TakeHandOff(ctx) // freed once the message was recorded
			if err != nil {
				t.Fatalf("the slot was not freed after the broadcast: %v", err)
			}
			slot.Release()
			if fin, err := h.Store.BroadcastGet(ctx, b.ID); err != nil || fin.Status != aftersale.BroadcastSent || fin.Sent != 1 {
				t.Fatalf("the broadcast: %+v, %v", fin, err)
			}
		})
	}
}
