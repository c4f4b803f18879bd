package csvimport

import "testing"

// TestOrderNumberAndPartialRefund: Shopify's export names the order
// "#1001" beside its id; a partially refunded order stays placed.
func TestOrderNumberAndPartialRefund(t *testing.T) {
	res := read(t, "order_id,number,email,occurred_at,item_name,financial_status\n"+
		"820982911946154500,#1001,ana@example.com,2025-03-01,Mug,partially_refunded\n", "")
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	if len(res.Events) != 1 {
		t.Fatalf("events %d, want one order.placed (a partial refund is not a refund)", len(res.Events))
	}
	if o := res.Events[0].Order; o.ID != "820982911946154500" || o.Number != "#1001" {
		t.Errorf("order id %q number %q", o.ID, o.Number)
	}
}
