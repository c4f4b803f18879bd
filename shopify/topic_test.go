package shopify

import (
	"errors"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
)

// TestTopicReplay is the attack of the report: a captured orders/create
// body, correctly signed, resent with X-Shopify-Topic: orders/cancelled and
// a new webhook id. The topic header is not signed, so the body must say
// the order is cancelled; this one says cancelled_at: null.
func TestTopicReplay(t *testing.T) {
	d := newDecoder(t, "")
	body := fixture(t, "orders_create.json")
	h := headers("orders/cancelled", "replayed-1")
	h.Set(HeaderHmac, sign(testSecret, body))
	if err := d.Verify(body, h); err != nil {
		t.Fatal(err) // the signature is good: only the topic is forged
	}
	ev, ignored, err := d.Event(body, h)
	if ev != nil || ignored != "" {
		t.Fatalf("Event = %+v, %q: the order would be cancelled", ev, ignored)
	}
	wantCode(t, err, aftersale.EINVALID, "cancelled_at")
	if want := "topic orders/cancelled but cancelled_at is null"; !strings.Contains(err.Error(), want) {
		t.Errorf("err = %q, want it to say %q", err, want)
	}
}

// TestTopicMismatch sends every sample body under every topic: a body is
// accepted (mapped or ignored) under the topics it can be, and refused with
// an EINVALID error naming the giveaway field under the others.
func TestTopicMismatch(t *testing.T) {
	const (
		create, paid, cancelled  = "orders/create", "orders/paid", "orders/cancelled"
		refund, fcreate, fupdate = "refunds/create", "fulfillments/create", "fulfillments/update"
	)
	// Per body, the field of the error under each topic; "" is accepted.
	paidOrder := map[string]string{create: "", paid: "", cancelled: "cancelled_at", refund: "line_items", fcreate: "order_id", fupdate: "order_id"}
	// A cancelled order (and Shopify's one voided, cancelled sample for
	// every order topic) may still come as orders/create or orders/paid:
	// that changes nothing an earlier orders/create did not.
	cancelledOrder := map[string]string{create: "", paid: "", cancelled: "", refund: "line_items", fcreate: "order_id", fupdate: "order_id"}
	unpaidOrder := map[string]string{create: "", paid: "", cancelled: "cancelled_at", refund: "line_items", fcreate: "order_id", fupdate: "order_id"}
	aRefund := map[string]string{create: "order_id", paid: "order_id", cancelled: "order_id", refund: "", fcreate: "status", fupdate: "status"}
	aFulfillment := map[string]string{create: "order_id", paid: "order_id", cancelled: "order_id", refund: "line_items", fcreate: "", fupdate: ""}
	bodies := map[string]map[string]string{
		"orders_create.json":                                   paidOrder,
		"orders_paid.json":                                     paidOrder,
		"orders_cancelled.json":                                cancelledOrder,
		"refunds_create.json":                                  aRefund,
		"fulfillments_create.json":                             aFulfillment,
		"fulfillments_update.json":                             aFulfillment,
		"samples/shopify-dev-2026-04-orders_create.json":       cancelledOrder,
		"samples/shopify-dev-2026-04-orders_paid.json":         cancelledOrder,
		"samples/shopify-dev-2026-04-orders_cancelled.json":    cancelledOrder,
		"samples/shopify-dev-2026-04-refunds_create.json":      aRefund,
		"samples/shopify-dev-2026-04-fulfillments_create.json": aFulfillment,
		"samples/shopify-dev-2026-04-fulfillments_update.json": aFulfillment,
		"samples/shopify-python-api-order.json":                unpaidOrder, // financial_status authorized
		"samples/shopify-python-api-refund.json":               aRefund,
		"samples/shopify-python-api-fulfillment.json":          aFulfillment,
	}
	d := newDecoder(t, "")
	for file, topics := range bodies {
		body := fixture(t, file)
		for topic, field := range topics {
			ev, ignored, err := d.Event(body, headers(topic, "m1"))
			if field == "" {
				if err != nil || (ev == nil) == (ignored == "") {
					t.Errorf("%s as %s: Event = %v, %q, %v; want it accepted", file, topic, ev, ignored, err)
				}
				continue
			}
			if ev != nil || ignored != "" {
				t.Errorf("%s as %s: Event = %+v, %q; want a 400 on %s", file, topic, ev, ignored, field)
				continue
			}
			var e *aftersale.Error
			if !errors.As(err, &e) || e.Code != aftersale.EINVALID || e.Field != field || !strings.Contains(e.Message, "topic "+topic) && e.Message != "is required" {
				t.Errorf("%s as %s: err = %#v, want EINVALID on %s naming the topic", file, topic, err, field)
			}
		}
	}
}

// TestTopicChecks covers each rule on its own.
func TestTopicChecks(t *testing.T) {
	tests := []struct {
		name, topic, file string
		change            func(m map[string]any)
		field             string // "" means accepted
	}{
		{"paid", "orders/paid", "orders_paid.json", nil, ""},
		// orders/paid places the order as orders/create does: a body
		// moved between the two changes nothing, so its status is not
		// checked (Shopify's own test notification is a voided order).
		{"pending as paid", "orders/paid", "orders_paid.json", func(m map[string]any) { m["financial_status"] = "pending" }, ""},
		{"cancelled_at empty", "orders/cancelled", "orders_cancelled.json", func(m map[string]any) { m["cancelled_at"] = " " }, "cancelled_at"},
		{"an order with an order_id", "orders/create", "orders_create.json", func(m map[string]any) { m["order_id"] = 1 }, "order_id"},
		{"an order with refund lines", "orders/create", "orders_create.json", func(m map[string]any) { m["refund_line_items"] = []any{} }, "refund_line_items"},
		{"a refund without id", "refunds/create", "refunds_create.json", func(m map[string]any) { m["id"] = nil }, "id"},
		{"a refund of nothing at all", "refunds/create", "refunds_create.json", func(m map[string]any) {
			delete(m, "refund_line_items")
			delete(m, "transactions")
		}, "refund_line_items"},
		{"a refund with transactions only", "refunds/create", "refunds_create.json", func(m map[string]any) { delete(m, "refund_line_items") }, ""},
		{"a refund with lines only", "refunds/create", "refunds_create.json", func(m map[string]any) { delete(m, "transactions") }, ""},
		{"a fulfillment without status", "fulfillments/update", "fulfillments_update.json", func(m map[string]any) { delete(m, "status") }, "status"},
		{"a fulfillment with refund lines", "fulfillments/create", "fulfillments_create.json", func(m map[string]any) { m["refund_line_items"] = []any{map[string]any{}} }, "refund_line_items"},
		{"a fulfillment with null refund lines", "fulfillments/create", "fulfillments_create.json", func(m map[string]any) { m["refund_line_items"] = nil }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := fixture(t, tt.file)
			if tt.change != nil {
				body = mutate(t, body, tt.change)
			}
			ev, ignored, err := newDecoder(t, "").Event(body, headers(tt.topic, "t1"))
			if tt.field != "" {
				wantCode(t, err, aftersale.EINVALID, tt.field)
				return
			}
			if err != nil || (ev == nil) == (ignored == "") {
				t.Fatalf("Event = %v, %q, %v; want it accepted", ev, ignored, err)
			}
		})
	}
}
