package woocommerce_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// The mapping of each topic on WooCommerce's own documented sample orders
// (see testdata/README.md for where each comes from).

const delivery = "9c5f0e5d2bb1c4a8e0f6f1d3a7b2c9e4"

// placed727 is the documented order 727 (REST API docs, "Create an order").
func placed727() *aftersale.Event {
	return &aftersale.Event{
		ID: "woocommerce:" + delivery + ":727", Type: aftersale.EventOrderPlaced,
		OccurredAt: time.Date(2017, 3, 22, 19, 28, 2, 0, time.UTC), Source: "woocommerce",
		Customer: &aftersale.Contact{Email: "john.doe@example.com", Name: "John Doe", Phone: "(555) 555-5555"},
		Order: &aftersale.OrderFacts{
			ID: "727", Number: "727", Currency: "USD", Total: "29.35",
			Items: []aftersale.Item{
				// quantity 2, line total "6.00", price 3: the price is per unit
				{Name: "Woo Single #1", Kind: aftersale.KindPhysical, Quantity: 2, Price: "3.00"},
				{SKU: "Bar3", Name: "Ship Your Idea – Color: Black, Size: M Test", Kind: aftersale.KindPhysical, Quantity: 1, Price: "12.00"},
			},
		},
	}
}

// placed723 is the documented order 723 (REST API docs, "List all orders").
func placed723() *aftersale.Event {
	return &aftersale.Event{
		ID: "woocommerce:" + delivery + ":723", Type: aftersale.EventOrderPlaced,
		OccurredAt: time.Date(2017, 3, 21, 19, 16, 0, 0, time.UTC), Source: "woocommerce",
		Customer: &aftersale.Contact{Email: "joao.silva@example.com", Name: "João Silva", Phone: "(11) 1111-1111"},
		Order: &aftersale.OrderFacts{
			ID: "723", Number: "723", Currency: "USD", Total: "39.00",
			Items: []aftersale.Item{
				{Name: "Woo Album #2", Kind: aftersale.KindPhysical, Quantity: 1, Price: "9.00"},
				{Name: "Woo Ninja", Kind: aftersale.KindPhysical, Quantity: 1, Price: "20.00"},
			},
		},
	}
}

func refund(id, order string, at time.Time, r aftersale.RefundFacts) *aftersale.Event {
	return &aftersale.Event{
		ID: id, Type: aftersale.EventOrderRefunded, OccurredAt: at, Source: "woocommerce",
		Order: &aftersale.OrderFacts{ID: order, Number: order}, Refund: &r,
	}
}

