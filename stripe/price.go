package stripe

import (
	"bytes"
	"encoding/json"
	"math/big"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/aftersale/aftersale"
)

// price is a Price ("object": "price") as an invoice line (before API
// version 2025-03-31) or a Checkout line item carries it: expanded, or
// only its id, or null.
type price struct {
	ID string `json:"id"`
	// UnitAmount is the price of one unit (or of one package, see
	// TransformQuantity) in the currency's minor unit; null for tiered
	// prices and for prices with decimals below the minor unit, which
	// UnitAmountDecimal then gives.
	UnitAmount        *int64      `json:"unit_amount"`
	UnitAmountDecimal decimalText `json:"unit_amount_decimal"`
	// TransformQuantity, when not null, makes UnitAmount the price of a
	// package of several units.
	TransformQuantity json.RawMessage `json:"transform_quantity"`
	// LookupKey is the merchant's own key for the price, when set.
	LookupKey string `json:"lookup_key"`
}

// UnmarshalJSON implements json.Unmarshaler: a price is an object, or its
// id as a string, or null.
func (p *price) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case isNull(b):
		*p = price{}
		return nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*p = price{ID: s}
		return nil
	case b[0] == '{':
		type plain price
		var v plain
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*p = price(v)
		return nil
	}
	return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[price]()}
}

// unit returns the price of one unit in the currency's minor unit, or nil
// when the price does not say (not expanded, tiered, or sold in packages).
// field names the price for errors.
func (p *price) unit(field string) (*big.Rat, error) {
	if !isNull(p.TransformQuantity) {
		return nil, nil
	}
	if p.UnitAmount != nil {
		return new(big.Rat).SetInt64(*p.UnitAmount), nil
	}
	return p.UnitAmountDecimal.rat(field + ".unit_amount_decimal")
}

// decimalText is a decimal in a JSON string, as Stripe sends
// unit_amount_decimal ("10000", "1250.5"); a JSON number is taken too. ""
// means absent (null).
type decimalText string

// UnmarshalJSON implements json.Unmarshaler.
func (d *decimalText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case isNull(b):
		*d = ""
		return nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*d = decimalText(s)
		return nil
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9':
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*d = decimalText(n)
		return nil
	}
	return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[string]()}
}

// minorDecimalRE is the form of Stripe's decimal amounts: at most 12
// decimal places.
var minorDecimalRE = regexp.MustCompile(`^[0-9]{1,19}(\.[0-9]{1,12})?$`)

// rat parses d; nil when absent, an EINVALID error about field when it is
// not a non-negative decimal.
func (d decimalText) rat(field string) (*big.Rat, error) {
	s := strings.TrimSpace(string(d))
	if s == "" {
		return nil, nil
	}
	if strings.HasPrefix(s, "-") {
		return nil, aftersale.FieldError(field, "must not be negative")
	}
	if !minorDecimalRE.MatchString(s) {
		return nil, aftersale.FieldError(field, "must be a decimal string such as \"10000\"")
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, aftersale.FieldError(field, "must be a decimal string such as \"10000\"")
	}
	return r, nil
}

// maxPriceDecimals is the most decimals a price gets (aftersale's
// decimals have at most 6); a finer unit price is rounded.
const maxPriceDecimals = 6

// formatMinor formats an amount in the currency's minor unit, possibly
// fractional (a unit amount with sub-cent decimals, a line amount divided
// by its quantity), as a decimal string with the currency's decimals, or
// up to 6 when it has finer ones: 10000 USD is "100.00", 1250.5 USD
// "12.505", 100/3 USD "0.333333". Whole ISK amounts lose their two API
// decimals as in formatAmount. It returns an EINVALID error about field
// for a negative amount or one too large to be real.
func formatMinor(field string, minor *big.Rat, cur string) (string, error) {
	if minor.Sign() < 0 {
		return "", aftersale.FieldError(field, "must not be negative")
	}
	decimals := 2
	switch {
	case zeroDecimal[cur]:
		decimals = 0
	case threeDecimal[cur]:
		decimals = 3
	}
	div := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decimals)), nil))
	major := new(big.Rat).Quo(minor, div)
	if cur == "ISK" && major.IsInt() {
		decimals = 0
	}
	exact := new(big.Rat).Mul(major, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decimals)), nil)))
	var s string
	if exact.IsInt() {
		s = major.FloatString(decimals)
	} else {
		s = strings.TrimRight(major.FloatString(maxPriceDecimals), "0")
		if i := strings.IndexByte(s, '.'); len(s)-i-1 < decimals {
			s += strings.Repeat("0", decimals-(len(s)-i-1))
		}
		s = strings.TrimSuffix(s, ".")
	}
	// Rounding may carry into a sixteenth digit.
	if whole, _, _ := strings.Cut(s, "."); len(whole) > len(strconv.FormatInt(maxUnits, 10)) {
		return "", aftersale.FieldError(field, "is too large")
	}
	return s, nil
}

// unitPrice returns the price of one unit of a line: unit, when the
// platform gave it, else amount ÷ quantity (amount for no quantity), both
// in the currency's minor unit, formatted with formatMinor. field names
// the line's amount for errors.
func unitPrice(field string, unit *big.Rat, amount, quantity int64, cur string) (string, error) {
	if unit == nil {
		unit = new(big.Rat).SetInt64(amount)
		if quantity > 0 {
			unit.Quo(unit, new(big.Rat).SetInt64(quantity))
		}
	}
	return formatMinor(field, unit, cur)
}
