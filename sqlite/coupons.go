package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

// codeKey is the form in which coupon and referral codes are stored and
// compared: upper-cased, so that any case finds them.
func codeKey(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

const couponColumns = `id, code, pool, customer_id, purpose, step_id, percent_off, expires_at, created_at,
	redeemed_at, redeemed_order_id, redemptions`

func scanCoupon(s scanner) (*aftersale.Coupon, error) {
	var c aftersale.Coupon
	err := s.Scan(&c.ID, &c.Code, &c.Pool, optID(&c.CustomerID), &c.Purpose, optID(&c.StepID), &c.PercentOff,
		ts(&c.ExpiresAt), ts(&c.CreatedAt), ts(&c.RedeemedAt), optID(&c.RedeemedOrderID), &c.Redemptions)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// CouponIssue stores a generated code (upper-cased) for a customer. When
// StepID is set and the customer has a code of that step, that one is
// returned instead (created false); otherwise ECONFLICT when the code
// exists. Pool, the redemption fields and Redemptions are not taken from c.
func (q *queries) CouponIssue(ctx context.Context, c *aftersale.Coupon) (*aftersale.Coupon, bool, error) {
	code := codeKey(c.Code)
	switch {
	case code == "":
		return nil, false, aftersale.FieldError("code", "is required")
	case c.CustomerID == 0:
		return nil, false, aftersale.FieldError("customer_id", "is required")
	}
	var coupon *aftersale.Coupon
	created := false
	err := q.atomic(ctx, false, func(q *queries) error {
		var err error
		coupon, err = scanCoupon(q.q.QueryRowContext(ctx, `
			INSERT INTO coupons (code, customer_id, purpose, step_id, percent_off, expires_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING
			RETURNING `+couponColumns,
			code, c.CustomerID, c.Purpose, nullID(c.StepID), c.PercentOff, nullMicro(c.ExpiresAt), micro(c.CreatedAt)))
		if err == nil {
			created = true
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if c.StepID != 0 {
			coupon, err = scanCoupon(q.q.QueryRowContext(ctx, `SELECT `+couponColumns+` FROM coupons
				WHERE step_id = ? AND customer_id = ?`, c.StepID, c.CustomerID))
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		return aftersale.Errorf(aftersale.ECONFLICT, "coupon code %s exists", code)
	})
	if err != nil {
		return nil, false, wrap("coupon issue", err)
	}
	return coupon, created, nil
}

// CouponImport adds the codes (upper-cased; blank ones ignored) to the
// pool, unused, skipping codes that exist, and says how many it added.
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

// CouponTakeFromPool gives the oldest unused code of the pool to
// c.CustomerID for c.Purpose and c.StepID; a nonzero c.CreatedAt becomes
// its creation time (when it was given). A code the customer was given for
// the same StepID (nonzero) is returned instead. ENOTFOUND when the pool
// has no unused code. SQLite runs one write transaction at a time, so two
// takers never get the same code.
func (q *queries) CouponTakeFromPool(ctx context.Context, pool string, c *aftersale.Coupon) (*aftersale.Coupon, error) {
	if c.CustomerID == 0 {
		return nil, aftersale.FieldError("customer_id", "is required")
	}
	var coupon *aftersale.Coupon
	err := q.atomic(ctx, false, func(q *queries) error {
		var err error
		if c.StepID != 0 {
			coupon, err = scanCoupon(q.q.QueryRowContext(ctx, `SELECT `+couponColumns+` FROM coupons
				WHERE step_id = ? AND customer_id = ?`, c.StepID, c.CustomerID))
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		coupon, err = scanCoupon(q.q.QueryRowContext(ctx, `
			UPDATE coupons SET customer_id = ?, purpose = ?, step_id = ?, created_at = coalesce(?, created_at)
			WHERE id = (SELECT id FROM coupons WHERE pool = ? AND customer_id IS NULL ORDER BY id LIMIT 1)
			RETURNING `+couponColumns,
			c.CustomerID, c.Purpose, nullID(c.StepID), nullMicro(c.CreatedAt), pool))
		if errors.Is(err, sql.ErrNoRows) {
			return aftersale.Errorf(aftersale.ENOTFOUND, "coupon pool %q has no unused code", pool)
		}
		return err
	})
	if err != nil {
		return nil, wrap("coupon take from pool", err)
	}
	return coupon, nil
}

// CouponPoolAvailable counts the unused codes of a pool.
func (q *queries) CouponPoolAvailable(ctx context.Context, pool string) (int, error) {
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM coupons WHERE pool = ? AND customer_id IS NULL`, pool).Scan(&n)
	return n, wrap("coupon pool available", err)
}

// CouponGetByCode returns the coupon with the code (any case).
func (q *queries) CouponGetByCode(ctx context.Context, code string) (*aftersale.Coupon, error) {
	c, err := scanCoupon(q.q.QueryRowContext(ctx, `SELECT `+couponColumns+` FROM coupons WHERE code = ?`, codeKey(code)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("coupon", codeKey(code))
	}
	return c, wrap("coupon get by code", err)
}

// CouponRedeem records that the order named the code (any case): the first
// order sets RedeemedAt and RedeemedOrderID (first true); a later, other
// order counts a repeat redemption; the first or the last order again
// changes nothing. ENOTFOUND for an unknown code.
func (q *queries) CouponRedeem(ctx context.Context, code string, orderID int64, at time.Time) (*aftersale.Coupon, bool, error) {
	if orderID == 0 {
		return nil, false, aftersale.FieldError("order_id", "is required")
	}
	key := codeKey(code)
	var c *aftersale.Coupon
	first := false
	err := q.atomic(ctx, false, func(q *queries) error {
		var err error
		c, err = scanCoupon(q.q.QueryRowContext(ctx, `
			UPDATE coupons SET
				redeemed_at = CASE WHEN redemptions = 0 THEN ? ELSE redeemed_at END,
				redeemed_order_id = CASE WHEN redemptions = 0 THEN ? ELSE redeemed_order_id END,
				redemptions = redemptions + 1,
				last_order_id = ?
			WHERE code = ? AND coalesce(redeemed_order_id, 0) <> ? AND coalesce(last_order_id, 0) <> ?
			RETURNING `+couponColumns,
			micro(at), orderID, orderID, key, orderID, orderID))
		if err == nil {
			first = c.Redemptions == 1
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		c, err = scanCoupon(q.q.QueryRowContext(ctx, `SELECT `+couponColumns+` FROM coupons WHERE code = ?`, key))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("coupon", key)
		}
		return err
	})
	if err != nil {
		return nil, false, wrap("coupon redeem", err)
	}
	return c, first, nil
}

// CouponList returns the coupons matching the filter, oldest first (by
// creation time, then ID).
func (q *queries) CouponList(ctx context.Context, f aftersale.CouponFilter) ([]*aftersale.Coupon, error) {
	var where []string
	var args []any
	if f.CustomerID != 0 {
		where, args = append(where, "customer_id = ?"), append(args, f.CustomerID)
	}
	if f.Purpose != "" {
		where, args = append(where, "purpose = ?"), append(args, f.Purpose)
	}
	if !f.From.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, micro(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "created_at < ?"), append(args, micro(f.To))
	}
	query := `SELECT ` + couponColumns + ` FROM coupons`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY created_at, id`
	list, err := listRows(ctx, q.q, scanCoupon, query, args...)
	return list, wrap("coupon list", err)
}
