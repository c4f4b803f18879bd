package stripe

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/config"
)

// del, as a value for set, deletes the key.
var del = &struct{}{}

// fixture returns testdata/name with each "path=value" edit applied; path
// is dotted ("data.object.metadata.sku"), array elements by index.
func fixture(t testing.TB, name string, edits ...edit) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if len(edits) == 0 {
		return b
	}
	var m any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, e := range edits {
		set(t, m, strings.Split(e.path, "."), e.value)
	}
	b, err = json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type edit struct {
	path  string
	value any
}

func set(t testing.TB, m any, path []string, v any) {
	t.Helper()
	switch c := m.(type) {
	case map[string]any:
		if len(path) == 1 {
			if v == del {
				delete(c, path[0])
			} else {
				c[path[0]] = v
			}
			return
		}
		next, ok := c[path[0]]
		if !ok || next == nil {
			next = map[string]any{}
			c[path[0]] = next
		}
		set(t, next, path[1:], v)
	case []any:
		i, err := strconv.Atoi(path[0])
		if err != nil || i >= len(c) {
			t.Fatalf("bad index %q", path[0])
		}
		if len(path) == 1 {
			c[i] = v
			return
		}
		set(t, c[i], path[1:], v)
	default:
		t.Fatalf("cannot set %v in a %T", path, m)
	}
}

const (
	checkoutFile = "checkout_session_completed.json"
	subFile      = "checkout_session_subscription.json"
	invoiceFile  = "invoice_paid.json"
	refundFile   = "charge_refunded.json"
	dataObj      = "data.object."
)

func TestEventFixtures(t *testing.T) {
	d := &Decoder{Secret: "whsec_test"}
	yes := true

	ev := mustEvent(t, d, fixture(t, checkoutFile))
	want := &aftersale.Event{
		ID:         "stripe:evt_1S2hQfL2e8vJk3QaKx7mT4pZ",
		Type:       aftersale.EventOrderPlaced,
		OccurredAt: time.Unix(1756896453, 0).UTC(),
		Source:     "stripe",
		Customer: &aftersale.Contact{Email: "jenny.rosen@example.com", Name: "Jenny Rosen",
			Phone: "+49 30 12345678", MarketingConsent: &yes},
		Order: &aftersale.OrderFacts{
			ID: "pi_3S2hPwL2e8vJk3Qa0Gm5cR1d", Currency: "EUR", Total: "49.00", Coupon: "WELCOME10",
			Items: []aftersale.Item{{SKU: "MUG-OCEAN-350", Name: "Handmade ceramic mug, ocean blue",
				Kind: aftersale.KindPhysical, Quantity: 1, Price: "49.00"}},
		},
	}
	if !reflect.DeepEqual(ev, want) {
		t.Errorf("checkout:\n got %s\nwant %s", js(ev), js(want))
	}
	checkoutOrder := ev.Order.ID

	ev = mustEvent(t, d, fixture(t, invoiceFile))
	want = &aftersale.Event{
		ID:         "stripe:evt_1S2jA7L2e8vJk3QaU1bX9mFh",
		Type:       aftersale.EventOrderPlaced,
		OccurredAt: time.Unix(1756903127, 0).UTC(),
		Source:     "stripe",
		Customer:   &aftersale.Contact{Email: "max.muster@example.org", Name: "Max Muster"},
		Order: &aftersale.OrderFacts{
			ID: "in_1S2j9yL2e8vJk3QaHq3U6sKo", Currency: "EUR", Total: "49.00",
			Items: []aftersale.Item{
				{SKU: "price_1S1aXbL2e8vJk3QaMbrMonth", Name: "1 × Studio membership (at €29.00 / month)",
					Kind: aftersale.KindMembership, Quantity: 1, Price: "29.00"},
				{SKU: "price_1S1aZcL2e8vJk3QaCoachMon", Name: "1 × Monthly 1:1 coaching call (at €20.00 / month)",
					Kind: aftersale.KindMembership, Quantity: 1, Price: "20.00"},
			},
		},
	}
	if !reflect.DeepEqual(ev, want) {
		t.Errorf("invoice:\n got %s\nwant %s", js(ev), js(want))
	}

	ev = mustEvent(t, d, fixture(t, refundFile))
	want = &aftersale.Event{
		ID:         "stripe:evt_3S2hPwL2e8vJk3Qa0nJ6wE2s",
		Type:       aftersale.EventOrderRefunded,
		OccurredAt: time.Unix(1757071802, 0).UTC(),
		Source:     "stripe",
		Order:      &aftersale.OrderFacts{ID: checkoutOrder},
		Refund:     &aftersale.RefundFacts{Amount: "49.00", Full: true, Cumulative: true},
	}
	if !reflect.DeepEqual(ev, want) {
		t.Errorf("refund:\n got %s\nwant %s", js(ev), js(want))
	}

	ev, ignored, err := d.Event(fixture(t, subFile), nil)
	if ev != nil || err != nil || ignored != "memberships come from invoice.paid" {
		t.Errorf("subscription session: got %v, %q, %v", ev, ignored, err)
	}
}

