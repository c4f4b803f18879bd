package stripe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"

	"github.com/aftersale/aftersale"
)

// The structs below hold only the few fields read from Stripe's objects;
// every other field is skipped. Fields that Stripe may send as null are
// pointers or types whose zero value means absent.

// envelope is a Stripe event ("object": "event").
type envelope struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Created int64  `json:"created"`
	Data    struct {
		Object json.RawMessage `json:"object"`
	} `json:"data"`
}

// checkoutSession is a Checkout Session ("object": "checkout.session").
type checkoutSession struct {
	ID              string            `json:"id"`
	Mode            string            `json:"mode"`
	PaymentStatus   string            `json:"payment_status"`
	PaymentIntent   ref               `json:"payment_intent"`
	Currency        string            `json:"currency"`
	AmountTotal     *int64            `json:"amount_total"`
	CustomerEmail   string            `json:"customer_email"`
	CustomerDetails *customerDetails  `json:"customer_details"`
	Consent         *consent          `json:"consent"`
	Metadata        map[string]string `json:"metadata"`
	// ShippingDetails is where API versions before 2025-03-31 put the
	// collected shipping address; later ones use CollectedInformation.
	ShippingDetails      *struct{} `json:"shipping_details"`
	CollectedInformation *struct {
		ShippingDetails *struct{} `json:"shipping_details"`
	} `json:"collected_information"`
	// TotalDetails.Breakdown is only present when expanded; Discounts is
	// always sent.
	TotalDetails *struct {
		Breakdown *struct {
			Discounts []struct {
				Discount struct {
					Coupon ref `json:"coupon"`
				} `json:"discount"`
			} `json:"discounts"`
		} `json:"breakdown"`
	} `json:"total_details"`
	Discounts []struct {
		Coupon ref `json:"coupon"`
	} `json:"discounts"`
	// LineItems is only present when expanded (never in a webhook as
	// Stripe sends it).
	LineItems *struct {
		Data []checkoutLine `json:"data"`
	} `json:"line_items"`
}

type customerDetails struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

type consent struct {
	Promotions string `json:"promotions"`
}

// invoice is an Invoice ("object": "invoice").
type invoice struct {
	ID            string `json:"id"`
	Currency      string `json:"currency"`
	AmountPaid    *int64 `json:"amount_paid"`
	BillingReason string `json:"billing_reason"`
	CustomerEmail string `json:"customer_email"`
	CustomerName  string `json:"customer_name"`
	CustomerPhone string `json:"customer_phone"`
	Lines         struct {
		Data []invoiceLine `json:"data"`
	} `json:"lines"`
}

// invoiceLine is an invoice line item ("object": "line_item").
type invoiceLine struct {
	Description string `json:"description"`
	// Amount is the line's total (quantity × unit price, or prorated).
	Amount   int64  `json:"amount"`
	Quantity *int64 `json:"quantity"`
	// Price is the line's price before API version 2025-03-31; later ones
	// describe it in Pricing.
	Price   price `json:"price"`
	Pricing *struct {
		PriceDetails *struct {
			Price ref `json:"price"`
		} `json:"price_details"`
		UnitAmountDecimal decimalText `json:"unit_amount_decimal"`
	} `json:"pricing"`
	// Proration marks a line for part of a period (before 2025-03-31;
	// later ones say so in Parent).
	Proration bool `json:"proration"`
	Parent    *struct {
		// Type names the one of the details below that applies.
		Type               string `json:"type"`
		InvoiceItemDetails *struct {
			Proration bool `json:"proration"`
		} `json:"invoice_item_details"`
		SubscriptionItemDetails *struct {
			Proration bool `json:"proration"`
		} `json:"subscription_item_details"`
	} `json:"parent"`
}

