package engine

import (
	"context"
	"time"

	"github.com/aftersale/aftersale"
)

// The engine's parts of a customer's view: package web builds the view of
// the customer API and the admin pages (web.CustomerView) from the store
// and from these, which need the engine's internals or its features. What
// the links in customers' emails change is package contact.

// CustomerView is what the features beside the pipeline add to a
// customer's view (Config.ViewParts, CustomerViewParts): package insiders
// gives the codes, the referral link and their history. Package web puts
// them in its view of the customer.
type CustomerView struct {
	Coupons  []CouponView  // codes given to the customer (offers, referral rewards)
	Referral *ReferralView // their referral link, when they have one
	Timeline []TimelineItem
}

// TimelineItem is one entry of a customer's history or plan.
type TimelineItem struct {
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"` // event, email, task, step, answer, return, coupon, referral
	Status  string    `json:"status,omitempty"`
	Summary string    `json:"summary"`
	Ref     string    `json:"ref,omitempty"`
	// OpenedAt is when an email's open pixel was first fetched (a weak
	// signal: some mail clients fetch images on delivery).
	OpenedAt *time.Time `json:"opened_at,omitempty"`
}

// timePtr is t, or nil for the zero time.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// RefundRisk returns the refund-risk score of the order c bought and why
// (see CheckRefundRisk), as of now.
func (s *Service) RefundRisk(ctx context.Context, o *aftersale.Order, c *aftersale.Customer) (Risk, error) {
	return s.refundRisk(ctx, o, c)
}

// PlannedSteps returns everything planned for the customer: the step rows
// and, as pending steps without an ID, the steps still waiting in plans,
// by due time.
func (s *Service) PlannedSteps(ctx context.Context, customerID int64) ([]*aftersale.Step, error) {
	return aftersale.StepsWithPlans(ctx, s.cfg.Store, customerID)
}

// CustomerViewParts returns what the features beside the pipeline know of
// the customer c (Config.ViewParts; package insiders: the codes given,
// the referral link and their history as timeline entries), for package
// web to add to the customer's view. orders are the customer's (as a buyer
// or a user), as the store lists them; the timeline is not sorted.
func (s *Service) CustomerViewParts(ctx context.Context, c *aftersale.Customer, orders []*aftersale.Order) (*CustomerView, error) {
	v := &CustomerView{}
	for _, part := range s.cfg.ViewParts {
		if err := part.AddToView(ctx, c, orders, v); err != nil {
			return nil, err
		}
	}
	return v, nil
}
