// Package woocommerce verifies WooCommerce webhooks and maps them to
// aftersale events.
//
// # Setting up the shop
//
// In WordPress, open WooCommerce → Settings → Advanced → Webhooks and add
// two webhooks, both with:
//
//   - Status: Active
//   - Delivery URL: https://YOUR-HOST/webhooks/woocommerce
//   - Secret: a long random string; give aftersale the same value in
//     AFTERSALE_WOOCOMMERCE_SECRET
//   - API version: WP REST API Integration v3
//
// and the topics "Order created" (order.created) and "Order updated"
// (order.updated). Nothing else is needed: an order that becomes
// "processing" or "completed" starts the purchase journeys (an order is
// placed only once however many updates arrive), "cancelled" ends them,
// and every other status is ignored.
//
// Refunds come with "Order updated": WooCommerce delivers it for every
// refund (the topic listens to woocommerce_order_refunded), and the order's
// "refunds" list names every refund so far with its total. An update of a
// paid order that lists refunds is order.refunded with the money refunded
// so far (Cumulative): a partial refund, unless it reaches the order's
// total. Status "refunded" is a full refund. The event id names the order
// and its refunds, so the same list delivered again (every later update
// repeats it) counts once and a new refund counts anew. WooCommerce's
// refunds list does not say which lines were refunded, only the money.
//
// When a webhook is saved, WooCommerce posts an unsigned test body
// "webhook_id=NN" to the delivery URL and wants HTTP 200 back; [Decoder.Verify]
// lets exactly that body through and [Decoder.Event] ignores it.
//
// The action topics action.woocommerce_order_refunded,
// action.woocommerce_order_partially_refunded and
// action.woocommerce_order_fully_refunded are answered but ignored: their
// payload is only the order id ({"action": …, "arg": ORDER_ID}), and
// woocommerce_order_refunded fires for partial refunds as well (see
// wc_create_refund), so none of them says what was refunded; the "Order
// updated" webhook delivered for the same refund does.
//
// WooCommerce does not say which lines of an order ship: when the order has
// shipping lines every line counts as shipping, so digital lines should be
// named by kind rules (for example sku:COURSE-=course).
package woocommerce

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

// Source is the Event.Source of every event this package makes.
const Source = "woocommerce"

// The headers WooCommerce sends with each delivery.
const (
	headerSignature = "X-WC-Webhook-Signature"
	headerTopic     = "X-WC-Webhook-Topic"
	headerDelivery  = "X-WC-Webhook-Delivery-ID"
)

// Topics this package acts on.
const (
	topicOrderCreated = "order.created"
	topicOrderUpdated = "order.updated"
)

// refundActions are the action topics of WooCommerce's refund hooks, each
// with why it is ignored.
var refundActions = map[string]string{
	"action.woocommerce_order_refunded": "WooCommerce fires woocommerce_order_refunded for partial refunds too, " +
		"and its payload is only the order id: the Order updated webhook reports the refunds with their amounts",
	"action.woocommerce_order_partially_refunded": "the payload is only the order id: " +
		"the Order updated webhook reports the refunds with their amounts",
	"action.woocommerce_order_fully_refunded": "the payload is only the order id: " +
		"the Order updated webhook reports the refunded order",
}

// Decoder verifies and maps WooCommerce webhooks. The zero value rejects
// every delivery (it has no secret); it is safe for concurrent use once set up.
type Decoder struct {
	Secret []byte               // AFTERSALE_WOOCOMMERCE_SECRET, the webhook's secret
	Kinds  *aftersale.KindRules // may be nil
	Now    func() time.Time     // nil means time.Now
}

// pingRE is the whole body of the test delivery WooCommerce sends when a
// webhook is saved.
var pingRE = regexp.MustCompile(`^webhook_id=[0-9]{1,20}$`)

// isPing reports whether body is WooCommerce's creation ping (form-encoded,
// not JSON).
func isPing(body []byte) bool {
	return bytes.HasPrefix(bytes.TrimSpace(body), []byte("webhook_id="))
}