// mustEvent maps body and checks that the event passes Validate and the
// generic API's DecodeEvent unchanged.
func mustEvent(t *testing.T, d *Decoder, body []byte) *aftersale.Event {
	t.Helper()
	ev, ignored, err := d.Event(body, nil)
	if err != nil || ignored != "" || ev == nil {
		t.Fatalf("Event: %v, %q, %v", ev, ignored, err)
	}
	checkValid(t, ev)
	return ev
}

func checkValid(t testing.TB, ev *aftersale.Event) {
	t.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	again, err := aftersale.DecodeEvent(b)
	if err != nil {
		t.Fatalf("the event does not pass the generic API: %v\n%s", err, b)
	}
	if !reflect.DeepEqual(again, ev) {
		t.Fatalf("Validate changed the event:\n was %s\n now %s", b, js(again))
	}
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestEvent(t *testing.T) {
	parsed, err := config.ParseKindRules("sku:COURSE-=course, type:Gift card=digital, sku:price_1S1aZc=coaching")
	if err != nil {
		t.Fatal(err)
	}
	rules := parsed.Rules()
	no := false
	tests := []struct {
		name    string
		file    string
		edits   []edit
		check   func(t *testing.T, ev *aftersale.Event)
		ignored string // a part of the reason
		field   string // the EINVALID error's field
	}{
		{name: "async payment succeeded", file: checkoutFile,
			edits: []edit{{"type", "checkout.session.async_payment_succeeded"}},
			check: total("49.00")},
		{name: "not paid yet", file: checkoutFile,
			edits:   []edit{{dataObj + "payment_status", "unpaid"}},
			ignored: "the checkout session is not paid yet"},
		{name: "no payment required", file: checkoutFile,
			edits: []edit{{dataObj + "payment_status", "no_payment_required"}, {dataObj + "amount_total", 0}},
			check: total("0.00")},
		{name: "no email", file: checkoutFile,
			edits:   []edit{{dataObj + "customer_details.email", nil}},
			ignored: "no customer email"},
		{name: "no customer details", file: checkoutFile,
			edits:   []edit{{dataObj + "customer_details", nil}},
			ignored: "no customer email"},
		{name: "prefilled customer_email", file: checkoutFile,
			edits: []edit{{dataObj + "customer_details", nil}, {dataObj + "customer_email", "pre@example.com"}},
			check: func(t *testing.T, ev *aftersale.Event) {
				if c := ev.Customer; c.Email != "pre@example.com" || c.Name != "" {
					t.Errorf("customer %+v", c)
				}
			}},
		{name: "opt out", file: checkoutFile,
			edits: []edit{{dataObj + "consent.promotions", "opt_out"}},
			check: func(t *testing.T, ev *aftersale.Event) {
				if c := ev.Customer.MarketingConsent; c == nil || *c != no {
					t.Errorf("consent %v", c)
				}
			}},
		{name: "no consent collected", file: checkoutFile,
			edits: []edit{{dataObj + "consent", nil}},
			check: func(t *testing.T, ev *aftersale.Event) {
				if c := ev.Customer.MarketingConsent; c != nil {
					t.Errorf("consent %v, want nil", *c)
				}
			}},
		{name: "no payment intent", file: checkoutFile,
			edits: []edit{{dataObj + "payment_intent", nil}},
			check: orderID("cs_live_b1Ju6kQw0xW3eLdVn7YpR2sT5uZ8aC4fG9hJ1kM3nP6qS0vX2yB5dE7")},
		{name: "expanded payment intent", file: checkoutFile,
			edits: []edit{{dataObj + "payment_intent", map[string]any{"id": "pi_x", "object": "payment_intent"}}},
			check: orderID("pi_x")},
		{name: "metadata kind wins", file: checkoutFile,
			edits: []edit{{dataObj + "metadata.kind", " Course "}},
			check: kind(aftersale.KindCourse)},
		{name: "unknown metadata kind", file: checkoutFile,
			edits: []edit{{dataObj + "metadata.kind", "ebook"}},
			check: kind(aftersale.KindPhysical)},
		{name: "no shipping is digital", file: checkoutFile,
			edits: []edit{{dataObj + "collected_information.shipping_details", nil}},
			check: kind(aftersale.KindDigital)},
		{name: "old API shipping_details ships", file: checkoutFile,
			edits: []edit{{dataObj + "collected_information", del},
				{dataObj + "shipping_details", map[string]any{"name": "J R", "address": map[string]any{"country": "DE"}}}},
			check: kind(aftersale.KindPhysical)},
		{name: "no metadata", file: checkoutFile,
			edits: []edit{{dataObj + "metadata", map[string]any{}}},
			check: func(t *testing.T, ev *aftersale.Event) {
				if it := ev.Order.Items[0]; it.Name != "Stripe checkout" || it.SKU != "" {
					t.Errorf("item %+v", it)
				}
			}},
		{name: "coupon from the expanded breakdown", file: checkoutFile,
			edits: []edit{{dataObj + "total_details.breakdown", map[string]any{"discounts": []any{
				map[string]any{"amount": 500, "discount": map[string]any{"id": "di_1", "coupon": map[string]any{"id": "SUMMER", "percent_off": 10}}},
			}}}},
			check: func(t *testing.T, ev *aftersale.Event) {
				if ev.Order.Coupon != "SUMMER" {
					t.Errorf("coupon %q", ev.Order.Coupon)
				}
			}},
		{name: "no coupon", file: checkoutFile,
			edits: []edit{{dataObj + "discounts", []any{}}},
			check: func(t *testing.T, ev *aftersale.Event) {
				if ev.Order.Coupon != "" {
					t.Errorf("coupon %q", ev.Order.Coupon)
				}
			}},
		{name: "yen", file: checkoutFile,
			edits: []edit{{dataObj + "currency", "jpy"}, {dataObj + "amount_total", 4900}},
			check: total("4900")},
		{name: "kind rule on sku", file: checkoutFile,
			edits: []edit{{dataObj + "metadata.sku", "course-photo-101"}},
			check: kind(aftersale.KindCourse)},
		{name: "kind rule on product type", file: checkoutFile,
			edits: []edit{{dataObj + "metadata.product_type", "gift card"}},
			check: kind(aftersale.KindDigital)},
		{name: "setup mode", file: checkoutFile,
			edits: []edit{{dataObj + "mode", "setup"}}, ignored: "setup mode"},
		{name: "no mode", file: checkoutFile,
			edits: []edit{{dataObj + "mode", nil}}, field: "data.object.mode"},
		{name: "no currency", file: checkoutFile,
			edits: []edit{{dataObj + "currency", nil}}, field: "data.object.currency"},
		{name: "bad currency", file: checkoutFile,
			edits: []edit{{dataObj + "currency", "euro"}}, field: "data.object.currency"},
		{name: "no amount_total", file: checkoutFile,
			edits: []edit{{dataObj + "amount_total", nil}}, field: "data.object.amount_total"},
		{name: "amount_total a string", file: checkoutFile,
			edits: []edit{{dataObj + "amount_total", "49.00"}}, field: "data.object.amount_total"},
		{name: "metadata not strings", file: checkoutFile,
			edits: []edit{{dataObj + "metadata.sku", 42}}, field: "data.object.metadata"},
		{name: "payment_intent a number", file: checkoutFile,
			edits: []edit{{dataObj + "payment_intent", 42}}, field: "data.object.payment_intent"},
		{name: "bad email", file: checkoutFile,
			edits: []edit{{dataObj + "customer_details.email", "jenny at example"}}, field: "customer.email"},
		{name: "no session id", file: checkoutFile,
			edits: []edit{{dataObj + "id", nil}}, field: "data.object.id"},

		{name: "free trial start", file: invoiceFile,
			edits: []edit{{dataObj + "amount_paid", 0}, {dataObj + "lines.data.0.amount", 0}, {dataObj + "lines.data.1.amount", 0}},
			check: total("0.00")},
		{name: "nothing paid on renewal", file: invoiceFile,
			edits:   []edit{{dataObj + "amount_paid", 0}, {dataObj + "billing_reason", "subscription_cycle"}},
			ignored: "amount_paid 0"},
		{name: "renewal", file: invoiceFile,
			edits: []edit{{dataObj + "billing_reason", "subscription_cycle"}},
			check: total("49.00")},
		{name: "invoice without email", file: invoiceFile,
			edits: []edit{{dataObj + "customer_email", nil}}, ignored: "no customer email"},
		{name: "old API line price", file: invoiceFile,
			edits: []edit{{dataObj + "lines.data.0.pricing", del},
				{dataObj + "lines.data.0.price", map[string]any{"id": "price_old", "object": "price", "unit_amount": 2900}}},
			check: func(t *testing.T, ev *aftersale.Event) {
				if sku := ev.Order.Items[0].SKU; sku != "price_old" {
					t.Errorf("sku %q", sku)
				}
			}},
		{name: "line without price or description", file: invoiceFile,
			edits: []edit{{dataObj + "lines.data.0.pricing", nil}, {dataObj + "lines.data.0.description", nil}},
			check: func(t *testing.T, ev *aftersale.Event) {
				if it := ev.Order.Items[0]; it.Name != "Stripe subscription" || it.SKU != "" {
					t.Errorf("item %+v", it)
				}
			}},
		{name: "quantity", file: invoiceFile,
			edits: []edit{{dataObj + "lines.data.0.quantity", 3}},
			check: func(t *testing.T, ev *aftersale.Event) {
				if q := ev.Order.Items[0].Quantity; q != 3 {
					t.Errorf("quantity %d", q)
				}
			}},
		{name: "credit lines are left out", file: invoiceFile,
			edits: []edit{{dataObj + "lines.data.1.amount", -1500}, {dataObj + "lines.data.1.description", "Unused time on Coaching"}},
			check: func(t *testing.T, ev *aftersale.Event) {
				if n := len(ev.Order.Items); n != 1 {
					t.Errorf("%d items", n)
				}
			}},
		{name: "kind rule on a line", file: invoiceFile,
			check: func(t *testing.T, ev *aftersale.Event) {
				// with the rules below; without them both are memberships
				if k0, k1 := ev.Order.Items[0].Kind, ev.Order.Items[1].Kind; k0 != aftersale.KindMembership || k1 != aftersale.KindCoaching {
					t.Errorf("kinds %s, %s", k0, k1)
				}
			}},
		{name: "no lines", file: invoiceFile,
			edits: []edit{{dataObj + "lines.data", []any{}}}, field: "data.object.lines.data"},
		{name: "negative quantity", file: invoiceFile,
			edits: []edit{{dataObj + "lines.data.1.quantity", -1}}, field: "data.object.lines.data[1].quantity"},
		{name: "no amount_paid", file: invoiceFile,
			edits: []edit{{dataObj + "amount_paid", nil}}, field: "data.object.amount_paid"},
		{name: "huge amount", file: invoiceFile,
			edits: []edit{{dataObj + "amount_paid", int64(9e18)}}, field: "data.object.amount_paid"},

		{name: "refund of an invoice (old API)", file: refundFile,
			edits: []edit{{dataObj + "invoice", "in_old"}}, check: orderID("in_old")},
		{name: "refund without payment intent", file: refundFile,
			edits: []edit{{dataObj + "payment_intent", nil}}, check: orderID("ch_3S2hPwL2e8vJk3Qa0kV2yT9b")},
		{name: "partial refund", file: refundFile,
			edits: []edit{{dataObj + "refunded", false}, {dataObj + "amount_refunded", 1500}},
			check: func(t *testing.T, ev *aftersale.Event) {
				want := &aftersale.RefundFacts{Amount: "15.00", Cumulative: true}
				if !reflect.DeepEqual(ev.Refund, want) {
					t.Errorf("refund %s, want %s", js(ev.Refund), js(want))
				}
			}},
		{name: "refund without the refunded flag", file: refundFile,
			edits: []edit{{dataObj + "refunded", del}}, check: orderID("pi_3S2hPwL2e8vJk3Qa0Gm5cR1d")},
		{name: "refund without any reference", file: refundFile,
			edits: []edit{{dataObj + "payment_intent", nil}, {dataObj + "id", nil}}, field: "data.object.id"},

		{name: "other type", file: refundFile,
			edits: []edit{{"type", "customer.created"}}, ignored: "event type customer.created is not used"},
		{name: "no event id", file: refundFile,
			edits: []edit{{"id", nil}}, field: "id"},
		{name: "no type", file: refundFile,
			edits: []edit{{"type", nil}}, field: "type"},
		{name: "no created", file: refundFile,
			edits: []edit{{"created", del}}, field: "created"},
		{name: "no object", file: refundFile,
			edits: []edit{{"data.object", nil}}, field: "data.object"},
		{name: "object not an object", file: refundFile,
			edits: []edit{{"data.object", "ch_1"}}, field: "data.object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &Decoder{Secret: "whsec_test", Kinds: rules}
			ev, ignored, err := d.Event(fixture(t, tt.file, tt.edits...), nil)
			switch {
			case tt.check != nil:
				if err != nil || ev == nil {
					t.Fatalf("got %v, %q, %v", ev, ignored, err)
				}
				checkValid(t, ev)
				tt.check(t, ev)
			case tt.ignored != "":
				if ev != nil || err != nil || !strings.Contains(ignored, tt.ignored) {
					t.Fatalf("got %v, %q, %v; want ignored %q", ev, ignored, err, tt.ignored)
				}
			default:
				var e *aftersale.Error
				if ev != nil || !errors.As(err, &e) || e.Code != aftersale.EINVALID || e.Field != tt.field {
					t.Fatalf("got %v, %q, %v; want EINVALID on %q", ev, ignored, err, tt.field)
				}
			}
		})
	}
}

