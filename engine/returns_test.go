package engine

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/aftersale/aftersale"
)

// countingDoor is a ReturnDoor that refuses the events whose ID starts
// with "no-" and keeps what it was asked.
type countingDoor struct {
	mu      sync.Mutex
	checked []string // the IDs of the events checked
	pending [][]string
}

var errDoorRefused = aftersale.Errorf(aftersale.ECONFLICT, "refused at the door")

func (d *countingDoor) CheckReturn(_ context.Context, _ aftersale.Queries, ev *aftersale.Event, _ *aftersale.StoredEvent, pending []*aftersale.StoredEvent) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.checked = append(d.checked, ev.ID)
	var ids []string
	for _, p := range pending {
		ids = append(ids, p.ID)
	}
	d.pending = append(d.pending, ids)
	if strings.HasPrefix(ev.ID, "no-") {
		return errDoorRefused
	}
	return nil
}

// TestReturnDoorHook: with a Config.ReturnDoor, each return.requested
// event Ingest and ApplyNow receive passes it, given the returns waiting
// in the inbox; its refusal is the sender's answer as it is and nothing
// is stored; a known event is a duplicate before the door; other events
// do not pass it. Without a ReturnDoor a return is stored as any event.
func TestReturnDoorHook(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			door := &countingDoor{}
			h := startHarness(t, db, aftersale.NewManualClock(harnessStart()), nil, false, func(c *Config) { c.ReturnDoor = door })
			s := h.svc
			ev := order("door-o1", "vi@example.com", "7601", "physical")
			ev.OccurredAt = h.clock.RealNow()
			ev.Order.Items[0].Quantity = 3
			if _, err := s.Ingest(ctx, ev); err != nil {
				t.Fatal(err)
			}
			if len(door.checked) != 0 {
				t.Fatalf("an order passed the return door: %v", door.checked)
			}
			if _, err := s.Ingest(ctx, wholeReturn("door-r1", "7601", h.clock.RealNow())); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Ingest(ctx, wholeReturn("no-r2", "7601", h.clock.RealNow())); !errors.Is(err, errDoorRefused) {
				t.Fatalf("a return the door refuses: %v, want its refusal", err)
			}
			if _, found, err := h.st.EventPayload(ctx, "no-r2"); err != nil || found {
				t.Fatalf("the refused return is stored: %v, %v", found, err)
			}
			if dup, err := s.Ingest(ctx, wholeReturn("door-r1", "7601", h.clock.RealNow())); err != nil || !dup {
				t.Fatalf("the return posted again: %v, %v; want a duplicate", dup, err)
			}
			if want := []string{"door-r1", "no-r2"}; strings.Join(door.checked, " ") != strings.Join(want, " ") {
				t.Fatalf("the door checked %v, want %v", door.checked, want)
			}
			if got := door.pending[1]; len(got) != 1 || got[0] != "door-r1" {
				t.Fatalf("the second return was given the pending %v, want door-r1", got)
			}
			if err := s.ApplyNow(ctx, wholeReturn("no-r3", "7601", h.clock.RealNow())); !errors.Is(err, errDoorRefused) {
				t.Fatalf("ApplyNow of a return the door refuses: %v, want its refusal", err)
			}

			bare := startHarness(t, db, aftersale.NewManualClock(harnessStart()), nil, false)
			if _, err := bare.svc.Ingest(ctx, wholeReturn("no-r4", "7602", bare.clock.RealNow())); err != nil {
				t.Fatalf("a return without a door: %v", err)
			}
			if _, found, err := bare.st.EventPayload(ctx, "no-r4"); err != nil || !found {
				t.Fatalf("the return without a door is not stored: %v, %v", found, err)
			}
		})
	}
}

// TestApplyNow: an event a page makes is applied at once (its return is
// recorded as ApplyNow returns) and leaves the inbox; a return that finds
// nothing left of its order when it is applied is the bound's conflict,
// not recorded, not set aside and not left in the inbox.
func TestApplyNow(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h := startHarness(t, db, aftersale.NewManualClock(harnessStart()), nil, false)
			s := h.svc
			ev := order("now-o1", "wes@example.com", "7701", "physical") // of one unit
			ev.OccurredAt = h.clock.RealNow()
			if _, err := s.Ingest(ctx, ev); err != nil {
				t.Fatal(err)
			}
			processAll(t, h)
			if err := s.ApplyNow(ctx, wholeReturn("now-r1", "7701", h.clock.RealNow())); err != nil {
				t.Fatalf("ApplyNow: %v", err)
			}
			if rs := returnsOf(t, h, "7701"); len(rs) != 1 || rs[0].EventID != "now-r1" {
				t.Fatalf("returns after ApplyNow: %+v; want now-r1", rs)
			}
			err := s.ApplyNow(ctx, wholeReturn("now-r2", "7701", h.clock.RealNow()))
			if aftersale.ErrorCode(err) != aftersale.ECONFLICT || strings.Contains(err.Error(), "return not recorded") {
				t.Fatalf("ApplyNow of a return of nothing left: %v, want the bound's conflict", err)
			}
			if rs := returnsOf(t, h, "7701"); len(rs) != 1 {
				t.Fatalf("returns: %d; want 1", len(rs))
			}
			if n, err := s.DeadEventCount(ctx); err != nil || n != 0 {
				t.Fatalf("events set aside: %d, %v; want none", n, err)
			}
			if left, err := h.st.InboxList(ctx, 10); err != nil || len(left) != 0 {
				t.Fatalf("the inbox after ApplyNow: %d, %v; want empty", len(left), err)
			}
		})
	}
}
