package aftersale_test

import (
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

func TestMergeRefund(t *testing.T) {
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) // a stored value only, never compared with now
	order := func(refunded aftersale.Refunded) *aftersale.Order {
		return &aftersale.Order{Total: "409.94", Refunded: refunded, Items: []aftersale.Item{
			{SKU: "IPOD-8", Name: "IPod Nano - 8GB", Quantity: 2, Price: "99.50"},
			{SKU: "", Name: "Gift Wrap", Quantity: 1, Price: "10.00"},
			{SKU: "CASE", Name: "Case", Quantity: 1, Price: "200.94"},
		}}
	}
	cases := []struct {
		name       string
		prev       aftersale.Refunded
		r          *aftersale.RefundFacts
		wantAmount string
		wantFull   bool
	}{
		{"no refund part: the whole order", aftersale.Refunded{}, nil, "409.94", true},
		{"nothing named: the whole order", aftersale.Refunded{}, &aftersale.RefundFacts{Reason: "x"}, "409.94", true},
		{"two of three lines (Shopify's sample)", aftersale.Refunded{},
			&aftersale.RefundFacts{Amount: "209.00", Items: []aftersale.RefundItem{{SKU: "IPOD-8", Quantity: 2}, {Name: "gift wrap", Quantity: 1}}},
			"209.00", false},
		{"items without money: priced from the order", aftersale.Refunded{},
			&aftersale.RefundFacts{Items: []aftersale.RefundItem{{SKU: "ipod-8", Quantity: 1}}, Shipping: "5.00"}, "104.50", false},
		{"the rest after an earlier partial refund", aftersale.Refunded{Amount: "209.00", Items: []aftersale.RefundItem{{SKU: "IPOD-8", Quantity: 2}, {Name: "Gift Wrap", Quantity: 1}}},
			&aftersale.RefundFacts{Items: []aftersale.RefundItem{{SKU: "CASE", Name: "Case", Quantity: 1, Amount: "200.94"}}}, "409.94", true},
		{"money reaching the total", aftersale.Refunded{Amount: "400.00"}, &aftersale.RefundFacts{Amount: "9.94"}, "409.94", true},
		{"money short of the total", aftersale.Refunded{Amount: "400.00"}, &aftersale.RefundFacts{Amount: "9.93"}, "409.93", false},
		{"cumulative report repeated counts once", aftersale.Refunded{Amount: "50.00"},
			&aftersale.RefundFacts{Amount: "50.00", Cumulative: true}, "50.00", false},
		{"cumulative report of more replaces", aftersale.Refunded{Amount: "50.00"},
			&aftersale.RefundFacts{Amount: "70.00", Cumulative: true}, "70.00", false},
		{"the shop says full", aftersale.Refunded{}, &aftersale.RefundFacts{Amount: "1.00", Full: true}, "1.00", true},
		{"more units than ordered of one item is not the order", aftersale.Refunded{},
			&aftersale.RefundFacts{Items: []aftersale.RefundItem{{SKU: "CASE", Quantity: 5, Amount: "1.00"}}}, "1.00", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, full := order(c.prev).MergeRefund(c.r, at)
			if got.Amount != c.wantAmount || full != c.wantFull {
				t.Errorf("amount %q full %v, want %q %v (items %+v)", got.Amount, full, c.wantAmount, c.wantFull, got.Items)
			}
			if !got.At.Equal(at) {
				t.Errorf("At = %v", got.At)
			}
		})
	}
	// Gift Wrap refunded by name merges with the earlier line.
	got, _ := order(aftersale.Refunded{Items: []aftersale.RefundItem{{Name: "Gift Wrap", Quantity: 1}}}).MergeRefund(
		&aftersale.RefundFacts{Items: []aftersale.RefundItem{{Name: "GIFT WRAP", Quantity: 1}}}, at)
	if len(got.Items) != 1 || got.Items[0].Quantity != 2 {
		t.Errorf("repeated item not merged: %+v", got.Items)
	}
}

func TestCoversOrder(t *testing.T) {
	o := &aftersale.Order{Items: []aftersale.Item{{SKU: "A", Name: "Alpha", Quantity: 2}, {Name: "Beta", Quantity: 1}}}
	for _, c := range []struct {
		items []aftersale.RefundItem
		want  bool
	}{
		{nil, false},
		{[]aftersale.RefundItem{{SKU: "a", Quantity: 2}, {Name: "beta", Quantity: 1}}, true},
		{[]aftersale.RefundItem{{SKU: "A", Quantity: 1}, {Name: "Beta", Quantity: 1}}, false},
		{[]aftersale.RefundItem{{Name: "Alpha", Quantity: 2}, {SKU: "B", Name: "Beta", Quantity: 1}}, true},
	} {
		if got := o.CoveredBy(c.items); got != c.want {
			t.Errorf("CoveredBy(%+v) = %v, want %v", c.items, got, c.want)
		}
	}
	if (&aftersale.Order{}).CoveredBy([]aftersale.RefundItem{{SKU: "A", Quantity: 1}}) {
		t.Error("an order without items is covered by items")
	}
}
