package stripe

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// The samples are Stripe's own example objects (stripe/openapi's
// fixtures3.json) in an event envelope; testdata/README.md says where each
// comes from and what was changed.
const (
	sampleInvoice       = "samples/openapi_invoice_paid.json"
	sampleInvoice2024   = "samples/openapi_invoice_paid_2024.json"
	sampleRefundPartial = "samples/openapi_charge_refunded_partial.json"
	sampleRefundFull    = "samples/openapi_charge_refunded_full.json"
	sampleCheckout      = "samples/openapi_checkout_session_completed.json"
	sampleCheckoutLines = "samples/openapi_checkout_session_line_items.json"
)

// TestSamples maps each sample, one row per Stripe event type and API
// shape, and compares the whole event.
func TestSamples(t *testing.T) {
	const (
		pi      = "pi_1PgafyB7WZ01zgkWSjxsAJo3"
		created = 1234567890
	)
	at := time.Unix(created, 0).UTC()
	jenny := &aftersale.Contact{Email: "jenny.rosen@example.com", Name: "Jenny Rosen"}
	newPlan := []aftersale.Item{{SKU: "price_1PgafmB7WZ01zgkW02Hf9z6c", Name: "7 × New Plan (at $100.00 / month)",
		Kind: aftersale.KindMembership, Quantity: 7, Price: "100.00"}}
	checkoutCustomer := &aftersale.Contact{Email: "example@example.com", Name: "Jenny Rosen"}
	tests := []struct {
		name  string
		file  string
		edits []edit
		want  *aftersale.Event
	}{
		{name: "invoice.paid (2025-03-31 and later: pricing)", file: sampleInvoice,
			want: &aftersale.Event{ID: "stripe:evt_1Pgc76B7WZ01zgkWwyRHS12y", Type: aftersale.EventOrderPlaced,
				OccurredAt: at, Source: Source, Customer: jenny,
				Order: &aftersale.OrderFacts{ID: "in_1Pgc6tB7WZ01zgkWu9fdqL6I", Currency: "USD", Total: "700.00", Items: newPlan}}},
		{name: "invoice.paid (before 2025-03-31: price)", file: sampleInvoice2024,
			want: &aftersale.Event{ID: "stripe:evt_1Pgc76B7WZ01zgkWwyRHS12y", Type: aftersale.EventOrderPlaced,
				OccurredAt: at, Source: Source, Customer: jenny,
				Order: &aftersale.OrderFacts{ID: "in_1Pgc6tB7WZ01zgkWu9fdqL6I", Currency: "USD", Total: "700.00", Items: newPlan}}},
		{name: "charge.refunded, partial", file: sampleRefundPartial,
			want: &aftersale.Event{ID: "stripe:evt_1Pgc76B7WZ01zgkWwyRHS12y", Type: aftersale.EventOrderRefunded,
				OccurredAt: at, Source: Source, Order: &aftersale.OrderFacts{ID: pi},
				Refund: &aftersale.RefundFacts{ID: "re_1Pgc72B7WZ01zgkWqPvrRrPE", Amount: "30.00", Cumulative: true,
					Reason: "requested_by_customer"}}},
		{name: "charge.refunded, the rest", file: sampleRefundFull,
			want: &aftersale.Event{ID: "stripe:evt_1Pgc9xB7WZ01zgkWq2Lr5Hn8", Type: aftersale.EventOrderRefunded,
				OccurredAt: time.Unix(1234571490, 0).UTC(), Source: Source, Order: &aftersale.OrderFacts{ID: pi},
				Refund: &aftersale.RefundFacts{ID: "re_1Pgc7bB7WZ01zgkW3mR8sT2e", Amount: "100.00", Full: true, Cumulative: true}}},
		{name: "checkout.session.completed", file: sampleCheckout,
			want: &aftersale.Event{ID: "stripe:evt_1Pgc76B7WZ01zgkWwyRHS12y", Type: aftersale.EventOrderPlaced,
				OccurredAt: at, Source: Source, Customer: checkoutCustomer,
				Order: &aftersale.OrderFacts{ID: pi, Currency: "USD", Total: "20.00",
					Items: []aftersale.Item{{Name: "Stripe checkout", Kind: aftersale.KindPhysical, Quantity: 1, Price: "20.00"}}}}},
		{name: "checkout.session.async_payment_succeeded", file: sampleCheckout,
			edits: []edit{{"type", "checkout.session.async_payment_succeeded"}},
			want: &aftersale.Event{ID: "stripe:evt_1Pgc76B7WZ01zgkWwyRHS12y", Type: aftersale.EventOrderPlaced,
				OccurredAt: at, Source: Source, Customer: checkoutCustomer,
				Order: &aftersale.OrderFacts{ID: pi, Currency: "USD", Total: "20.00",
					Items: []aftersale.Item{{Name: "Stripe checkout", Kind: aftersale.KindPhysical, Quantity: 1, Price: "20.00"}}}}},
		{name: "checkout.session.completed with line_items expanded", file: sampleCheckoutLines,
			want: &aftersale.Event{ID: "stripe:evt_1Pgc76B7WZ01zgkWwyRHS12y", Type: aftersale.EventOrderPlaced,
				OccurredAt: at, Source: Source, Customer: checkoutCustomer,
				Order: &aftersale.OrderFacts{ID: pi, Currency: "USD", Total: "20.00",
					Items: []aftersale.Item{{SKU: "price_1PgafmB7WZ01zgkW02Hf9z6c", Name: "T-shirt",
						Kind: aftersale.KindPhysical, Quantity: 2, Price: "10.00"}}}}},
	}
	d := &Decoder{Secret: "whsec_test"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := mustEvent(t, d, fixture(t, tt.file, tt.edits...))
			if !reflect.DeepEqual(ev, tt.want) {
				t.Errorf("\n got %s\nwant %s", js(ev), js(tt.want))
			}
			if ev.Order.Number != "" {
				t.Errorf("number %q: Stripe has no order number", ev.Order.Number)
			}
		})
	}
}

