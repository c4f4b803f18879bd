package shopify

import (
	"bytes"
	"encoding/json"

	"github.com/aftersale/aftersale"
)

// shape is what tells Shopify's webhook bodies apart: an order has line
// items and no order_id; a refund has an id, an order_id and
// refund_line_items or transactions; a fulfillment has an order_id and a
// status, and no refund lines.
type shape struct {
	ID              jstr            `json:"id"`
	OrderID         jstr            `json:"order_id"`
	CancelledAt     jstr            `json:"cancelled_at"`
	FinancialStatus jstr            `json:"financial_status"`
	Status          jstr            `json:"status"`
	LineItems       json.RawMessage `json:"line_items"`
	RefundLineItems json.RawMessage `json:"refund_line_items"`
	Transactions    json.RawMessage `json:"transactions"`
}

// present reports whether a JSON member was sent with a value.
func present(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && string(raw) != "null"
}

// checkTopic checks that the body is what its topic says it is. The
// X-Shopify-Topic header is not covered by the HMAC, so a captured body
// could otherwise be resent under another topic (an orders/create body as
// orders/cancelled would cancel the order). orders/paid and orders/create
// both place the order, so a body moved between them changes nothing and
// its financial_status is not checked (Shopify's test notification for
// orders/paid is a voided order). A mismatch is an EINVALID error
// naming the field that gives it away.
func checkTopic(topic string, body []byte) error {
	var s shape
	if err := decode(body, &s); err != nil {
		return err
	}
	switch topic {
	case "orders/create", "orders/paid", "orders/cancelled":
		if first(s.OrderID) != "" {
			return aftersale.FieldError("order_id", "topic %s but the body has an order_id: it is a refund or a fulfillment, not an order", topic)
		}
		if present(s.RefundLineItems) {
			return aftersale.FieldError("refund_line_items", "topic %s but the body has refund_line_items: it is a refund, not an order", topic)
		}
	}
	switch topic {
	case "orders/cancelled":
		if first(s.CancelledAt) == "" {
			return aftersale.FieldError("cancelled_at", "topic orders/cancelled but cancelled_at is null: the order is not cancelled")
		}
	case "refunds/create":
		switch {
		case present(s.LineItems):
			return aftersale.FieldError("line_items", "topic refunds/create but the body has line_items: it is an order or a fulfillment, not a refund")
		case first(s.ID) == "":
			return aftersale.FieldError("id", "topic refunds/create but the refund has no id")
		case first(s.OrderID) == "":
			return aftersale.FieldError("order_id", "is required")
		case !present(s.RefundLineItems) && !present(s.Transactions):
			return aftersale.FieldError("refund_line_items", "topic refunds/create but the body has neither refund_line_items nor transactions: it is not a refund")
		}
	case "fulfillments/create", "fulfillments/update":
		switch {
		case first(s.OrderID) == "" && present(s.LineItems):
			return aftersale.FieldError("order_id", "topic %s but the body has no order_id: it is an order, not a fulfillment", topic)
		case first(s.OrderID) == "":
			return aftersale.FieldError("order_id", "is required")
		case first(s.Status) == "":
			return aftersale.FieldError("status", "topic %s but the body has no status: it is not a fulfillment", topic)
		case present(s.RefundLineItems) || present(s.Transactions):
			return aftersale.FieldError("refund_line_items", "topic %s but the body has refund lines or transactions: it is a refund, not a fulfillment", topic)
		}
	}
	return nil
}