// prorated says whether the line bills part of a period, so that its
// amount is not its quantity times its price.
func (l *invoiceLine) prorated() bool {
	if l.Proration {
		return true
	}
	p := l.Parent
	if p == nil {
		return false
	}
	item := p.InvoiceItemDetails != nil && p.InvoiceItemDetails.Proration
	sub := p.SubscriptionItemDetails != nil && p.SubscriptionItemDetails.Proration
	switch p.Type {
	case "invoice_item_details":
		return item
	case "subscription_item_details":
		return sub
	}
	return item || sub
}

// checkoutLine is a Checkout Session's line item ("object": "item"), only
// present when the session's line_items are expanded.
type checkoutLine struct {
	Description string `json:"description"`
	Quantity    *int64 `json:"quantity"`
	// AmountSubtotal is the line's total before discounts and taxes.
	AmountSubtotal *int64 `json:"amount_subtotal"`
	AmountTotal    *int64 `json:"amount_total"`
	Price          price  `json:"price"`
}

// charge is a Charge ("object": "charge").
type charge struct {
	ID            string `json:"id"`
	PaymentIntent ref    `json:"payment_intent"`
	// Invoice is only sent by API versions before 2025-03-31.
	Invoice  ref    `json:"invoice"`
	Currency string `json:"currency"`
	// AmountRefunded is everything refunded on the charge so far, in the
	// currency's minor unit.
	AmountRefunded *int64 `json:"amount_refunded"`
	// Refunded is true once the whole amount is refunded; a partial
	// refund leaves it false.
	Refunded *bool `json:"refunded"`
	// Refunds lists the charge's refunds, newest first; API versions
	// since 2022-11-15 send it only when expanded.
	Refunds *struct {
		Data []chargeRefund `json:"data"`
	} `json:"refunds"`
}

// chargeRefund is a Refund ("object": "refund") in a charge's list.
type chargeRefund struct {
	ID      string `json:"id"`
	Created int64  `json:"created"`
	Status  string `json:"status"`
	Reason  string `json:"reason"`
}

// ref is a reference to another Stripe object: its id, or the object itself
// when expanded (then its "id" is kept), or null.
type ref string

// UnmarshalJSON implements json.Unmarshaler.
func (r *ref) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case isNull(b):
		*r = ""
		return nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*r = ref(s)
		return nil
	case b[0] == '{':
		var o struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		*r = ref(o.ID)
		return nil
	}
	return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[string]()}
}

// unmarshal decodes data into v; errors are EINVALID *aftersale.Errors
// whose field is prefixed with prefix (e.g. "data.object").
func unmarshal(data []byte, v any, prefix string) error {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	what := "the event"
	if prefix != "" {
		what = prefix
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if prefix != "" {
			field = join(prefix, field)
		}
		if field == "" {
			return &aftersale.Error{Code: aftersale.EINVALID, Message: "malformed JSON: " + what + " must be an object"}
		}
		return aftersale.FieldError(field, "must be %s, not a JSON %s", jsonType(typeErr.Type), typeErr.Value)
	case errors.As(err, &syntaxErr):
		return &aftersale.Error{Code: aftersale.EINVALID,
			Message: fmt.Sprintf("malformed JSON at byte %d: %v", syntaxErr.Offset, syntaxErr)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &aftersale.Error{Code: aftersale.EINVALID, Message: "malformed JSON: the body is empty or cut short"}
	}
	return &aftersale.Error{Code: aftersale.EINVALID, Message: "malformed JSON in " + what + ": " + err.Error()}
}

func join(prefix, field string) string {
	if field == "" {
		return prefix
	}
	return prefix + "." + field
}

func isNull(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) == 0 || string(b) == "null"
}

// jsonType names the JSON type that decodes into t, with an article.
func jsonType(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "a string"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a string"
}

// jsonKind names the JSON type of the value b starts with.
func jsonKind(b []byte) string {
	switch {
	case len(b) == 0:
		return "nothing"
	case b[0] == '[':
		return "array"
	case b[0] == 't' || b[0] == 'f':
		return "bool"
	case b[0] == '"':
		return "string"
	case b[0] == '{':
		return "object"
	}
	return "number"
}
