package stripe

import (
	"errors"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
)

// TestObjectMatchesType: each mapped event type carries its own kind of
// object; any other object in data.object is refused naming the field,
// and every sample is accepted.
func TestObjectMatchesType(t *testing.T) {
	d := &Decoder{Secret: "whsec_test"}
	tests := []struct {
		name string
		body []byte
		text string // "" means accepted
	}{
		{"checkout", fixture(t, checkoutFile), ""},
		{"invoice", fixture(t, invoiceFile), ""},
		{"charge", fixture(t, refundFile), ""},
		{"async checkout", fixture(t, checkoutFile, edit{"type", typeCheckoutAsyncSuccess}), ""},
		{"sample refund", fixture(t, "samples/openapi_charge_refunded_partial.json"), ""},
		{"sample invoice", fixture(t, "samples/openapi_invoice_paid.json"), ""},
		{"sample checkout", fixture(t, "samples/openapi_checkout_session_line_items.json"), ""},
		// An invoice.paid event's invoice read as a refunded charge.
		{"an invoice as charge.refunded", fixture(t, invoiceFile, edit{"type", typeChargeRefunded}),
			`is "invoice", but event type charge.refunded needs object "charge"`},
		{"a charge as invoice.paid", fixture(t, refundFile, edit{"type", typeInvoicePaid}),
			`is "charge", but event type invoice.paid needs object "invoice"`},
		{"a charge as checkout.session.completed", fixture(t, refundFile, edit{"type", typeCheckoutCompleted}),
			`is "charge", but event type checkout.session.completed needs object "checkout.session"`},
		{"a refund object", fixture(t, refundFile, edit{dataObj + "object", "refund"}), `is "refund"`},
		{"no object", fixture(t, refundFile, edit{dataObj + "object", del}), "is required"},
		{"object not a string", fixture(t, refundFile, edit{dataObj + "object", 7}), "string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, ignored, err := d.Event(tt.body, nil)
			if tt.text == "" {
				if err != nil || (ev == nil) == (ignored == "") {
					t.Fatalf("Event = %v, %q, %v; want it accepted", ev, ignored, err)
				}
				return
			}
			var e *aftersale.Error
			if ev != nil || ignored != "" || !errors.As(err, &e) || e.Code != aftersale.EINVALID ||
				e.Field != "data.object.object" || !strings.Contains(e.Message, tt.text) {
				t.Fatalf("Event = %+v, %q, %#v; want EINVALID on data.object.object saying %q", ev, ignored, err, tt.text)
			}
		})
	}
}