// TestUnitPrices checks that every line is priced per unit, whichever
// way Stripe gives the price.
func TestUnitPrices(t *testing.T) {
	const line = dataObj + "lines.data.0."
	tests := []struct {
		name  string
		file  string
		edits []edit
		want  string // the first item's price
		qty   int
	}{
		{name: "pricing.unit_amount_decimal", file: sampleInvoice, want: "100.00", qty: 7},
		{name: "pricing with sub-cent decimals", file: sampleInvoice,
			edits: []edit{{line + "pricing.unit_amount_decimal", "1250.5"}, {line + "amount", 8754}},
			want:  "12.505", qty: 7},
		{name: "no pricing amount: amount ÷ quantity", file: sampleInvoice,
			edits: []edit{{line + "pricing.unit_amount_decimal", nil}}, want: "100.00", qty: 7},
		{name: "no pricing at all", file: sampleInvoice,
			edits: []edit{{line + "pricing", nil}}, want: "100.00", qty: 7},
		{name: "amount ÷ quantity, not a whole cent", file: sampleInvoice,
			edits: []edit{{line + "pricing", nil}, {line + "amount", 10000}, {line + "quantity", 3}},
			want:  "33.333333", qty: 3},
		{name: "prorated line: what was paid per unit", file: sampleInvoice,
			edits: []edit{{line + "parent.subscription_item_details.proration", true}, {line + "amount", 35000}},
			want:  "50.00", qty: 7},
		{name: "proration on the other detail is not this line's", file: sampleInvoice,
			edits: []edit{{line + "parent.invoice_item_details", map[string]any{"proration": true}}},
			want:  "100.00", qty: 7},
		{name: "quantity 0", file: sampleInvoice,
			edits: []edit{{line + "pricing", nil}, {line + "quantity", 0}, {line + "amount", 0}},
			want:  "0.00", qty: 1}, // the event model counts 0 as 1
		{name: "no quantity", file: sampleInvoice,
			edits: []edit{{line + "pricing", nil}, {line + "quantity", nil}}, want: "700.00", qty: 1},
		{name: "yen", file: sampleInvoice,
			edits: []edit{{dataObj + "currency", "jpy"}, {dataObj + "amount_paid", 7000},
				{line + "pricing.unit_amount_decimal", "1000"}, {line + "amount", 7000}},
			want: "1000", qty: 7},
		{name: "yen, amount ÷ quantity", file: sampleInvoice,
			edits: []edit{{dataObj + "currency", "jpy"}, {line + "pricing", nil}, {line + "amount", 7000}},
			want:  "1000", qty: 7},
		{name: "dinar", file: sampleInvoice,
			edits: []edit{{dataObj + "currency", "kwd"}, {line + "pricing.unit_amount_decimal", "10000"}},
			want:  "10.000", qty: 7},

		{name: "price.unit_amount", file: sampleInvoice2024, want: "100.00", qty: 7},
		{name: "price.unit_amount_decimal only", file: sampleInvoice2024,
			edits: []edit{{line + "price.unit_amount", nil}, {line + "price.unit_amount_decimal", "10000"}},
			want:  "100.00", qty: 7},
		{name: "tiered price: amount ÷ quantity", file: sampleInvoice2024,
			edits: []edit{{line + "price.unit_amount", nil}, {line + "price.unit_amount_decimal", nil},
				{line + "price.billing_scheme", "tiered"}, {line + "amount", 63000}},
			want: "90.00", qty: 7},
		{name: "package price: amount ÷ quantity", file: sampleInvoice2024,
			edits: []edit{{line + "price.transform_quantity", map[string]any{"divide_by": 5, "round": "up"}},
				{line + "amount", 20000}},
			want: "28.571429", qty: 7},
		{name: "old proration flag", file: sampleInvoice2024,
			edits: []edit{{line + "proration", true}, {line + "amount", 35000}}, want: "50.00", qty: 7},
		{name: "price as an id", file: sampleInvoice2024,
			edits: []edit{{line + "price", "price_x"}}, want: "100.00", qty: 7},

		{name: "checkout price.unit_amount", file: sampleCheckoutLines, want: "10.00", qty: 2},
		{name: "checkout amount_subtotal ÷ quantity", file: sampleCheckoutLines,
			edits: []edit{{dataObj + "line_items.data.0.price", "price_x"}}, want: "10.00", qty: 2},
		{name: "checkout amount_total when no subtotal", file: sampleCheckoutLines,
			edits: []edit{{dataObj + "line_items.data.0.price", nil}, {dataObj + "line_items.data.0.amount_subtotal", nil},
				{dataObj + "line_items.data.0.amount_total", 1800}},
			want: "9.00", qty: 2},
	}
	d := &Decoder{Secret: "whsec_test"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := mustEvent(t, d, fixture(t, tt.file, tt.edits...))
			if it := ev.Order.Items[0]; it.Price != tt.want || it.Quantity != tt.qty {
				t.Errorf("%d × %s, want %d × %s", it.Quantity, it.Price, tt.qty, tt.want)
			}
		})
	}
}

