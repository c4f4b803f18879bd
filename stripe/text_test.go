package stripe

import "testing"

// TestControlCharactersAreCleaned: a Stripe checkout whose buyer's name
// has a tab and whose product name has a NUL is taken (a 400 would make
// Stripe retry and in the end disable the endpoint), with the tab as a
// space and the NUL dropped.
func TestControlCharactersAreCleaned(t *testing.T) {
	d := &Decoder{Secret: "whsec_test"}
	ev := mustEvent(t, d, fixture(t, checkoutFile,
		edit{"data.object.customer_details.name", "Jenny\tRosen"},
		edit{"data.object.metadata.product", "Handmade\x00 mug"}))
	if got := ev.Customer.Name; got != "Jenny Rosen" {
		t.Errorf("customer name %q, want the tab as a space", got)
	}
	if got := ev.Order.Items[0].Name; got != "Handmade mug" {
		t.Errorf("item name %q, want the NUL dropped", got)
	}
}
