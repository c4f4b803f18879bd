package woocommerce_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
)

// TestTopicBody: the topic header is not signed, so a body of another
// kind, signed with the same secret, is not taken for an order. Every
// documented order is accepted under both order topics.
func TestTopicBody(t *testing.T) {
	refused := []struct {
		name, topic, body, field string
	}{
		// What WooCommerce sends as order.deleted once an order is gone.
		{"an order.deleted body as order.updated", "order.updated", `{"id":727}`, "status"},
		{"an order.deleted body as order.created", "order.created", `{"id":727}`, "status"},
		// A product.updated body: its status "pending" would read as an order's.
		{"a product as order.updated", "order.updated", `{"id":799,"name":"Ship Your Idea","type":"simple","status":"pending","price":"21.99","sku":"SYI"}`, "line_items"},
		{"a published product as order.created", "order.created", `{"id":799,"name":"Ship Your Idea","status":"publish","price":"21.99"}`, "line_items"},
		{"a customer as order.updated", "order.updated", `{"id":25,"email":"john.doe@example.com","first_name":"John","billing":{"email":"john.doe@example.com"}}`, "status"},
		{"no id", "order.updated", `{"status":"processing","line_items":[]}`, "id"},
		{"a null id", "order.updated", `{"id":null,"status":"processing","line_items":[]}`, "id"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			ev, ignored, err := decoder(t, "").Event(body, headers(tt.topic, body))
			var e *aftersale.Error
			if ev != nil || ignored != "" || !errors.As(err, &e) || e.Code != aftersale.EINVALID || e.Field != tt.field || !strings.Contains(e.Message, tt.topic) {
				t.Fatalf("Event = %+v, %q, %#v; want EINVALID on %s naming %s", ev, ignored, err, tt.field, tt.topic)
			}
		})
	}
	for _, file := range []string{"docs_order_727_created.json", "docs_order_727_completed.json", "docs_order_723_refunds.json",
		"docs_order_728_pending.json", "docs_order_723_refunded_derived.json", "docs_order_727_partial_refund_derived.json",
		"order_created.json", "order_updated_cancelled.json", "order_updated_completed.json", "order_updated_pending.json", "order_updated_refunded.json"} {
		for _, topic := range []string{"order.created", "order.updated"} {
			body := fixture(t, file)
			if ev, ignored, err := decoder(t, "").Event(body, headers(topic, body)); err != nil || (ev == nil) == (ignored == "") {
				t.Errorf("%s as %s: Event = %v, %q, %v; want it accepted", file, topic, ev, ignored, err)
			}
		}
	}
}