// TestRefunds checks the refund part of charge.refunded.
func TestRefunds(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		edits   []edit
		want    *aftersale.RefundFacts
		ignored string
		field   string
	}{
		{name: "yen", file: sampleRefundPartial,
			edits: []edit{{dataObj + "currency", "jpy"}, {dataObj + "amount_refunded", 3000}},
			want:  &aftersale.RefundFacts{ID: "re_1Pgc72B7WZ01zgkWqPvrRrPE", Amount: "3000", Cumulative: true, Reason: "requested_by_customer"}},
		{name: "refunds not expanded", file: sampleRefundPartial,
			edits: []edit{{dataObj + "refunds", del}},
			want:  &aftersale.RefundFacts{Amount: "30.00", Cumulative: true}},
		{name: "a failed refund is not the latest", file: sampleRefundFull,
			edits: []edit{{dataObj + "refunds.data.0.status", "failed"}},
			want:  &aftersale.RefundFacts{ID: "re_1Pgc72B7WZ01zgkWqPvrRrPE", Amount: "100.00", Full: true, Cumulative: true, Reason: "requested_by_customer"}},
		{name: "the later created wins", file: sampleRefundFull,
			edits: []edit{{dataObj + "refunds.data.1.created", 1234999999}},
			want:  &aftersale.RefundFacts{ID: "re_1Pgc72B7WZ01zgkWqPvrRrPE", Amount: "100.00", Full: true, Cumulative: true, Reason: "requested_by_customer"}},
		{name: "fully refunded without amount_refunded", file: sampleRefundFull,
			edits: []edit{{dataObj + "amount_refunded", del}, {dataObj + "refunds", nil}},
			want:  &aftersale.RefundFacts{Full: true, Cumulative: true}},
		{name: "nothing refunded yet", file: sampleRefundPartial,
			edits: []edit{{dataObj + "amount_refunded", 0}}, ignored: "nothing is refunded"},
		{name: "neither amount_refunded nor refunded", file: sampleRefundPartial,
			edits: []edit{{dataObj + "amount_refunded", del}}, field: "data.object.amount_refunded"},
		{name: "no currency", file: sampleRefundPartial,
			edits: []edit{{dataObj + "currency", nil}}, field: "data.object.currency"},
		{name: "negative amount_refunded", file: sampleRefundPartial,
			edits: []edit{{dataObj + "amount_refunded", -1}}, field: "data.object.amount_refunded"},
		{name: "amount_refunded a string", file: sampleRefundPartial,
			edits: []edit{{dataObj + "amount_refunded", "30.00"}}, field: "data.object.amount_refunded"},
		{name: "refunds.data not a list", file: sampleRefundPartial,
			edits: []edit{{dataObj + "refunds.data", "re_1"}}, field: "data.object.refunds.data"},
	}
	d := &Decoder{Secret: "whsec_test"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, d, fixture(t, tt.file, tt.edits...), tt.ignored, tt.field, func(t *testing.T, ev *aftersale.Event) {
				if !reflect.DeepEqual(ev.Refund, tt.want) {
					t.Errorf("refund %s, want %s", js(ev.Refund), js(tt.want))
				}
			})
		})
	}
}

