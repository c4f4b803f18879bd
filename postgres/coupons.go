package postgres

import (
	"context"
	"fmt"
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

// lockCustomerCoupons makes the transaction the only one giving the
// customer a code until it ends, so that a (step, customer) pair checked
// free stays free until the code is stored: a taker of a pool code and an
// issuer of the same step never both store one (the UPDATE of a pool code
// cannot skip a conflict the way an INSERT … ON CONFLICT does). The lock
// (FOR NO KEY UPDATE of the customer's row) does not block rows that refer
// to the customer.
func (q *queries) lockCustomerCoupons(ctx context.Context, customerID int64) error {
	_, err := q.q.Exec(ctx, `SELECT FROM customers WHERE id = $1 FOR NO KEY UPDATE`, customerID)
	return err
}

// couponOfStep returns the code the customer was given for the step, or nil.
func (q *queries) couponOfStep(ctx context.Context, stepID, customerID int64) (*aftersale.Coupon, error) {
	c, err := scanCoupon(q.q.QueryRow(ctx, `SELECT `+couponColumns+` FROM coupons
		WHERE step_id = $1 AND customer_id = $2`, stepID, customerID))
	if noRows(err) {
		return nil, nil
	}
	return c, err
}

// CouponIssue stores a generated code (upper-cased) for a customer. When
// StepID is set and the customer has a code of that step, that one is
// returned instead (created false), also when a concurrent call stored it;
// otherwise ECONFLICT when the code exists. Pool, the redemption fields and
// Redemptions are not taken from c.
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
	err := q.atomic(ctx, func(q *queries) error {
		if c.StepID != 0 {
			if err := q.lockCustomerCoupons(ctx, c.CustomerID); err != nil {
				return err
			}
		}
		var err error
		coupon, err = scanCoupon(q.q.QueryRow(ctx, `
			INSERT INTO coupons (code, customer_id, purpose, step_id, percent_off, expires_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT DO NOTHING
			RETURNING `+couponColumns,
			code, c.CustomerID, c.Purpose, nullID(c.StepID), c.PercentOff, nullTime(c.ExpiresAt), c.CreatedAt))
		if err == nil {
			created = true
			return nil
		}
		if !noRows(err) {
			return err
		}
		if c.StepID != 0 {
			if coupon, err = q.couponOfStep(ctx, c.StepID, c.CustomerID); err != nil || coupon != nil {
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
// pool, unused, in their order, skipping codes that exist, and says how
// many it added.
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

// CouponTakeFromPool gives the oldest unused code of the pool to
// c.CustomerID for c.Purpose and c.StepID; a nonzero c.CreatedAt becomes
// its creation time (when it was given). A code the customer was given for
// the same StepID (nonzero) is returned instead. ENOTFOUND when the pool
// has no unused code. Concurrent takers lock different codes (SKIP LOCKED),
// so two never get the same one and none waits for another's code; takers
// for one customer and a step take turns (lockCustomerCoupons).
func (q *queries) CouponTakeFromPool(ctx context.Context, pool string, c *aftersale.Coupon) (*aftersale.Coupon, error) {
	if c.CustomerID == 0 {
		return nil, aftersale.FieldError("customer_id", "is required")
	}
	var coupon *aftersale.Coupon
	err := q.atomic(ctx, func(q *queries) error {
		var err error
		if c.StepID != 0 {
			if err := q.lockCustomerCoupons(ctx, c.CustomerID); err != nil {
				return err
			}
			if coupon, err = q.couponOfStep(ctx, c.StepID, c.CustomerID); err != nil || coupon != nil {
				return err
			}
		}
		coupon, err = scanCoupon(q.q.QueryRow(ctx, `
			UPDATE coupons SET customer_id = $1, purpose = $2, step_id = $3, created_at = coalesce($4, created_at)
			WHERE id = (
				SELECT id FROM coupons WHERE pool = $5 AND customer_id IS NULL
				ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
			RETURNING `+couponColumns,
			c.CustomerID, c.Purpose, nullID(c.StepID), nullTime(c.CreatedAt), pool))
		if noRows(err) {
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
	err := q.q.QueryRow(ctx, `SELECT count(*) FROM coupons WHERE pool = $1 AND customer_id IS NULL`, pool).Scan(&n)
	return n, wrap("coupon pool available", err)
}

// CouponGetByCode returns the coupon with the code (any case).
func (q *queries) CouponGetByCode(ctx context.Context, code string) (*aftersale.Coupon, error) {
	c, err := scanCoupon(q.q.QueryRow(ctx, `SELECT `+couponColumns+` FROM coupons WHERE code = $1`, codeKey(code)))
	if noRows(err) {
		return nil, notFound("coupon", codeKey(code))
	}
	return c, wrap("coupon get by code", err)
}

// CouponRedeem records that the order named the code (any case): the first
// order sets RedeemedAt and RedeemedOrderID (first true); a later, other
// order counts a repeat redemption; the first or the last order again
// changes nothing. ENOTFOUND for an unknown code. Of concurrent calls, one
// waits for the other's row lock and then sees its redemption.
func (q *queries) CouponRedeem(ctx context.Context, code string, orderID int64, at time.Time) (*aftersale.Coupon, bool, error) {
	if orderID == 0 {
		return nil, false, aftersale.FieldError("order_id", "is required")
	}
	key := codeKey(code)
	var c *aftersale.Coupon
	first := false
	err := q.atomic(ctx, func(q *queries) error {
		var err error
		c, err = scanCoupon(q.q.QueryRow(ctx, `
			UPDATE coupons SET
				redeemed_at = CASE WHEN redemptions = 0 THEN $1 ELSE redeemed_at END,
				redeemed_order_id = CASE WHEN redemptions = 0 THEN $2 ELSE redeemed_order_id END,
				redemptions = redemptions + 1,
				last_order_id = $2
			WHERE code = $3 AND coalesce(redeemed_order_id, 0) <> $2 AND coalesce(last_order_id, 0) <> $2
			RETURNING `+couponColumns,
			at, orderID, key))
		if err == nil {
			first = c.Redemptions == 1
			return nil
		}
		if !noRows(err) {
			return err
		}
		c, err = scanCoupon(q.q.QueryRow(ctx, `SELECT `+couponColumns+` FROM coupons WHERE code = $1`, key))
		if noRows(err) {
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
		args = append(args, f.CustomerID)
		where = append(where, fmt.Sprintf("customer_id = $%d", len(args)))
	}
	if f.Purpose != "" {
		args = append(args, f.Purpose)
		where = append(where, fmt.Sprintf("purpose = $%d", len(args)))
	}
	if !f.From.IsZero() {
		args = append(args, f.From)
		where = append(where, fmt.Sprintf("created_at >= $%d", len(args)))
	}
	if !f.To.IsZero() {
		args = append(args, f.To)
		where = append(where, fmt.Sprintf("created_at < $%d", len(args)))
	}
	query := `SELECT ` + couponColumns + ` FROM coupons`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY created_at, id`
	list, err := listRows(ctx, q.q, scanCoupon, query, args...)
	return list, wrap("coupon list", err)
}
