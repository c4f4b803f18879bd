package storetest

import (
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

// testOrderNumber checks the number the buyer knows: stored on create,
// kept by an update that gives none, replaced by one that gives another,
// and found by OrderGetByNumber (the newest order with it).
func testOrderNumber(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann@example.com")
	in := &aftersale.Order{ExternalID: "820982911946154500", Number: "#9999", CustomerID: ann.ID, Source: "shopify",
		Total: "10.00", Status: aftersale.OrderPlaced, PlacedAt: fixture.T0,
		Items: []aftersale.Item{{SKU: "A", Name: "A", Kind: aftersale.KindPhysical, Quantity: 1, Price: "10.00"}}}
	o, err := s.OrderUpsert(ctx, in)
	fixture.Ok(t, err)
	if o.Number != "#9999" || o.Ref() != "#9999" {
		t.Fatalf("created order: number %q ref %q, want #9999", o.Number, o.Ref())
	}
	got, err := s.OrderGetByNumber(ctx, "#9999")
	fixture.Ok(t, err)
	if got.ID != o.ID || len(got.Items) != 1 {
		t.Fatalf("OrderGetByNumber: %s", fixture.Show(got))
	}
	upd := *in
	upd.Number = ""
	o2, err := s.OrderUpsert(ctx, &upd)
	fixture.Ok(t, err)
	if o2.Number != "#9999" {
		t.Fatalf("an update without a number cleared it: %q", o2.Number)
	}
	upd.Number = "#10000"
	o3, err := s.OrderUpsert(ctx, &upd)
	fixture.Ok(t, err)
	if o3.Number != "#10000" {
		t.Fatalf("an update with a new number kept %q", o3.Number)
	}
	_, err = s.OrderGetByNumber(ctx, "#9999")
	fixture.WantCode(t, "OrderGetByNumber of a replaced number", err, aftersale.ENOTFOUND)
	_, err = s.OrderGetByNumber(ctx, "")
	fixture.WantCode(t, "OrderGetByNumber of no number", err, aftersale.ENOTFOUND)

	// Two shops may both have a "#1001": the newest wins.
	older := &aftersale.Order{ExternalID: "woo-1", Number: "1001", CustomerID: ann.ID, Status: aftersale.OrderPlaced, PlacedAt: fixture.T0}
	newer := &aftersale.Order{ExternalID: "woo-2", Number: "1001", CustomerID: ann.ID, Status: aftersale.OrderPlaced, PlacedAt: fixture.At(time.Hour)}
	_, err = s.OrderUpsert(ctx, older)
	fixture.Ok(t, err)
	n, err := s.OrderUpsert(ctx, newer)
	fixture.Ok(t, err)
	got, err = s.OrderGetByNumber(ctx, "1001")
	fixture.Ok(t, err)
	if got.ID != n.ID {
		t.Fatalf("OrderGetByNumber of a shared number gave %q, want the newest", got.ExternalID)
	}
	if r := o.Ref(); r == "" {
		t.Fatal("Ref is empty")
	}
	if r := (&aftersale.Order{ExternalID: "x1"}).Ref(); r != "x1" {
		t.Fatalf("Ref without a number = %q, want the external id", r)
	}
}

// testOrderSetRefunded checks that what was refunded is stored, read back
// by every order read, replaced by a later call, and leaves the status and
// the rest of the order alone.
func testOrderSetRefunded(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann@example.com")
	o := fixture.NewOrder(t, s, ann.ID, "1001", fixture.T0)
	if !o.Refunded.At.IsZero() || o.Partial() {
		t.Fatalf("a new order has refunds: %+v", o.Refunded)
	}
	r := aftersale.Refunded{Amount: "25.00", Shipping: "5.00", At: fixture.At(time.Hour),
		Items: []aftersale.RefundItem{{SKU: "B-1", Name: "Book", Quantity: 1, Amount: "20.00"}}}
	fixture.Ok(t, s.OrderSetRefunded(ctx, o.ID, r))
	for name, read := range map[string]func() (*aftersale.Order, error){
		"OrderGet":             func() (*aftersale.Order, error) { return s.OrderGet(ctx, o.ID) },
		"OrderGetByExternalID": func() (*aftersale.Order, error) { return s.OrderGetByExternalID(ctx, "1001") },
		"OrderGetMany": func() (*aftersale.Order, error) {
			l, err := s.OrderGetMany(ctx, []int64{o.ID})
			if err != nil || len(l) != 1 {
				return nil, err
			}
			return l[0], nil
		},
		"OrderListByCustomer": func() (*aftersale.Order, error) {
			l, err := s.OrderListByCustomer(ctx, ann.ID)
			if err != nil || len(l) != 1 {
				return nil, err
			}
			return l[0], nil
		},
		"OrderList": func() (*aftersale.Order, error) {
			l, err := s.OrderList(ctx, time.Time{}, time.Time{})
			if err != nil || len(l) != 1 {
				return nil, err
			}
			return l[0], nil
		},
	} {
		got, err := read()
		fixture.Ok(t, err)
		if got == nil {
			t.Fatalf("%s: order not read back", name)
		}
		fixture.Same(t, name+" refunded", got.Refunded, r)
		if got.Status != aftersale.OrderPlaced || !got.Partial() || len(got.Items) != len(o.Items) {
			t.Fatalf("%s: status %q partial %v items %d after a partial refund", name, got.Status, got.Partial(), len(got.Items))
		}
	}
	more := aftersale.Refunded{Amount: "40.00", Shipping: "5.00", At: fixture.At(2 * time.Hour),
		Items: []aftersale.RefundItem{{SKU: "B-1", Name: "Book", Quantity: 1}, {SKU: "C-1", Quantity: 2}}}
	fixture.Ok(t, s.OrderSetRefunded(ctx, o.ID, more))
	got, err := s.OrderGet(ctx, o.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "refunded after a second refund", got.Refunded, more)
	// An upsert of the order (a later orders/updated) keeps the refunds.
	_, err = s.OrderUpsert(ctx, &aftersale.Order{ExternalID: "1001", CustomerID: ann.ID, Status: aftersale.OrderPlaced, PlacedAt: fixture.T0, Items: o.Items})
	fixture.Ok(t, err)
	got, err = s.OrderGet(ctx, o.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "refunded after an upsert", got.Refunded, more)
	fixture.Ok(t, s.OrderSetStatus(ctx, o.ID, aftersale.OrderRefunded, fixture.At(3*time.Hour)))
	got, err = s.OrderGet(ctx, o.ID)
	fixture.Ok(t, err)
	if got.Partial() {
		t.Fatal("a fully refunded order counts as partial")
	}
	err = s.OrderSetRefunded(ctx, o.ID+1000, more)
	fixture.WantCode(t, "OrderSetRefunded of a missing order", err, aftersale.ENOTFOUND)
}
