package aftersale

import (
	"fmt"
	"strings"
	"time"
)

// ReturnStatus is where a return stands. A return starts requested; staff
// mark it received when the parcel is back, then refunded or exchanged; it
// may be cancelled (the customer kept the goods) before it is received.
type ReturnStatus string

// The return statuses.
const (
	ReturnRequested ReturnStatus = "requested"
	ReturnReceived  ReturnStatus = "received"
	ReturnRefunded  ReturnStatus = "refunded"
	ReturnExchanged ReturnStatus = "exchanged"
	ReturnCancelled ReturnStatus = "cancelled"
)

// ReturnStatuses lists every return status in the order a return moves.
var ReturnStatuses = []ReturnStatus{ReturnRequested, ReturnReceived, ReturnRefunded, ReturnExchanged, ReturnCancelled}

// Final reports whether nothing follows the status.
func (s ReturnStatus) Final() bool {
	return s == ReturnRefunded || s == ReturnExchanged || s == ReturnCancelled
}

// Next lists the statuses a return in s may move to.
func (s ReturnStatus) Next() []ReturnStatus {
	switch s {
	case ReturnRequested:
		return []ReturnStatus{ReturnReceived, ReturnRefunded, ReturnExchanged, ReturnCancelled}
	case ReturnReceived:
		return []ReturnStatus{ReturnRefunded, ReturnExchanged}
	}
	return nil
}

// CanMoveTo reports whether a return in s may move to to.
func (s ReturnStatus) CanMoveTo(to ReturnStatus) bool {
	for _, n := range s.Next() {
		if n == to {
			return true
		}
	}
	return false
}

// What the customer wants back for a return.
const (
	ResolutionRefund   = "refund"   // the money (the default)
	ResolutionExchange = "exchange" // another size, colour or a replacement
)

// ReturnItem is one line of a return.
type ReturnItem struct {
	SKU      string `json:"sku,omitempty"`
	Name     string `json:"name,omitempty"`
	Quantity int    `json:"quantity,omitempty"`
}

// Return is a customer's request to send goods back, and how it stands.
// It is opened by a return.requested event (from the public returns page
// or from outside) and keyed by that event's ID.
type Return struct {
	ID         int64
	OrderID    int64
	CustomerID int64
	EventID    string
	Status     ReturnStatus
	Resolution string // ResolutionRefund or ResolutionExchange
	Reason     string
	Comment    string
	Items      []ReturnItem
	Source     string // "page", "api", a shop platform
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// UpdatedBy is the email of the member who last moved the status; ""
	// while nobody has.
	UpdatedBy string
}

// ReturnFilter selects returns; zero fields do not filter. Limit 0 means
// no limit.
type ReturnFilter struct {
	Status  ReturnStatus
	OrderID int64
	From    time.Time // created at or after
	To      time.Time // created before
	Limit   int
}

// ReturnPolicy is what the returns page and emails tell the customer.
type ReturnPolicy struct {
	// Address is where to send the parcel (several lines); LabelURL a
	// prepaid label to print. Either may be empty.
	Address  string
	LabelURL string
	// RefundDays is how many business days after the parcel arrives the
	// money is back.
	RefundDays int
	// WindowDays is how long after the purchase a return may be started;
	// 0 means no limit.
	WindowDays int
	// Reasons are the choices of "why are you returning it?".
	Reasons []string
}

// DefaultReturnReasons are the reasons offered when none are configured.
var DefaultReturnReasons = []string{
	"It doesn't fit",
	"It arrived damaged or faulty",
	"It isn't as described",
	"I received the wrong item",
	"It arrived too late",
	"I changed my mind",
	"Something else",
}

// Arrival answers: the customer's reply to "did it arrive in good shape?".
const (
	ArrivalYes = "yes"
	ArrivalNo  = "no"
)

// MaxQuantity is the most units one line of an order, a refund or a
// return may name.
const MaxQuantity = 1_000_000

// ErrAllReturned is the answer to a return of an order whose every unit is
// in a return already.
var ErrAllReturned = Errorf(ECONFLICT, "everything on this order is already being returned")

