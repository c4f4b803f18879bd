package aftersale

import (
	"time"
)

// EventType names what happened.
type EventType string

// The event types of the fixed interface.
const (
	EventOrderPlaced      EventType = "order.placed"
	EventOrderRefunded    EventType = "order.refunded"
	EventOrderCancelled   EventType = "order.cancelled"
	EventShipmentUpdated  EventType = "shipment.updated"
	EventProductAccessed  EventType = "product.accessed"
	EventBookingScheduled EventType = "booking.scheduled"
	EventReturnRequested  EventType = "return.requested"
)

// EventTypes lists every known event type.
var EventTypes = []EventType{
	EventOrderPlaced, EventOrderRefunded, EventOrderCancelled, EventShipmentUpdated,
	EventProductAccessed, EventBookingScheduled, EventReturnRequested,
}

// ItemKind says what sort of thing was bought; journeys branch on it.
type ItemKind string

// The item kinds.
const (
	KindDigital    ItemKind = "digital"
	KindCourse     ItemKind = "course"
	KindPhysical   ItemKind = "physical"
	KindCoaching   ItemKind = "coaching"
	KindService    ItemKind = "service"
	KindMembership ItemKind = "membership"
)

// ItemKinds lists every known item kind.
var ItemKinds = []ItemKind{KindDigital, KindCourse, KindPhysical, KindCoaching, KindService, KindMembership}

// ShipmentStatus is the state of one package.
type ShipmentStatus string

// The shipment statuses.
const (
	ShipmentShipped        ShipmentStatus = "shipped"
	ShipmentInTransit      ShipmentStatus = "in_transit"
	ShipmentOutForDelivery ShipmentStatus = "out_for_delivery"
	ShipmentDelivered      ShipmentStatus = "delivered"
	ShipmentException      ShipmentStatus = "exception"
)

// ShipmentStatuses lists every known shipment status.
var ShipmentStatuses = []ShipmentStatus{ShipmentShipped, ShipmentInTransit, ShipmentOutForDelivery, ShipmentDelivered, ShipmentException}

// Event is one thing that happened at the shop, as received on the generic
// API (or mapped from a platform webhook or a CSV row). Which of the optional
// parts are present depends on Type.
type Event struct {
	ID         string    `json:"id"`
	Type       EventType `json:"type"`
	OccurredAt time.Time `json:"occurred_at"`
	// Source says where the event came from: "api" (the default), "shopify",
	// "stripe", "woocommerce" or "import".
	Source   string       `json:"source,omitempty"`
	Customer *Contact     `json:"customer,omitempty"`
	User     *Contact     `json:"user,omitempty"`
	Order    *OrderFacts  `json:"order,omitempty"`
	Shipment *Shipment    `json:"shipment,omitempty"`
	Booking  *Booking     `json:"booking,omitempty"`
	Return   *ReturnFacts `json:"return,omitempty"`
	// Refund says what an order.refunded event paid back. Without it the
	// refund is of the whole order (see RefundFacts).
	Refund *RefundFacts `json:"refund,omitempty"`
	// History marks a past order (imported from the shop's records): its
	// customer and order are recorded, and its status kept, but no journey
	// starts or exits.
	History bool `json:"history,omitempty"`
}

