package stripe

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/aftersale/aftersale"
)

// zeroDecimal lists the currencies whose Stripe amounts are whole units
// (https://docs.stripe.com/currencies#zero-decimal).
var zeroDecimal = map[string]bool{
	"BIF": true, "CLP": true, "DJF": true, "GNF": true, "JPY": true, "KMF": true,
	"KRW": true, "MGA": true, "PYG": true, "RWF": true, "UGX": true, "VND": true,
	"VUV": true, "XAF": true, "XOF": true, "XPF": true,
}

// threeDecimal lists the currencies whose Stripe amounts are thousandths.
var threeDecimal = map[string]bool{"BHD": true, "JOD": true, "KWD": true, "OMR": true, "TND": true}

var currencyRE = regexp.MustCompile(`^[A-Za-z]{3}$`)

// currency returns the upper-cased ISO code, or an EINVALID error about
// field.
func currency(field, s string) (string, error) {
	if s == "" {
		return "", aftersale.FieldError(field, "is required")
	}
	if !currencyRE.MatchString(s) {
		return "", aftersale.FieldError(field, "must be a three-letter ISO 4217 code")
	}
	return strings.ToUpper(s), nil
}

// maxUnits bounds the whole units of an amount (aftersale's decimals have
// at most 15 digits before the point).
const maxUnits = 999_999_999_999_999

// formatAmount formats an amount in the currency's minor unit (as Stripe
// sends it) as a decimal string: 4900 USD is "49.00", 4900 JPY "4900",
// 4900 KWD "4.900". ISK is special: Stripe keeps it a two-decimal currency
// in the API although only whole krónur may be charged, so 490000 ISK is
// "4900". It returns an EINVALID error about field for a negative amount or
// one too large to be real.
func formatAmount(field string, minor int64, cur string) (string, error) {
	if minor < 0 {
		return "", aftersale.FieldError(field, "must not be negative")
	}
	decimals := 2
	switch {
	case zeroDecimal[cur]:
		decimals = 0
	case threeDecimal[cur]:
		decimals = 3
	case cur == "ISK" && minor%100 == 0:
		minor /= 100
		decimals = 0
	}
	div := int64(1)
	for range decimals {
		div *= 10
	}
	units, frac := minor/div, minor%div
	if units > maxUnits {
		return "", aftersale.FieldError(field, "is too large")
	}
	s := strconv.FormatInt(units, 10)
	if decimals > 0 {
		f := strconv.FormatInt(frac, 10)
		s += "." + strings.Repeat("0", decimals-len(f)) + f
	}
	return s, nil
}
