package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// wholeReturn is a return.requested event of the whole order.
func wholeReturn(id, orderID string, at time.Time) *aftersale.Event {
	return &aftersale.Event{ID: id, Type: aftersale.EventReturnRequested, OccurredAt: at, Source: "api",
		Return: &aftersale.ReturnFacts{OrderID: orderID, Reason: "It doesn't fit"}}
}

// returnsOf lists the returns recorded for the order.
func returnsOf(t *testing.T, h *harness, orderID string) []*aftersale.Return {
	t.Helper()
	ctx := context.Background()
	o, err := h.st.OrderGetByExternalID(ctx, orderID)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := h.st.ReturnList(ctx, aftersale.ReturnFilter{OrderID: o.ID})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// processAll applies the inbox (the harness runs no processor).
func processAll(t *testing.T, h *harness) {
	t.Helper()
	if _, err := h.svc.ProcessInbox(context.Background(), nil); err != nil {
		t.Fatalf("ProcessInbox: %v", err)
	}
}

// TestExcessReturnSetAside: two whole returns accepted while their order
// waits in the inbox too (the door cannot bound them): the second, which
// finds nothing left when applied, is set aside with the reason, shown
// among the events set aside, not dropped with a warning. Posted again it
// is a duplicate; retried once the first return is cancelled, it is
// recorded.
func TestExcessReturnSetAside(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h := startHarness(t, db, aftersale.NewManualClock(harnessStart()), nil, false)
			s := h.svc
			ev := order("ex-o1", "ugo@example.com", "7501", "physical")
			ev.OccurredAt = h.clock.RealNow()
			if _, err := s.Ingest(ctx, ev); err != nil {
				t.Fatal(err)
			}
			h.clock.Advance(time.Second) // the returns come after the order
			first, second := wholeReturn("ex-r1", "7501", h.clock.RealNow()), wholeReturn("ex-r2", "7501", h.clock.RealNow())
			for _, r := range []*aftersale.Event{first, second} {
				if dup, err := s.Ingest(ctx, r); err != nil || dup {
					t.Fatalf("%s for an order not applied yet: %v, %v; want accepted", r.ID, dup, err)
				}
			}
			processAll(t, h)
			rs := returnsOf(t, h, "7501")
			if len(rs) != 1 || rs[0].EventID != "ex-r1" {
				t.Fatalf("returns: %+v; want ex-r1 alone", rs)
			}
			dead, n, err := s.DeadEvents(ctx)
			if err != nil || n != 1 || dead[0].ID != "ex-r2" ||
				!strings.Contains(dead[0].Error, "return not recorded, it asks for more than is left of the order: everything on this order is already being returned") {
				t.Fatalf("events set aside: %+v (%d), %v; want ex-r2 with its reason", dead, n, err)
			}
			if dup, err := s.Ingest(ctx, wholeReturn("ex-r2", "7501", second.OccurredAt)); err != nil || !dup {
				t.Fatalf("the return set aside posted again: %v, %v; want a duplicate", dup, err)
			}

			if err := h.st.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
				_, err := tx.ReturnSetStatus(ctx, rs[0].ID, aftersale.ReturnRequested, aftersale.ReturnCancelled, "olga@shop.example", h.clock.RealNow())
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if err := s.DeadEventRetry(ctx, "ex-r2"); err != nil {
				t.Fatal(err)
			}
			processAll(t, h)
			if r, err := h.st.ReturnGetByEventID(ctx, "ex-r2"); err != nil || r.Items[0].Quantity != 1 {
				t.Fatalf("ex-r2 retried after the cancel: %+v, %v; want recorded", r, err)
			}
			if n, err := s.DeadEventCount(ctx); err != nil || n != 0 {
				t.Fatalf("events set aside after the retry: %d, %v; want none", n, err)
			}
		})
	}
}
