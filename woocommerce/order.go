package woocommerce

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aftersale/aftersale"
)

// order is the part of a WooCommerce REST API v3 order that aftersale
// uses. Ids, money and quantities are kept raw: WooCommerce documents them
// as strings or numbers and plugins vary.
type order struct {
	ID              json.RawMessage `json:"id"`
	Number          json.RawMessage `json:"number"`
	Status          string          `json:"status"`
	Currency        string          `json:"currency"`
	Total           json.RawMessage `json:"total"`
	DateCreated     string          `json:"date_created"`
	DateCreatedGMT  string          `json:"date_created_gmt"`
	DateModified    string          `json:"date_modified"`
	DateModifiedGMT string          `json:"date_modified_gmt"`
	Billing         struct {
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
		Email     string `json:"email"`
		Phone     string `json:"phone"`
	} `json:"billing"`
	LineItems     []lineItem        `json:"line_items"`
	ShippingLines []json.RawMessage `json:"shipping_lines"`
	CouponLines   []struct {
		Code string `json:"code"`
	} `json:"coupon_lines"`
	Refunds []refundLine `json:"refunds"`
}

type lineItem struct {
	Name     string          `json:"name"`
	SKU      string          `json:"sku"`
	Quantity json.RawMessage `json:"quantity"`
	Price    json.RawMessage `json:"price"`    // per unit, after discounts (a number)
	Subtotal json.RawMessage `json:"subtotal"` // the line, before discounts
	Total    json.RawMessage `json:"total"`    // the line, after discounts
}

// order maps an order.created or order.updated payload by the order's
// status and its refunds. A paid order ("processing", "completed") is
// placed, unless an update lists refunds: then it is a partial refund
// (WooCommerce keeps the status of a partly refunded order, and delivers
// order.updated for each refund). An order is paid, and placed, before it
// can be refunded, so the first update of an order has no refunds.
func (d *Decoder) order(body []byte, topic string) (*aftersale.Event, string, error) {
	var o order
	if err := decode(body, &o); err != nil {
		return nil, "", err
	}
	if err := checkOrderBody(topic, &o); err != nil {
		return nil, "", err
	}
	status := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(o.Status)), "wc-")
	var typ aftersale.EventType
	switch status {
	case "":
		return nil, "", aftersale.FieldError("status", "is required")
	case "processing", "completed":
		typ = aftersale.EventOrderPlaced
	case "refunded":
		typ = aftersale.EventOrderRefunded
	case "cancelled":
		typ = aftersale.EventOrderCancelled
	default: // pending, on-hold, failed, checkout-draft, trash, custom ones
		return nil, fmt.Sprintf("order status %q does not start or end a journey", truncate(status, 60)), nil
	}
	id, err := orderID("id", o.ID)
	if err != nil {
		return nil, "", err
	}
	number, err := orderNumber(o.Number)
	if err != nil {
		return nil, "", err
	}
	if typ == aftersale.EventOrderPlaced && (topic == topicOrderCreated || len(o.Refunds) == 0) {
		return d.placed(&o, id, number)
	}

	at, ok := parseTime(o.DateModifiedGMT)
	if !ok {
		at, ok = parseTime(o.DateModified)
	}
	if !ok {
		at = d.now()
	}
	var ev *aftersale.Event
	switch typ {
	case aftersale.EventOrderCancelled:
		ev = &aftersale.Event{Type: typ, Order: &aftersale.OrderFacts{ID: id, Number: number}}
	default: // a partial refund of a paid order, or a refunded one
		if ev, err = refundEvent(&o, id, number, typ == aftersale.EventOrderRefunded); err != nil {
			return nil, "", err
		}
	}
	ev.OccurredAt = at
	return ev, "", nil
}

// orderNumber returns the order number the buyer knows (WooCommerce's
// "number": the id, or what a sequential-numbers plugin makes of it); ""
// when absent, or too long to be one.
func orderNumber(raw json.RawMessage) (string, error) {
	s, err := scalar("number", raw)
	if err != nil || len(s) > 100 || !utf8.ValidString(s) {
		return "", err
	}
	return s, nil
}

