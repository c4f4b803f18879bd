package aftersale

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"
)

// MaxEventSize is the largest event body accepted, in bytes (1 MiB).
const MaxEventSize = 1 << 20

var decimalRE = regexp.MustCompile(`^-?[0-9]{1,15}(\.[0-9]{1,6})?$`)

// currencyRE matches a three-letter currency code; compiled once (it was
// compiled for every order: a fifth of the API's CPU per event, pprof).
var currencyRE = regexp.MustCompile(`^[A-Za-z]{3}$`)

// DecodeEvent parses and validates one JSON event. Errors are *Error values
// with code EINVALID naming the offending field.
func DecodeEvent(data []byte) (*Event, error) {
	if err := CheckJSONText(data); err != nil {
		return nil, err
	}
	var ev Event
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&ev); err != nil {
		return nil, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &Error{Code: EINVALID, Message: "malformed JSON: trailing data after the event"}
	}
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	return &ev, nil
}

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var timeErr *time.ParseError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return &Error{Code: EINVALID, Message: "malformed JSON: the event must be an object"}
		}
		return FieldError(field, "must be a %s, not a JSON %s", typeErr.Type.String(), typeErr.Value)
	case errors.As(err, &syntaxErr):
		return &Error{Code: EINVALID, Message: fmt.Sprintf("malformed JSON at byte %d: %v", syntaxErr.Offset, syntaxErr)}
	case errors.As(err, &timeErr):
		return &Error{Code: EINVALID, Message: fmt.Sprintf("malformed time %q: times must be RFC 3339, e.g. 2026-11-22T10:00:00Z", timeErr.Value)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{Code: EINVALID, Message: "malformed JSON: the body is empty or cut short"}
	}
	return &Error{Code: EINVALID, Message: "malformed JSON: " + err.Error()}
}

// Validate checks that the event has what its type needs, normalises it
// (lower-case emails, default quantities and source) and returns the first
// problem as an EINVALID *Error naming the field.
func (e *Event) Validate() error {
	e.ID = strings.TrimSpace(e.ID)
	if err := e.checkTexts(); err != nil {
		return err
	}
	switch {
	case e.ID == "":
		return FieldError("id", "is required")
	case e.Type == "":
		return FieldError("type", "is required")
	case !slices.Contains(EventTypes, e.Type):
		return FieldError("type", "unknown event type %q; want one of %s", e.Type, joinTypes(EventTypes))
	case e.OccurredAt.IsZero():
		return FieldError("occurred_at", "is required (RFC 3339 time)")
	}
	if e.Source == "" {
		e.Source = "api"
	}
	if e.Customer != nil || e.Type == EventOrderPlaced {
		if err := e.Customer.Validate("customer"); err != nil {
			return err
		}
	}
	if e.User != nil {
		if err := e.User.Validate("user"); err != nil {
			return err
		}
	}
	switch e.Type {
	case EventOrderPlaced:
		return e.Order.validatePlaced()
	case EventOrderRefunded:
		if e.Order == nil || strings.TrimSpace(e.Order.ID) == "" {
			return FieldError("order.id", "is required for %s", e.Type)
		}
		return e.validateRefund()
	case EventOrderCancelled, EventProductAccessed:
		if e.Order == nil || strings.TrimSpace(e.Order.ID) == "" {
			return FieldError("order.id", "is required for %s", e.Type)
		}
		if e.Order.Items != nil {
			return e.Order.validateItems()
		}
	case EventShipmentUpdated:
		s := e.Shipment
		switch {
		case s == nil:
			return FieldError("shipment", "is required for %s", e.Type)
		case strings.TrimSpace(s.OrderID) == "":
			return FieldError("shipment.order_id", "is required")
		case s.Status == "":
			return FieldError("shipment.status", "is required")
		case !slices.Contains(ShipmentStatuses, s.Status):
			return FieldError("shipment.status", "unknown status %q; want one of %s", s.Status, joinTypes(ShipmentStatuses))
		}
		if err := validateURL("shipment.tracking_url", s.TrackingURL); err != nil {
			return err
		}
	case EventBookingScheduled:
		b := e.Booking
		switch {
		case b == nil:
			return FieldError("booking", "is required for %s", e.Type)
		case strings.TrimSpace(b.OrderID) == "":
			return FieldError("booking.order_id", "is required")
		case b.StartsAt.IsZero():
			return FieldError("booking.starts_at", "is required (RFC 3339 time)")
		}
		if err := validateURL("booking.join_url", b.JoinURL); err != nil {
			return err
		}
	case EventReturnRequested:
		if e.Return == nil && e.Order != nil && e.Order.ID != "" {
			e.Return = &ReturnFacts{OrderID: e.Order.ID}
		}
		if e.Return == nil || strings.TrimSpace(e.Return.OrderID) == "" {
			return FieldError("return.order_id", "is required for %s (or give order.id)", e.Type)
		}
		return e.Return.validate()
	}
	return nil
}

// validateRefund checks the refund part of an order.refunded event and,
// when there is none, reads it from the order part (items and total).
func (e *Event) validateRefund() error {
	if e.Refund != nil {
		return e.Refund.validate("refund.amount", "refund.items")
	}
	o := e.Order
	if o.Total == "" && len(o.Items) == 0 {
		return nil // the whole order
	}
	r := &RefundFacts{Amount: o.Total}
	for _, it := range o.Items {
		r.Items = append(r.Items, RefundItem{SKU: it.SKU, Name: it.Name, Quantity: it.Quantity})
	}
	if err := r.validate("order.total", "order.items"); err != nil {
		return err
	}
	e.Refund = r
	return nil
}

