package stripe

import (
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
)

// FuzzEvent checks that Event never panics, that it returns exactly one of
// an event, a reason or an EINVALID error, and that every event it returns
// passes Validate.
func FuzzEvent(f *testing.F) {
	for _, name := range []string{checkoutFile, subFile, invoiceFile, refundFile} {
		f.Add(fixture(f, name))
	}
	f.Add([]byte(`{"id":"evt_1","type":"charge.refunded","created":1,"data":{"object":{"id":"ch_1"}}}`))
	f.Add([]byte(`{"id":"evt_1","type":"invoice.paid","created":1,"data":{"object":{"id":"in_1","currency":"jpy",` +
		`"amount_paid":0,"billing_reason":"subscription_create","customer_email":"a@b.co","lines":{"data":[{"amount":0,"price":{"id":"p"}}]}}}}`))
	f.Add([]byte(`{"id":"evt_1","type":"checkout.session.completed","created":1,"data":{"object":{"id":"cs_1","mode":"payment",` +
		`"payment_status":"paid","currency":"isk","amount_total":1234,"customer_email":"a@b.co","discounts":[{"coupon":{"id":"C"}}],` +
		`"metadata":{"kind":"course"},"shipping_details":{}}}}`))
	rules, err := aftersale.ParseKindRules("sku:A=course, type:B=coaching")
	if err != nil {
		f.Fatal(err)
	}
	d := &Decoder{Kinds: rules}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, ignored, err := d.Event(body, nil)
		switch {
		case err != nil:
			if ev != nil || ignored != "" {
				t.Fatalf("an error with an event or a reason: %v, %q, %v", ev, ignored, err)
			}
			if aftersale.ErrorCode(err) != aftersale.EINVALID {
				t.Fatalf("not an EINVALID error: %#v", err)
			}
		case ignored != "":
			if ev != nil {
				t.Fatalf("ignored with an event: %q", ignored)
			}
		case ev == nil:
			t.Fatal("no event, reason or error")
		default:
			if err := ev.Validate(); err != nil {
				t.Fatalf("the event does not validate: %v", err)
			}
			if ev.Source != Source || !strings.HasPrefix(ev.ID, "stripe:") {
				t.Fatalf("source %q, id %q", ev.Source, ev.ID)
			}
		}
	})
}