// placed maps a paid order to order.placed.
func (d *Decoder) placed(o *order, id, number string) (*aftersale.Event, string, error) {
	email := strings.ToLower(strings.TrimSpace(o.Billing.Email))
	if email == "" {
		return nil, "the order has no billing email", nil
	}
	if err := aftersale.ValidateEmail(email); err != nil {
		return nil, "", aftersale.FieldError("billing.email", "%v", err)
	}
	if len(o.LineItems) == 0 {
		return nil, "the order has no line items", nil
	}
	facts := &aftersale.OrderFacts{ID: id, Number: number, Currency: strings.ToUpper(strings.TrimSpace(o.Currency))}
	if facts.Currency != "" && !currencyRE.MatchString(facts.Currency) {
		return nil, "", aftersale.FieldError("currency", "must be a three-letter ISO 4217 code, not %q", truncate(facts.Currency, 20))
	}
	var err error
	if facts.Total, err = money("total", o.Total); err != nil {
		return nil, "", err
	}
	for _, c := range o.CouponLines {
		if code := strings.TrimSpace(c.Code); code != "" {
			facts.Coupon = code
			break
		}
	}
	ships := len(o.ShippingLines) > 0
	for i := range o.LineItems {
		it, err := d.item(fmt.Sprintf("line_items[%d]", i), &o.LineItems[i], ships)
		if err != nil {
			return nil, "", err
		}
		facts.Items = append(facts.Items, it)
	}

	at, ok := parseTime(o.DateCreatedGMT)
	if !ok {
		at, ok = parseTime(o.DateCreated) // site time; read as UTC for want of a zone
	}
	if !ok {
		at = d.now()
	}
	name := strings.Join(strings.Fields(o.Billing.FirstName+" "+o.Billing.LastName), " ")
	phone := strings.TrimSpace(o.Billing.Phone)
	if len(phone) > 40 {
		phone = "" // not a phone number aftersale could use
	}
	return &aftersale.Event{
		Type:       aftersale.EventOrderPlaced,
		OccurredAt: at,
		Customer:   &aftersale.Contact{Email: email, Name: truncate(name, 200), Phone: phone},
		Order:      facts,
	}, "", nil
}

// item maps one line item. WooCommerce flags shipping per order, not per
// line, so ships applies to every line.
func (d *Decoder) item(field string, li *lineItem, ships bool) (aftersale.Item, error) {
	it := aftersale.Item{
		SKU:  strings.TrimSpace(li.SKU),
		Name: strings.TrimSpace(html.UnescapeString(li.Name)), // names come HTML-escaped ("&ndash;")
	}
	if it.SKU == "" && it.Name == "" {
		return it, aftersale.FieldError(field+".name", "is required (or a sku)")
	}
	it.Kind = d.Kinds.Kind(it.SKU, "", ships, "")

	q, err := scalar(field+".quantity", li.Quantity)
	if err != nil {
		return it, err
	}
	if q != "" {
		n, err := strconv.ParseFloat(q, 64)
		if err != nil || math.IsNaN(n) || n < 0 || n > 1e9 {
			return it, aftersale.FieldError(field+".quantity", "must be a whole number from 0 up, not %q", truncate(q, 20))
		}
		it.Quantity = int(math.Ceil(n)) // plugins allow fractional quantities; count the item as bought
		q = strconv.FormatFloat(n, 'f', -1, 64)
	}

	if it.Price, err = unitPrice(field, li, q); err != nil {
		return it, err
	}
	return it, nil
}

