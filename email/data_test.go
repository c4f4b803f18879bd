package email

import (
	"testing"

	"github.com/aftersale/aftersale"
)

func TestOrderNamesEachProductOnce(t *testing.T) {
	o := OrderData{ID: "1", Items: []ItemData{
		{Name: "IPod Nano - 8GB", SKU: "PINK", Kind: "physical", Quantity: 1, Price: "199.00"},
		{Name: "Case", Kind: "physical", Quantity: 1},
		{Name: "ipod nano -  8GB", SKU: "GREEN", Kind: "physical", Quantity: 2, Price: "199.00", AccessURL: "https://x.example/a"},
	}}
	if got := o.Summary(); got != "IPod Nano - 8GB and Case" {
		t.Errorf("Summary() = %q", got)
	}
	merged := MergeItems(o.Items)
	want := []ItemData{
		{Name: "IPod Nano - 8GB", Kind: "physical", Quantity: 3, Price: "199.00", AccessURL: "https://x.example/a"},
		{Name: "Case", Kind: "physical", Quantity: 1},
	}
	if len(merged) != len(want) || merged[0] != want[0] || merged[1] != want[1] {
		t.Errorf("MergeItems = %+v, want %+v", merged, want)
	}
	if o.Items[0].Quantity != 1 || o.Items[0].SKU != "PINK" || len(o.Items) != 3 {
		t.Errorf("MergeItems changed its input: %+v", o.Items)
	}
	// Different prices per unit are not one price.
	if m := MergeItems([]ItemData{{Name: "Mug", Price: "5.00"}, {Name: "Mug", Price: "6.00"}}); len(m) != 1 || m[0].Price != "" || m[0].Quantity != 2 {
		t.Errorf("MergeItems of two prices = %+v", m)
	}
}

func TestRenderDoesNotChangeData(t *testing.T) {
	d := samples()["same_product"]
	if _, err := newRenderer(t).Render(ThankYou, d); err != nil {
		t.Fatal(err)
	}
	if len(d.Order.Items) != 2 || d.Order.Ref != "" || len(d.Return.Items) != 2 {
		t.Errorf("Render changed the data: %+v", d.Order)
	}
}

func TestOrderRef(t *testing.T) {
	for _, tc := range []struct{ id, number, want string }{
		{"820982911946154500", "#9999", "#9999"},
		{"727", "727", "#727"},
		{"1001", "", "#1001"},
		{"cs_test_a1", "", "cs_test_a1"},
		{"", "", ""},
	} {
		od := NewOrderData(&aftersale.Order{ExternalID: tc.id, Number: tc.number})
		if od.Ref != tc.want || od.ID != tc.id || od.Number != tc.number {
			t.Errorf("NewOrderData(%q, %q): Ref %q, ID %q, Number %q; want Ref %q", tc.id, tc.number, od.Ref, od.ID, od.Number, tc.want)
		}
	}
}
