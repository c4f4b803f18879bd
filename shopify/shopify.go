// Package shopify maps Shopify's native webhooks to aftersale events.
//
// In the Shopify admin (Settings → Notifications → Webhooks) or in the app's
// configuration, point these topics, in JSON format, at the install's
// POST /webhooks/shopify URL:
//
//	orders/create        → order.placed
//	  or orders/paid     → order.placed, to start journeys only once paid
//	orders/cancelled     → order.cancelled
//	refunds/create       → order.refunded
//	fulfillments/create  → shipment.updated
//	fulfillments/update  → shipment.updated
//
// Register one of orders/create and orders/paid, not both: each delivery has
// its own webhook id, so both would place the same order twice.
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
// X-Shopify-Topic header. It returns (nil, reason, nil) for topics or
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
	ev = &aftersale.Event{ID: "shopify:" + id, Source: Source}
	switch topic {
	case "orders/create", "orders/paid":
		ignored, err = d.orderPlaced(ev, body)
	case "orders/cancelled":
		err = d.orderCancelled(ev, body)
	case "refunds/create":
		err = d.refund(ev, body)
	default:
		ignored, err = d.fulfillment(ev, body)
	}
	if err != nil || ignored != "" {
		return nil, ignored, err
	}
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

	ev.Order = &aftersale.OrderFacts{ID: string(o.ID), Currency: strings.TrimSpace(string(o.Currency)), Total: strings.TrimSpace(string(o.TotalPrice))}
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
			Price:    strings.TrimSpace(string(li.Price)),
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
	at, err := d.when("cancelled_at", o.CancelledAt, "updated_at", o.UpdatedAt)
	if err != nil {
		return err
	}
	ev.Type, ev.OccurredAt = aftersale.EventOrderCancelled, at
	ev.Order = &aftersale.OrderFacts{ID: string(o.ID)}
	return nil
}

func (d *Decoder) refund(ev *aftersale.Event, body []byte) error {
	var r refund
	if err := decode(body, &r); err != nil {
		return err
	}
	if r.OrderID == "" {
		return aftersale.FieldError("order_id", "is required")
	}
	at, err := d.when("created_at", r.CreatedAt, "processed_at", r.ProcessedAt)
	if err != nil {
		return err
	}
	ev.Type, ev.OccurredAt = aftersale.EventOrderRefunded, at
	ev.Order = &aftersale.OrderFacts{ID: string(r.OrderID)}
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
	switch st := strings.ToLower(strings.TrimSpace(string(f.Status))); st {
	case "cancelled", "error", "failure":
		return "the fulfillment's status is " + st, nil
	}
	status, ok := shipmentStatus(string(f.ShipmentStatus))
	if !ok {
		return fmt.Sprintf("shipment status %.60q is not used", string(f.ShipmentStatus)), nil
	}
	at, err := d.when("updated_at", f.UpdatedAt, "created_at", f.CreatedAt)
	if err != nil {
		return "", err
	}
	ev.Type, ev.OccurredAt = aftersale.EventShipmentUpdated, at
	ev.Shipment = &aftersale.Shipment{
		OrderID:        string(f.OrderID),
		Status:         status,
		Carrier:        strings.TrimSpace(string(f.TrackingCompany)),
		TrackingNumber: first(append([]jstr{f.TrackingNumber}, f.TrackingNumbers...)...),
		TrackingURL:    first(append([]jstr{f.TrackingURL}, f.TrackingURLs...)...),
	}
	if u := ev.Shipment.TrackingURL; len(u) > 2000 || !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		ev.Shipment.TrackingURL = "" // a link the mails cannot use; the shipment still counts
	}
	return "", nil
}

// shipmentStatus maps Shopify's shipment_status (the latest carrier
// event) to a shipment status; ok is false for a status not used.
func shipmentStatus(s string) (st aftersale.ShipmentStatus, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "label_printed", "label_purchased", "confirmed", "marked_as_fulfilled":
		return aftersale.ShipmentShipped, true
	case "in_transit", "carrier_picked_up", "delayed":
		return aftersale.ShipmentInTransit, true
	case "out_for_delivery", "ready_for_pickup":
		return aftersale.ShipmentOutForDelivery, true
	case "delivered", "picked_up":
		return aftersale.ShipmentDelivered, true
	case "failure", "attempted_delivery", "not_delivered":
		return aftersale.ShipmentException, true
	}
	return "", false
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
