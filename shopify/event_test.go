package shopify

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

func TestFulfillment(t *testing.T) {
	body := fixture(t, "fulfillments_create.json")
	status := func(s any) func(m map[string]any) { return func(m map[string]any) { m["shipment_status"] = s } }
	tests := []struct {
		name    string
		change  func(m map[string]any)
		want    aftersale.Shipment // OrderID and Carrier are checked always
		ignored string
	}{
		{name: "status null", change: status(nil), want: aftersale.Shipment{Status: aftersale.ShipmentShipped}},
		{name: "status empty", change: status(""), want: aftersale.Shipment{Status: aftersale.ShipmentShipped}},
		{name: "label_printed", change: status("label_printed"), ignored: "the shipment status is label_printed: not with the carrier yet"},
		{name: "label_purchased", change: status("label_purchased"), ignored: "the shipment status is label_purchased: not with the carrier yet"},
		{name: "confirmed", change: status("confirmed"), ignored: "the shipment status is confirmed: not with the carrier yet"},
		{name: "in_transit", change: status("in_transit"), want: aftersale.Shipment{Status: aftersale.ShipmentInTransit}},
		{name: "out_for_delivery", change: status("out_for_delivery"), want: aftersale.Shipment{Status: aftersale.ShipmentOutForDelivery}},
		{name: "ready_for_pickup", change: status("ready_for_pickup"), want: aftersale.Shipment{Status: aftersale.ShipmentOutForDelivery}},
		{name: "delivered", change: status("delivered"), want: aftersale.Shipment{Status: aftersale.ShipmentDelivered}},
		{name: "failure", change: status("failure"), want: aftersale.Shipment{Status: aftersale.ShipmentException}},
		{name: "attempted_delivery", change: status("attempted_delivery"), want: aftersale.Shipment{Status: aftersale.ShipmentException}},
		{name: "unknown status", change: status("teleported"), ignored: `shipment status "teleported" is not used`},
		{name: "fulfillment cancelled", change: func(m map[string]any) { m["status"] = "cancelled" }, ignored: "the fulfillment's status is cancelled: not shipped"},
		{name: "fulfillment error", change: func(m map[string]any) { m["status"] = "error" }, ignored: "the fulfillment's status is error: not shipped"},
		{name: "fulfillment failure", change: func(m map[string]any) { m["status"] = "failure" }, ignored: "the fulfillment's status is failure: not shipped"},
		{name: "fulfillment pending", change: func(m map[string]any) { m["status"] = "pending" }, ignored: "the fulfillment's status is pending: not shipped yet"},
		{name: "fulfillment open", change: func(m map[string]any) { m["status"] = "open" }, ignored: "the fulfillment's status is open: not shipped yet"},
		{name: "fulfillment failure on the way", change: func(m map[string]any) { m["status"], m["shipment_status"] = "failure", "in_transit" },
			want: aftersale.Shipment{Status: aftersale.ShipmentException}},
		{name: "tracking from the lists", change: func(m map[string]any) {
			m["tracking_number"], m["tracking_url"] = nil, ""
			m["tracking_numbers"] = []any{"", "JD014600003828736250"}
			m["tracking_urls"] = []any{"https://track.example.com/JD014600003828736250"}
		}, want: aftersale.Shipment{Status: aftersale.ShipmentShipped, TrackingNumber: "JD014600003828736250", TrackingURL: "https://track.example.com/JD014600003828736250"}},
		{name: "no tracking", change: func(m map[string]any) {
			m["tracking_number"], m["tracking_url"], m["tracking_numbers"], m["tracking_urls"] = nil, nil, []any{}, []any{}
		}, want: aftersale.Shipment{Status: aftersale.ShipmentShipped}},
		{name: "a tracking url that is not http is dropped", change: func(m map[string]any) {
			m["tracking_url"], m["tracking_urls"] = "javascript:alert(1)", nil
		}, want: aftersale.Shipment{Status: aftersale.ShipmentShipped, TrackingNumber: "1234567890"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, topic := range []string{"fulfillments/create", "fulfillments/update"} {
				ev, ignored, err := newDecoder(t, "").Event(mutate(t, body, tt.change), headers(topic, "f1"))
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
				want := tt.want
				want.OrderID, want.Carrier = "5981234567890123", "DHL Express"
				if tt.want.TrackingNumber == "" && tt.want.TrackingURL == "" && !strings.Contains(tt.name, "no tracking") {
					want.TrackingNumber = "1234567890"
					want.TrackingURL = "https://www.dhl.com/es-en/home/tracking/tracking-express.html?submit=1&tracking-id=1234567890"
				}
				if *ev.Shipment != want {
					t.Errorf("%s: shipment = %+v, want %+v", topic, *ev.Shipment, want)
				}
				if ev.Type != aftersale.EventShipmentUpdated || ev.Order != nil || ev.Customer != nil {
					t.Errorf("%s: event %+v", topic, ev)
				}
			}
		})
	}
}

