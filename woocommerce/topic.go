package woocommerce

import (
	"bytes"

	"github.com/aftersale/aftersale"
)

// checkOrderBody checks that the body of an order.created or order.updated
// delivery is an order. The X-WC-Webhook-Topic header is not signed, only
// the body is; what the body means is read from its own status, so the one
// thing a resent body could fake is being an order at all: an
// order.deleted body ({"id": N} once the order is gone) or another
// resource's body signed with the same secret. Every REST v3 order has an
// id, a status and a line_items list (empty or not).
func checkOrderBody(topic string, o *order) error {
	switch {
	case len(bytes.TrimSpace(o.ID)) == 0 || string(bytes.TrimSpace(o.ID)) == "null":
		return aftersale.FieldError("id", "is required: topic %s needs an order", topic)
	case o.Status == "":
		return aftersale.FieldError("status", "is required: topic %s needs an order with its status (an order.deleted body has only the id)", topic)
	case o.LineItems == nil:
		return aftersale.FieldError("line_items", "is required: topic %s but the body has no line_items, so it is not an order", topic)
	}
	return nil
}
