package broadcast

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/internal/enginetest/fixture"
	"github.com/aftersale/aftersale/internal/testwait"
)

// waitBroadcast waits until the broadcast's status is want, with a hang
// guard that says what it awaited (the broadcast job has no signal of its
// own, so this polls).
func (h *harness) waitBroadcast(t *testing.T, id int64, want string) *aftersale.Broadcast {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testwait.HangGuard)
	defer cancel()
	for {
		b, err := h.bc.Get(ctx, id)
		if err == nil && b.Status == want {
			return b
		}
		select {
		case <-ctx.Done():
			t.Fatalf("broadcast %d is %+v (%v) after %v, want %s", id, b, err, testwait.HangGuard, want)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// TestBroadcastScheduled saves a broadcast, previews and test-sends it,
// schedules it an hour ahead and lets the hour pass: it goes once to each
// customer who consented (not to the one who did not, nor to the one who
// unsubscribed), personalised and with one-click unsubscribe; a cancelled
// broadcast never goes.
func TestBroadcastScheduled(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		s := h.bc
		no := false
		for i, addr := range []string{"r1@example.com", "r2@example.com", "r3@example.com", "none@example.com", "gone@example.com"} {
			ev := fixture.Order("b"+addr, addr, "95"+string(rune('0'+i)), "digital")
			if addr == "none@example.com" {
				ev.Customer.MarketingConsent = &no
			}
			h.Ingest(t, ev)
		}
		if err := h.Store.CustomerSetUnsubscribed(ctx, "gone@example.com", true, h.Clock.RealNow()); err != nil {
			t.Fatal(err)
		}
		if n, err := s.AudienceCount(ctx, aftersale.Segment{Kinds: []string{"digital"}}, false); err != nil || n != 3 {
			t.Fatalf("audience: %d, %v; want the three who consented", n, err)
		}
		b, err := s.Save(ctx, &aftersale.Broadcast{Subject: "News for you, {{.FirstName}}", Body: "Hi {{.FirstName}}, something new.", Rate: 100,
			Segment: aftersale.Segment{Kinds: []string{"digital"}}}, "olga@shop.example")
		if err != nil || b.Status != aftersale.BroadcastDraft {
			t.Fatalf("Save: %+v, %v", b, err)
		}
		if _, _, err := s.Preview(ctx, b); err != nil {
			t.Fatalf("Preview: %v", err)
		}
		if err := s.TestSend(ctx, b.ID, aftersale.Address{Name: "Olga", Email: "olga@shop.example"}); err != nil {
			t.Fatal(err)
		}
		if e := h.Mail.LastTo("olga@shop.example", "broadcast_test"); e == nil || e.Subject != "[Test] News for you, Olga" {
			t.Errorf("the test copy: %+v", e)
		}
		if _, err := s.Schedule(ctx, b.ID, h.Clock.RealNow().Add(-time.Minute)); err == nil {
			t.Error("a broadcast was scheduled in the past")
		}
		if b, err = s.Schedule(ctx, b.ID, h.Clock.RealNow().Add(time.Hour)); err != nil || b.Status != aftersale.BroadcastScheduled {
			t.Fatalf("Schedule: %+v, %v", b, err)
		}
		other, err := s.Save(ctx, &aftersale.Broadcast{Subject: "Never", Body: "Never sent"}, "olga@shop.example")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Schedule(ctx, other.ID, h.Clock.RealNow().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if c, err := s.Cancel(ctx, other.ID); err != nil || c.Status != aftersale.BroadcastCancelled {
			t.Fatalf("Cancel: %+v, %v", c, err)
		}
		h.Clock.Advance(59 * time.Minute)
		h.Settle(t)
		if got, _ := s.Get(ctx, b.ID); got.Status != aftersale.BroadcastScheduled {
			t.Fatalf("a minute before its time the broadcast is %s", got.Status)
		}
		h.Clock.Advance(time.Minute) // starts it (the dispatcher runs in Advance)
		done := h.waitBroadcast(t, b.ID, aftersale.BroadcastSent)
		if done.Sent != 3 {
			t.Errorf("sent to %d, want 3: %+v", done.Sent, done)
		}
		for _, addr := range []string{"r1@example.com", "r2@example.com", "r3@example.com"} {
			e := h.Mail.LastTo(addr, "broadcast")
			if e == nil || e.Subject != "News for you, Ana" || fixture.Header(e, "List-Unsubscribe") == "" {
				t.Errorf("%s: broadcast %+v", addr, e)
			}
			if n := fixture.Count(h.Mail.Templates(addr), "broadcast"); n != 1 {
				t.Errorf("%s got the broadcast %d times", addr, n)
			}
		}
		for _, addr := range []string{"none@example.com", "gone@example.com"} {
			if slices.Contains(h.Mail.Templates(addr), "broadcast") {
				t.Errorf("%s got the broadcast", addr)
			}
		}
		if list, err := s.List(ctx, 10); err != nil || len(list) != 2 {
			t.Errorf("List: %d, %v", len(list), err)
		}
		if got, _ := s.Get(ctx, other.ID); got.Status != aftersale.BroadcastCancelled {
			t.Errorf("the cancelled broadcast is %s", got.Status)
		}
	})
}
