package woocommerce

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aftersale/aftersale"
)

// refundLine is one entry of an order's "refunds" list as the REST API v3
// gives it: {"id": 726, "reason": "…", "total": "-10.00"}. The list names
// every refund of the order so far, newest first; total is negative.
type refundLine struct {
	ID     json.RawMessage `json:"id"`
	Reason string          `json:"reason"`
	Total  json.RawMessage `json:"total"`
}

// refundKeyMax is the longest list of refund ids written into an event id
// as it is; a longer one is written as its hash.
const refundKeyMax = 64

// refunds is what an order's refunds list says, summed up.
type refunds struct {
	ids    []string // distinct refund ids, in ascending order
	amount string   // the money of all of them, positive
	latest string   // the id of the newest refund
	reason string   // its reason
}

// readRefunds sums up an order's refunds list. Every entry needs an id (a
// whole number or a string) and a total (a decimal, negative as WooCommerce
// gives it or not), and no refund may be listed twice.
func readRefunds(lines []refundLine) (*refunds, error) {
	r := &refunds{}
	seen := map[string]bool{}
	for i := range lines {
		l := &lines[i]
		field := fmt.Sprintf("refunds[%d]", i)
		id, err := refundID(field+".id", l.ID)
		if err != nil {
			return nil, err
		}
		total, err := money(field+".total", l.Total)
		if err != nil {
			return nil, err
		}
		if total == "" {
			return nil, aftersale.FieldError(field+".total", "is required: the money the refund paid back")
		}
		if seen[id] {
			return nil, aftersale.FieldError(field+".id", "lists refund %s a second time", id)
		}
		seen[id] = true
		r.ids = append(r.ids, id)
		r.amount = aftersale.AddMoney(r.amount, strings.TrimPrefix(total, "-"))
		if r.latest == "" || compareIDs(r.latest, id) < 0 {
			r.latest = id
			r.reason = truncate(strings.Join(strings.Fields(l.Reason), " "), 500)
		}
	}
	slices.SortFunc(r.ids, compareIDs)
	return r, nil
}

// key names the set of refunds in an event id: the ids joined with
// commas, or, when that is long, "h" and a hash of them.
func (r *refunds) key() string {
	k := strings.Join(r.ids, ",")
	if len(k) <= refundKeyMax {
		return k
	}
	sum := sha256.Sum256([]byte(k))
	return "h" + hex.EncodeToString(sum[:16])
}

// facts is the refund part of the event: what the order has had refunded
// so far, and whether WooCommerce counts it fully refunded.
func (r *refunds) facts(full bool) *aftersale.RefundFacts {
	return &aftersale.RefundFacts{
		ID: r.latest, Amount: r.amount, Full: full, Cumulative: true, Reason: r.reason,
	}
}

// refundEvent maps an order whose refunds list is not empty (or whose
// status is "refunded") to order.refunded. The event id names the order
// and the refunds so far, not the delivery: every later update of the
// order repeats the same list (WooCommerce also delivers an update when
// the refund is made and when the order is saved), and it must count once;
// a new refund makes a new id.
func refundEvent(o *order, id, number string, full bool) (*aftersale.Event, error) {
	r, err := readRefunds(o.Refunds)
	if err != nil {
		return nil, err
	}
	ev := &aftersale.Event{
		Type:   aftersale.EventOrderRefunded,
		Order:  &aftersale.OrderFacts{ID: id, Number: number},
		Refund: r.facts(full),
	}
	switch {
	case full && len(r.ids) == 0:
		ev.ID = "woocommerce:" + id + ":refunded"
	case full:
		ev.ID = "woocommerce:" + id + ":refunded:" + r.key()
	default:
		ev.ID = "woocommerce:" + id + ":refunds:" + r.key()
	}
	return ev, nil
}

// refundID returns a refund id given as a whole number or a string.
func refundID(field string, raw json.RawMessage) (string, error) {
	s, err := scalar(field, raw)
	switch {
	case err != nil:
		return "", err
	case s == "" || s == "0":
		return "", aftersale.FieldError(field, "is required: the refund's id")
	case len(s) > 40:
		return "", aftersale.FieldError(field, "must be at most 40 characters")
	case strings.ContainsAny(s, ", \t\r\n"):
		return "", aftersale.FieldError(field, "must not contain commas or spaces")
	case rawIsNumber(raw):
		if _, err := strconv.ParseUint(s, 10, 64); err != nil {
			return "", aftersale.FieldError(field, "must be a whole number, not %s", truncate(s, 30))
		}
	}
	return s, nil
}

// compareIDs orders refund ids: whole numbers as numbers (the newer refund
// has the larger id), before any other id, which go as text.
func compareIDs(a, b string) int {
	x, errA := strconv.ParseUint(a, 10, 64)
	y, errB := strconv.ParseUint(b, 10, 64)
	switch {
	case errA == nil && errB == nil && x != y:
		return cmp.Compare(x, y)
	case errA == nil && errB != nil:
		return -1
	case errA != nil && errB == nil:
		return 1
	}
	return strings.Compare(a, b)
}

func rawIsNumber(raw json.RawMessage) bool {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c != '"'
	}
	return false
}