// ReturnedUnits allocates the items of the returns to the order's lines:
// how many units of each line (by index) they name, at most its quantity.
// Cancelled returns name nothing; an item takes from the first lines of
// the same SKU (or name) first.
func (o *Order) ReturnedUnits(returns []*Return) []int {
	units := make([]int, len(o.Items))
	for _, r := range returns {
		if r.Status == ReturnCancelled {
			continue
		}
		for _, it := range r.Items {
			n := max(it.Quantity, 1)
			for i, line := range o.Items {
				if take := min(n, max(line.Quantity, 1)-units[i]); take > 0 && SameItem(line.SKU, line.Name, it.SKU, it.Name) {
					units[i] += take
					n -= take
				}
			}
		}
	}
	return units
}

// ReturnableUnits is how many units of each of the order's lines can
// still be sent back: what was bought (at least one) less what the returns
// started for it name (cancelled ones aside) or what was refunded, the
// larger of the two (a return that was refunded is both).
func (o *Order) ReturnableUnits(returns []*Return) []int {
	returned := o.ReturnedUnits(returns)
	refunded := o.RefundedUnits(o.Refunded.Items)
	left := make([]int, len(o.Items))
	for i, it := range o.Items {
		left[i] = max(0, max(it.Quantity, 1)-max(returned[i], refunded[i]))
	}
	return left
}

// BoundReturn checks the items of a new return against what is left of
// the order after the returns already started for it, and returns the
// items to record, named from the order. No items (nor SKUs) is the whole
// order: every unit still left. An item that is not on the order, or asks
// for more units than are left, is an EINVALID error naming the field
// (return.items[i].quantity, return.skus[i]); an order with nothing left
// to send back is ErrAllReturned.
func (o *Order) BoundReturn(rf *ReturnFacts, returns []*Return) ([]ReturnItem, error) {
	left := o.ReturnableUnits(returns)
	all := 0
	for _, n := range left {
		all += n
	}
	if all == 0 {
		return nil, ErrAllReturned
	}
	type want struct {
		field     string
		sku, name string
		qty       int
	}
	var wants []want
	for i, it := range rf.Items {
		f := fmt.Sprintf("return.items[%d]", i)
		if it.Quantity > MaxQuantity {
			return nil, FieldError(f+".quantity", "must be at most %d", MaxQuantity)
		}
		wants = append(wants, want{field: f + ".quantity", sku: it.SKU, name: it.Name, qty: max(it.Quantity, 1)})
	}
	for i, sku := range rf.SKUs {
		wants = append(wants, want{field: fmt.Sprintf("return.skus[%d]", i), sku: sku, qty: 1})
	}
	var items []ReturnItem
	if len(wants) == 0 {
		for i, it := range o.Items {
			if left[i] > 0 {
				items = append(items, ReturnItem{SKU: it.SKU, Name: it.Name, Quantity: left[i]})
			}
		}
		return items, nil
	}
	for _, w := range wants {
		n, found, sku, name := w.qty, false, strings.TrimSpace(w.sku), strings.TrimSpace(w.name)
		for i, line := range o.Items {
			if !SameItem(line.SKU, line.Name, w.sku, w.name) {
				continue
			}
			if !found {
				found, sku, name = true, line.SKU, line.Name
			}
			take := min(n, left[i])
			left[i] -= take
			n -= take
		}
		what := name
		if what == "" {
			what = sku
		}
		switch {
		case !found:
			return nil, FieldError(w.field, "%.100q is not part of this order", what)
		case n > 0 && n == w.qty:
			return nil, FieldError(w.field, "every %.100s on this order is already being returned", what)
		case n > 0:
			return nil, FieldError(w.field, "only %d more of %.100s can be sent back", w.qty-n, what)
		}
		if i := indexReturnItem(items, sku, name); i >= 0 {
			items[i].Quantity += w.qty
			continue
		}
		items = append(items, ReturnItem{SKU: sku, Name: name, Quantity: w.qty})
	}
	return items, nil
}

// indexReturnItem finds the item of the SKU and name in items, or -1.
func indexReturnItem(items []ReturnItem, sku, name string) int {
	for i, it := range items {
		if it.SKU == sku && it.Name == name {
			return i
		}
	}
	return -1
}
