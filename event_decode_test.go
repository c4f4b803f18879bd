package aftersale_test

import (
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
)

const validOrder = `{"id":"evt_0001","type":"order.placed","occurred_at":"2026-11-22T10:00:00Z",
 "customer":{"email":"Ana@Example.com","name":"Ana Lima","phone":"+15551234567","timezone":"America/New_York","marketing_consent":true},
 "user":{"email":"assistant@example.com","name":"Sam"},
 "order":{"id":"1001","currency":"usd","total":"49.00","coupon":"",
  "items":[{"sku":"course-101","name":"Launch Course","kind":"digital","quantity":1,"price":"49.00","access_url":"https://shop.example/access/abc"}]}}`

func TestDecodeEventValid(t *testing.T) {
	ev, err := aftersale.DecodeEvent([]byte(validOrder))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Customer.Email != "ana@example.com" {
		t.Errorf("email not lower-cased: %q", ev.Customer.Email)
	}
	if ev.Order.Currency != "USD" || ev.Source != "api" {
		t.Errorf("currency %q source %q", ev.Order.Currency, ev.Source)
	}
	if ev.Customer.MarketingConsent == nil || !*ev.Customer.MarketingConsent {
		t.Error("consent lost")
	}
	if ev.OrderRef() != "1001" {
		t.Errorf("OrderRef = %q", ev.OrderRef())
	}
}

func TestDecodeEventErrors(t *testing.T) {
	tests := []struct {
		name, body, field, contains string
	}{
		{"not json", `{"id":`, "", "malformed JSON"},
		{"array", `[]`, "", "must be an object"},
		{"trailing", `{"id":"a"} {}`, "", "trailing"},
		{"empty", ``, "", "empty"},
		{"no id", `{"type":"order.placed"}`, "id", "required"},
		{"no type", `{"id":"e1"}`, "type", "required"},
		{"bad type", `{"id":"e1","type":"order.eaten","occurred_at":"2026-11-22T10:00:00Z"}`, "type", "order.eaten"},
		{"no time", `{"id":"e1","type":"order.placed"}`, "occurred_at", "required"},
		{"bad time", `{"id":"e1","type":"order.placed","occurred_at":"yesterday"}`, "", "RFC 3339"},
		{"id wrong type", `{"id":7,"type":"order.placed"}`, "id", "string"},
		{"no customer", `{"id":"e1","type":"order.placed","occurred_at":"2026-11-22T10:00:00Z"}`, "customer", "required"},
		{"bad email", `{"id":"e1","type":"order.placed","occurred_at":"2026-11-22T10:00:00Z","customer":{"email":"nope"}}`, "customer.email", "not an email"},
		{"bad tz", `{"id":"e1","type":"order.placed","occurred_at":"2026-11-22T10:00:00Z","customer":{"email":"a@b.co","timezone":"Mars/Base"}}`, "customer.timezone", "Mars/Base"},
		{"no order", `{"id":"e1","type":"order.placed","occurred_at":"2026-11-22T10:00:00Z","customer":{"email":"a@b.co"}}`, "order", "required"},
		{"no items", `{"id":"e1","type":"order.placed","occurred_at":"2026-11-22T10:00:00Z","customer":{"email":"a@b.co"},"order":{"id":"1"}}`, "order.items", "at least one"},
		{"bad kind", `{"id":"e1","type":"order.placed","occurred_at":"2026-11-22T10:00:00Z","customer":{"email":"a@b.co"},"order":{"id":"1","items":[{"name":"x","kind":"vapour"}]}}`, "order.items[0].kind", "vapour"},
		{"no kind", `{"id":"e1","type":"order.placed","occurred_at":"2026-11-22T10:00:00Z","customer":{"email":"a@b.co"},"order":{"id":"1","items":[{"name":"x"}]}}`, "order.items[0].kind", "required"},
		{"bad price", `{"id":"e1","type":"order.placed","occurred_at":"2026-11-22T10:00:00Z","customer":{"email":"a@b.co"},"order":{"id":"1","items":[{"name":"x","kind":"digital","price":"1,50"}]}}`, "order.items[0].price", "decimal"},
		{"money as number", `{"id":"e1","type":"order.placed","occurred_at":"2026-11-22T10:00:00Z","customer":{"email":"a@b.co"},"order":{"id":"1","total":49}}`, "order.total", "string"},
		{"bad access url", `{"id":"e1","type":"order.placed","occurred_at":"2026-11-22T10:00:00Z","customer":{"email":"a@b.co"},"order":{"id":"1","items":[{"name":"x","kind":"digital","access_url":"javascript:alert(1)"}]}}`, "order.items[0].access_url", "http"},
		{"refund without order", `{"id":"e1","type":"order.refunded","occurred_at":"2026-11-22T10:00:00Z"}`, "order.id", "required"},
		{"shipment without status", `{"id":"e1","type":"shipment.updated","occurred_at":"2026-11-22T10:00:00Z","shipment":{"order_id":"1"}}`, "shipment.status", "required"},
		{"shipment bad status", `{"id":"e1","type":"shipment.updated","occurred_at":"2026-11-22T10:00:00Z","shipment":{"order_id":"1","status":"lost"}}`, "shipment.status", "lost"},
		{"booking without start", `{"id":"e1","type":"booking.scheduled","occurred_at":"2026-11-22T10:00:00Z","booking":{"order_id":"1"}}`, "booking.starts_at", "required"},
		{"return without order", `{"id":"e1","type":"return.requested","occurred_at":"2026-11-22T10:00:00Z"}`, "return.order_id", "required"},
		{"return bad resolution", `{"id":"e1","type":"return.requested","occurred_at":"2026-11-22T10:00:00Z","return":{"order_id":"1","resolution":"store credit"}}`, "return.resolution", "store credit"},
		{"return negative quantity", `{"id":"e1","type":"return.requested","occurred_at":"2026-11-22T10:00:00Z","return":{"order_id":"1","items":[{"sku":"a","quantity":-1}]}}`, "return.items[0].quantity", "negative"},
		{"return item without sku", `{"id":"e1","type":"return.requested","occurred_at":"2026-11-22T10:00:00Z","return":{"order_id":"1","items":[{"quantity":1}]}}`, "return.items[0].sku", "required"},
		{"return quantity as text", `{"id":"e1","type":"return.requested","occurred_at":"2026-11-22T10:00:00Z","return":{"order_id":"1","items":[{"sku":"a","quantity":"1"}]}}`, "return.items.quantity", "int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := aftersale.DecodeEvent([]byte(tt.body))
			if err == nil {
				t.Fatal("want an error")
			}
			if aftersale.ErrorCode(err) != aftersale.EINVALID {
				t.Errorf("code = %q", aftersale.ErrorCode(err))
			}
			e, _ := err.(*aftersale.Error)
			if e == nil || e.Field != tt.field {
				t.Errorf("field = %+v, want %q", e, tt.field)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not mention %q", err, tt.contains)
			}
		})
	}
}

