package shopify

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/config"
)

var (
	testSecret = []byte("shpss_0123456789abcdef0123456789abcdef")
	testNow    = time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
)

func newDecoder(t testing.TB, rules string) *Decoder {
	t.Helper()
	var kinds *aftersale.KindRules
	if rules != "" {
		r, err := config.ParseKindRules(rules)
		if err != nil {
			t.Fatal(err)
		}
		kinds = r.Rules()
	}
	return &Decoder{Secret: testSecret, Kinds: kinds, Now: func() time.Time { return testNow }}
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func headers(topic, id string) http.Header {
	h := http.Header{}
	if topic != "" {
		h.Set(HeaderTopic, topic)
	}
	if id != "" {
		h.Set(HeaderWebhookID, id)
	}
	return h
}

func sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// mutate decodes a fixture (keeping numbers exact), lets f change it and
// encodes it again.
func mutate(t *testing.T, body []byte, f func(m map[string]any)) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	f(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// obj returns m[key] as an object.
func obj(m map[string]any, key string) map[string]any { return m[key].(map[string]any) }

// lineItem returns the i-th line item of an order.
func line(m map[string]any, i int) map[string]any { return m["line_items"].([]any)[i].(map[string]any) }

func ptr[T any](v T) *T { return &v }

func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	var e *aftersale.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want an *aftersale.Error", err, err)
	}
	if e.Code != code || e.Field != field {
		t.Fatalf("err = code %q field %q (%v), want code %q field %q", e.Code, e.Field, e, code, field)
	}
}

func TestVerify(t *testing.T) {
	body := fixture(t, "orders_create.json")
	good := sign(testSecret, body)
	changed := bytes.Clone(body)
	changed[len(changed)/2] ^= 1
	tests := []struct {
		name   string
		secret []byte
		body   []byte
		sig    string // "-" for no header
		ok     bool
		msg    string
	}{
		{"good signature", testSecret, body, good, true, ""},
		{"good signature with spaces", testSecret, body, " " + good + " ", true, ""},
		{"one byte changed", testSecret, changed, good, false, "does not match"},
		{"wrong secret", []byte("another secret"), body, good, false, "does not match"},
		{"missing header", testSecret, body, "-", false, "missing"},
		{"empty header", testSecret, body, "", false, "missing"},
		{"not base64", testSecret, body, "not*base64!", false, "malformed"},
		{"hex, not base64", testSecret, body, strings.Repeat("ab", 32), false, "malformed"},
		{"too short", testSecret, body, base64.StdEncoding.EncodeToString([]byte("short")), false, "malformed"},
		{"empty secret", nil, body, good, false, "AFTERSALE_SHOPIFY_SECRET is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.sig != "-" {
				h.Set("X-Shopify-Hmac-SHA256", tt.sig) // any case, as Shopify spells it
			}
			d := &Decoder{Secret: tt.secret}
			err := d.Verify(tt.body, h)
			if tt.ok {
				if err != nil {
					t.Fatalf("Verify = %v, want nil", err)
				}
				return
			}
			wantCode(t, err, aftersale.EUNAUTHORIZED, "")
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Verify = %q, want it to say %q", err, tt.msg)
			}
			if want := sign(tt.secret, tt.body); strings.Contains(err.Error(), want) {
				t.Errorf("Verify = %q echoes the expected signature", err)
			}
		})
	}
}