// Contact is a person as named in an event: the buyer ("customer") or the
// person who will use the purchase ("user").
type Contact struct {
	Email    string `json:"email"`
	Name     string `json:"name,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Timezone string `json:"timezone,omitempty"`
	// MarketingConsent is nil when the event says nothing about consent; a
	// stored consent is then left as it is.
	MarketingConsent *bool `json:"marketing_consent,omitempty"`
}

// OrderFacts is the order part of an event. Money is a decimal string.
type OrderFacts struct {
	ID string `json:"id"`
	// Number is the order number the buyer knows ("#1001": Shopify's
	// name, WooCommerce's number); "" when the shop has none, and the ID
	// is shown instead.
	Number   string `json:"number,omitempty"`
	Currency string `json:"currency,omitempty"`
	Total    string `json:"total,omitempty"`
	Coupon   string `json:"coupon,omitempty"`
	// Referral is the referral code the buyer came with (the ref= of a
	// referral link), when the shop passes it on; a referral code given as
	// the coupon credits the referrer as well.
	Referral string `json:"referral,omitempty"`
	Items    []Item `json:"items,omitempty"`
}

// Item is one line of an order.
type Item struct {
	SKU       string   `json:"sku,omitempty"`
	Name      string   `json:"name,omitempty"`
	Kind      ItemKind `json:"kind"`
	Quantity  int      `json:"quantity,omitempty"`
	Price     string   `json:"price,omitempty"`
	AccessURL string   `json:"access_url,omitempty"`
}

// RefundFacts is the refund part of an order.refunded event: what this
// one refund paid back. An order counts as refunded only once it is fully
// refunded: every unit of every item, or money at least its total, or the
// shop says so (Full). Anything less is a partial refund: the journey goes
// on and a care step follows (anchor refund.partial).
//
// An order.refunded event without a refund part is read from its order
// part: the order's items name the refunded items (sku or name, quantity)
// and its total the refunded amount; with neither, the whole order was
// refunded.
type RefundFacts struct {
	// ID is the shop's refund id, when it has one.
	ID string `json:"id,omitempty"`
	// Amount is the money paid back by this refund, shipping included;
	// "" when only items are named.
	Amount string `json:"amount,omitempty"`
	// Shipping is the part of Amount that refunds shipping.
	Shipping string `json:"shipping,omitempty"`
	// Items are the refunded items and how many of each.
	Items []RefundItem `json:"items,omitempty"`
	// Full says the shop counts the order as fully refunded after this
	// refund (Stripe's refunded, WooCommerce's status "refunded").
	Full bool `json:"full,omitempty"`
	// Cumulative says Amount, Shipping and Items are everything refunded
	// on the order so far (Stripe's amount_refunded, WooCommerce's list of
	// refunds), not this refund alone: they replace what was recorded
	// when larger, instead of adding to it. A repeated report then counts
	// once.
	Cumulative bool   `json:"cumulative,omitempty"`
	Reason     string `json:"reason,omitempty"`
}

// RefundItem is one refunded line: which item (SKU, else Name), how many
// units, and the money paid back for them ("" when unknown).
type RefundItem struct {
	SKU      string `json:"sku,omitempty"`
	Name     string `json:"name,omitempty"`
	Quantity int    `json:"quantity,omitempty"`
	Amount   string `json:"amount,omitempty"`
}

// Shipment is one package of an order.
type Shipment struct {
	OrderID        string         `json:"order_id"`
	Status         ShipmentStatus `json:"status"`
	Carrier        string         `json:"carrier,omitempty"`
	TrackingNumber string         `json:"tracking_number,omitempty"`
	TrackingURL    string         `json:"tracking_url,omitempty"`
}

// Booking is a scheduled session (the first coaching call, say).
type Booking struct {
	OrderID  string    `json:"order_id"`
	StartsAt time.Time `json:"starts_at"`
	Title    string    `json:"title,omitempty"`
	JoinURL  string    `json:"join_url,omitempty"`
}

// ReturnFacts is the return part of a return.requested event.
type ReturnFacts struct {
	OrderID string `json:"order_id"`
	Reason  string `json:"reason,omitempty"`
	// SKUs names the items sent back, one each; Items says how many.
	// Neither: the whole order.
	SKUs  []string     `json:"skus,omitempty"`
	Items []ReturnItem `json:"items,omitempty"`
	// Resolution is "refund" (the default) or "exchange".
	Resolution string `json:"resolution,omitempty"`
	Comment    string `json:"comment,omitempty"`
}

// OrderRef returns the external order id the event is about, wherever it
// stands in the event, or "".
func (e *Event) OrderRef() string {
	switch {
	case e.Order != nil && e.Order.ID != "":
		return e.Order.ID
	case e.Shipment != nil && e.Shipment.OrderID != "":
		return e.Shipment.OrderID
	case e.Booking != nil && e.Booking.OrderID != "":
		return e.Booking.OrderID
	case e.Return != nil && e.Return.OrderID != "":
		return e.Return.OrderID
	}
	return ""
}