func TestDecodeEventOtherTypes(t *testing.T) {
	for _, body := range []string{
		`{"id":"e2","type":"order.refunded","occurred_at":"2026-11-22T10:00:00Z","order":{"id":"1001"}}`,
		`{"id":"e3","type":"shipment.updated","occurred_at":"2026-11-22T10:00:00Z","shipment":{"order_id":"1001","status":"delivered"}}`,
		`{"id":"e4","type":"booking.scheduled","occurred_at":"2026-11-22T10:00:00Z","booking":{"order_id":"1001","starts_at":"2026-11-25T15:00:00Z"}}`,
		`{"id":"e5","type":"product.accessed","occurred_at":"2026-11-22T10:00:00Z","order":{"id":"1001"}}`,
		`{"id":"e6","type":"return.requested","occurred_at":"2026-11-22T10:00:00Z","order":{"id":"1001"}}`,
	} {
		if _, err := aftersale.DecodeEvent([]byte(body)); err != nil {
			t.Errorf("%s: %v", body, err)
		}
	}
}

// FuzzDecodeEvent checks that no input panics the decoder and that every
// accepted event passes validation again unchanged.
func FuzzDecodeEvent(f *testing.F) {
	f.Add([]byte(validOrder))
	f.Add([]byte(`{"id":"e3","type":"shipment.updated","occurred_at":"2026-11-22T10:00:00Z","shipment":{"order_id":"1001","status":"delivered"}}`))
	f.Add([]byte(`{"id":"x","type":"order.placed","occurred_at":"2026-11-22T10:00:00Z","customer":{"email":"a@b.co"},"order":{"id":"1","items":[{"name":"x","kind":"digital","quantity":-1}]}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := aftersale.DecodeEvent(data)
		if err != nil {
			if aftersale.ErrorCode(err) != aftersale.EINVALID {
				t.Fatalf("non-validation error %v", err)
			}
			return
		}
		if err := ev.Validate(); err != nil {
			t.Fatalf("accepted event fails validation again: %v", err)
		}
	})
}
