// Package shopify maps Shopify's native webhooks to aftersale events.
//
// In the Shopify admin (Settings → Notifications → Webhooks) or in the app's
// configuration, point these topics, in JSON format, at the install's
// POST /webhooks/shopify URL:
//
//	orders/create        → order.placed
//	  or orders/paid     → order.placed, to start journeys only once paid
//	orders/cancelled     → order.cancelled
//	refunds/create       → order.refunded, with what this refund paid back
//	fulfillments/create  → shipment.updated, once the package has shipped
//	fulfillments/update  → shipment.updated
//
// An order's name ("#1001") is the order number the buyer knows; line item
// prices are per unit. A refund names its items, quantities and amounts,
// the money its transactions paid back and the shipping it refunded (see
// refund); how much of the order that is, is for the engine to judge. A
// fulfillment counts as shipped only when its status is success and the
// carrier has the package (see shipmentStatus).
//
// Register one of orders/create and orders/paid, not both: each delivery has
// its own webhook id, so both would place the same order twice.
//
// The topic header is not signed, so the body must match it (see
// checkTopic): orders/cancelled needs a cancelled_at, refunds/create a refund (id,
// order_id, refund lines or transactions), a fulfillment topic a
// fulfillment (order_id and status). A mismatch answers 400 and stores
// nothing.
//
// Any other topic is answered and ignored. Set AFTERSALE_SHOPIFY_SECRET to
// the secret Shopify signs the webhooks with: the app's client secret (API
// secret key) for webhooks an app registers, or the signing key shown under
// Settings → Notifications → Webhooks for webhooks made in the admin.
//
// Each event's id is "shopify:" followed by the X-Shopify-Webhook-Id header,
// which Shopify keeps across retries of one delivery, so that a retried
// webhook is recognised as a duplicate. SKU prefixes and product types are
// turned into item kinds by the install's aftersale.KindRules; a line that
// needs shipping and matches no rule is physical, any other digital.
package shopify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

// The headers Shopify sends with every webhook.
const (
	HeaderHmac      = "X-Shopify-Hmac-Sha256"
	HeaderTopic     = "X-Shopify-Topic"
	HeaderWebhookID = "X-Shopify-Webhook-Id"
)

// Source is the Source of every event the package makes.
const Source = "shopify"

// Decoder verifies and maps Shopify webhooks.
type Decoder struct {
	Secret []byte               // AFTERSALE_SHOPIFY_SECRET, the app's client secret / webhook signing secret
	Kinds  *aftersale.KindRules // may be nil
	Now    func() time.Time     // nil means time.Now
}

// Verify checks X-Shopify-Hmac-Sha256: the base64 HMAC-SHA256 of the raw
// body with Secret, compared in constant time. A missing, malformed or
// wrong signature, or an empty Secret, returns an *aftersale.Error with code
// aftersale.EUNAUTHORIZED.
func (d *Decoder) Verify(body []byte, h http.Header) error {
	if len(d.Secret) == 0 {
		return aftersale.Errorf(aftersale.EUNAUTHORIZED, "Shopify webhooks cannot be verified: AFTERSALE_SHOPIFY_SECRET is not set")
	}
	sig := strings.TrimSpace(h.Get(HeaderHmac))
	if sig == "" {
		return aftersale.Errorf(aftersale.EUNAUTHORIZED, "the %s header is missing", HeaderHmac)
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return aftersale.Errorf(aftersale.EUNAUTHORIZED, "the %s header is malformed: want the base64 of a SHA-256 HMAC", HeaderHmac)
	}
	mac := hmac.New(sha256.New, d.Secret)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return aftersale.Errorf(aftersale.EUNAUTHORIZED,
			"the %s signature does not match the body: check that AFTERSALE_SHOPIFY_SECRET is the secret Shopify signs with", HeaderHmac)
	}
	return nil
}

// Event maps a verified webhook to one event. The topic is the
// X-Shopify-Topic header, and the body must be of that topic's kind. It returns (nil, reason, nil) for topics or
// payloads that are deliberately ignored, and an EINVALID *aftersale.Error
// naming the field for malformed JSON or a payload missing what the topic
// needs. A returned event has passed Validate.
func (d *Decoder) Event(body []byte, h http.Header) (ev *aftersale.Event, ignored string, err error) {
	topic := strings.ToLower(strings.TrimSpace(h.Get(HeaderTopic)))
	if topic == "" {
		return nil, "", aftersale.FieldError(HeaderTopic, "header is required")
	}
	switch topic {
	case "orders/create", "orders/paid", "orders/cancelled", "refunds/create", "fulfillments/create", "fulfillments/update":
	default:
		return nil, fmt.Sprintf("topic %.100s is not used", topic), nil
	}
	id := strings.TrimSpace(h.Get(HeaderWebhookID))
	switch {
	case id == "":
		return nil, "", aftersale.FieldError(HeaderWebhookID, "header is required")
	case len(id) > 190:
		return nil, "", aftersale.FieldError(HeaderWebhookID, "header must be at most 190 characters")
	}
	if err := checkTopic(topic, body); err != nil {
		return nil, "", err
	}
	ev = &aftersale.Event{ID: "shopify:" + id, Source: Source}
	switch topic {
	case "orders/create", "orders/paid":
		ignored, err = d.orderPlaced(ev, body)
	case "orders/cancelled":
		err = d.orderCancelled(ev, body)
	case "refunds/create":
		ignored, err = d.refund(ev, body)
	default:
		ignored, err = d.fulfillment(ev, body)
	}
	if err != nil || ignored != "" {
		return nil, ignored, err
	}
	// A platform answered 400 retries and in the end turns the webhook
	// off: a stray control character is taken as a space (CleanTexts).
	ev.CleanTexts()
	if err := ev.Validate(); err != nil {
		return nil, "", err
	}
	return ev, "", nil
}

