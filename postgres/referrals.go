package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

const referralCodeColumns = `customer_id, code, clicks, created_at`

func scanReferralCode(s scanner) (*aftersale.ReferralCode, error) {
	var rc aftersale.ReferralCode
	if err := s.Scan(&rc.CustomerID, &rc.Code, &rc.Clicks, ts(&rc.CreatedAt)); err != nil {
		return nil, err
	}
	return &rc, nil
}

// ReferralCodeEnsure gives the customer the code (upper-cased) unless they
// have one already, and returns the customer's code (also when a concurrent
// call gave it, which the insert waits for); ECONFLICT when another
// customer has the code.
func (q *queries) ReferralCodeEnsure(ctx context.Context, customerID int64, code string, at time.Time) (*aftersale.ReferralCode, error) {
	key := codeKey(code)
	switch {
	case customerID == 0:
		return nil, aftersale.FieldError("customer_id", "is required")
	case key == "":
		return nil, aftersale.FieldError("code", "is required")
	}
	var rc *aftersale.ReferralCode
	err := q.atomic(ctx, func(q *queries) error {
		var err error
		rc, err = scanReferralCode(q.q.QueryRow(ctx, `
			INSERT INTO referral_codes (customer_id, code, created_at) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING
			RETURNING `+referralCodeColumns,
			customerID, key, at))
		if !noRows(err) {
			return err
		}
		rc, err = scanReferralCode(q.q.QueryRow(ctx, `SELECT `+referralCodeColumns+` FROM referral_codes
			WHERE customer_id = $1`, customerID))
		if noRows(err) {
			return aftersale.Errorf(aftersale.ECONFLICT, "referral code %s belongs to another customer", key)
		}
		return err
	})
	if err != nil {
		return nil, wrap("referral code ensure", err)
	}
	return rc, nil
}

// ReferralCodeGet returns the referral code (any case).
func (q *queries) ReferralCodeGet(ctx context.Context, code string) (*aftersale.ReferralCode, error) {
	key := codeKey(code)
	rc, err := scanReferralCode(q.q.QueryRow(ctx, `SELECT `+referralCodeColumns+` FROM referral_codes
		WHERE code = $1`, key))
	if noRows(err) {
		return nil, notFound("referral code", key)
	}
	return rc, wrap("referral code get", err)
}

// ReferralCodeOf returns the customer's referral code; ENOTFOUND if none.
func (q *queries) ReferralCodeOf(ctx context.Context, customerID int64) (*aftersale.ReferralCode, error) {
	rc, err := scanReferralCode(q.q.QueryRow(ctx, `SELECT `+referralCodeColumns+` FROM referral_codes
		WHERE customer_id = $1`, customerID))
	if noRows(err) {
		return nil, notFound("referral code of customer", customerID)
	}
	return rc, wrap("referral code of", err)
}

// ReferralClick counts a follow of the code's link (any case); ENOTFOUND if
// there is no such code.
func (q *queries) ReferralClick(ctx context.Context, code string) error {
	key := codeKey(code)
	n, err := affected(q.q.Exec(ctx, `UPDATE referral_codes SET clicks = clicks + 1 WHERE code = $1`, key))
	if err != nil {
		return wrap("referral click", err)
	}
	if n == 0 {
		return notFound("referral code", key)
	}
	return nil
}

const referralColumns = `id, referrer_id, customer_id, order_id, code, reward_coupon_id, created_at`

func scanReferral(s scanner) (*aftersale.Referral, error) {
	var r aftersale.Referral
	err := s.Scan(&r.ID, &r.ReferrerID, &r.CustomerID, &r.OrderID, &r.Code, optID(&r.RewardCouponID), ts(&r.CreatedAt))
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// ReferralRecord stores a credited purchase (its code upper-cased) unless
// its order is credited already, and returns the stored one and whether it
// was created (also when a concurrent call stored it, which the insert
// waits for).
func (q *queries) ReferralRecord(ctx context.Context, r *aftersale.Referral) (*aftersale.Referral, bool, error) {
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
	err := q.atomic(ctx, func(q *queries) error {
		var err error
		ref, err = scanReferral(q.q.QueryRow(ctx, `
			INSERT INTO referrals (referrer_id, customer_id, order_id, code, reward_coupon_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (order_id) DO NOTHING
			RETURNING `+referralColumns,
			r.ReferrerID, r.CustomerID, r.OrderID, codeKey(r.Code), nullID(r.RewardCouponID), r.CreatedAt))
		if err == nil {
			created = true
			return nil
		}
		if !noRows(err) {
			return err
		}
		ref, err = scanReferral(q.q.QueryRow(ctx, `SELECT `+referralColumns+` FROM referrals WHERE order_id = $1`, r.OrderID))
		return err
	})
	if err != nil {
		return nil, false, wrap("referral record", err)
	}
	return ref, created, nil
}

// ReferralSetReward records the coupon given to the referrer for the
// referral (0 for none); ENOTFOUND when there is no such referral.
func (q *queries) ReferralSetReward(ctx context.Context, id, couponID int64) error {
	n, err := affected(q.q.Exec(ctx, `UPDATE referrals SET reward_coupon_id = $1 WHERE id = $2`, nullID(couponID), id))
	if err != nil {
		return wrap("referral set reward", err)
	}
	if n == 0 {
		return notFound("referral", id)
	}
	return nil
}

// ReferralList returns the referrals matching the filter, oldest first (by
// creation time, then ID).
func (q *queries) ReferralList(ctx context.Context, f aftersale.ReferralFilter) ([]*aftersale.Referral, error) {
	var where []string
	var args []any
	if f.ReferrerID != 0 {
		args = append(args, f.ReferrerID)
		where = append(where, fmt.Sprintf("referrer_id = $%d", len(args)))
	}
	if !f.From.IsZero() {
		args = append(args, f.From)
		where = append(where, fmt.Sprintf("created_at >= $%d", len(args)))
	}
	if !f.To.IsZero() {
		args = append(args, f.To)
		where = append(where, fmt.Sprintf("created_at < $%d", len(args)))
	}
	query := `SELECT ` + referralColumns + ` FROM referrals`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY created_at, id`
	list, err := listRows(ctx, q.q, scanReferral, query, args...)
	return list, wrap("referral list", err)
}