func TestFulfillmentTimes(t *testing.T) {
	body := fixture(t, "fulfillments_update.json")
	tests := []struct {
		name   string
		change func(m map[string]any)
		want   time.Time
	}{
		{"updated_at", func(map[string]any) {}, time.Date(2026, 3, 17, 10, 4, 52, 0, time.UTC)},
		{"created_at", func(m map[string]any) { m["updated_at"] = nil }, time.Date(2026, 3, 15, 11, 30, 18, 0, time.UTC)},
		{"now", func(m map[string]any) { delete(m, "updated_at"); delete(m, "created_at") }, testNow},
	}
	for _, tt := range tests {
		ev, _, err := newDecoder(t, "").Event(mutate(t, body, tt.change), headers("fulfillments/update", "f2"))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !ev.OccurredAt.Equal(tt.want) {
			t.Errorf("%s: OccurredAt = %v, want %v", tt.name, ev.OccurredAt, tt.want)
		}
	}
	_, _, err := newDecoder(t, "").Event(mutate(t, body, func(m map[string]any) { delete(m, "order_id") }), headers("fulfillments/update", "f3"))
	wantCode(t, err, aftersale.EINVALID, "order_id")
}

func TestIgnoredTopics(t *testing.T) {
	body := fixture(t, "orders_create.json")
	for _, topic := range []string{"products/update", "orders/updated", "customers/create", "app/uninstalled", "orders/fulfilled"} {
		ev, ignored, err := newDecoder(t, "").Event(body, headers(topic, "i1"))
		if err != nil || ev != nil || ignored != "topic "+topic+" is not used" {
			t.Errorf("%s: Event = %v, %q, %v; want ignored", topic, ev, ignored, err)
		}
	}
	// An ignored topic needs no webhook id.
	if _, ignored, err := newDecoder(t, "").Event(body, headers("products/create", "")); err != nil || ignored == "" {
		t.Errorf("products/create without a webhook id: %q, %v", ignored, err)
	}
}

func TestEventErrors(t *testing.T) {
	order := fixture(t, "orders_create.json")
	tests := []struct {
		name        string
		body        []byte
		h           http.Header
		field, text string
	}{
		{"no topic", order, headers("", "e1"), HeaderTopic, "required"},
		{"no webhook id", order, headers("orders/create", ""), HeaderWebhookID, "required"},
		{"webhook id too long", order, headers("orders/create", strings.Repeat("x", 191)), HeaderWebhookID, "at most"},
		{"not JSON", []byte("{not json"), headers("orders/create", "e1"), "", "malformed JSON"},
		{"empty body", nil, headers("refunds/create", "e1"), "", "malformed JSON"},
		{"an array", []byte(`[{"id": 1}]`), headers("orders/create", "e1"), "", "must be an object"},
		{"trailing data", []byte(`{"order_id": 1} {}`), headers("refunds/create", "e1"), "", "malformed JSON"},
		{"quantity is text", []byte(`{"id":1,"email":"a@example.com","line_items":[{"title":"A","quantity":"two"}]}`),
			headers("orders/create", "e1"), "line_items.quantity", "must be a int"},
		{"sku is an object", []byte(`{"id":1,"email":"a@example.com","line_items":[{"sku":{}}]}`),
			headers("orders/create", "e1"), "line_items.sku", "not a JSON object"},
		{"order without id", []byte(`{"email":"a@example.com","financial_status":"paid","line_items":[{"title":"A"}]}`), headers("orders/paid", "e1"), "id", "required"},
		{"bad created_at", []byte(`{"id":1,"email":"a@example.com","created_at":"14/03/2026","line_items":[{"title":"A"}]}`),
			headers("orders/create", "e1"), "created_at", "RFC 3339"},
		{"bad email", []byte(`{"id":1,"email":"not-an-email","line_items":[{"title":"A"}]}`), headers("orders/create", "e1"), "customer.email", "not an email"},
		{"bad total", []byte(`{"id":1,"email":"a@example.com","total_price":"lots","line_items":[{"title":"A"}]}`),
			headers("orders/create", "e1"), "order.total", "decimal"},
		{"bad cancelled_at", []byte(`{"id":1,"cancelled_at":"soon"}`), headers("orders/cancelled", "e1"), "cancelled_at", "RFC 3339"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, ignored, err := newDecoder(t, "").Event(tt.body, tt.h)
			if ev != nil || ignored != "" {
				t.Fatalf("Event = %v, %q, want an error", ev, ignored)
			}
			wantCode(t, err, aftersale.EINVALID, tt.field)
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("err = %q, want it to say %q", err, tt.text)
			}
		})
	}
}