func (d *Decoder) orderPlaced(ev *aftersale.Event, body []byte) (string, error) {
	var o order
	if err := decode(body, &o); err != nil {
		return "", err
	}
	if o.ID == "" {
		return "", aftersale.FieldError("id", "is required")
	}
	var c customer
	if o.Customer != nil {
		c = *o.Customer
	}
	email := first(o.Email, o.ContactEmail, c.Email)
	if email == "" {
		return "the order has no customer email", nil
	}
	if len(o.LineItems) == 0 {
		return "the order has no line items", nil
	}
	at, err := d.when("created_at", o.CreatedAt, "processed_at", o.ProcessedAt)
	if err != nil {
		return "", err
	}
	ev.Type, ev.OccurredAt = aftersale.EventOrderPlaced, at

	var billing, shipping address
	if o.BillingAddress != nil {
		billing = *o.BillingAddress
	}
	if o.ShippingAddress != nil {
		shipping = *o.ShippingAddress
	}
	name := strings.TrimSpace(strings.TrimSpace(string(c.FirstName)) + " " + strings.TrimSpace(string(c.LastName)))
	if name == "" {
		name = strings.TrimSpace(string(billing.Name))
	}
	phone := first(c.Phone, billing.Phone, shipping.Phone)
	if len(phone) > 40 {
		phone = "" // not a phone number aftersale can use; the email is what counts
	}
	ev.Customer = &aftersale.Contact{Email: email, Name: clip(name, 200), Phone: phone, MarketingConsent: c.consent()}

	ev.Order = &aftersale.OrderFacts{ID: string(o.ID), Number: clip(first(o.Name), 100), Currency: strings.TrimSpace(string(o.Currency)), Total: strings.TrimSpace(string(o.TotalPrice))}
	for _, dc := range o.DiscountCodes {
		if code := strings.TrimSpace(string(dc.Code)); code != "" {
			ev.Order.Coupon = code
			break
		}
	}
	ev.Order.Items = make([]aftersale.Item, 0, len(o.LineItems))
	for _, li := range o.LineItems {
		sku := strings.TrimSpace(string(li.SKU))
		ev.Order.Items = append(ev.Order.Items, aftersale.Item{
			SKU:      sku,
			Name:     clip(first(li.Name, li.Title), 500),
			Kind:     d.Kinds.Kind(sku, string(li.ProductType), li.RequiresShipping, ""),
			Quantity: li.Quantity,
			// Shopify's line item price is the price of one unit
			// before discounts; quantity says how many.
			Price: strings.TrimSpace(string(li.Price)),
		})
	}
	return "", nil
}

func (d *Decoder) orderCancelled(ev *aftersale.Event, body []byte) error {
	var o order
	if err := decode(body, &o); err != nil {
		return err
	}
	if o.ID == "" {
		return aftersale.FieldError("id", "is required")
	}
	// cancelled_at is there (checkTopic): an order that is not cancelled
	// must not be cancelled by a body resent under this topic.
	at, err := d.when("cancelled_at", o.CancelledAt, "", "")
	if err != nil {
		return err
	}
	ev.Type, ev.OccurredAt = aftersale.EventOrderCancelled, at
	ev.Order = &aftersale.OrderFacts{ID: string(o.ID), Number: clip(first(o.Name), 100)}
	return nil
}

func (d *Decoder) fulfillment(ev *aftersale.Event, body []byte) (string, error) {
	var f fulfillment
	if err := decode(body, &f); err != nil {
		return "", err
	}
	if f.OrderID == "" {
		return "", aftersale.FieldError("order_id", "is required")
	}
	status, ignored := shipmentStatus(string(f.Status), string(f.ShipmentStatus))
	if ignored != "" {
		return ignored, nil
	}
	at, err := d.when("updated_at", f.UpdatedAt, "created_at", f.CreatedAt)
	if err != nil {
		return "", err
	}
	ev.Type, ev.OccurredAt = aftersale.EventShipmentUpdated, at
	ev.Shipment = &aftersale.Shipment{
		OrderID:        string(f.OrderID),
		Status:         status,
		Carrier:        clip(strings.TrimSpace(string(f.TrackingCompany)), 200),
		TrackingNumber: clip(first(append([]jstr{f.TrackingNumber}, f.TrackingNumbers...)...), 200),
		TrackingURL:    first(append([]jstr{f.TrackingURL}, f.TrackingURLs...)...),
	}
	if u := ev.Shipment.TrackingURL; len(u) > 2000 || !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		ev.Shipment.TrackingURL = "" // a link the mails cannot use; the shipment still counts
	}
	return "", nil
}