// unitPrice is the price of one unit after discounts: the line total
// divided by the quantity, else WooCommerce's price (already per unit),
// else the subtotal (before discounts) divided by the quantity. q is the
// quantity as given ("" or 0 count as one).
func unitPrice(field string, li *lineItem, q string) (string, error) {
	total, err := money(field+".total", li.Total)
	if err != nil {
		return "", err
	}
	price, err := money(field+".price", li.Price)
	if err != nil {
		return "", err
	}
	switch {
	case total != "":
		return aftersale.DivideMoney(total, q), nil
	case price != "":
		return price, nil
	}
	subtotal, err := money(field+".subtotal", li.Subtotal)
	if err != nil || subtotal == "" {
		return "", err
	}
	return aftersale.DivideMoney(subtotal, q), nil
}

var (
	currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)
	// decimalRE is what aftersale accepts as money (see Event.Validate).
	decimalRE = regexp.MustCompile(`^-?[0-9]{1,15}(\.[0-9]{1,6})?$`)
)

// money returns an amount given as a JSON string or number as aftersale
// money: a string that already is a plain decimal as it is, anything else
// rounded to two places (49 → "49.00", "1e2" → "100.00"). Absent is "".
func money(field string, raw json.RawMessage) (string, error) {
	s, err := scalar(field, raw)
	if err != nil || s == "" {
		return "", err
	}
	if raw = bytes.TrimSpace(raw); raw[0] == '"' && decimalRE.MatchString(s) {
		return s, nil
	}
	n, err := strconv.ParseFloat(s, 64)
	if err == nil && !math.IsNaN(n) && math.Abs(n) < 1e15 {
		if out := strconv.FormatFloat(n, 'f', 2, 64); decimalRE.MatchString(out) {
			return out, nil
		}
	}
	return "", aftersale.FieldError(field, "must be a decimal amount such as \"49.00\", not %q", truncate(s, 30))
}

// orderID returns an order id given as a whole number or a string; it is
// required.
func orderID(field string, raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	s, err := scalar(field, raw)
	switch {
	case err != nil:
		return "", err
	case s == "" || s == "0":
		return "", aftersale.FieldError(field, "is required: the order id")
	case len(s) > 80:
		return "", aftersale.FieldError(field, "must be at most 80 characters")
	case raw[0] != '"':
		if _, err := strconv.ParseUint(s, 10, 64); err != nil {
			return "", aftersale.FieldError(field, "must be a whole number, not %s", truncate(s, 30))
		}
	}
	return s, nil
}

// scalar returns a JSON string (trimmed) or number (its literal) as text;
// absent and null are "".
func scalar(field string, raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", aftersale.FieldError(field, "must be a string or a number")
		}
		return strings.TrimSpace(s), nil
	case c == '-' || '0' <= c && c <= '9':
		return string(raw), nil
	}
	return "", aftersale.FieldError(field, "must be a string or a number, not a JSON %s", jsonKind(raw[0]))
}

// parseTime reads a WooCommerce date: "2006-01-02T15:04:05" without a zone
// (taken as UTC), or RFC 3339.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05", s, time.UTC)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, s); err != nil {
			return time.Time{}, false
		}
	}
	t = t.UTC()
	return t, !t.IsZero()
}

// decode parses a JSON object into v; errors are EINVALID and name the field.
func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return aftersale.Errorf(aftersale.EINVALID, "malformed JSON: the body is empty")
	}
	err := json.Unmarshal(body, v)
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return aftersale.FieldError(typeErr.Field, "must be a%s, not a JSON %s", typeName(typeErr.Type), typeErr.Value)
	case errors.As(err, &typeErr):
		return aftersale.Errorf(aftersale.EINVALID, "malformed JSON: the body must be an object, not a JSON %s", typeErr.Value)
	case errors.As(err, &syntaxErr):
		return aftersale.Errorf(aftersale.EINVALID, "malformed JSON at byte %d: %v", syntaxErr.Offset, syntaxErr)
	}
	return aftersale.Errorf(aftersale.EINVALID, "malformed JSON: %v", err)
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return " list"
	case reflect.Struct, reflect.Map:
		return "n object"
	case reflect.String:
		return " string"
	}
	return " " + t.String()
}

func jsonKind(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	}
	return "value"
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
