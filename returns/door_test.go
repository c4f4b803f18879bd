package returns

import (
	"context"
	"fmt"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/internal/enginetest"
)

// TestConcurrentWholeReturns: eight returns of the whole order, posted at
// once while nothing is applied (a backlog: the processor does not run),
// give one 202 and seven 409s, on both databases; once the inbox is
// applied there is one return and nothing set aside, so no acknowledged
// return is lost. Before the door counted the returns waiting in the
// inbox, under a lock of the order, all eight were accepted and seven
// dropped when applied.
func TestConcurrentWholeReturns(t *testing.T) {
	enginetest.Each(t, func(t *testing.T, db string) {
		h := startHarness(t, db, enginetest.Stopped())
		ev := order("race-o1", "rosa@example.com", "7301", "physical")
		ev.OccurredAt = h.Clock.RealNow()
		ev.Order.Items[0].Quantity = 2
		if _, err := h.Svc.Ingest(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		h.processAll(t)

		var evs []*aftersale.Event
		for i := range 8 {
			evs = append(evs, wholeReturn(fmt.Sprintf("race-r%d", i), "7301", h))
		}
		accepted, refused := acceptedOrRefused(t, postAtOnce(h.Svc, evs))
		if accepted != 1 || refused != 7 {
			t.Fatalf("8 whole returns at once: %d accepted, %d refused; want 1 and 7", accepted, refused)
		}
		h.processAll(t)
		rs := h.returnsOf(t, "7301")
		if len(rs) != 1 || len(rs[0].Items) != 1 || rs[0].Items[0].Quantity != 2 {
			t.Fatalf("returns: %+v; want one of the 2 units", rs)
		}
		if n := h.deadCount(t); n != 0 {
			t.Fatalf("events set aside: %d; want none", n)
		}
	})
}

// TestConcurrentWholeReturnsRunning: the same with the processor running,
// which applies the first return while the others are posted: every
// return accepted is recorded or set aside, and one is accepted.
func TestConcurrentWholeReturnsRunning(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ev := order("run-o1", "rosa@example.com", "7302", "physical")
		ev.Order.Items[0].Quantity = 3
		h.Ingest(t, ev)
		var evs []*aftersale.Event
		for i := range 6 {
			evs = append(evs, wholeReturn(fmt.Sprintf("run-r%d", i), "7302", h))
		}
		accepted, _ := acceptedOrRefused(t, postAtOnce(h.Svc, evs))
		h.Settle(t)
		if rs, dead := h.returnsOf(t, "7302"), h.deadCount(t); accepted != 1 || len(rs) != 1 || dead != 0 {
			t.Fatalf("6 whole returns at once: %d accepted, %d recorded, %d set aside; want 1, 1, 0", accepted, len(rs), dead)
		}
	})
}

// TestReturnRedeliveryIsDuplicate: a whole return of a one-unit order,
// accepted and still waiting in the inbox, counts at the door: a return
// started on the page meanwhile is refused (409), not accepted to leave
// the first one nothing; and the first one posted again is a duplicate
// (200), not a conflict, before and after it is applied. Before, the page
// took the unit and the resend was refused with 409, since the bound was
// checked before the duplicate.
func TestReturnRedeliveryIsDuplicate(t *testing.T) {
	enginetest.Each(t, func(t *testing.T, db string) {
		ctx := context.Background()
		h := startHarness(t, db, enginetest.Stopped())
		const addr = "pia@example.com"
		ev := order("dup-o1", addr, "7401", "physical") // of one unit
		ev.OccurredAt = h.Clock.RealNow()
		if _, err := h.Svc.Ingest(ctx, ev); err != nil {
			t.Fatal(err)
		}
		h.processAll(t)
		token, err := h.ret.FindOrder(ctx, addr, "7401")
		if err != nil {
			t.Fatal(err)
		}

		whole := wholeReturn("dup-r1", "7401", h)
		if dup, err := h.Svc.Ingest(ctx, whole); err != nil || dup {
			t.Fatalf("the whole order: %v, %v; want accepted", dup, err)
		}
		page := Input{Key: "dup-page-key-1", Items: []aftersale.ReturnItem{{SKU: "sku-1", Quantity: 1}}, Reason: h.ret.Policy().Reasons[0]}
		if _, err := h.ret.StartReturn(ctx, token, page); aftersale.ErrorCode(err) != aftersale.ECONFLICT {
			t.Errorf("a page return behind a pending whole one: %v, want a conflict", err)
		}
		again := wholeReturn("dup-r1", "7401", h)
		again.OccurredAt = whole.OccurredAt
		if dup, err := h.Svc.Ingest(ctx, again); err != nil || !dup {
			t.Fatalf("the pending return posted again: %v, %v; want a duplicate", dup, err)
		}
		h.processAll(t)
		if dup, err := h.Svc.Ingest(ctx, again); err != nil || !dup {
			t.Fatalf("the applied return posted again: %v, %v; want a duplicate", dup, err)
		}
		rs := h.returnsOf(t, "7401")
		if len(rs) != 1 || rs[0].EventID != "dup-r1" || rs[0].Items[0].Quantity != 1 {
			t.Fatalf("returns: %d; want dup-r1 of the unit", len(rs))
		}
		if n := h.deadCount(t); n != 0 {
			t.Fatalf("events set aside: %d; want none", n)
		}
	})
}