// Verify checks X-WC-Webhook-Signature: the base64 HMAC-SHA256 of the raw
// body with Secret, compared in constant time. A missing, malformed or wrong
// signature, or an empty Secret, is an *aftersale.Error with code
// aftersale.EUNAUTHORIZED.
//
// The one exception is the test delivery WooCommerce posts when a webhook is
// saved: its body is exactly "webhook_id=NN", it carries no signature, and
// WooCommerce shows an error unless it gets HTTP 200. That body passes
// unsigned (when a Secret is set); [Decoder.Event] then ignores it.
func (d *Decoder) Verify(body []byte, h http.Header) error {
	if len(d.Secret) == 0 {
		return aftersale.Errorf(aftersale.EUNAUTHORIZED,
			"WooCommerce webhooks are not accepted: no secret is set (AFTERSALE_WOOCOMMERCE_SECRET)")
	}
	sig := strings.TrimSpace(h.Get(headerSignature))
	if sig == "" {
		if pingRE.Match(body) {
			return nil
		}
		return aftersale.Errorf(aftersale.EUNAUTHORIZED,
			"missing %s header: set a secret on the WooCommerce webhook", headerSignature)
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return aftersale.Errorf(aftersale.EUNAUTHORIZED,
			"malformed %s header: want the base64 HMAC-SHA256 of the body", headerSignature)
	}
	mac := hmac.New(sha256.New, d.Secret)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return aftersale.Errorf(aftersale.EUNAUTHORIZED,
			"wrong %s: the webhook's secret is not AFTERSALE_WOOCOMMERCE_SECRET, or the body was changed", headerSignature)
	}
	return nil
}

// Event maps a verified webhook to one event. It returns (nil, reason, nil)
// for a delivery that is deliberately ignored (the creation ping, a topic
// that is not used, an order status that neither starts nor ends a journey,
// an order without billing email or lines), where reason is a short
// sentence; and an EINVALID *aftersale.Error naming the field or header for
// malformed JSON or missing required data. A returned event has passed
// Event.Validate.
//
// Topics order.created and order.updated map, by the order's status,
// "processing" and "completed" to order.placed, "refunded" to
// order.refunded (Refund.Full) and "cancelled" to order.cancelled; an
// order.updated of a "processing" or "completed" order that lists refunds
// maps to order.refunded with what was refunded so far (a partial refund
// unless it covers the order). Order.Number is WooCommerce's number.
//
// The id of a refund event is "woocommerce:ORDER:refunds:IDS" (partial) or
// "woocommerce:ORDER:refunded:IDS" (status refunded), IDS being the refund
// ids in ascending order joined by commas (a hash of them when long), so
// the same refunds delivered again map to the same id. Any other event id
// is "woocommerce:DELIVERY:ORDER", DELIVERY being the
// X-WC-Webhook-Delivery-ID header and ORDER the order id, so a delivery
// sent again maps to the same id.
func (d *Decoder) Event(body []byte, h http.Header) (ev *aftersale.Event, ignored string, err error) {
	if isPing(body) {
		return nil, "ping: WooCommerce tests the delivery URL when a webhook is saved", nil
	}
	topic := strings.ToLower(strings.TrimSpace(h.Get(headerTopic)))
	if topic == "" {
		return nil, "", aftersale.FieldError(headerTopic, "is required (e.g. order.updated)")
	}
	if why, ok := refundActions[topic]; ok {
		return nil, fmt.Sprintf("topic %q is not used: %s", topic, why), nil
	}
	switch topic {
	case topicOrderCreated, topicOrderUpdated:
	default:
		return nil, fmt.Sprintf("topic %q is not used", truncate(topic, 60)), nil
	}
	delivery := strings.TrimSpace(h.Get(headerDelivery))
	switch {
	case delivery == "":
		return nil, "", aftersale.FieldError(headerDelivery, "is required")
	case len(delivery) > 100:
		return nil, "", aftersale.FieldError(headerDelivery, "must be at most 100 characters")
	}
	if ev, ignored, err = d.order(body, topic); ev == nil || err != nil {
		return nil, ignored, err
	}
	if ev.ID == "" {
		// WooCommerce makes the delivery id from the webhook id and the
		// time in whole seconds, so deliveries of one webhook in the same
		// second (a bulk status change) share it; the order id tells them
		// apart.
		ev.ID = "woocommerce:" + delivery + ":" + ev.OrderRef()
	}
	ev.Source = Source
	// A platform answered 400 retries and in the end turns the webhook
	// off: a stray control character is taken as a space (CleanTexts).
	ev.CleanTexts()
	if err := ev.Validate(); err != nil {
		return nil, "", err
	}
	return ev, "", nil
}

func (d *Decoder) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}
