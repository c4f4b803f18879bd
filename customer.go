package aftersale

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Customer is a person aftersale writes to: a buyer, or the user of a
// purchase made by someone else. People are keyed by their email address.
type Customer struct {
	ID               int64
	Email            string
	Name             string
	Phone            string
	Timezone         string // IANA name; "" means the install's default
	MarketingConsent bool
	Unsubscribed     bool
	UnsubscribedAt   time.Time // zero unless Unsubscribed
	// Suppressed says why no mail may go to the address at all ("" when
	// it may): a hard bounce ("bounce 5.1.1") or a spam complaint
	// ("complaint"). SuppressedAt is when that was first recorded.
	Suppressed   string
	SuppressedAt time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// erasedDomain ends the address an erased customer is left with.
const erasedDomain = "@erased.invalid"

// ErasedEmail is the address CustomerErase leaves the customer with the ID.
func ErasedEmail(id int64) string { return fmt.Sprintf("erased-%d%s", id, erasedDomain) }

// Erased reports whether c is what remains of an erased customer.
func (c *Customer) Erased() bool { return strings.HasSuffix(strings.ToLower(c.Email), erasedDomain) }

// Suppression reasons start with one of these words.
const (
	SuppressBounce    = "bounce"    // a hard bounce: "bounce 5.1.1"
	SuppressComplaint = "complaint" // a spam complaint (ARF feedback report)
)

// OrderStatus is where an order stands.
type OrderStatus string

// The order statuses.
const (
	OrderPlaced    OrderStatus = "placed"
	OrderRefunded  OrderStatus = "refunded"
	OrderCancelled OrderStatus = "cancelled"
)

// Order is a stored purchase with its items and the facts journeys branch on.
type Order struct {
	ID         int64
	ExternalID string // the shop's order id
	// Number is the order number the buyer knows ("#1001"), "" when the
	// shop gave none; Ref shows one or the other.
	Number     string
	CustomerID int64 // the buyer
	UserID     int64 // the person who uses it, 0 when the buyer does
	Source     string
	Currency   string
	Total      string
	Coupon     string
	Status     OrderStatus
	PlacedAt   time.Time
	// First times a fact became true; zero while it has not.
	AccessedAt  time.Time
	DeliveredAt time.Time
	ClosedAt    time.Time // refunded or cancelled
	// Arrival is the customer's answer to "did it arrive in good shape?"
	// (ArrivalYes, ArrivalNo; "" before any) and ArrivalAt when it was last
	// given.
	Arrival   string
	ArrivalAt time.Time
	Items     []Item
	// Refunded is what has been paid back so far; zero while nothing.
	// Status becomes OrderRefunded only once the order is fully refunded.
	Refunded Refunded
}

// Ref returns the order number the buyer knows, or the shop's order id
// when there is none.
func (o *Order) Ref() string { return cmp.Or(o.Number, o.ExternalID) }

// Refunded is what has been refunded on an order: money (Amount, of which
// Shipping), and items with their quantities.
type Refunded struct {
	Amount   string // decimal, "" for none
	Shipping string // decimal, "" for none
	Items    []RefundItem
	// At is when the last refund was recorded.
	At time.Time
}

// Partial reports whether something was refunded on an order that is not
// fully refunded.
func (o *Order) Partial() bool {
	return o.Status != OrderRefunded && (o.Refunded.Amount != "" || len(o.Refunded.Items) > 0)
}

// Kinds returns the distinct item kinds of the order, in item order.
func (o *Order) Kinds() []ItemKind {
	var ks []ItemKind
	for _, it := range o.Items {
		seen := false
		for _, k := range ks {
			seen = seen || k == it.Kind
		}
		if !seen {
			ks = append(ks, it.Kind)
		}
	}
	return ks
}

// HasKind reports whether any item is of kind k.
func (o *Order) HasKind(k ItemKind) bool {
	for _, it := range o.Items {
		if it.Kind == k {
			return true
		}
	}
	return false
}

// ShipmentRecord is the stored state of one package of an order, keyed by
// (order, tracking number).
type ShipmentRecord struct {
	ID             int64
	OrderID        int64
	Carrier        string
	TrackingNumber string
	TrackingURL    string
	Status         ShipmentStatus
	UpdatedAt      time.Time
}

// BookingRecord is a stored session of an order, keyed by (order, start).
type BookingRecord struct {
	ID       int64
	OrderID  int64
	StartsAt time.Time
	Title    string
	JoinURL  string
}

// StoredEvent is an event as kept by the store: the raw payload and the keys
// it is found by.
type StoredEvent struct {
	ID         string
	Type       EventType
	Source     string
	OccurredAt time.Time
	ReceivedAt time.Time
	// CustomerEmail and OrderRef are what the event is about, for timelines.
	CustomerEmail string
	OrderRef      string
	Payload       []byte // the event as JSON
}

// SameItem reports whether two lines name the same item: by SKU when both
// have one, else by name, ignoring case.
func SameItem(sku1, name1, sku2, name2 string) bool {
	sku1, sku2 = strings.TrimSpace(sku1), strings.TrimSpace(sku2)
	if sku1 != "" && sku2 != "" {
		return strings.EqualFold(sku1, sku2)
	}
	name1, name2 = strings.TrimSpace(name1), strings.TrimSpace(name2)
	return name1 != "" && strings.EqualFold(name1, name2)
}

// RefundedUnits allocates refunded items to the order's lines: how many
// units of each line (by index) they cover, at most its quantity. A line
// refunded by SKU or name takes from the first lines of that item first.
func (o *Order) RefundedUnits(items []RefundItem) []int {
	units := make([]int, len(o.Items))
	for _, r := range items {
		n := r.Quantity
		for i, it := range o.Items {
			if take := min(n, max(it.Quantity, 1)-units[i]); take > 0 && SameItem(it.SKU, it.Name, r.SKU, r.Name) {
				units[i] += take
				n -= take
			}
		}
	}
	return units
}

// ItemsJSON encodes the refunded items for storage: "" for none.
func (r Refunded) ItemsJSON() string {
	if len(r.Items) == 0 {
		return ""
	}
	b, _ := json.Marshal(r.Items)
	return string(b)
}

// ParseRefundItems decodes what ItemsJSON stored.
func ParseRefundItems(s string) ([]RefundItem, error) {
	if s == "" {
		return nil, nil
	}
	var items []RefundItem
	if err := json.Unmarshal([]byte(s), &items); err != nil {
		return nil, fmt.Errorf("refunded items: %w", err)
	}
	return items, nil
}
