package woocommerce_test

import "testing"

// TestControlCharactersAreCleaned: a WooCommerce order whose buyer's name
// has a tab and whose item name has a NUL is taken (a 400 would make
// WooCommerce retry and in the end disable the webhook), with the tab as a
// space and the NUL dropped.
func TestControlCharactersAreCleaned(t *testing.T) {
	body := patch(t, "order_created.json", func(o map[string]any) {
		o["billing"].(map[string]any)["first_name"] = "Anna\tLena"
		o["line_items"].([]any)[0].(map[string]any)["name"] = "Sourdough\x00 Masterclass"
	})
	ev, ignored, err := decoder(t, "").Event(body, headers("order.created", body))
	if err != nil || ev == nil {
		t.Fatalf("Event: %v, %q, %v", ev, ignored, err)
	}
	if err := ev.Validate(); err != nil {
		t.Fatalf("the mapped event does not validate: %v", err)
	}
	if got := ev.Customer.Name; got != "Anna Lena Schmidt" {
		t.Errorf("customer name %q, want the tab as a space", got)
	}
	if got := ev.Order.Items[0].Name; got != "Sourdough Masterclass" {
		t.Errorf("item name %q, want the NUL dropped", got)
	}
}