func TestDocumentedSamples(t *testing.T) {
	at723 := time.Date(2017, 3, 21, 19, 54, 51, 0, time.UTC)
	tests := []struct {
		name, topic string
		body        []byte
		want        *aftersale.Event
		ignored     string // a part of the reason, when ignored
	}{
		{name: "order.created, processing", topic: "order.created",
			body: fixture(t, "docs_order_727_created.json"), want: placed727()},
		{name: "order.updated, processing", topic: "order.updated",
			body: fixture(t, "docs_order_727_created.json"), want: placed727()},
		{name: "order.updated, completed", topic: "order.updated",
			body: fixture(t, "docs_order_727_completed.json"), want: placed727()},
		{name: "order.updated, pending", topic: "order.updated",
			body: fixture(t, "docs_order_728_pending.json"), ignored: `order status "pending"`},
		{name: "order.created, pending", topic: "order.created",
			body: fixture(t, "docs_order_728_pending.json"), ignored: `order status "pending"`},
		{name: "order.updated, completed with two refunds: partial", topic: "order.updated",
			body: fixture(t, "docs_order_723_refunds.json"),
			want: refund("woocommerce:723:refunds:724,726", "723", at723,
				aftersale.RefundFacts{ID: "726", Amount: "19.00", Cumulative: true})},
		{name: "order.created of an order with refunds is the order", topic: "order.created",
			body: fixture(t, "docs_order_723_refunds.json"), want: placed723()},
		{name: "order.updated, one refund with its reason: partial", topic: "order.updated",
			body: fixture(t, "docs_order_727_partial_refund_derived.json"),
			want: refund("woocommerce:727:refunds:730", "727", time.Date(2017, 3, 22, 19, 30, 35, 0, time.UTC),
				aftersale.RefundFacts{ID: "730", Amount: "12.00", Cumulative: true, Reason: "Arrived damaged"})},
		{name: "order.updated, refunded", topic: "order.updated",
			body: fixture(t, "docs_order_723_refunded_derived.json"),
			want: refund("woocommerce:723:refunded:724,726,731", "723", at723,
				aftersale.RefundFacts{ID: "731", Amount: "39.00", Full: true, Cumulative: true, Reason: "Order fully refunded."})},
		{name: "order.updated, cancelled", topic: "order.updated",
			body: patch(t, "docs_order_727_created.json", withStatus("cancelled")),
			want: &aftersale.Event{
				ID: "woocommerce:" + delivery + ":727", Type: aftersale.EventOrderCancelled,
				OccurredAt: time.Date(2017, 3, 22, 19, 28, 8, 0, time.UTC), Source: "woocommerce",
				Order: &aftersale.OrderFacts{ID: "727", Number: "727"},
			}},
		{name: "order.deleted", topic: "order.deleted",
			body: fixture(t, "docs_order_727_completed.json"), ignored: `topic "order.deleted" is not used`},
		{name: "action.woocommerce_order_refunded", topic: "action.woocommerce_order_refunded",
			body: []byte(`{"action":"woocommerce_order_refunded","arg":723}`), ignored: "partial refunds too"},
		{name: "action.woocommerce_order_partially_refunded", topic: "action.woocommerce_order_partially_refunded",
			body: []byte(`{"action":"woocommerce_order_partially_refunded","arg":723}`), ignored: "Order updated webhook"},
		{name: "action.woocommerce_order_fully_refunded", topic: "action.woocommerce_order_fully_refunded",
			body: []byte(`{"action":"woocommerce_order_fully_refunded","arg":723}`), ignored: "Order updated webhook"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decoder(t, "")
			h := headers(tt.topic, tt.body)
			if err := d.Verify(tt.body, h); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			ev, ignored, err := d.Event(tt.body, h)
			if err != nil {
				t.Fatalf("Event: %v", err)
			}
			if tt.want == nil {
				if ev != nil || !strings.Contains(ignored, tt.ignored) {
					t.Fatalf("want ignored with %q; got event %+v, reason %q", tt.ignored, ev, ignored)
				}
				return
			}
			if ignored != "" {
				t.Fatalf("ignored: %s", ignored)
			}
			if !reflect.DeepEqual(ev, tt.want) {
				got, _ := json.MarshalIndent(ev, "", " ")
				want, _ := json.MarshalIndent(tt.want, "", " ")
				t.Errorf("event:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// The id of a refund event depends on the order and its refunds only: the
// same refunds delivered again (another delivery, the list in another
// order, a later update of the order) give the same id; a new refund
// another.
func TestRefundEventID(t *testing.T) {
	d := decoder(t, "")
	id := func(body []byte, delivery string) string {
		t.Helper()
		h := headers("order.updated", body)
		h.Set("X-WC-Webhook-Delivery-ID", delivery)
		ev, ignored, err := d.Event(body, h)
		if err != nil || ev == nil {
			t.Fatalf("Event: %v %s", err, ignored)
		}
		return ev.ID
	}
	sample := fixture(t, "docs_order_723_refunds.json")
	reversed := patch(t, "docs_order_723_refunds.json", func(o map[string]any) {
		r := o["refunds"].([]any)
		o["refunds"] = []any{r[1], r[0]}
	})
	later := patch(t, "docs_order_723_refunds.json", func(o map[string]any) {
		o["date_modified_gmt"] = time.Date(2017, 3, 24, 10, 0, 0, 0, time.UTC).Format(time.DateOnly + "T" + time.TimeOnly)
		o["customer_note"] = "leave at the door"
	})
	more := patch(t, "docs_order_723_refunds.json", func(o map[string]any) {
		o["refunds"] = append([]any{map[string]any{"id": 1001, "reason": "", "total": "-1.00"}}, o["refunds"].([]any)...)
	})
	a, b, c, e := id(sample, "d1"), id(sample, "d2"), id(reversed, "d3"), id(later, "d4")
	if a != "woocommerce:723:refunds:724,726" || b != a || c != a || e != a {
		t.Errorf("ids %q %q %q %q", a, b, c, e)
	}
	// Ids sort as numbers: 1001 after 726.
	if got := id(more, "d5"); got != "woocommerce:723:refunds:724,726,1001" {
		t.Errorf("with a new refund: %q", got)
	}
	if full := id(patch(t, "docs_order_723_refunds.json", withStatus("refunded")), "d6"); full != "woocommerce:723:refunded:724,726" {
		t.Errorf("refunded: %q", full)
	}

	// Many refunds: the id names a hash of them and stays short.
	many := patch(t, "docs_order_723_refunds.json", func(o map[string]any) {
		var r []any
		for i := 40; i > 0; i-- {
			r = append(r, map[string]any{"id": 90000 + i, "reason": "", "total": "-0.50"})
		}
		o["refunds"] = r
	})
	h := headers("order.updated", many)
	ev, _, err := d.Event(many, h)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ev.ID, "woocommerce:723:refunds:h") || len(ev.ID) > 80 {
		t.Errorf("id %q", ev.ID)
	}
	if ev.Refund.Amount != "20.00" || ev.Refund.ID != "90040" {
		t.Errorf("refund %+v", ev.Refund)
	}
}

// Item.Price is the price of one unit in every case.
func TestUnitPrice(t *testing.T) {
	tests := []struct {
		name string
		line map[string]any
		want string
	}{
		{"documented: total 6.00 for 2, price 3", map[string]any{"quantity": 2, "subtotal": "6.00", "total": "6.00", "price": 3}, "3.00"},
		{"total after discount for 2", map[string]any{"quantity": 2, "subtotal": "38.00", "total": "34.20", "price": 17.1}, "17.10"},
		{"no price: total ÷ quantity", map[string]any{"quantity": 3, "total": "30.00"}, "10.00"},
		{"no price, uneven", map[string]any{"quantity": 3, "total": "10.00"}, "3.33"},
		{"no price, four decimals", map[string]any{"quantity": 4, "total": "10.0001"}, "2.5000"},
		{"price only (a decimal string is kept as given)", map[string]any{"quantity": 5, "price": "4.5"}, "4.5"},
		{"price only, a number", map[string]any{"quantity": 5, "price": 4.5}, "4.50"},
		{"subtotal only", map[string]any{"quantity": 4, "subtotal": "20.00"}, "5.00"},
		{"one unit", map[string]any{"quantity": 1, "total": "79.00", "price": 79}, "79.00"},
		{"quantity as a string", map[string]any{"quantity": "2", "total": "12.00"}, "6.00"},
		{"fractional quantity", map[string]any{"quantity": 1.5, "total": "3.00"}, "2.00"},
		{"zero quantity", map[string]any{"quantity": 0, "total": "3.00"}, "3.00"},
		{"no quantity", map[string]any{"total": "3.00"}, "3.00"},
		{"nothing", map[string]any{"quantity": 2}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := patch(t, "docs_order_727_created.json", func(o map[string]any) {
				tt.line["name"] = "Woo Single #1"
				o["line_items"] = []any{tt.line}
			})
			ev, ignored, err := decoder(t, "").Event(body, headers("order.created", body))
			if err != nil || ev == nil {
				t.Fatalf("Event: %v %s", err, ignored)
			}
			if got := ev.Order.Items[0].Price; got != tt.want {
				t.Errorf("price %q, want %q", got, tt.want)
			}
		})
	}
}