func TestEventFixtures(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	anaOrder := &aftersale.OrderFacts{
		ID: "5981234567890123", Number: "#1001", Currency: "EUR", Total: "101.90", Coupon: "SPRING10",
		Items: []aftersale.Item{
			{SKU: "TEE-BLK-M", Name: "Organic Cotton Tee - Black / M", Kind: aftersale.KindPhysical, Quantity: 2, Price: "29.00"},
			{SKU: "COURSE-PHOTO-101", Name: "Photography Basics (online course)", Kind: aftersale.KindDigital, Quantity: 1, Price: "49.00"},
		},
	}
	tests := []struct {
		topic, file string
		want        *aftersale.Event
	}{
		{"orders/create", "orders_create.json", &aftersale.Event{
			Type: aftersale.EventOrderPlaced, OccurredAt: at("2026-03-14T10:21:07+01:00"),
			Customer: &aftersale.Contact{Email: "ana.lopez@example.com", Name: "Ana López", Phone: "+34612345678", MarketingConsent: ptr(true)},
			Order:    anaOrder,
		}},
		{"orders/paid", "orders_paid.json", &aftersale.Event{
			Type: aftersale.EventOrderPlaced, OccurredAt: at("2026-03-15T09:02:44Z"),
			Customer: &aftersale.Contact{Email: "ben.okafor@example.com", Name: "Ben Okafor", Phone: "+44 7700 900123", MarketingConsent: ptr(false)},
			Order: &aftersale.OrderFacts{ID: "5981234567890456", Number: "#1002", Currency: "GBP", Total: "120.00", Items: []aftersale.Item{
				{SKU: "COACH-60", Name: "1:1 Coaching session (60 min)", Kind: aftersale.KindDigital, Quantity: 1, Price: "120.00"},
			}},
		}},
		{"orders/cancelled", "orders_cancelled.json", &aftersale.Event{
			Type: aftersale.EventOrderCancelled, OccurredAt: at("2026-03-16T14:05:31-04:00"),
			Order: &aftersale.OrderFacts{ID: "5981234567890789", Number: "#1003"},
		}},
		{"refunds/create", "refunds_create.json", &aftersale.Event{
			Type: aftersale.EventOrderRefunded, OccurredAt: at("2026-03-20T16:12:02+01:00"),
			Order: &aftersale.OrderFacts{ID: "5981234567890123"},
			Refund: &aftersale.RefundFacts{ID: "930123456790", Amount: "44.98", Reason: "Course not suitable", Items: []aftersale.RefundItem{
				{SKU: "COURSE-PHOTO-101", Name: "Photography Basics (online course)", Quantity: 1, Amount: "44.98"},
			}},
		}},
		{"fulfillments/create", "fulfillments_create.json", &aftersale.Event{
			Type: aftersale.EventShipmentUpdated, OccurredAt: at("2026-03-15T12:30:18+01:00"),
			Shipment: &aftersale.Shipment{OrderID: "5981234567890123", Status: aftersale.ShipmentShipped, Carrier: "DHL Express", TrackingNumber: "1234567890",
				TrackingURL: "https://www.dhl.com/es-en/home/tracking/tracking-express.html?submit=1&tracking-id=1234567890"},
		}},
		{"fulfillments/update", "fulfillments_update.json", &aftersale.Event{
			Type: aftersale.EventShipmentUpdated, OccurredAt: at("2026-03-17T11:04:52+01:00"),
			Shipment: &aftersale.Shipment{OrderID: "5981234567890123", Status: aftersale.ShipmentDelivered, Carrier: "DHL Express", TrackingNumber: "1234567890",
				TrackingURL: "https://www.dhl.com/es-en/home/tracking/tracking-express.html?submit=1&tracking-id=1234567890"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.topic, func(t *testing.T) {
			d := newDecoder(t, "")
			body := fixture(t, tt.file)
			h := headers(tt.topic, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
			h.Set(HeaderHmac, sign(testSecret, body))
			if err := d.Verify(body, h); err != nil {
				t.Fatal(err)
			}
			ev, ignored, err := d.Event(body, h)
			if err != nil || ignored != "" {
				t.Fatalf("Event = %v, %q, want an event", err, ignored)
			}
			want := *tt.want
			want.ID, want.Source = "shopify:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", "shopify"
			if !ev.OccurredAt.Equal(want.OccurredAt) {
				t.Errorf("OccurredAt = %v, want %v", ev.OccurredAt, want.OccurredAt)
			}
			got := *ev
			got.OccurredAt, want.OccurredAt = time.Time{}, time.Time{}
			if !reflect.DeepEqual(&got, &want) {
				g, _ := json.MarshalIndent(&got, "", " ")
				w, _ := json.MarshalIndent(&want, "", " ")
				t.Errorf("event =\n%s\nwant\n%s", g, w)
			}
			if err := ev.Validate(); err != nil {
				t.Errorf("Validate = %v", err)
			}
		})
	}
}

// orderCase changes orders_create.json and checks the event or the reason.
type orderCase struct {
	name    string
	change  func(m map[string]any)
	check   func(t *testing.T, ev *aftersale.Event)
	ignored string
}

func TestOrderPlacedFields(t *testing.T) {
	consent := func(want *bool) func(*testing.T, *aftersale.Event) {
		return func(t *testing.T, ev *aftersale.Event) {
			if got := ev.Customer.MarketingConsent; !reflect.DeepEqual(got, want) {
				t.Errorf("MarketingConsent = %v, want %v", fmtBool(got), fmtBool(want))
			}
		}
	}
	state := func(s any) func(m map[string]any) {
		return func(m map[string]any) { obj(obj(m, "customer"), "email_marketing_consent")["state"] = s }
	}
	field := func(name string, got func(*aftersale.Event) any, want any) func(*testing.T, *aftersale.Event) {
		return func(t *testing.T, ev *aftersale.Event) {
			if g := got(ev); !reflect.DeepEqual(g, want) {
				t.Errorf("%s = %#v, want %#v", name, g, want)
			}
		}
	}
	email := func(ev *aftersale.Event) any { return ev.Customer.Email }
	name := func(ev *aftersale.Event) any { return ev.Customer.Name }
	phone := func(ev *aftersale.Event) any { return ev.Customer.Phone }
	tests := []orderCase{
		{name: "email from email, lower-cased", check: field("email", email, "ana.lopez@example.com")},
		{name: "email from contact_email", change: func(m map[string]any) { m["email"] = ""; m["contact_email"] = "c@example.com" },
			check: field("email", email, "c@example.com")},
		{name: "email from customer.email", change: func(m map[string]any) { m["email"] = nil; delete(m, "contact_email") },
			check: field("email", email, "ana.lopez@example.com")},
		{name: "no email anywhere", change: func(m map[string]any) { m["email"] = ""; m["contact_email"] = nil; m["customer"] = nil },
			ignored: "the order has no customer email"},
		{name: "no line items", change: func(m map[string]any) { m["line_items"] = []any{} }, ignored: "the order has no line items"},
		{name: "line items missing", change: func(m map[string]any) { delete(m, "line_items") }, ignored: "the order has no line items"},
		{name: "name from billing address", change: func(m map[string]any) { obj(m, "customer")["first_name"] = nil; obj(m, "customer")["last_name"] = "" },
			check: field("name", name, "Ana López")},
		{name: "name from first name only", change: func(m map[string]any) { obj(m, "customer")["last_name"] = nil },
			check: field("name", name, "Ana")},
		{name: "phone from billing address", change: func(m map[string]any) { obj(m, "customer")["phone"] = nil },
			check: field("phone", phone, "+34 612 345 678")},
		{name: "phone from shipping address", change: func(m map[string]any) {
			obj(m, "customer")["phone"] = nil
			m["billing_address"] = nil
			obj(m, "shipping_address")["phone"] = "+34 600 000 000"
		}, check: field("phone", phone, "+34 600 000 000")},
		{name: "no customer object", change: func(m map[string]any) { m["customer"] = nil; m["billing_address"] = nil; m["shipping_address"] = nil },
			check: field("customer", func(ev *aftersale.Event) any { return *ev.Customer }, aftersale.Contact{Email: "ana.lopez@example.com"})},
		{name: "consent subscribed", check: consent(ptr(true))},
		{name: "consent not_subscribed", change: state("not_subscribed"), check: consent(ptr(false))},
		{name: "consent unsubscribed", change: state("unsubscribed"), check: consent(ptr(false))},
		{name: "consent pending", change: state("pending"), check: consent(nil)},
		{name: "consent redacted", change: state("redacted"), check: consent(nil)},
		{name: "consent absent", change: func(m map[string]any) { delete(obj(m, "customer"), "email_marketing_consent") }, check: consent(nil)},
		{name: "accepts_marketing true", change: func(m map[string]any) {
			c := obj(m, "customer")
			c["email_marketing_consent"], c["accepts_marketing"] = nil, true
		}, check: consent(ptr(true))},
		{name: "accepts_marketing false", change: func(m map[string]any) {
			c := obj(m, "customer")
			delete(c, "email_marketing_consent")
			c["accepts_marketing"] = false
		}, check: consent(ptr(false))},
		{name: "consent state wins over accepts_marketing", change: func(m map[string]any) { obj(m, "customer")["accepts_marketing"] = false },
			check: consent(ptr(true))},
		{name: "order id kept exact", change: func(m map[string]any) { m["id"] = json.Number("9007199254740993123") },
			check: field("order.id", func(ev *aftersale.Event) any { return ev.Order.ID }, "9007199254740993123")},
		{name: "order id as a string", change: func(m map[string]any) { m["id"] = "5981234567890123" },
			check: field("order.id", func(ev *aftersale.Event) any { return ev.Order.ID }, "5981234567890123")},
		{name: "coupon is the first code", change: func(m map[string]any) {
			m["discount_codes"] = []any{map[string]any{"code": ""}, map[string]any{"code": "VIP"}, map[string]any{"code": "LATER"}}
		}, check: field("coupon", func(ev *aftersale.Event) any { return ev.Order.Coupon }, "VIP")},
		{name: "no coupon", change: func(m map[string]any) { m["discount_codes"] = []any{} },
			check: field("coupon", func(ev *aftersale.Event) any { return ev.Order.Coupon }, "")},
		{name: "item name from title", change: func(m map[string]any) { line(m, 0)["name"] = nil },
			check: field("item name", func(ev *aftersale.Event) any { return ev.Order.Items[0].Name }, "Organic Cotton Tee")},
		{name: "item without sku", change: func(m map[string]any) { line(m, 1)["sku"] = nil },
			check: field("item", func(ev *aftersale.Event) any { return ev.Order.Items[1] },
				aftersale.Item{Name: "Photography Basics (online course)", Kind: aftersale.KindDigital, Quantity: 1, Price: "49.00"})},
		{name: "occurred at processed_at", change: func(m map[string]any) { delete(m, "created_at") },
			check: field("occurred_at", func(ev *aftersale.Event) any { return ev.OccurredAt.UTC() }, time.Date(2026, 3, 14, 9, 21, 5, 0, time.UTC))},
		{name: "occurred at now", change: func(m map[string]any) { m["created_at"] = nil; m["processed_at"] = "" },
			check: field("occurred_at", func(ev *aftersale.Event) any { return ev.OccurredAt }, testNow)},
	}
	body := fixture(t, "orders_create.json")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := body
			if tt.change != nil {
				b = mutate(t, body, tt.change)
			}
			for _, topic := range []string{"orders/create", "orders/paid"} {
				ev, ignored, err := newDecoder(t, "").Event(b, headers(topic, "w1"))
				if err != nil {
					t.Fatalf("%s: Event = %v", topic, err)
				}
				if tt.ignored != "" {
					if ev != nil || ignored != tt.ignored {
						t.Fatalf("%s: Event = %v, %q, want ignored %q", topic, ev, ignored, tt.ignored)
					}
					continue
				}
				if ev == nil {
					t.Fatalf("%s: ignored %q", topic, ignored)
				}
				if ev.Type != aftersale.EventOrderPlaced || ev.ID != "shopify:w1" || ev.Source != "shopify" {
					t.Errorf("%s: type %q id %q source %q", topic, ev.Type, ev.ID, ev.Source)
				}
				tt.check(t, ev)
				if err := ev.Validate(); err != nil {
					t.Errorf("Validate = %v", err)
				}
			}
		})
	}
}

