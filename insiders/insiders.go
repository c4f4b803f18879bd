// Package insiders is the insiders programme: offer steps that give each
// recipient a unique, single-use coupon code (generated, or taken from a
// pool of codes imported from the shop) and their own referral link;
// referrals credited when an order names a customer's code; the library of
// client stories that emails with `story: true` tell; the next product
// proposed when a customer is ready; and the report of how it all did.
//
// It stands beside the pipeline (package engine), which does not import
// it: app registers HandleOffer as the handler of offer steps
// (engine.Config.StepHandlers) and hands the Service to the engine as its
// OrderPlaced hook, its StoryPicker and one of its customer ViewParts.
package insiders

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/journey"
)

// Store is what the insiders need of aftersale.Store: coupons, referral
// codes and referrals, the stories, and the customers and orders they
// name. Every aftersale.Store is one.
type Store interface {
	CouponIssue(ctx context.Context, c *aftersale.Coupon) (coupon *aftersale.Coupon, created bool, err error)
	CouponImport(ctx context.Context, pool string, codes []string, percentOff int, expiresAt, at time.Time) (added int, err error)
	CouponTakeFromPool(ctx context.Context, pool string, c *aftersale.Coupon) (*aftersale.Coupon, error)
	CouponPoolAvailable(ctx context.Context, pool string) (int, error)
	CouponGetByCode(ctx context.Context, code string) (*aftersale.Coupon, error)
	CouponList(ctx context.Context, f aftersale.CouponFilter) ([]*aftersale.Coupon, error)
	ReferralCodeEnsure(ctx context.Context, customerID int64, code string, at time.Time) (*aftersale.ReferralCode, error)
	ReferralCodeGet(ctx context.Context, code string) (*aftersale.ReferralCode, error)
	ReferralCodeOf(ctx context.Context, customerID int64) (*aftersale.ReferralCode, error)
	ReferralClick(ctx context.Context, code string) error
	ReferralList(ctx context.Context, f aftersale.ReferralFilter) ([]*aftersale.Referral, error)
	StorySave(ctx context.Context, s *aftersale.Story) (*aftersale.Story, error)
	StoryGet(ctx context.Context, id int64) (*aftersale.Story, error)
	StoryList(ctx context.Context) ([]*aftersale.Story, error)
	StoryDelete(ctx context.Context, id int64) error
	StorySentTo(ctx context.Context, customerID int64) ([]int64, error)
	CustomerGet(ctx context.Context, id int64) (*aftersale.Customer, error)
	CustomerGetByEmail(ctx context.Context, email string) (*aftersale.Customer, error)
	OrderGet(ctx context.Context, id int64) (*aftersale.Order, error)
}

// Tx is what OrderPlaced does in the transaction that records a new
// order: redeem its code, credit a referral and reward the referrer.
// aftersale.Tx has it all.
type Tx interface {
	CouponRedeem(ctx context.Context, code string, orderID int64, at time.Time) (c *aftersale.Coupon, first bool, err error)
	CouponIssue(ctx context.Context, c *aftersale.Coupon) (coupon *aftersale.Coupon, created bool, err error)
	ReferralCodeGet(ctx context.Context, code string) (*aftersale.ReferralCode, error)
	ReferralRecord(ctx context.Context, r *aftersale.Referral) (ref *aftersale.Referral, created bool, err error)
	ReferralSetReward(ctx context.Context, id, couponID int64) error
	CustomerGet(ctx context.Context, id int64) (*aftersale.Customer, error)
}

var (
	_ Store = aftersale.Store(nil)
	_ Tx    = aftersale.Tx(nil)

	// What the engine asks of the insiders.
	_ engine.OrderHook   = (*Service)(nil)
	_ engine.StoryPicker = (*Service)(nil)
	_ engine.ViewPart    = (*Service)(nil)
	_ engine.StepHandler = (*Service)(nil).HandleOffer
)

// Config is what a Service needs; Store is required.
type Config struct {
	Store Store
	// Clock gives the time of codes, referrals and stories; nil means the
	// real time.
	Clock *aftersale.Clock
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// BaseURL is the public URL of this install: referral links are
	// BaseURL/r/CODE.
	BaseURL string
	// ShopURL is the shop's front page, where offers and referral links
	// lead; "" leaves offers without a link to the shop, and referral
	// links lead to BaseURL.
	ShopURL string
	// DefaultTimezone shows the dates of codes to customers without a
	// time zone of their own; "" means UTC.
	DefaultTimezone string
	// ReferralRewardPercent is the discount of the code a referrer gets
	// when a referral buys (0: no reward), valid ReferralRewardDays (0:
	// DefaultReferralRewardDays).
	ReferralRewardPercent int
	ReferralRewardDays    int
	// NextLevel proposes the next product for a purchase (first match).
	NextLevel []aftersale.NextLevelRule
	// Journeys, when set, have the parameters of their offer steps checked
	// by New (see CheckOffers), so that a typo stops the start.
	Journeys *journey.Set
}

// Service runs the insiders programme.
type Service struct {
	cfg Config
	log *slog.Logger
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, fmt.Errorf("insiders: Store is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = &aftersale.Clock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Journeys != nil {
		if err := CheckOffers(cfg.Journeys); err != nil {
			return nil, err
		}
	}
	if cfg.ReferralRewardDays <= 0 {
		cfg.ReferralRewardDays = DefaultReferralRewardDays
	}
	return &Service{cfg: cfg, log: cfg.Logger}, nil
}

// location is the time zone to show c dates in: theirs, the buyer's, or
// the default.
func (s *Service) location(c, buyer *aftersale.Customer) *time.Location {
	for _, tz := range []string{c.Timezone, buyer.Timezone, s.cfg.DefaultTimezone} {
		if tz == "" {
			continue
		}
		if l, err := aftersale.LoadLocation(tz); err == nil {
			return l
		}
	}
	return time.UTC
}

// lastMoment is the last second of t's day in loc: a code valid until a
// day works all of that day where the customer lives.
func lastMoment(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 23, 59, 59, 0, loc).UTC()
}
