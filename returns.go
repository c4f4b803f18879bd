package aftersale

import (
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

// ParseReturnReasons reads a list of reasons separated by ";" or new
// lines; empty entries are dropped and an empty spec gives the defaults.
func ParseReturnReasons(spec string) ([]string, error) {
	var out []string
	for _, r := range strings.FieldsFunc(spec, func(c rune) bool { return c == ';' || c == '\n' }) {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if len(r) > 120 {
			return nil, Errorf(EINVALID, "return reason %q is longer than 120 characters", r[:40]+"…")
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return append([]string(nil), DefaultReturnReasons...), nil
	}
	return out, nil
}

// Arrival answers: the customer's reply to "did it arrive in good shape?".
const (
	ArrivalYes = "yes"
	ArrivalNo  = "no"
)
