package shopify

import (
	"encoding/json"
	"testing"
)

// TestControlCharactersAreCleaned: a Shopify order whose customer name
// has a tab and whose item name has a NUL is taken (a 400 would make
// Shopify retry and in the end turn the webhook off), with the tab as a
// space and the NUL dropped.
func TestControlCharactersAreCleaned(t *testing.T) {
	var m map[string]any
	if err := json.Unmarshal(fixture(t, "orders_create.json"), &m); err != nil {
		t.Fatal(err)
	}
	m["customer"].(map[string]any)["first_name"] = "Ana\tMaría"
	m["billing_address"].(map[string]any)["first_name"] = "Ana\tMaría"
	m["line_items"].([]any)[0].(map[string]any)["name"] = "Mug\x00 XL"
	body, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	ev, ignored, err := newDecoder(t, "").Event(body, headers("orders/create", "t1"))
	if err != nil || ev == nil {
		t.Fatalf("Event: %v, %q, %v", ev, ignored, err)
	}
	if err := ev.Validate(); err != nil {
		t.Fatalf("the mapped event does not validate: %v", err)
	}
	if got := ev.Customer.Name; got != "Ana María López" {
		t.Errorf("customer name %q, want the tab as a space", got)
	}
	if got := ev.Order.Items[0].Name; got != "Mug XL" {
		t.Errorf("item name %q, want the NUL dropped", got)
	}
}
