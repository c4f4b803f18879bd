package stripe

import (
	"testing"

	"github.com/aftersale/aftersale"
)

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		minor    int64
		currency string
		want     string
	}{
		{4900, "USD", "49.00"},
		{5, "EUR", "0.05"},
		{0, "EUR", "0.00"},
		{123456789, "GBP", "1234567.89"},
		{4900, "JPY", "4900"},
		{50000, "KRW", "50000"},
		{120000, "VND", "120000"},
		{9990, "CLP", "9990"},
		{37000, "UGX", "37000"},
		{0, "JPY", "0"},
		// ISK stays two-decimal in Stripe's API, in whole krónur
		{490000, "ISK", "4900"},
		{12345, "ISK", "123.45"},
		{4900, "KWD", "4.900"},
		{99_999_999_999_999_999, "EUR", "999999999999999.99"},
		{999_999_999_999_999, "JPY", "999999999999999"},
	}
	for _, tt := range tests {
		got, err := formatAmount("amount", tt.minor, tt.currency)
		if err != nil || got != tt.want {
			t.Errorf("formatAmount(%d, %s) = %q, %v; want %q", tt.minor, tt.currency, got, err, tt.want)
		}
	}
	for _, tt := range []struct {
		minor    int64
		currency string
	}{{-1, "EUR"}, {100_000_000_000_000_000, "EUR"}, {1_000_000_000_000_000, "JPY"}, {-1 << 63, "USD"}} {
		if got, err := formatAmount("amount", tt.minor, tt.currency); aftersale.ErrorCode(err) != aftersale.EINVALID {
			t.Errorf("formatAmount(%d, %s) = %q, %v; want an error", tt.minor, tt.currency, got, err)
		}
	}
}
