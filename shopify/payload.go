package shopify

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"unicode/utf8"
)

// The parts of Shopify's REST webhook payloads that aftersale reads.

type order struct {
	ID              jstr       `json:"id"`
	Name            jstr       `json:"name"` // "#1001", the number the buyer knows
	Email           jstr       `json:"email"`
	ContactEmail    jstr       `json:"contact_email"`
	CreatedAt       jstr       `json:"created_at"`
	ProcessedAt     jstr       `json:"processed_at"`
	CancelledAt     jstr       `json:"cancelled_at"`
	Currency        jstr       `json:"currency"`
	TotalPrice      jstr       `json:"total_price"`
	DiscountCodes   []discount `json:"discount_codes"`
	Customer        *customer  `json:"customer"`
	BillingAddress  *address   `json:"billing_address"`
	ShippingAddress *address   `json:"shipping_address"`
	LineItems       []lineItem `json:"line_items"`
}

type discount struct {
	Code jstr `json:"code"`
}

type customer struct {
	Email            jstr  `json:"email"`
	FirstName        jstr  `json:"first_name"`
	LastName         jstr  `json:"last_name"`
	Phone            jstr  `json:"phone"`
	AcceptsMarketing *bool `json:"accepts_marketing"`
	EmailConsent     *struct {
		State jstr `json:"state"`
	} `json:"email_marketing_consent"`
}

// consent reads email_marketing_consent.state, falling back to the older
// accepts_marketing flag when the payload has no consent state; nil means
// the payload says nothing usable.
func (c *customer) consent() *bool {
	yes, no := true, false
	if c.EmailConsent != nil && c.EmailConsent.State != "" {
		switch strings.ToLower(strings.TrimSpace(string(c.EmailConsent.State))) {
		case "subscribed":
			return &yes
		case "not_subscribed", "unsubscribed":
			return &no
		}
		return nil // pending, redacted, invalid: no answer yet
	}
	if c.AcceptsMarketing != nil {
		v := *c.AcceptsMarketing
		return &v
	}
	return nil
}

type address struct {
	Name  jstr `json:"name"`
	Phone jstr `json:"phone"`
}

type lineItem struct {
	SKU              jstr `json:"sku"`
	Name             jstr `json:"name"`
	Title            jstr `json:"title"`
	Quantity         int  `json:"quantity"`
	Price            jstr `json:"price"`
	ProductType      jstr `json:"product_type"`
	RequiresShipping bool `json:"requires_shipping"`
}

type refund struct {
	ID          jstr         `json:"id"`
	OrderID     jstr         `json:"order_id"`
	CreatedAt   jstr         `json:"created_at"`
	ProcessedAt jstr         `json:"processed_at"`
	Note        jstr         `json:"note"`
	Lines       []refundLine `json:"refund_line_items"`
	// Transactions is nil when the payload has no transactions key, and
	// empty when it says no money moved.
	Transactions  *[]transaction   `json:"transactions"`
	ShippingLines []refundShipping `json:"refund_shipping_lines"`
	Adjustments   []adjustment     `json:"order_adjustments"`
}

// refundLine is one of refund_line_items: how many units of which line
// item, and the money for them (subtotal before tax, total_tax).
type refundLine struct {
	LineItemID jstr      `json:"line_item_id"`
	Quantity   int       `json:"quantity"`
	Subtotal   jstr      `json:"subtotal"`
	TotalTax   jstr      `json:"total_tax"`
	LineItem   *lineItem `json:"line_item"`
}

// transaction is one money movement of a refund.
type transaction struct {
	Kind   jstr `json:"kind"`
	Status jstr `json:"status"`
	Amount jstr `json:"amount"`
}

// refundShipping is one of refund_shipping_lines: shipping paid back.
type refundShipping struct {
	SubtotalAmountSet *moneySet `json:"subtotal_amount_set"`
}

// moneySet is Shopify's amount in the shop's and the buyer's currency.
type moneySet struct {
	ShopMoney *struct {
		Amount jstr `json:"amount"`
	} `json:"shop_money"`
}

// adjustment is one of order_adjustments; kind shipping_refund is shipping
// paid back (its amount negative: taken off what the order keeps).
type adjustment struct {
	Kind      jstr `json:"kind"`
	Amount    jstr `json:"amount"`
	TaxAmount jstr `json:"tax_amount"`
}

type fulfillment struct {
	OrderID         jstr   `json:"order_id"`
	Status          jstr   `json:"status"`
	ShipmentStatus  jstr   `json:"shipment_status"`
	TrackingCompany jstr   `json:"tracking_company"`
	TrackingNumber  jstr   `json:"tracking_number"`
	TrackingNumbers []jstr `json:"tracking_numbers"`
	TrackingURL     jstr   `json:"tracking_url"`
	TrackingURLs    []jstr `json:"tracking_urls"`
	CreatedAt       jstr   `json:"created_at"`
	UpdatedAt       jstr   `json:"updated_at"`
}

// jstr is a JSON string, or a JSON number kept as its literal text (ids
// such as 820982911946154508 and money such as 49.00 lose nothing), or
// null (""). Anything else is a type error.
type jstr string

var stringType = reflect.TypeFor[string]()

// UnmarshalJSON implements json.Unmarshaler.
func (s *jstr) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return &json.UnmarshalTypeError{Value: "nothing", Type: stringType}
	case string(b) == "null":
		*s = ""
	case b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = jstr(v)
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9':
		*s = jstr(b) // the decoder has checked that it is a valid number
	default:
		kind := "value"
		switch b[0] {
		case '{':
			kind = "object"
		case '[':
			kind = "array"
		case 't', 'f':
			kind = "bool"
		}
		return &json.UnmarshalTypeError{Value: kind, Type: stringType}
	}
	return nil
}

// first returns the first of vs that is not blank, trimmed.
func first(vs ...jstr) string {
	for _, v := range vs {
		if s := strings.TrimSpace(string(v)); s != "" {
			return s
		}
	}
	return ""
}

// clip shortens s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for i := 0; i < utf8.UTFMax-1 && s != ""; i++ {
		if r, size := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || size != 1 {
			break
		}
		s = s[:len(s)-1] // a cut character
	}
	return strings.TrimSpace(s)
}
