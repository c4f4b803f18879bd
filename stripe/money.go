package stripe

import (
	"math/big"
	"regexp"
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
	return formatMinor(field, new(big.Rat).SetInt64(minor), cur)
}
