package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

// codeKey is the form in which coupon and referral codes are stored and
// compared: upper-cased, so that any case finds them.
func codeKey(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

const couponColumns = `id, code, pool, customer_id, purpose, step_id, percent_off, expires_at, created_at,
	redeemed_at, redeemed_order_id, redemptions`

func (q *Queries) scanCoupon(s Row) (*aftersale.Coupon, error) {
	var c aftersale.Coupon
	err := s.Scan(&c.ID, &c.Code, &c.Pool, optID(&c.CustomerID), &c.Purpose, optID(&c.StepID), &c.PercentOff,
		q.ts(&c.ExpiresAt), q.ts(&c.CreatedAt), q.ts(&c.RedeemedAt), optID(&c.RedeemedOrderID), &c.Redemptions)
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
// to the customer. Where there are no row locks (SQLite, one write
// transaction at a time) there is nothing to do.
func (q *Queries) lockCustomerCoupons(ctx context.Context, customerID int64) error {
	lock := q.lock(LockNoKeyUpdate)
	if lock == "" {
		return nil
	}
	_, err := q.exec(ctx, `SELECT 1 FROM customers WHERE id = ?`+lock, customerID)
	return err
}

// couponOfStep returns the code the customer was given for the step, or nil.
func (q *Queries) couponOfStep(ctx context.Context, stepID, customerID int64) (*aftersale.Coupon, error) {
	c, err := q.scanCoupon(q.row(ctx, `SELECT `+couponColumns+` FROM coupons
		WHERE step_id = ? AND customer_id = ?`, stepID, customerID))
	if q.noRows(err) {
		return nil, nil
	}
	return c, err
}

// CouponIssue stores a generated code (upper-cased) for a customer. When
// StepID is set and the customer has a code of that step, that one is
// returned instead (created false), also when a concurrent call stored it;
// otherwise ECONFLICT when the code exists. Pool, the redemption fields and
// Redemptions are not taken from c.
func (q *Queries) CouponIssue(ctx context.Context, c *aftersale.Coupon) (*aftersale.Coupon, bool, error) {
	code := codeKey(c.Code)
	switch {
	case code == "":
		return nil, false, aftersale.FieldError("code", "is required")
	case c.CustomerID == 0:
		return nil, false, aftersale.FieldError("customer_id", "is required")
	}
	var coupon *aftersale.Coupon
	created := false
	err := q.atomic(ctx, false, func(q *Queries) error {
		if c.StepID != 0 {
			if err := q.lockCustomerCoupons(ctx, c.CustomerID); err != nil {
				return err
			}
		}
		var err error
		coupon, err = q.scanCoupon(q.row(ctx, `
			INSERT INTO coupons (code, customer_id, purpose, step_id, percent_off, expires_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING
			RETURNING `+couponColumns,
			code, c.CustomerID, c.Purpose, nullID(c.StepID), c.PercentOff, q.nt(c.ExpiresAt), q.t(c.CreatedAt)))
		if err == nil {
			created = true
			return nil
		}
		if !q.noRows(err) {
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
		return nil, false, q.wrap("coupon issue", err)
	}
	return coupon, created, nil
}

// CouponTakeFromPool gives the oldest unused code of the pool to
// c.CustomerID for c.Purpose and c.StepID; a nonzero c.CreatedAt becomes
// its creation time (when it was given). A code the customer was given for
// the same StepID (nonzero) is returned instead. ENOTFOUND when the pool
// has no unused code. Two takers never get the same code: on PostgreSQL
// concurrent takers lock different codes (SKIP LOCKED), so none waits for
// another's code, and takers for one customer and a step take turns
// (lockCustomerCoupons); SQLite runs one write transaction at a time.
func (q *Queries) CouponTakeFromPool(ctx context.Context, pool string, c *aftersale.Coupon) (*aftersale.Coupon, error) {
	if c.CustomerID == 0 {
		return nil, aftersale.FieldError("customer_id", "is required")
	}
	var coupon *aftersale.Coupon
	err := q.atomic(ctx, false, func(q *Queries) error {
		var err error
		if c.StepID != 0 {
			if err := q.lockCustomerCoupons(ctx, c.CustomerID); err != nil {
				return err
			}
			if coupon, err = q.couponOfStep(ctx, c.StepID, c.CustomerID); err != nil || coupon != nil {
				return err
			}
		}
		coupon, err = q.scanCoupon(q.row(ctx, `
			UPDATE coupons SET customer_id = ?, purpose = ?, step_id = ?, created_at = coalesce(?, created_at)
			WHERE id = (
				SELECT id FROM coupons WHERE pool = ? AND customer_id IS NULL
				ORDER BY id LIMIT 1`+q.lock(LockUpdateSkipLocked)+`)
			RETURNING `+couponColumns,
			c.CustomerID, c.Purpose, nullID(c.StepID), q.nt(c.CreatedAt), pool))
		if q.noRows(err) {
			return aftersale.Errorf(aftersale.ENOTFOUND, "coupon pool %q has no unused code", pool)
		}
		return err
	})
	if err != nil {
		return nil, q.wrap("coupon take from pool", err)
	}
	return coupon, nil
}

// CouponPoolAvailable counts the unused codes of a pool.
func (q *Queries) CouponPoolAvailable(ctx context.Context, pool string) (int, error) {
	var n int
	err := q.row(ctx, `SELECT count(*) FROM coupons WHERE pool = ? AND customer_id IS NULL`, pool).Scan(&n)
	return n, q.wrap("coupon pool available", err)
}

// CouponGetByCode returns the coupon with the code (any case).
func (q *Queries) CouponGetByCode(ctx context.Context, code string) (*aftersale.Coupon, error) {
	c, err := q.scanCoupon(q.row(ctx, `SELECT `+couponColumns+` FROM coupons WHERE code = ?`, codeKey(code)))
	if q.noRows(err) {
		return nil, notFound("coupon", codeKey(code))
	}
	return c, q.wrap("coupon get by code", err)
}

// CouponRedeem records that the order named the code (any case): the first
// order sets RedeemedAt and RedeemedOrderID (first true); a later, other
// order counts a repeat redemption; the first or the last order again
// changes nothing. ENOTFOUND for an unknown code. Of concurrent calls, one
// waits for the other's row lock (PostgreSQL; SQLite runs one write
// transaction at a time) and then sees its redemption.
func (q *Queries) CouponRedeem(ctx context.Context, code string, orderID int64, at time.Time) (*aftersale.Coupon, bool, error) {
	if orderID == 0 {
		return nil, false, aftersale.FieldError("order_id", "is required")
	}
	key := codeKey(code)
	var c *aftersale.Coupon
	first := false
	err := q.atomic(ctx, false, func(q *Queries) error {
		var err error
		c, err = q.scanCoupon(q.row(ctx, `
			UPDATE coupons SET
				redeemed_at = CASE WHEN redemptions = 0 THEN ? ELSE redeemed_at END,
				redeemed_order_id = CASE WHEN redemptions = 0 THEN ? ELSE redeemed_order_id END,
				redemptions = redemptions + 1,
				last_order_id = ?
			WHERE code = ? AND coalesce(redeemed_order_id, 0) <> ? AND coalesce(last_order_id, 0) <> ?
			RETURNING `+couponColumns,
			q.t(at), orderID, orderID, key, orderID, orderID))
		if err == nil {
			first = c.Redemptions == 1
			return nil
		}
		if !q.noRows(err) {
			return err
		}
		c, err = q.scanCoupon(q.row(ctx, `SELECT `+couponColumns+` FROM coupons WHERE code = ?`, key))
		if q.noRows(err) {
			return notFound("coupon", key)
		}
		return err
	})
	if err != nil {
		return nil, false, q.wrap("coupon redeem", err)
	}
	return c, first, nil
}

// CouponList returns the coupons matching the filter, oldest first (by
// creation time, then ID).
func (q *Queries) CouponList(ctx context.Context, f aftersale.CouponFilter) ([]*aftersale.Coupon, error) {
	var where []string
	var args []any
	if f.CustomerID != 0 {
		where, args = append(where, "customer_id = ?"), append(args, f.CustomerID)
	}
	if f.Purpose != "" {
		where, args = append(where, "purpose = ?"), append(args, f.Purpose)
	}
	if !f.From.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, q.t(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "created_at < ?"), append(args, q.t(f.To))
	}
	query := `SELECT ` + couponColumns + ` FROM coupons`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY created_at, id`
	list, err := listRows(ctx, q, q.scanCoupon, query, args...)
	return list, q.wrap("coupon list", err)
}
