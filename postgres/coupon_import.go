package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

// codeKey is the form in which coupon and referral codes are stored and
// compared: upper-cased, so that any case finds them (as in package
// sqlstore).
func codeKey(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// CouponImport adds the codes (upper-cased; blank ones ignored) to the
// pool, unused, in their order, skipping codes that exist, and says how
// many it added. It stays per database (the rest of the coupons is in
// package sqlstore): PostgreSQL inserts them all in one statement from an
// array, where SQLite inserts them one statement each.
func (q *queries) CouponImport(ctx context.Context, pool string, codes []string, percentOff int, expiresAt, at time.Time) (int, error) {
	if pool == "" {
		return 0, aftersale.FieldError("pool", "is required")
	}
	keys := make([]string, 0, len(codes))
	seen := make(map[string]bool, len(codes))
	for _, code := range codes {
		if code = codeKey(code); code != "" && !seen[code] {
			seen[code] = true
			keys = append(keys, code)
		}
	}
	if len(keys) == 0 {
		return 0, nil
	}
	n, err := affected(q.q.Exec(ctx, `
		INSERT INTO coupons (code, pool, percent_off, expires_at, created_at)
		SELECT code, $2, $3, $4, $5 FROM unnest($1::text[]) WITH ORDINALITY AS c (code, n)
		ORDER BY n
		ON CONFLICT DO NOTHING`,
		keys, pool, percentOff, nullTime(expiresAt), at))
	if err != nil {
		return 0, wrap("coupon import", err)
	}
	return int(n), nil
}
