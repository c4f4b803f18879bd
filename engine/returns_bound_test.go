package engine

import (
	"context"
	"testing"

	"github.com/aftersale/aftersale"
)

// TestReturnBounds: a return is bounded to what was bought and is not in
// a return already. Of an order of two: one on the page, then two more
// (refused), one more (fine), then the whole order again from outside
// (refused at the door, 409), and a quantity of 9.2e18 (refused, naming
// the field). A cancelled return gives its units back.
func TestReturnBounds(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		s := h.svc
		const gil = "gil@example.com"
		ev := order("b1", gil, "6001", "physical")
		ev.Order.Items[0].Quantity = 2
		h.ingest(t, ev)
		token, err := s.FindReturnOrder(ctx, gil, "6001")
		if err != nil {
			t.Fatal(err)
		}
		page, err := s.ReturnStartPage(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		reason := page.Policy.Reasons[0]
		start := func(key string, n int) (*ReturnView, error) {
			return s.StartReturn(ctx, token, ReturnInput{Key: key, Items: []aftersale.ReturnItem{{SKU: "sku-1", Quantity: n}}, Reason: reason})
		}
		first, err := start("bound-key-1", 1)
		if err != nil {
			t.Fatalf("return 1 of 2: %v", err)
		}
		if _, err := start("bound-key-1", 1); err != nil {
			t.Fatalf("the same form again: %v", err)
		}
		_, err = start("bound-key-2", 2)
		if aftersale.ErrorCode(err) != aftersale.EINVALID || aftersale.ErrorMessage(err) != "only 1 more of Launch Course can be sent back" {
			t.Fatalf("2 more after 1 of 2: %v, want invalid", err)
		}
		second, err := start("bound-key-3", 1)
		if err != nil {
			t.Fatalf("1 more: %v", err)
		}
		if _, err := start("bound-key-4", 1); aftersale.ErrorCode(err) != aftersale.ECONFLICT {
			t.Fatalf("a third of two: %v, want a conflict", err)
		}
		whole := &aftersale.Event{ID: "b-whole", Type: aftersale.EventReturnRequested, OccurredAt: h.clock.RealNow(),
			Return: &aftersale.ReturnFacts{OrderID: "6001", Reason: "changed my mind"}}
		if _, err := s.Ingest(ctx, whole); aftersale.ErrorCode(err) != aftersale.ECONFLICT || aftersale.ErrorMessage(err) != "everything on this order is already being returned" {
			t.Fatalf("the whole order again: %v, want a conflict", err)
		}
		huge := &aftersale.Event{ID: "b-huge", Type: aftersale.EventReturnRequested, OccurredAt: h.clock.RealNow(),
			Return: &aftersale.ReturnFacts{OrderID: "6001", Items: []aftersale.ReturnItem{{SKU: "sku-1", Quantity: 9_200_000_000_000_000_000}}}}
		var e *aftersale.Error
		if _, err := s.Ingest(ctx, huge); !asDomainError(err, &e) || e.Code != aftersale.EINVALID || e.Field != "return.items[0].quantity" {
			t.Fatalf("9.2e18: %v, want invalid on return.items[0].quantity", err)
		}
		h.settle(t)
		if list, err := s.Returns(ctx, aftersale.ReturnFilter{OrderID: first.Order.ID}); err != nil || len(list) != 2 {
			t.Fatalf("returns: %d, %v; want 2", len(list), err)
		}

		// A cancelled return gives its unit back: the whole order is that unit.
		if _, err := s.AdvanceReturn(ctx, second.Return.ID, aftersale.ReturnCancelled, "olga@shop.example"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Ingest(ctx, whole); err != nil {
			t.Fatalf("the whole order after a cancel: %v", err)
		}
		h.settle(t)
		r, err := h.st.ReturnGetByEventID(ctx, "b-whole")
		if err != nil || len(r.Items) != 1 || r.Items[0].Quantity != 1 {
			t.Fatalf("the whole order after a cancel: %+v, %v; want the one unit left", r, err)
		}
		// Sent again, the same event is a duplicate, not a conflict.
		if dup, err := s.Ingest(ctx, whole); err != nil || !dup {
			t.Fatalf("the same event again: %v, %v; want a duplicate", dup, err)
		}
	})
}

func asDomainError(err error, e **aftersale.Error) bool {
	x, ok := err.(*aftersale.Error)
	*e = x
	return ok
}
