package sqlite

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
// pool, unused, skipping codes that exist, and says how many it added.
// It stays per database (the rest of the coupons is in package sqlstore):
// SQLite inserts the codes one statement each, in one transaction, where
// PostgreSQL inserts them all in one statement from an array.
func (q *queries) CouponImport(ctx context.Context, pool string, codes []string, percentOff int, expiresAt, at time.Time) (int, error) {
	if pool == "" {
		return 0, aftersale.FieldError("pool", "is required")
	}
	added := 0
	err := q.atomic(ctx, false, func(q *queries) error {
		for _, code := range codes {
			code = codeKey(code)
			if code == "" {
				continue
			}
			res, err := q.q.ExecContext(ctx, `
				INSERT INTO coupons (code, pool, percent_off, expires_at, created_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT DO NOTHING`,
				code, pool, percentOff, nullMicro(expiresAt), micro(at))
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			added += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, wrap("coupon import", err)
	}
	return added, nil
}
