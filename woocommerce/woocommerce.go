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
// placed only once however many updates arrive), "refunded" and
// "cancelled" end them, and every other status is ignored.
//
// When a webhook is saved, WooCommerce posts an unsigned test body
// "webhook_id=NN" to the delivery URL and wants HTTP 200 back; [Decoder.Verify]
// lets exactly that body through and [Decoder.Event] ignores it.
//
// The action topic action.woocommerce_order_refunded is understood too, but
// WooCommerce fires that action for partial refunds as well, and each one
// would be taken as a full refund; the "Order updated" webhook already
// reports an order whose status becomes "refunded".
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
	"encoding/json"
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
	topicOrderCreated  = "order.created"
	topicOrderUpdated  = "order.updated"
	topicOrderRefunded = "action.woocommerce_order_refunded"
)

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
// order.refunded and "cancelled" to order.cancelled; the topic
// action.woocommerce_order_refunded maps to order.refunded. The event id is
// "woocommerce:DELIVERY:ORDER", DELIVERY being the X-WC-Webhook-Delivery-ID
// header and ORDER the order id, so a delivery sent again maps to the same id.
func (d *Decoder) Event(body []byte, h http.Header) (ev *aftersale.Event, ignored string, err error) {
	if isPing(body) {
		return nil, "ping: WooCommerce tests the delivery URL when a webhook is saved", nil
	}
	topic := strings.ToLower(strings.TrimSpace(h.Get(headerTopic)))
	if topic == "" {
		return nil, "", aftersale.FieldError(headerTopic, "is required (e.g. order.updated)")
	}
	switch topic {
	case topicOrderCreated, topicOrderUpdated, topicOrderRefunded:
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
	if topic == topicOrderRefunded {
		ev, err = d.refundAction(body)
	} else {
		ev, ignored, err = d.order(body)
	}
	if ev == nil || err != nil {
		return nil, ignored, err
	}
	// WooCommerce makes the delivery id from the webhook id and the time in
	// whole seconds, so deliveries of one webhook in the same second (a
	// bulk status change) share it; the order id tells them apart.
	ev.ID = "woocommerce:" + delivery + ":" + ev.OrderRef()
	ev.Source = Source
	if err := ev.Validate(); err != nil {
		return nil, "", err
	}
	return ev, "", nil
}

// refundAction maps the action.woocommerce_order_refunded payload,
// {"action":"woocommerce_order_refunded","arg":ORDER_ID}.
func (d *Decoder) refundAction(body []byte) (*aftersale.Event, error) {
	var p struct {
		Arg json.RawMessage `json:"arg"`
	}
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	id, err := orderID("arg", p.Arg)
	if err != nil {
		return nil, err
	}
	return &aftersale.Event{
		Type:       aftersale.EventOrderRefunded,
		OccurredAt: d.now(),
		Order:      &aftersale.OrderFacts{ID: id},
	}, nil
}

func (d *Decoder) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}