func fmtBool(b *bool) string {
	if b == nil {
		return "nil"
	}
	if *b {
		return "true"
	}
	return "false"
}

func TestKindRules(t *testing.T) {
	d := newDecoder(t, "sku:COURSE-=course, type:coaching=coaching")
	ev, _, err := d.Event(fixture(t, "orders_create.json"), headers("orders/create", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	got := []aftersale.ItemKind{ev.Order.Items[0].Kind, ev.Order.Items[1].Kind}
	if want := []aftersale.ItemKind{aftersale.KindPhysical, aftersale.KindCourse}; !reflect.DeepEqual(got, want) {
		t.Errorf("kinds = %v, want %v", got, want)
	}
	// orders_paid.json's line carries "product_type": "Coaching".
	ev, _, err = d.Event(fixture(t, "orders_paid.json"), headers("orders/paid", "k2"))
	if err != nil {
		t.Fatal(err)
	}
	if k := ev.Order.Items[0].Kind; k != aftersale.KindCoaching {
		t.Errorf("kind by product type = %q, want coaching", k)
	}
}

func TestCancelledAndRefunded(t *testing.T) {
	cancelled, refunded := fixture(t, "orders_cancelled.json"), fixture(t, "refunds_create.json")
	tests := []struct {
		name, topic string
		body        []byte
		change      func(m map[string]any)
		want        time.Time
		field       string // the error's field, if an error is wanted
	}{
		// No fallback to updated_at or now: an order that is not cancelled
		// is not cancelled by its topic header (see TestTopicMismatch).
		{name: "cancelled_at null", topic: "orders/cancelled", body: cancelled, change: func(m map[string]any) { m["cancelled_at"] = nil }, field: "cancelled_at"},
		{name: "no cancelled_at", topic: "orders/cancelled", body: cancelled, change: func(m map[string]any) { delete(m, "cancelled_at") }, field: "cancelled_at"},
		{name: "cancelled without id", topic: "orders/cancelled", body: cancelled, change: func(m map[string]any) { delete(m, "id") }, field: "id"},
		{name: "refund at processed_at", topic: "refunds/create", body: refunded, change: func(m map[string]any) {
			m["created_at"] = nil
			m["processed_at"] = "2026-03-20T17:00:00+01:00"
		}, want: time.Date(2026, 3, 20, 16, 0, 0, 0, time.UTC)},
		{name: "refund at now", topic: "refunds/create", body: refunded, change: func(m map[string]any) { m["created_at"], m["processed_at"] = nil, nil },
			want: testNow},
		{name: "refund without order_id", topic: "refunds/create", body: refunded, change: func(m map[string]any) { m["order_id"] = nil }, field: "order_id"},
		{name: "refund with a bad time", topic: "refunds/create", body: refunded, change: func(m map[string]any) { m["created_at"] = "yesterday" }, field: "created_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, ignored, err := newDecoder(t, "").Event(mutate(t, tt.body, tt.change), headers(tt.topic, "c1"))
			if tt.field != "" {
				wantCode(t, err, aftersale.EINVALID, tt.field)
				return
			}
			if err != nil || ev == nil {
				t.Fatalf("Event = %v, %q", err, ignored)
			}
			if !ev.OccurredAt.Equal(tt.want) {
				t.Errorf("OccurredAt = %v, want %v", ev.OccurredAt, tt.want)
			}
			if ev.Order == nil || ev.Order.ID == "" || ev.Customer != nil {
				t.Errorf("order %+v customer %+v", ev.Order, ev.Customer)
			}
		})
	}
}
