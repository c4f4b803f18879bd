package aftersale

import (
	"strings"
	"testing"
	"time"
)

// boundOrder is two mugs and one hat.
func boundOrder() *Order {
	return &Order{Items: []Item{{SKU: "MUG", Name: "Mug", Quantity: 2}, {SKU: "HAT", Name: "Hat", Quantity: 1}}}
}

func TestBoundReturn(t *testing.T) {
	t.Parallel()
	ret := func(st ReturnStatus, items ...ReturnItem) *Return { return &Return{Status: st, Items: items} }
	mug := func(n int) ReturnItem { return ReturnItem{SKU: "MUG", Quantity: n} }
	tests := []struct {
		name    string
		facts   ReturnFacts
		earlier []*Return
		refund  []RefundItem
		want    []ReturnItem
		code    string
		field   string
		text    string
	}{
		{name: "one of two", facts: ReturnFacts{Items: []ReturnItem{mug(1)}}, want: []ReturnItem{{SKU: "MUG", Name: "Mug", Quantity: 1}}},
		{name: "the whole order", want: []ReturnItem{{SKU: "MUG", Name: "Mug", Quantity: 2}, {SKU: "HAT", Name: "Hat", Quantity: 1}}},
		{name: "the rest of the order", earlier: []*Return{ret(ReturnRequested, mug(1))},
			want: []ReturnItem{{SKU: "MUG", Name: "Mug", Quantity: 1}, {SKU: "HAT", Name: "Hat", Quantity: 1}}},
		{name: "two more after one", facts: ReturnFacts{Items: []ReturnItem{mug(2)}}, earlier: []*Return{ret(ReturnRequested, mug(1))},
			code: EINVALID, field: "return.items[0].quantity", text: "only 1 more of Mug"},
		{name: "one more after one", facts: ReturnFacts{Items: []ReturnItem{mug(1)}}, earlier: []*Return{ret(ReturnReceived, mug(1))},
			want: []ReturnItem{{SKU: "MUG", Name: "Mug", Quantity: 1}}},
		{name: "a mug when both are returned", facts: ReturnFacts{SKUs: []string{"mug"}}, earlier: []*Return{ret(ReturnRefunded, mug(2))},
			code: EINVALID, field: "return.skus[0]", text: "every Mug on this order is already being returned"},
		{name: "the whole order again", earlier: []*Return{ret(ReturnRequested, mug(2), ReturnItem{SKU: "HAT", Quantity: 1})},
			code: ECONFLICT, text: "everything on this order is already being returned"},
		{name: "the whole order again, piece by piece", earlier: []*Return{ret(ReturnRequested, mug(1)), ret(ReturnExchanged, mug(1)), ret(ReturnRequested, ReturnItem{Name: "hat"})},
			code: ECONFLICT},
		{name: "a cancelled return gives the units back", earlier: []*Return{ret(ReturnCancelled, mug(2))}, facts: ReturnFacts{Items: []ReturnItem{mug(2)}},
			want: []ReturnItem{{SKU: "MUG", Name: "Mug", Quantity: 2}}},
		{name: "refunded units are not sent back", refund: []RefundItem{{SKU: "MUG", Quantity: 2}}, facts: ReturnFacts{Items: []ReturnItem{mug(1)}},
			code: EINVALID, field: "return.items[0].quantity"},
		{name: "a refunded return counts once", refund: []RefundItem{{SKU: "MUG", Quantity: 1}}, earlier: []*Return{ret(ReturnRefunded, mug(1))},
			facts: ReturnFacts{Items: []ReturnItem{mug(1)}}, want: []ReturnItem{{SKU: "MUG", Name: "Mug", Quantity: 1}}},
		{name: "9.2e18", facts: ReturnFacts{Items: []ReturnItem{mug(9_200_000_000_000_000_000)}},
			code: EINVALID, field: "return.items[0].quantity", text: "at most 1000000"},
		{name: "three mugs by sku and items", facts: ReturnFacts{Items: []ReturnItem{mug(2)}, SKUs: []string{"MUG"}},
			code: EINVALID, field: "return.skus[0]"},
		{name: "not on the order", facts: ReturnFacts{Items: []ReturnItem{{SKU: "SOCK", Quantity: 1}}},
			code: EINVALID, field: "return.items[0].quantity", text: `"SOCK" is not part of this order`},
		{name: "by name", facts: ReturnFacts{Items: []ReturnItem{{Name: "hat"}}}, want: []ReturnItem{{SKU: "HAT", Name: "Hat", Quantity: 1}}},
		{name: "two lines of one mug each add up", facts: ReturnFacts{SKUs: []string{"MUG", "MUG"}}, want: []ReturnItem{{SKU: "MUG", Name: "Mug", Quantity: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := boundOrder()
			o.Refunded.Items = tt.refund
			got, err := o.BoundReturn(&tt.facts, tt.earlier)
			if tt.code != "" {
				var e *Error
				if ErrorCode(err) != tt.code || got != nil || !asError(err, &e) || e.Field != tt.field || !strings.Contains(e.Message, tt.text) {
					t.Fatalf("BoundReturn = %+v, %v; want %s on %q saying %q", got, err, tt.code, tt.field, tt.text)
				}
				return
			}
			if err != nil || !sameItems(got, tt.want) {
				t.Fatalf("BoundReturn = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func asError(err error, e **Error) bool {
	x, ok := err.(*Error)
	*e = x
	return ok
}

func sameItems(a, b []ReturnItem) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzBoundReturn: whatever is asked, a bounded return never holds more
// units of a line than are left of it, and what was left is left less it.
func FuzzBoundReturn(f *testing.F) {
	f.Add("MUG", 1, "HAT", 1, 1, false)
	f.Add("MUG", 3, "", 0, 2, true)
	f.Add("mug", 9_000_000_000_000_000_000, "hat", -4, 0, false)
	f.Fuzz(func(t *testing.T, sku1 string, q1 int, sku2 string, q2 int, earlierMugs int, cancelled bool) {
		o := boundOrder()
		st := ReturnRequested
		if cancelled {
			st = ReturnCancelled
		}
		earlier := []*Return{{Status: st, Items: []ReturnItem{{SKU: "MUG", Quantity: earlierMugs}}}}
		facts := ReturnFacts{Items: []ReturnItem{{SKU: sku1, Quantity: max(q1, 0)}, {SKU: sku2, Quantity: max(q2, 0)}}}
		before := o.ReturnableUnits(earlier)
		items, err := o.BoundReturn(&facts, earlier)
		if err != nil {
			if c := ErrorCode(err); c != EINVALID && c != ECONFLICT {
				t.Fatalf("err %v", err)
			}
			return
		}
		after := o.ReturnableUnits(append(earlier, &Return{Status: ReturnRequested, Items: items}))
		total := 0
		for _, it := range items {
			total += it.Quantity
		}
		if total <= 0 {
			t.Fatalf("an empty return %+v", items)
		}
		for i := range before {
			if after[i] < 0 || after[i] > before[i] {
				t.Fatalf("left %v then %v", before, after)
			}
			total -= before[i] - after[i]
		}
		if total != 0 {
			t.Fatalf("return %+v is not what it took from %v (now %v)", items, before, after)
		}
	})
}

// TestReturnQuantityAtTheDoor: a return quantity past MaxQuantity is a 400
// naming the field before any order is looked at.
func TestReturnQuantityAtTheDoor(t *testing.T) {
	t.Parallel()
	ev := &Event{ID: "e1", Type: EventReturnRequested, OccurredAt: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
		Return: &ReturnFacts{OrderID: "unknown", Items: []ReturnItem{{SKU: "a", Quantity: 1}, {SKU: "b", Quantity: 9_200_000_000_000_000_000}}}}
	var e *Error
	if err := ev.Validate(); !asError(err, &e) || e.Field != "return.items[1].quantity" {
		t.Fatalf("Validate = %v, want an error on return.items[1].quantity", err)
	}
	ev.Return.Items[1].Quantity = MaxQuantity
	if err := ev.Validate(); err != nil {
		t.Fatalf("Validate of %d: %v", MaxQuantity, err)
	}
}

// TestOrderQuantityAtTheDoor: an order or refund line past MaxQuantity is a
// 400 naming the field.
func TestOrderQuantityAtTheDoor(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	placed := &Event{ID: "e1", Type: EventOrderPlaced, OccurredAt: at, Customer: &Contact{Email: "a@example.com"},
		Order: &OrderFacts{ID: "o1", Items: []Item{{SKU: "a", Kind: KindPhysical, Quantity: MaxQuantity + 1}}}}
	var e *Error
	if err := placed.Validate(); !asError(err, &e) || e.Field != "order.items[0].quantity" {
		t.Fatalf("Validate of an order = %v, want an error on order.items[0].quantity", err)
	}
	refunded := &Event{ID: "e2", Type: EventOrderRefunded, OccurredAt: at, Order: &OrderFacts{ID: "o1"},
		Refund: &RefundFacts{Items: []RefundItem{{SKU: "a", Quantity: MaxQuantity + 1}}}}
	if err := refunded.Validate(); !asError(err, &e) || e.Field != "refund.items[0].quantity" {
		t.Fatalf("Validate of a refund = %v, want an error on refund.items[0].quantity", err)
	}
	placed.Order.Items[0].Quantity = MaxQuantity
	if err := placed.Validate(); err != nil {
		t.Fatalf("Validate of %d units: %v", MaxQuantity, err)
	}
}