func total(want string) func(*testing.T, *aftersale.Event) {
	return func(t *testing.T, ev *aftersale.Event) {
		if ev.Order.Total != want {
			t.Errorf("total %q, want %q", ev.Order.Total, want)
		}
	}
}

func orderID(want string) func(*testing.T, *aftersale.Event) {
	return func(t *testing.T, ev *aftersale.Event) {
		if ev.Order.ID != want {
			t.Errorf("order id %q, want %q", ev.Order.ID, want)
		}
	}
}

func kind(want aftersale.ItemKind) func(*testing.T, *aftersale.Event) {
	return func(t *testing.T, ev *aftersale.Event) {
		if k := ev.Order.Items[0].Kind; k != want {
			t.Errorf("kind %q, want %q", k, want)
		}
	}
}

func TestMalformed(t *testing.T) {
	d := &Decoder{}
	for _, body := range []string{"", "{", "[]", "null", `{"type": 1}`, `{"id":"evt_1","type":"charge.refunded","created":"now"}`} {
		ev, ignored, err := d.Event([]byte(body), nil)
		if ev != nil || ignored != "" || aftersale.ErrorCode(err) != aftersale.EINVALID {
			t.Errorf("%q: got %v, %q, %v", body, ev, ignored, err)
		}
	}
}