func TestNilNowAndKinds(t *testing.T) {
	d := &Decoder{Secret: testSecret}
	before := time.Now()
	ev, _, err := d.Event([]byte(`{"id": 5, "order_id": 77, "transactions": [{"kind": "refund", "status": "success", "amount": "5.00"}]}`), headers("refunds/create", "n1"))
	if err != nil {
		t.Fatal(err)
	}
	if ev.OccurredAt.Before(before) || ev.Order.ID != "77" {
		t.Errorf("event %+v at %v", ev.Order, ev.OccurredAt)
	}
	ev, _, err = d.Event(fixture(t, "orders_create.json"), headers("orders/create", "n2"))
	if err != nil || ev.Order.Items[0].Kind != aftersale.KindPhysical || ev.Order.Items[1].Kind != aftersale.KindDigital {
		t.Fatalf("Event = %+v, %v", ev, err)
	}
}

var fuzzTopics = []string{"orders/create", "orders/paid", "orders/cancelled", "refunds/create", "fulfillments/create", "fulfillments/update"}

func FuzzEvent(f *testing.F) {
	for i, name := range []string{"orders_create.json", "orders_paid.json", "orders_cancelled.json", "refunds_create.json", "fulfillments_create.json", "fulfillments_update.json"} {
		f.Add(fuzzTopics[i], "w-1", fixture(f, name))
	}
	for i, name := range []string{"shopify-dev-2026-04-orders_create.json", "shopify-dev-2026-04-orders_paid.json", "shopify-dev-2026-04-orders_cancelled.json",
		"shopify-dev-2026-04-refunds_create.json", "shopify-dev-2026-04-fulfillments_create.json", "shopify-dev-2026-04-fulfillments_update.json"} {
		f.Add(fuzzTopics[i], "w-s", fixture(f, "samples/"+name))
	}
	f.Add("orders/create", "w-2", []byte(`{"id":1,"email":"a@example.com","line_items":[{"sku":"COURSE-1","quantity":-1}]}`))
	f.Add("fulfillments/update", "", []byte(`{"order_id":"1","shipment_status":"in_transit","tracking_urls":["ftp://x"]}`))
	f.Add("products/update", "w-3", []byte(`null`))
	d := newDecoder(f, "sku:COURSE-=course, type:Coaching=coaching")
	f.Fuzz(func(t *testing.T, topic, id string, body []byte) {
		// The raw topic, and a known one so that most bodies are mapped.
		checkEvent(t, d, topic, id, body)
		checkEvent(t, d, fuzzTopics[len(topic)%len(fuzzTopics)], id, body)
	})
}

func checkEvent(t *testing.T, d *Decoder, topic, id string, body []byte) {
	t.Helper()
	ev, ignored, err := d.Event(body, headers(topic, id))
	switch {
	case err != nil:
		var e *aftersale.Error
		if !errors.As(err, &e) || e.Code != aftersale.EINVALID || ev != nil || ignored != "" {
			t.Fatalf("Event = %v, %q, %#v", ev, ignored, err)
		}
	case ev == nil:
		if ignored == "" {
			t.Fatal("no event, no reason, no error")
		}
	default:
		if ignored != "" {
			t.Fatalf("an event and a reason %q", ignored)
		}
		if err := ev.Validate(); err != nil {
			t.Fatalf("the event does not validate: %v", err)
		}
		if ev.Source != "shopify" || !strings.HasPrefix(ev.ID, "shopify:") {
			t.Fatalf("id %q source %q", ev.ID, ev.Source)
		}
	}
}

// FuzzShipmentStatus checks the fulfillment table: every pair of status
// and shipment_status gives a known shipment status or a reason, never both.
func FuzzShipmentStatus(f *testing.F) {
	for _, st := range []string{"success", "pending", "open", "cancelled", "error", "failure", "", "SUCCESS "} {
		for ship := range carrierStatus {
			f.Add(st, ship)
		}
		f.Add(st, "teleported")
	}
	f.Fuzz(func(t *testing.T, status, shipment string) {
		got, reason := shipmentStatus(status, shipment)
		switch {
		case (got == "") == (reason == ""):
			t.Fatalf("shipmentStatus(%q, %q) = %q, %q: want a status or a reason", status, shipment, got, reason)
		case got != "" && !slices.Contains(aftersale.ShipmentStatuses, got):
			t.Fatalf("shipmentStatus(%q, %q) = unknown %q", status, shipment, got)
		case got != "" && !strings.EqualFold(strings.TrimSpace(status), "success") && got != aftersale.ShipmentException:
			t.Fatalf("shipmentStatus(%q, %q) = %q: only a successful fulfillment ships", status, shipment, got)
		}
	})
}
