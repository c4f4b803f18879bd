package woocommerce_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/config"
	"github.com/aftersale/aftersale/woocommerce"
)

// The Decoder is what the web package's Webhook interface asks for.
var _ interface {
	Verify(body []byte, h http.Header) error
	Event(body []byte, h http.Header) (*aftersale.Event, string, error)
} = (*woocommerce.Decoder)(nil)

var (
	secret = []byte("wc-secret-7f3a9c")
	now    = time.Date(2026, 3, 25, 12, 0, 0, 0, time.UTC)
)

func decoder(t testing.TB, rules string) *woocommerce.Decoder {
	t.Helper()
	var kinds *aftersale.KindRules
	if rules != "" {
		r, err := config.ParseKindRules(rules)
		if err != nil {
			t.Fatal(err)
		}
		kinds = r.Rules()
	}
	return &woocommerce.Decoder{Secret: secret, Kinds: kinds, Now: func() time.Time { return now }}
}

func sign(key, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// headers are those of a signed delivery with the topic.
func headers(topic string, body []byte) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)")
	h.Set("X-WC-Webhook-Source", "https://shop.example.com/")
	h.Set("X-WC-Webhook-Topic", topic)
	if r, e, ok := strings.Cut(topic, "."); ok {
		h.Set("X-WC-Webhook-Resource", r)
		h.Set("X-WC-Webhook-Event", e)
	}
	h.Set("X-WC-Webhook-ID", "17")
	h.Set("X-WC-Webhook-Delivery-ID", "9c5f0e5d2bb1c4a8e0f6f1d3a7b2c9e4")
	h.Set("X-WC-Webhook-Signature", sign(secret, body))
	return h
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// patch returns the fixture with change applied to its decoded JSON.
func patch(t testing.TB, name string, change func(o map[string]any)) []byte {
	t.Helper()
	var o map[string]any
	if err := json.Unmarshal(fixture(t, name), &o); err != nil {
		t.Fatal(err)
	}
	change(o)
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func withStatus(s string) func(map[string]any) {
	return func(o map[string]any) { o["status"] = s }
}

// placed1287 is the event for testdata/order_created.json without kind rules.
func placed1287() *aftersale.Event {
	return &aftersale.Event{
		ID:         "woocommerce:9c5f0e5d2bb1c4a8e0f6f1d3a7b2c9e4:1287",
		Type:       aftersale.EventOrderPlaced,
		OccurredAt: time.Date(2026, 3, 14, 9, 21, 7, 0, time.UTC),
		Source:     "woocommerce",
		Customer:   &aftersale.Contact{Email: "anna.schmidt@example.com", Name: "Anna Schmidt", Phone: "+49 30 1234567"},
		Order: &aftersale.OrderFacts{
			ID: "1287", Number: "1287", Currency: "EUR", Total: "110.20", Coupon: "welcome10",
			Items: []aftersale.Item{
				{SKU: "COURSE-SOURDOUGH", Name: "Sourdough Masterclass – Online Course", Kind: aftersale.KindPhysical, Quantity: 1, Price: "71.10"},
				{SKU: "BASKET-25", Name: "Proofing Basket - 25 cm", Kind: aftersale.KindPhysical, Quantity: 2, Price: "17.10"},
			},
		},
	}
}

func cancelled(id string, at time.Time) *aftersale.Event {
	return &aftersale.Event{
		ID: "woocommerce:9c5f0e5d2bb1c4a8e0f6f1d3a7b2c9e4:" + id, Type: aftersale.EventOrderCancelled, OccurredAt: at,
		Source: "woocommerce", Order: &aftersale.OrderFacts{ID: id, Number: id},
	}
}

// refunded1287 is the event for testdata/order_updated_refunded.json.
func refunded1287() *aftersale.Event {
	return &aftersale.Event{
		ID: "woocommerce:1287:refunded:1301", Type: aftersale.EventOrderRefunded,
		OccurredAt: time.Date(2026, 3, 20, 14, 44, 3, 0, time.UTC), Source: "woocommerce",
		Order: &aftersale.OrderFacts{ID: "1287", Number: "1287"},
		Refund: &aftersale.RefundFacts{ID: "1301", Amount: "110.20", Full: true, Cumulative: true,
			Reason: "Course not started, basket arrived damaged"},
	}
}

func TestEventMapping(t *testing.T) {
	course := placed1287()
	course.Order.Items[0].Kind = aftersale.KindCourse
	digital := placed1287()
	for i := range digital.Order.Items {
		digital.Order.Items[i].Kind = aftersale.KindDigital
	}
	fromSiteTime := placed1287()
	fromSiteTime.OccurredAt = time.Date(2026, 3, 14, 10, 21, 7, 0, time.UTC)
	atNow := placed1287()
	atNow.OccurredAt = now
	single := placed1287()
	single.Order.Items = single.Order.Items[:1]
	single.Order.Items[0].Price = "79.00"

	tests := []struct {
		name, topic, rules string
		body               []byte
		want               *aftersale.Event
	}{
		{"created processing", "order.created", "", fixture(t, "order_created.json"), placed1287()},
		{"updated processing", "order.updated", "", fixture(t, "order_created.json"), placed1287()},
		{"updated completed", "order.updated", "", fixture(t, "order_updated_completed.json"), placed1287()},
		{"created completed", "order.created", "", fixture(t, "order_updated_completed.json"), placed1287()},
		{"status with wc- prefix", "order.updated", "", patch(t, "order_created.json", withStatus("wc-processing")), placed1287()},
		{"kind rule", "order.created", "sku:COURSE-=course", fixture(t, "order_created.json"), course},
		{"no shipping lines is digital", "order.created", "", patch(t, "order_created.json", func(o map[string]any) {
			o["shipping_lines"] = []any{}
		}), digital},
		{"date_created when no gmt date", "order.created", "", patch(t, "order_created.json", func(o map[string]any) {
			delete(o, "date_created_gmt")
		}), fromSiteTime},
		{"now when no dates", "order.created", "", patch(t, "order_created.json", func(o map[string]any) {
			o["date_created_gmt"], o["date_created"] = nil, "garbage"
		}), atNow},
		{"money as numbers and strings", "order.created", "", patch(t, "order_created.json", func(o map[string]any) {
			o["id"], o["total"] = "1287", 110.2
			items := o["line_items"].([]any)
			o["line_items"] = items[:1]
			li := items[0].(map[string]any)
			li["total"], li["quantity"], li["price"] = 79, "1", "79"
		}), func() *aftersale.Event {
			ev := placed1287()
			ev.Order.Total = "110.20"
			ev.Order.Items = single.Order.Items
			return ev
		}()},
		{"updated refunded", "order.updated", "", fixture(t, "order_updated_refunded.json"), refunded1287()},
		{"refunded without refunds listed", "order.updated", "", patch(t, "order_updated_refunded.json", func(o map[string]any) {
			delete(o, "refunds")
		}), func() *aftersale.Event {
			ev := refunded1287()
			ev.ID, ev.Refund = "woocommerce:1287:refunded", &aftersale.RefundFacts{Full: true, Cumulative: true}
			return ev
		}()},
		{"updated cancelled", "order.updated", "", fixture(t, "order_updated_cancelled.json"),
			cancelled("1291", time.Date(2026, 3, 22, 18, 6, 2, 0, time.UTC))},
		{"cancelled without dates", "order.updated", "", patch(t, "order_updated_cancelled.json", func(o map[string]any) {
			delete(o, "date_modified_gmt")
			delete(o, "date_modified")
		}), cancelled("1291", now)},
		{"no number", "order.created", "", patch(t, "order_created.json", func(o map[string]any) { delete(o, "number") }),
			func() *aftersale.Event { ev := placed1287(); ev.Order.Number = ""; return ev }()},
		{"number from a plugin", "order.created", "", patch(t, "order_created.json", withField("number", " WC-2026-0042 ")),
			func() *aftersale.Event { ev := placed1287(); ev.Order.Number = "WC-2026-0042"; return ev }()},
		{"number as a number", "order.created", "", patch(t, "order_created.json", withField("number", 1287)), placed1287()},
		{"number too long to be one", "order.created", "", patch(t, "order_created.json", withField("number", strings.Repeat("9", 101))),
			func() *aftersale.Event { ev := placed1287(); ev.Order.Number = ""; return ev }()},
		{"created with refunds is placed", "order.created", "", patch(t, "order_created.json", func(o map[string]any) {
			o["refunds"] = []any{map[string]any{"id": 1300, "reason": "", "total": "-5.00"}}
		}), placed1287()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decoder(t, tt.rules)
			h := headers(tt.topic, tt.body)
			if err := d.Verify(tt.body, h); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			ev, ignored, err := d.Event(tt.body, h)
			if err != nil || ignored != "" {
				t.Fatalf("Event: ignored %q, err %v", ignored, err)
			}
			if !reflect.DeepEqual(ev, tt.want) {
				got, _ := json.MarshalIndent(ev, "", " ")
				want, _ := json.MarshalIndent(tt.want, "", " ")
				t.Errorf("event:\n%s\nwant:\n%s", got, want)
			}
			if err := ev.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func TestEventIgnored(t *testing.T) {
	tests := []struct {
		name, topic string
		body        []byte
		reason      string // a part of it
	}{
		{"ping", "", []byte("webhook_id=17"), "ping"},
		{"ping with topic", "order.updated", []byte("webhook_id=17"), "ping"},
		{"pending", "order.updated", fixture(t, "order_updated_pending.json"), `order status "pending" does not start or end a journey`},
		{"pending on create", "order.created", fixture(t, "order_updated_pending.json"), `"pending"`},
		{"on-hold", "order.updated", patch(t, "order_created.json", withStatus("on-hold")), `"on-hold"`},
		{"failed", "order.updated", patch(t, "order_created.json", withStatus("failed")), `"failed"`},
		{"checkout-draft", "order.created", patch(t, "order_created.json", withStatus("checkout-draft")), `"checkout-draft"`},
		{"trash", "order.updated", patch(t, "order_created.json", withStatus("trash")), `"trash"`},
		{"custom status", "order.updated", patch(t, "order_created.json", withStatus("awaiting-shipment")), `"awaiting-shipment"`},
		{"deleted", "order.deleted", []byte(`{"id":1287}`), `topic "order.deleted" is not used`},
		{"restored", "order.restored", fixture(t, "order_created.json"), `topic "order.restored" is not used`},
		{"product", "product.created", []byte(`{"id":74,"name":"Rye Flour"}`), `topic "product.created" is not used`},
		{"refund action", "action.woocommerce_order_refunded", []byte(`{"action":"woocommerce_order_refunded","arg":1287}`),
			"fires woocommerce_order_refunded for partial refunds too"},
		{"refund action without arg", "action.woocommerce_order_refunded", []byte(`{"action":"woocommerce_order_refunded"}`), "Order updated webhook"},
		{"partial refund action", "action.woocommerce_order_partially_refunded", []byte(`{"action":"woocommerce_order_partially_refunded","arg":1287}`),
			"Order updated webhook reports the refunds"},
		{"full refund action", "Action.WooCommerce_Order_Fully_Refunded", []byte(`{"action":"woocommerce_order_fully_refunded","arg":1287}`),
			"Order updated webhook reports the refunded order"},
		{"refunds of an unpaid order", "order.updated", patch(t, "order_updated_refunded.json", withStatus("on-hold")), `"on-hold"`},
		{"other action", "action.woocommerce_add_to_cart", []byte(`{"action":"woocommerce_add_to_cart","arg":"a1b2"}`), "not used"},
		{"no billing email", "order.created", patch(t, "order_created.json", func(o map[string]any) {
			o["billing"].(map[string]any)["email"] = ""
		}), "the order has no billing email"},
		{"no line items", "order.updated", patch(t, "order_created.json", func(o map[string]any) {
			o["line_items"] = []any{}
		}), "no line items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := headers(tt.topic, tt.body)
			if tt.topic == "" {
				h = http.Header{"User-Agent": {"WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)"}}
			}
			ev, ignored, err := decoder(t, "").Event(tt.body, h)
			if err != nil || ev != nil {
				t.Fatalf("want ignored; got event %+v, err %v", ev, err)
			}
			if !strings.Contains(ignored, tt.reason) {
				t.Errorf("reason %q does not contain %q", ignored, tt.reason)
			}
		})
	}
}

func TestEventInvalid(t *testing.T) {
	created := fixture(t, "order_created.json")
	tests := []struct {
		name, topic string
		body        []byte
		h           func(http.Header)
		field       string
		contains    string
	}{
		{"no topic", "order.created", created, func(h http.Header) { h.Del("X-WC-Webhook-Topic") }, "X-WC-Webhook-Topic", "required"},
		{"no delivery id", "order.created", created, func(h http.Header) { h.Del("X-WC-Webhook-Delivery-ID") }, "X-WC-Webhook-Delivery-ID", "required"},
		{"long delivery id", "order.created", created, func(h http.Header) { h.Set("X-WC-Webhook-Delivery-ID", strings.Repeat("a", 101)) }, "X-WC-Webhook-Delivery-ID", "at most"},
		{"empty body", "order.created", nil, nil, "", "empty"},
		{"not json", "order.updated", []byte(`{"id":1287,`), nil, "", "malformed JSON"},
		{"array", "order.updated", []byte(`[]`), nil, "", "must be an object"},
		{"trailing data", "order.updated", append(append([]byte{}, created...), "{}"...), nil, "", "malformed JSON"},
		{"no status", "order.updated", []byte(`{"id":1287}`), nil, "status", "required"},
		{"status not a string", "order.updated", []byte(`{"id":1287,"status":7}`), nil, "status", "must be a string"},
		{"no id", "order.created", patch(t, "order_created.json", func(o map[string]any) { delete(o, "id") }), nil, "id", "required"},
		{"zero id", "order.updated", patch(t, "order_updated_refunded.json", func(o map[string]any) { o["id"] = 0 }), nil, "id", "required"},
		{"fractional id", "order.updated", patch(t, "order_updated_refunded.json", func(o map[string]any) { o["id"] = 12.5 }), nil, "id", "whole number"},
		{"id an object", "order.updated", patch(t, "order_updated_cancelled.json", func(o map[string]any) { o["id"] = map[string]any{} }), nil, "id", "string or a number"},
		{"bad email", "order.created", patch(t, "order_created.json", func(o map[string]any) {
			o["billing"].(map[string]any)["email"] = "anna at example"
		}), nil, "billing.email", "not an email"},
		{"billing a list", "order.created", patch(t, "order_created.json", func(o map[string]any) { o["billing"] = []any{1} }), nil, "billing", "object"},
		{"line_items an object", "order.created", patch(t, "order_created.json", func(o map[string]any) { o["line_items"] = map[string]any{} }), nil, "line_items", "list"},
		{"bad currency", "order.created", patch(t, "order_created.json", withField("currency", "EURO")), nil, "currency", "ISO 4217"},
		{"bad total", "order.created", patch(t, "order_created.json", withField("total", "110,20")), nil, "total", "decimal"},
		{"line without name or sku", "order.created", patch(t, "order_created.json", withLine(1, "name", "")), nil, "line_items[1].name", "required"},
		{"bad quantity", "order.created", patch(t, "order_created.json", withLine(1, "quantity", -2)), nil, "line_items[1].quantity", "whole number"},
		{"bad price", "order.created", patch(t, "order_created.json", withLine(1, "price", "a lot")), nil, "line_items[1].price", "decimal"},
		{"bad line total", "order.created", patch(t, "order_created.json", withLine(0, "total", true)), nil, "line_items[0].total", "string or a number"},
		{"refunds not a list", "order.updated", patch(t, "order_updated_refunded.json", withField("refunds", map[string]any{})), nil, "refunds", "list"},
		{"refund not an object", "order.updated", patch(t, "order_updated_refunded.json", withField("refunds", []any{"1301"})), nil, "refunds", "object"},
		{"refund without id", "order.updated", patch(t, "order_updated_refunded.json", withRefund(0, "id", nil)), nil, "refunds[0].id", "required"},
		{"refund id zero", "order.updated", patch(t, "order_updated_refunded.json", withRefund(0, "id", 0)), nil, "refunds[0].id", "required"},
		{"refund id fractional", "order.updated", patch(t, "order_updated_refunded.json", withRefund(0, "id", 13.5)), nil, "refunds[0].id", "whole number"},
		{"refund id with a comma", "order.updated", patch(t, "order_updated_refunded.json", withRefund(0, "id", "13,01")), nil, "refunds[0].id", "commas"},
		{"refund id an object", "order.updated", patch(t, "order_updated_refunded.json", withRefund(0, "id", map[string]any{})), nil, "refunds[0].id", "string or a number"},
		{"refund without total", "order.updated", patch(t, "order_updated_refunded.json", withRefund(0, "total", nil)), nil, "refunds[0].total", "required"},
		{"refund total not money", "order.updated", patch(t, "order_updated_refunded.json", withRefund(0, "total", "-110,20")), nil, "refunds[0].total", "decimal"},
		{"refund reason not a string", "order.updated", patch(t, "order_updated_refunded.json", withRefund(0, "reason", 7)), nil, "refunds.reason", "string"},
		{"partial refund total not money", "order.updated", patch(t, "order_created.json", withField("refunds", []any{
			map[string]any{"id": 1300, "total": "ten"}})), nil, "refunds[0].total", "decimal"},
		{"refunds beyond any amount", "order.updated", patch(t, "order_created.json", withField("refunds", []any{
			map[string]any{"id": 1, "total": "-999999999999999"}, map[string]any{"id": 2, "total": "-999999999999999"}})), nil, "refund.amount", "decimal"},
		{"number an object", "order.created", patch(t, "order_created.json", withField("number", map[string]any{})), nil, "number", "string or a number"},
		{"bad subtotal when it is the price", "order.created", patch(t, "order_created.json", func(o map[string]any) {
			li := o["line_items"].([]any)[1].(map[string]any)
			delete(li, "total")
			delete(li, "price")
			li["subtotal"] = "lots"
		}), nil, "line_items[1].subtotal", "decimal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := headers(tt.topic, tt.body)
			if tt.h != nil {
				tt.h(h)
			}
			ev, ignored, err := decoder(t, "").Event(tt.body, h)
			if err == nil {
				t.Fatalf("want an error; got event %+v, ignored %q", ev, ignored)
			}
			if ev != nil || ignored != "" {
				t.Errorf("an error with event %+v, ignored %q", ev, ignored)
			}
			var e *aftersale.Error
			if !errors.As(err, &e) || e.Code != aftersale.EINVALID {
				t.Fatalf("err = %#v, want an EINVALID *aftersale.Error", err)
			}
			if e.Field != tt.field {
				t.Errorf("field = %q, want %q (%v)", e.Field, tt.field, err)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not mention %q", err, tt.contains)
			}
		})
	}
}

func withField(k string, v any) func(map[string]any) {
	return func(o map[string]any) { o[k] = v }
}

func withRefund(i int, k string, v any) func(map[string]any) {
	return func(o map[string]any) {
		r := o["refunds"].([]any)[i].(map[string]any)
		if v == nil {
			delete(r, k)
		} else {
			r[k] = v
		}
	}
}

func withLine(i int, k string, v any) func(map[string]any) {
	return func(o map[string]any) {
		li := o["line_items"].([]any)[i].(map[string]any)
		li[k] = v
		if k == "name" {
			li["sku"] = ""
		}
	}
}

func TestVerify(t *testing.T) {
	body := fixture(t, "order_created.json")
	good := sign(secret, body)
	flipped := append([]byte{}, body...)
	flipped[len(flipped)/2] ^= 1

	tests := []struct {
		name   string
		secret []byte
		body   []byte
		sig    string // "" means no header
		ok     bool
		msg    string
	}{
		{"good", secret, body, good, true, ""},
		{"good with spaces", secret, body, " " + good + " ", true, ""},
		{"one byte changed", secret, flipped, good, false, "wrong"},
		{"other secret", []byte("another-secret"), body, good, false, "wrong"},
		{"missing header", secret, body, "", false, "missing X-WC-Webhook-Signature"},
		{"not base64", secret, body, "not*base64!", false, "malformed"},
		{"base64 of the wrong length", secret, body, base64.StdEncoding.EncodeToString([]byte("short")), false, "malformed"},
		{"hex instead of base64", secret, body, strings.Repeat("ab", 32), false, "malformed"},
		{"empty secret", nil, body, sign(nil, body), false, "AFTERSALE_WOOCOMMERCE_SECRET"},
		{"unsigned ping", secret, []byte("webhook_id=17"), "", true, ""},
		{"unsigned ping without secret", nil, []byte("webhook_id=17"), "", false, "no secret"},
		{"unsigned ping with more", secret, []byte("webhook_id=17&x={}"), "", false, "missing"},
		{"signed ping, wrong", secret, []byte("webhook_id=17"), good, false, "wrong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &woocommerce.Decoder{Secret: tt.secret}
			h := http.Header{}
			if tt.sig != "" {
				h.Set("X-WC-Webhook-Signature", tt.sig)
			}
			err := d.Verify(tt.body, h)
			if tt.ok {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			var e *aftersale.Error
			if !errors.As(err, &e) || e.Code != aftersale.EUNAUTHORIZED {
				t.Fatalf("err = %#v, want an EUNAUTHORIZED *aftersale.Error", err)
			}
			if !strings.Contains(e.Message, tt.msg) {
				t.Errorf("message %q does not mention %q", e.Message, tt.msg)
			}
		})
	}
}

// A delivery sent again maps to the same event id; another delivery, or
// another order in a delivery with the same id (WooCommerce makes the id
// from the webhook id and the second), to another.
func TestEventID(t *testing.T) {
	d := decoder(t, "")
	id := func(body []byte, delivery string) string {
		t.Helper()
		h := headers("order.updated", body)
		h.Set("X-WC-Webhook-Delivery-ID", delivery)
		ev, _, err := d.Event(body, h)
		if err != nil {
			t.Fatal(err)
		}
		return ev.ID
	}
	completed := fixture(t, "order_updated_completed.json")
	other := patch(t, "order_updated_completed.json", withField("id", 1288))
	a, b := id(completed, "0d4a"), id(completed, "0d4a")
	c, e := id(completed, "77f1"), id(other, "0d4a")
	if a != "woocommerce:0d4a:1287" || a != b || c != "woocommerce:77f1:1287" || e != "woocommerce:0d4a:1288" {
		t.Errorf("ids %q %q %q %q", a, b, c, e)
	}
}

// The zero Decoder works (no kinds, the real clock) but rejects deliveries.
func TestZeroDecoder(t *testing.T) {
	var d woocommerce.Decoder
	body := patch(t, "order_created.json", func(o map[string]any) { delete(o, "date_created_gmt"); delete(o, "date_created") })
	h := headers("order.created", body)
	if err := d.Verify(body, h); aftersale.ErrorCode(err) != aftersale.EUNAUTHORIZED {
		t.Errorf("Verify = %v", err)
	}
	before := time.Now()
	ev, _, err := d.Event(body, h)
	if err != nil {
		t.Fatal(err)
	}
	if ev.OccurredAt.Before(before.Add(-time.Second)) || ev.OccurredAt.Location() != time.UTC {
		t.Errorf("OccurredAt = %v", ev.OccurredAt)
	}
	if ev.Order.Items[0].Kind != aftersale.KindPhysical {
		t.Errorf("kind = %q", ev.Order.Items[0].Kind)
	}
}
