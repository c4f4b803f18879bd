package postgres

// Stubs, replaced by the implementation of the insiders store methods.

import (
	"context"
	"time"

	"github.com/aftersale/aftersale"
)

var _ = time.Time{}

func (q *queries) CouponIssue(ctx context.Context, c *aftersale.Coupon) (coupon *aftersale.Coupon, created bool, err error) {
	return nil, false, errNotYet("CouponIssue")
}

func (q *queries) CouponImport(ctx context.Context, pool string, codes []string, percentOff int, expiresAt, at time.Time) (added int, err error) {
	return 0, errNotYet("CouponImport")
}

func (q *queries) CouponTakeFromPool(ctx context.Context, pool string, c *aftersale.Coupon) (*aftersale.Coupon, error) {
	return nil, errNotYet("CouponTakeFromPool")
}

func (q *queries) CouponPoolAvailable(ctx context.Context, pool string) (int, error) {
	return 0, errNotYet("CouponPoolAvailable")
}

func (q *queries) CouponGetByCode(ctx context.Context, code string) (*aftersale.Coupon, error) {
	return nil, errNotYet("CouponGetByCode")
}

func (q *queries) CouponRedeem(ctx context.Context, code string, orderID int64, at time.Time) (c *aftersale.Coupon, first bool, err error) {
	return nil, false, errNotYet("CouponRedeem")
}

func (q *queries) CouponList(ctx context.Context, f aftersale.CouponFilter) ([]*aftersale.Coupon, error) {
	return nil, errNotYet("CouponList")
}

func (q *queries) ReferralCodeEnsure(ctx context.Context, customerID int64, code string, at time.Time) (*aftersale.ReferralCode, error) {
	return nil, errNotYet("ReferralCodeEnsure")
}

func (q *queries) ReferralCodeGet(ctx context.Context, code string) (*aftersale.ReferralCode, error) {
	return nil, errNotYet("ReferralCodeGet")
}

func (q *queries) ReferralCodeOf(ctx context.Context, customerID int64) (*aftersale.ReferralCode, error) {
	return nil, errNotYet("ReferralCodeOf")
}

func (q *queries) ReferralClick(ctx context.Context, code string) error {
	return errNotYet("ReferralClick")
}

func (q *queries) ReferralRecord(ctx context.Context, r *aftersale.Referral) (ref *aftersale.Referral, created bool, err error) {
	return nil, false, errNotYet("ReferralRecord")
}

func (q *queries) ReferralSetReward(ctx context.Context, id, couponID int64) error {
	return errNotYet("ReferralSetReward")
}

func (q *queries) ReferralList(ctx context.Context, f aftersale.ReferralFilter) ([]*aftersale.Referral, error) {
	return nil, errNotYet("ReferralList")
}

func (q *queries) StorySave(ctx context.Context, s *aftersale.Story) (*aftersale.Story, error) {
	return nil, errNotYet("StorySave")
}

func (q *queries) StoryGet(ctx context.Context, id int64) (*aftersale.Story, error) {
	return nil, errNotYet("StoryGet")
}

func (q *queries) StoryList(ctx context.Context) ([]*aftersale.Story, error) {
	return nil, errNotYet("StoryList")
}

func (q *queries) StoryDelete(ctx context.Context, id int64) error {
	return errNotYet("StoryDelete")
}

func (q *queries) StoryMarkSent(ctx context.Context, customerID, storyID int64, at time.Time) error {
	return errNotYet("StoryMarkSent")
}

func (q *queries) StorySentTo(ctx context.Context, customerID int64) ([]int64, error) {
	return nil, errNotYet("StorySentTo")
}
