package stripe

import (
	"regexp"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/config"
)

// FuzzEvent checks that Event never panics, that it returns exactly one of
// an event, a reason or an EINVALID error, and that every event it returns
// passes Validate.
func FuzzEvent(f *testing.F) {
	for _, name := range []string{checkoutFile, subFile, invoiceFile, refundFile,
		sampleInvoice, sampleInvoice2024, sampleRefundPartial, sampleRefundFull, sampleCheckout, sampleCheckoutLines} {
		f.Add(fixture(f, name))
	}
	f.Add([]byte(`{"id":"evt_1","type":"charge.refunded","created":1,"data":{"object":{"id":"ch_1"}}}`))
	f.Add([]byte(`{"id":"evt_1","type":"invoice.paid","created":1,"data":{"object":{"id":"in_1","currency":"jpy",` +
		`"amount_paid":0,"billing_reason":"subscription_create","customer_email":"a@b.co","lines":{"data":[{"amount":0,"price":{"id":"p"}}]}}}}`))
	f.Add([]byte(`{"id":"evt_1","type":"checkout.session.completed","created":1,"data":{"object":{"id":"cs_1","mode":"payment",` +
		`"payment_status":"paid","currency":"isk","amount_total":1234,"customer_email":"a@b.co","discounts":[{"coupon":{"id":"C"}}],` +
		`"metadata":{"kind":"course"},"shipping_details":{}}}}`))
	f.Add([]byte(`{"id":"evt_1","type":"charge.refunded","created":1,"data":{"object":{"id":"ch_1","currency":"jpy",` +
		`"amount_refunded":300,"refunded":false,"refunds":{"data":[{"id":"re_2","created":2,"status":"failed"},{"id":"re_1","created":1,"reason":"duplicate"}]}}}}`))
	f.Add([]byte(`{"id":"evt_1","type":"invoice.paid","created":1,"data":{"object":{"id":"in_1","currency":"usd","amount_paid":700,` +
		`"customer_email":"a@b.co","lines":{"data":[{"amount":700,"quantity":3,"pricing":{"unit_amount_decimal":"233.3333333333"},` +
		`"parent":{"type":"subscription_item_details","subscription_item_details":{"proration":true}}},` +
		`{"amount":10,"quantity":7,"price":{"id":"p","unit_amount":null,"unit_amount_decimal":12.5,"transform_quantity":{"divide_by":5}}}]}}}}`))
	f.Add([]byte(`{"id":"evt_1","type":"checkout.session.completed","created":1,"data":{"object":{"id":"cs_1","mode":"payment",` +
		`"payment_status":"paid","currency":"kwd","amount_total":1234,"customer_email":"a@b.co","metadata":{"sku":"A"},` +
		`"line_items":{"data":[{"quantity":4,"amount_total":1234,"price":"price_1"}]}}}}`))
	rules, err := config.ParseKindRules("sku:A=course, type:B=coaching")
	if err != nil {
		f.Fatal(err)
	}
	d := &Decoder{Kinds: rules.Rules()}
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

// amountRE is the event model's form of money (aftersale's decimalRE).
var amountRE = regexp.MustCompile(`^[0-9]{1,15}(\.[0-9]{1,6})?$`)

// FuzzUnitPrice checks the unit price of a line, from a decimal unit
// amount as Stripe sends it (unit_amount_decimal) or from an amount and a
// quantity: it never panics, gives an EINVALID error or money the event
// model accepts, and agrees with formatAmount on whole minor units.
func FuzzUnitPrice(f *testing.F) {
	f.Add("10000", int64(70000), int64(7), "usd")
	f.Add("1250.5", int64(8754), int64(7), "eur")
	f.Add("", int64(10000), int64(3), "usd")
	f.Add("", int64(7000), int64(7), "jpy")
	f.Add("0.000000000001", int64(0), int64(0), "kwd")
	f.Add("-1", int64(1), int64(1), "isk")
	f.Add("99999999999999999.99", int64(-5), int64(1000000000), "usd")
	f.Add("490000", int64(490000), int64(1), "isk")
	f.Add("1e5", int64(1), int64(1), "usd")
	f.Fuzz(func(t *testing.T, unitDecimal string, amount, qty int64, cur string) {
		if len(cur) != 3 {
			cur = "USD"
		}
		cur = strings.ToUpper(cur)
		unit, err := decimalText(unitDecimal).rat("unit_amount_decimal")
		if err != nil {
			if aftersale.ErrorCode(err) != aftersale.EINVALID || unit != nil {
				t.Fatalf("rat(%q): %v, %v", unitDecimal, unit, err)
			}
			return
		}
		if qty < 0 {
			qty = -qty
		}
		s, err := unitPrice("amount", unit, amount, qty, cur)
		if err != nil {
			if aftersale.ErrorCode(err) != aftersale.EINVALID {
				t.Fatalf("not an EINVALID error: %v", err)
			}
			return
		}
		if !amountRE.MatchString(s) {
			t.Fatalf("unitPrice(%q, %d, %d, %s) = %q, not money", unitDecimal, amount, qty, cur, s)
		}
		if unit == nil && qty <= 1 {
			if want, err := formatAmount("amount", amount, cur); err != nil || want != s {
				t.Fatalf("unitPrice(%d, %d, %s) = %q; formatAmount says %q, %v", amount, qty, cur, s, want, err)
			}
		}
	})
}
