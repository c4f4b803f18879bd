package aftersale

import (
	"math/big"
	"strings"
)

// Money arithmetic on decimal strings ("49.00"), exact: refunds add up and
// compare with an order's total without float rounding.

// parseMoney reads a decimal string; "" and malformed strings are zero.
func parseMoney(s string) (*big.Rat, int) {
	s = strings.TrimSpace(s)
	r, ok := new(big.Rat).SetString(s)
	if s == "" || !ok {
		return new(big.Rat), 0
	}
	scale := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		scale = len(s) - i - 1
	}
	return r, scale
}

// AddMoney returns a + b as a decimal string with at least two decimals
// (as many as the more precise of the two has); "" + "" is "".
func AddMoney(a, b string) string {
	if strings.TrimSpace(a) == "" && strings.TrimSpace(b) == "" {
		return ""
	}
	x, sa := parseMoney(a)
	y, sb := parseMoney(b)
	return new(big.Rat).Add(x, y).FloatString(max(sa, sb, 2))
}

// CompareMoney compares two decimal strings as numbers: -1, 0 or +1 ("" is
// zero).
func CompareMoney(a, b string) int {
	x, _ := parseMoney(a)
	y, _ := parseMoney(b)
	return x.Cmp(y)
}

// MultiplyMoney returns a × n as a decimal string with a's decimals (at
// least two); "" for an empty a.
func MultiplyMoney(a string, n int) string {
	if strings.TrimSpace(a) == "" {
		return ""
	}
	x, scale := parseMoney(a)
	return x.Mul(x, new(big.Rat).SetInt64(int64(n))).FloatString(max(scale, 2))
}

// DivideMoney divides an amount by a quantity (a decimal string), exactly,
// rounded to the amount's decimals (at least two, at most six): a line's
// total ÷ its quantity is the unit price. It returns amount as it is when
// either is not a number, or the quantity is at most 1.
func DivideMoney(amount, quantity string) string {
	n, ok := new(big.Rat).SetString(quantity)
	if quantity == "" || !ok || n.Sign() <= 0 || n.Cmp(big.NewRat(1, 1)) == 0 {
		return amount
	}
	m, ok := new(big.Rat).SetString(amount)
	if !ok {
		return amount
	}
	places := 2
	if i := strings.IndexByte(amount, '.'); i >= 0 {
		places = min(max(len(amount)-i-1, 2), 6)
	}
	return m.Quo(m, n).FloatString(places)
}

// MoneyShare returns part ÷ whole, 0 when whole is zero.
func MoneyShare(part, whole string) float64 {
	x, _ := parseMoney(part)
	y, _ := parseMoney(whole)
	if y.Sign() == 0 {
		return 0
	}
	f, _ := new(big.Rat).Quo(x, y).Float64()
	return f
}
