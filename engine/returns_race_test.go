package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// wholeReturn is a return.requested event of the whole order.
func wholeReturn(id, orderID string, at time.Time) *aftersale.Event {
	return &aftersale.Event{ID: id, Type: aftersale.EventReturnRequested, OccurredAt: at, Source: "api",
		Return: &aftersale.ReturnFacts{OrderID: orderID, Reason: "It doesn't fit"}}
}

// postAtOnce ingests the events from one goroutine each, released together,
// and returns each one's error.
func postAtOnce(s *Service, evs []*aftersale.Event) []error {
	errs := make([]error, len(evs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, ev := range evs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			dup, err := s.Ingest(context.Background(), ev)
			if err == nil && dup {
				err = fmt.Errorf("%s: a duplicate", ev.ID)
			}
			errs[i] = err
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// acceptedOrRefused counts the nil errors and the conflicts; any other
// error fails the test.
func acceptedOrRefused(t *testing.T, errs []error) (accepted, refused int) {
	t.Helper()
	for _, err := range errs {
		switch {
		case err == nil:
			accepted++
		case aftersale.ErrorCode(err) == aftersale.ECONFLICT:
			refused++
		default:
			t.Fatalf("a return posted: %v, want accepted or a conflict", err)
		}
	}
	return accepted, refused
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

// TestConcurrentWholeReturns: eight returns of the whole order, posted at
// once while nothing is applied (a backlog: the processor does not run),
// give one 202 and seven 409s, on both databases; once the inbox is
// applied there is one return and nothing set aside, so no acknowledged
// return is lost. Before the door counted the returns waiting in the
// inbox, under a lock of the order, all eight were accepted and seven
// dropped when applied.
func TestConcurrentWholeReturns(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			h := startHarness(t, db, aftersale.NewManualClock(harnessStart()), nil, false)
			ev := order("race-o1", "rosa@example.com", "7301", "physical")
			ev.OccurredAt = h.clock.RealNow()
			ev.Order.Items[0].Quantity = 2
			if _, err := h.svc.Ingest(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			processAll(t, h)

			var evs []*aftersale.Event
			for i := range 8 {
				evs = append(evs, wholeReturn(fmt.Sprintf("race-r%d", i), "7301", h.clock.RealNow()))
			}
			accepted, refused := acceptedOrRefused(t, postAtOnce(h.svc, evs))
			if accepted != 1 || refused != 7 {
				t.Fatalf("8 whole returns at once: %d accepted, %d refused; want 1 and 7", accepted, refused)
			}
			processAll(t, h)
			rs := returnsOf(t, h, "7301")
			if len(rs) != 1 || len(rs[0].Items) != 1 || rs[0].Items[0].Quantity != 2 {
				t.Fatalf("returns: %+v; want one of the 2 units", rs)
			}
			if n, err := h.svc.DeadEventCount(context.Background()); err != nil || n != 0 {
				t.Fatalf("events set aside: %d, %v; want none", n, err)
			}
		})
	}
}

// TestConcurrentWholeReturnsRunning: the same with the processor running,
// which applies the first return while the others are posted: every
// return accepted is recorded or set aside, and one is accepted.
func TestConcurrentWholeReturnsRunning(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ev := order("run-o1", "rosa@example.com", "7302", "physical")
		ev.Order.Items[0].Quantity = 3
		h.ingest(t, ev)
		var evs []*aftersale.Event
		for i := range 6 {
			evs = append(evs, wholeReturn(fmt.Sprintf("run-r%d", i), "7302", h.clock.RealNow()))
		}
		accepted, _ := acceptedOrRefused(t, postAtOnce(h.svc, evs))
		h.settle(t)
		dead, err := h.svc.DeadEventCount(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if rs := returnsOf(t, h, "7302"); accepted != 1 || len(rs) != 1 || dead != 0 {
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
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h := startHarness(t, db, aftersale.NewManualClock(harnessStart()), nil, false)
			s := h.svc
			const addr = "pia@example.com"
			ev := order("dup-o1", addr, "7401", "physical") // of one unit
			ev.OccurredAt = h.clock.RealNow()
			if _, err := s.Ingest(ctx, ev); err != nil {
				t.Fatal(err)
			}
			processAll(t, h)
			token, err := s.FindReturnOrder(ctx, addr, "7401")
			if err != nil {
				t.Fatal(err)
			}

			whole := wholeReturn("dup-r1", "7401", h.clock.RealNow())
			if dup, err := s.Ingest(ctx, whole); err != nil || dup {
				t.Fatalf("the whole order: %v, %v; want accepted", dup, err)
			}
			page := ReturnInput{Key: "dup-page-key-1", Items: []aftersale.ReturnItem{{SKU: "sku-1", Quantity: 1}}, Reason: s.ReturnPolicy().Reasons[0]}
			if _, err := s.StartReturn(ctx, token, page); aftersale.ErrorCode(err) != aftersale.ECONFLICT {
				t.Errorf("a page return behind a pending whole one: %v, want a conflict", err)
			}
			again := wholeReturn("dup-r1", "7401", whole.OccurredAt)
			if dup, err := s.Ingest(ctx, again); err != nil || !dup {
				t.Fatalf("the pending return posted again: %v, %v; want a duplicate", dup, err)
			}
			processAll(t, h)
			if dup, err := s.Ingest(ctx, again); err != nil || !dup {
				t.Fatalf("the applied return posted again: %v, %v; want a duplicate", dup, err)
			}
			rs := returnsOf(t, h, "7401")
			if len(rs) != 1 || rs[0].EventID != "dup-r1" || rs[0].Items[0].Quantity != 1 {
				t.Fatalf("returns: %d; want dup-r1 of the unit", len(rs))
			}
			if n, err := s.DeadEventCount(ctx); err != nil || n != 0 {
				t.Fatalf("events set aside: %d, %v; want none", n, err)
			}
		})
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

			if _, err := s.AdvanceReturn(ctx, rs[0].ID, aftersale.ReturnCancelled, "olga@shop.example"); err != nil {
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