// carrierStatus maps Shopify's shipment_status (the carrier's latest word
// on a fulfilled package) to a shipment status; "" means the package is
// not with the carrier yet. The REST values are documented at
// shopify.dev (Fulfillment resource, shipment_status); the last ones are
// the GraphQL FulfillmentEventStatus names that some apps report.
var carrierStatus = map[string]aftersale.ShipmentStatus{
	"":                   aftersale.ShipmentShipped, // fulfilled, no carrier word yet
	"label_purchased":    "",                        // a label was bought, not printed
	"label_printed":      "",                        // a label was printed: still at the shop
	"confirmed":          "",                        // the carrier knows of it but has not received it
	"in_transit":         aftersale.ShipmentInTransit,
	"out_for_delivery":   aftersale.ShipmentOutForDelivery,
	"ready_for_pickup":   aftersale.ShipmentOutForDelivery, // waiting at a depot for the buyer
	"delivered":          aftersale.ShipmentDelivered,
	"attempted_delivery": aftersale.ShipmentException, // the carrier could not deliver it
	"failure":            aftersale.ShipmentException, // tracking failed, or the carrier cancelled it
	// GraphQL FulfillmentEventStatus names.
	"marked_as_fulfilled": aftersale.ShipmentShipped,
	"carrier_picked_up":   aftersale.ShipmentInTransit,
	"delayed":             aftersale.ShipmentInTransit,
	"picked_up":           aftersale.ShipmentDelivered,
	"not_delivered":       aftersale.ShipmentException,
}

// shipmentStatus maps a fulfillment's status and shipment_status to a
// shipment status, or gives the reason the webhook is ignored.
//
//	status                 shipment_status               → shipment
//	success                none                          → shipped
//	success                label_*, confirmed            → ignored: not shipped yet
//	success                in_transit, out_for_delivery, → as the carrier says
//	                       ready_for_pickup, delivered,     (see carrierStatus)
//	                       attempted_delivery, failure
//	pending, open          any                           → ignored: not shipped yet
//	cancelled, error       any                           → ignored: never shipped
//	failure                a carrier status (in transit…) → exception: it went wrong on the way
//	failure                none, label_*, confirmed      → ignored: never shipped
func shipmentStatus(status, shipment string) (aftersale.ShipmentStatus, string) {
	status = strings.ToLower(strings.TrimSpace(status))
	shipment = strings.ToLower(strings.TrimSpace(shipment))
	carrier, known := carrierStatus[shipment]
	switch status {
	case "success":
	case "pending", "open":
		return "", "the fulfillment's status is " + status + ": not shipped yet"
	case "cancelled", "error":
		return "", "the fulfillment's status is " + status + ": not shipped"
	case "failure":
		if known && carrier != "" && shipment != "" {
			return aftersale.ShipmentException, ""
		}
		return "", "the fulfillment's status is failure: not shipped"
	case "":
		return "", "the fulfillment has no status"
	default:
		return "", fmt.Sprintf("fulfillment status %.60q is not used", status)
	}
	switch {
	case !known:
		return "", fmt.Sprintf("shipment status %.60q is not used", shipment)
	case carrier == "":
		return "", "the shipment status is " + shipment + ": not with the carrier yet"
	}
	return carrier, ""
}

// when parses the first present of two RFC 3339 times, or returns Now()
// when neither is given.
func (d *Decoder) when(field1 string, v1 jstr, field2 string, v2 jstr) (time.Time, error) {
	field, v := field1, strings.TrimSpace(string(v1))
	if v == "" {
		field, v = field2, strings.TrimSpace(string(v2))
	}
	if v == "" {
		if d.Now != nil {
			return d.Now(), nil
		}
		return time.Now(), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, aftersale.FieldError(field, "must be an RFC 3339 time such as 2026-11-22T10:00:00-05:00, not %.40q", v)
	}
	return t, nil
}

// decode unmarshals one JSON object, turning errors into EINVALID errors.
func decode(body []byte, v any) error {
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return aftersale.FieldError(typeErr.Field, "must be a %s, not a JSON %s", typeErr.Type, typeErr.Value)
	case errors.As(err, &typeErr):
		return aftersale.Errorf(aftersale.EINVALID, "malformed JSON: the payload must be an object")
	case errors.As(err, &syntaxErr):
		return aftersale.Errorf(aftersale.EINVALID, "malformed JSON at byte %d: %v", syntaxErr.Offset, syntaxErr)
	}
	return aftersale.Errorf(aftersale.EINVALID, "malformed JSON: %v", err)
}