// TestRefundIdempotency checks that a redelivery of a refund is the same
// event and a later refund on the same charge a new one.
func TestRefundIdempotency(t *testing.T) {
	d := &Decoder{Secret: "whsec_test"}
	first := mustEvent(t, d, fixture(t, sampleRefundPartial))
	again := mustEvent(t, d, fixture(t, sampleRefundPartial))
	later := mustEvent(t, d, fixture(t, sampleRefundFull))
	if first.ID != again.ID {
		t.Errorf("a redelivery has id %s, first %s", again.ID, first.ID)
	}
	if later.ID == first.ID {
		t.Errorf("a later refund has the first one's id %s", later.ID)
	}
	if first.Order.ID != later.Order.ID {
		t.Errorf("the refunds are of orders %s and %s", first.Order.ID, later.Order.ID)
	}
	if !first.Refund.Cumulative || !later.Refund.Cumulative {
		t.Error("amount_refunded is everything refunded so far: cumulative")
	}
}

// check maps body and checks it maps (calling ok), is ignored for a reason
// containing ignored, or fails with an EINVALID error on field.
func check(t *testing.T, d *Decoder, body []byte, ignored, field string, ok func(*testing.T, *aftersale.Event)) {
	t.Helper()
	ev, reason, err := d.Event(body, nil)
	switch {
	case ignored != "":
		if ev != nil || err != nil || !strings.Contains(reason, ignored) {
			t.Fatalf("got %v, %q, %v; want ignored %q", ev, reason, err, ignored)
		}
	case field != "":
		var e *aftersale.Error
		if ev != nil || !errors.As(err, &e) || e.Code != aftersale.EINVALID || e.Field != field {
			t.Fatalf("got %v, %q, %v; want EINVALID on %q", ev, reason, err, field)
		}
	default:
		if err != nil || ev == nil {
			t.Fatalf("got %v, %q, %v", ev, reason, err)
		}
		checkValid(t, ev)
		ok(t, ev)
	}
}
