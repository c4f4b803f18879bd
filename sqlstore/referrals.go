package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

const referralCodeColumns = `customer_id, code, clicks, created_at`

func (q *Queries) scanReferralCode(s Row) (*aftersale.ReferralCode, error) {
	var rc aftersale.ReferralCode
	if err := s.Scan(&rc.CustomerID, &rc.Code, &rc.Clicks, q.ts(&rc.CreatedAt)); err != nil {
		return nil, err
	}
	return &rc, nil
}

// ReferralCodeEnsure gives the customer the code (upper-cased) unless they
// have one already, and returns the customer's code (also when a concurrent
// call gave it, which the insert waits for); ECONFLICT when another
// customer has the code.
func (q *Queries) ReferralCodeEnsure(ctx context.Context, customerID int64, code string, at time.Time) (*aftersale.ReferralCode, error) {
	key := codeKey(code)
	switch {
	case customerID == 0:
		return nil, aftersale.FieldError("customer_id", "is required")
	case key == "":
		return nil, aftersale.FieldError("code", "is required")
	}
	var rc *aftersale.ReferralCode
	err := q.atomic(ctx, false, func(q *Queries) error {
		var err error
		rc, err = q.scanReferralCode(q.row(ctx, `
			INSERT INTO referral_codes (customer_id, code, created_at) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING
			RETURNING `+referralCodeColumns,
			customerID, key, q.t(at)))
		if !q.noRows(err) {
			return err
		}
		rc, err = q.scanReferralCode(q.row(ctx, `SELECT `+referralCodeColumns+` FROM referral_codes
			WHERE customer_id = ?`, customerID))
		if q.noRows(err) {
			return aftersale.Errorf(aftersale.ECONFLICT, "referral code %s belongs to another customer", key)
		}
		return err
	})
	if err != nil {
		return nil, q.wrap("referral code ensure", err)
	}
	return rc, nil
}

// ReferralCodeGet returns the referral code (any case).
func (q *Queries) ReferralCodeGet(ctx context.Context, code string) (*aftersale.ReferralCode, error) {
	key := codeKey(code)
	rc, err := q.scanReferralCode(q.row(ctx, `SELECT `+referralCodeColumns+` FROM referral_codes
		WHERE code = ?`, key))
	if q.noRows(err) {
		return nil, notFound("referral code", key)
	}
	return rc, q.wrap("referral code get", err)
}

// ReferralCodeOf returns the customer's referral code; ENOTFOUND if none.
func (q *Queries) ReferralCodeOf(ctx context.Context, customerID int64) (*aftersale.ReferralCode, error) {
	rc, err := q.scanReferralCode(q.row(ctx, `SELECT `+referralCodeColumns+` FROM referral_codes
		WHERE customer_id = ?`, customerID))
	if q.noRows(err) {
		return nil, notFound("referral code of customer", customerID)
	}
	return rc, q.wrap("referral code of", err)
}

// ReferralClick counts a follow of the code's link (any case); ENOTFOUND if
// there is no such code.
func (q *Queries) ReferralClick(ctx context.Context, code string) error {
	key := codeKey(code)
	n, err := q.exec(ctx, `UPDATE referral_codes SET clicks = clicks + 1 WHERE code = ?`, key)
	if err != nil {
		return q.wrap("referral click", err)
	}
	if n == 0 {
		return notFound("referral code", key)
	}
	return nil
}

const referralColumns = `id, referrer_id, customer_id, order_id, code, reward_coupon_id, created_at`

func (q *Queries) scanReferral(s Row) (*aftersale.Referral, error) {
	var r aftersale.Referral
	err := s.Scan(&r.ID, &r.ReferrerID, &r.CustomerID, &r.OrderID, &r.Code, optID(&r.RewardCouponID), q.ts(&r.CreatedAt))
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// ReferralRecord stores a credited purchase (its code upper-cased) unless
// its order is credited already, and returns the stored one and whether it
// was created (also when a concurrent call stored it, which the insert
// waits for).
func (q *Queries) ReferralRecord(ctx context.Context, r *aftersale.Referral) (*aftersale.Referral, bool, error) {
	switch {
	case r.ReferrerID == 0:
		return nil, false, aftersale.FieldError("referrer_id", "is required")
	case r.CustomerID == 0:
		return nil, false, aftersale.FieldError("customer_id", "is required")
	case r.OrderID == 0:
		return nil, false, aftersale.FieldError("order_id", "is required")
	}
	var ref *aftersale.Referral
	created := false
	err := q.atomic(ctx, false, func(q *Queries) error {
		var err error
		ref, err = q.scanReferral(q.row(ctx, `
			INSERT INTO referrals (referrer_id, customer_id, order_id, code, reward_coupon_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (order_id) DO NOTHING
			RETURNING `+referralColumns,
			r.ReferrerID, r.CustomerID, r.OrderID, codeKey(r.Code), nullID(r.RewardCouponID), q.t(r.CreatedAt)))
		if err == nil {
			created = true
			return nil
		}
		if !q.noRows(err) {
			return err
		}
		ref, err = q.scanReferral(q.row(ctx, `SELECT `+referralColumns+` FROM referrals WHERE order_id = ?`, r.OrderID))
		return err
	})
	if err != nil {
		return nil, false, q.wrap("referral record", err)
	}
	return ref, created, nil
}

// ReferralSetReward records the coupon given to the referrer for the
// referral (0 for none); ENOTFOUND when there is no such referral.
func (q *Queries) ReferralSetReward(ctx context.Context, id, couponID int64) error {
	n, err := q.exec(ctx, `UPDATE referrals SET reward_coupon_id = ? WHERE id = ?`, nullID(couponID), id)
	if err != nil {
		return q.wrap("referral set reward", err)
	}
	if n == 0 {
		return notFound("referral", id)
	}
	return nil
}

// ReferralList returns the referrals matching the filter, oldest first (by
// creation time, then ID).
func (q *Queries) ReferralList(ctx context.Context, f aftersale.ReferralFilter) ([]*aftersale.Referral, error) {
	var where []string
	var args []any
	if f.ReferrerID != 0 {
		where, args = append(where, "referrer_id = ?"), append(args, f.ReferrerID)
	}
	if !f.From.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, q.t(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "created_at < ?"), append(args, q.t(f.To))
	}
	query := `SELECT ` + referralColumns + ` FROM referrals`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY created_at, id`
	list, err := listRows(ctx, q, q.scanReferral, query, args...)
	return list, q.wrap("referral list", err)
}