// validate checks a refund and defaults its quantities to 1; errors name
// the amount and the items by the fields given.
func (r *RefundFacts) validate(amountField, itemsField string) error {
	if len(r.Items) > 500 {
		return FieldError(itemsField, "must name at most 500 items")
	}
	for _, m := range []struct{ field, v string }{{amountField, r.Amount}, {"refund.shipping", r.Shipping}} {
		if err := nonNegative(m.field, m.v); err != nil {
			return err
		}
	}
	for i := range r.Items {
		it := &r.Items[i]
		f := fmt.Sprintf("%s[%d]", itemsField, i)
		switch {
		case it.SKU == "" && it.Name == "":
			return FieldError(f+".sku", "is required (or give the name)")
		case it.Quantity < 0:
			return FieldError(f+".quantity", "must not be negative")
		case it.Quantity > MaxQuantity:
			return FieldError(f+".quantity", "must be at most %d", MaxQuantity)
		}
		if err := nonNegative(f+".amount", it.Amount); err != nil {
			return err
		}
		it.Quantity = max(it.Quantity, 1)
	}
	return nil
}

// nonNegative checks an optional amount of money.
func nonNegative(field, v string) error {
	if v != "" && (!decimalRE.MatchString(v) || strings.HasPrefix(v, "-")) {
		return FieldError(field, "must be a non-negative decimal string such as \"20.00\"")
	}
	return nil
}

// validate checks the return part of a return.requested event.
func (r *ReturnFacts) validate() error {
	switch r.Resolution {
	case "":
		r.Resolution = ResolutionRefund
	case ResolutionRefund, ResolutionExchange:
	default:
		return FieldError("return.resolution", "unknown resolution %q; want refund or exchange", r.Resolution)
	}
	if len(r.SKUs)+len(r.Items) > 500 {
		return FieldError("return.items", "must name at most 500 items")
	}
	for i, it := range r.Items {
		if it.Quantity < 0 {
			return FieldError(fmt.Sprintf("return.items[%d].quantity", i), "must not be negative")
		}
		if it.Quantity > MaxQuantity {
			return FieldError(fmt.Sprintf("return.items[%d].quantity", i), "must be at most %d", MaxQuantity)
		}
		if it.SKU == "" && it.Name == "" {
			return FieldError(fmt.Sprintf("return.items[%d].sku", i), "is required (or give the name)")
		}
	}
	return nil
}

// Validate normalises the contact (lower-case email) and checks it; errors
// name fields under the given prefix, e.g. "customer.email".
func (c *Contact) Validate(field string) error {
	if c == nil {
		return FieldError(field, "is required")
	}
	c.Email = strings.ToLower(strings.TrimSpace(c.Email))
	if c.Email == "" {
		return FieldError(field+".email", "is required")
	}
	if err := ValidateEmail(c.Email); err != nil {
		return FieldError(field+".email", "%v", err)
	}
	for _, t := range c.texts(field) {
		if err := t.rule.Check(t.field, *t.value); err != nil {
			return err
		}
	}
	if len(c.Phone) > 40 {
		return FieldError(field+".phone", "must be at most 40 characters")
	}
	if c.Timezone != "" {
		if _, err := LoadLocation(c.Timezone); err != nil || c.Timezone == "Local" {
			return FieldError(field+".timezone", "unknown time zone %q (use an IANA name such as Europe/Berlin)", c.Timezone)
		}
	}
	return nil
}

func (o *OrderFacts) validatePlaced() error {
	if o == nil {
		return FieldError("order", "is required for order.placed")
	}
	o.ID = strings.TrimSpace(o.ID)
	if o.ID == "" {
		return FieldError("order.id", "is required")
	}
	if o.Referral = strings.TrimSpace(o.Referral); len(o.Referral) > 100 {
		return FieldError("order.referral", "must be at most 100 characters")
	}
	if o.Number = strings.TrimSpace(o.Number); len(o.Number) > 100 {
		return FieldError("order.number", "must be at most 100 characters")
	}
	if o.Currency != "" && !currencyRE.MatchString(o.Currency) {
		return FieldError("order.currency", "must be a three-letter ISO 4217 code")
	}
	o.Currency = strings.ToUpper(o.Currency)
	if o.Total != "" && !decimalRE.MatchString(o.Total) {
		return FieldError("order.total", "must be a decimal string such as \"49.00\"")
	}
	if len(o.Items) == 0 {
		return FieldError("order.items", "needs at least one item")
	}
	return o.validateItems()
}

func (o *OrderFacts) validateItems() error {
	for i := range o.Items {
		it := &o.Items[i]
		f := fmt.Sprintf("order.items[%d]", i)
		switch {
		case it.SKU == "" && it.Name == "":
			return FieldError(f+".name", "is required (or give a sku)")
		case it.Kind == "":
			return FieldError(f+".kind", "is required; want one of %s", joinTypes(ItemKinds))
		case !slices.Contains(ItemKinds, it.Kind):
			return FieldError(f+".kind", "unknown kind %q; want one of %s", it.Kind, joinTypes(ItemKinds))
		case it.Quantity < 0:
			return FieldError(f+".quantity", "must not be negative")
		case it.Quantity > MaxQuantity:
			return FieldError(f+".quantity", "must be at most %d", MaxQuantity)
		case it.Price != "" && !decimalRE.MatchString(it.Price):
			return FieldError(f+".price", "must be a decimal string such as \"49.00\"")
		}
		if it.Quantity == 0 {
			it.Quantity = 1
		}
		if it.Name == "" {
			it.Name = it.SKU
		}
		if err := validateURL(f+".access_url", it.AccessURL); err != nil {
			return err
		}
	}
	return nil
}

func validateURL(field, s string) error {
	if s == "" {
		return nil
	}
	if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
		return FieldError(field, "must be an http(s) URL")
	}
	return nil
}

func joinTypes[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
