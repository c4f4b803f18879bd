package engine

import (
	"context"
	"strconv"
	"time"

	"github.com/aftersale/aftersale"
)

// What the links in customers' emails change (unsubscribe, preferences,
// "who will be using this?", the open pixel), and the engine's parts of a
// customer's view: package web builds the view of the customer API and the
// admin pages (web.CustomerView) from the store and from these, which need
// the engine's internals or its features.

// SetUnsubscribed records a one-click unsubscribe (or a resubscribe from the
// preferences page) for the customer a signed link names, and returns them.
func (s *Service) SetUnsubscribed(ctx context.Context, token string, unsubscribed bool) (*aftersale.Customer, error) {
	c, err := s.Preferences(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := s.cfg.Store.CustomerSetUnsubscribed(ctx, c.Email, unsubscribed, s.cfg.Clock.RealNow()); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "subscription changed", "customer_id", c.ID, "unsubscribed", unsubscribed)
	c.Unsubscribed = unsubscribed
	return c, nil
}

// Preferences returns the customer a preferences link is for.
func (s *Service) Preferences(ctx context.Context, token string) (*aftersale.Customer, error) {
	sub, err := s.cfg.Links.Verify(aftersale.LinkUnsubscribe, token)
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(sub, 10, 64)
	if err != nil {
		return nil, aftersale.Errorf(aftersale.EUNAUTHORIZED, "this link is not valid")
	}
	return s.cfg.Store.CustomerGet(ctx, id)
}

// WhoUsesOrder returns the order a "who will be using this?" link is for.
func (s *Service) WhoUsesOrder(ctx context.Context, token string) (*aftersale.Order, error) {
	ref, err := s.cfg.Links.Verify(aftersale.LinkWhoUses, token)
	if err != nil {
		return nil, err
	}
	return s.cfg.Store.OrderGetByExternalID(ctx, ref)
}

// SetOrderUser names the person who uses the order a signed link is for;
// the order's later follow-ups go to them as well as to the buyer.
func (s *Service) SetOrderUser(ctx context.Context, token string, c *aftersale.Contact) error {
	c.MarketingConsent = nil
	if err := c.Validate("user"); err != nil {
		return err
	}
	o, err := s.WhoUsesOrder(ctx, token)
	if err != nil {
		return err
	}
	return s.cfg.Store.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		buyer, err := tx.CustomerGet(ctx, o.CustomerID)
		if err != nil {
			return err
		}
		if buyer.Email == c.Email {
			return tx.OrderSetUser(ctx, o.ID, 0)
		}
		u, err := tx.CustomerUpsert(ctx, c, s.cfg.Clock.RealNow())
		if err != nil {
			return err
		}
		return tx.OrderSetUser(ctx, o.ID, u.ID)
	})
}

// RecordOpen records that the email whose open pixel has the token was
// opened (the first open is kept). A token that is not valid, has expired
// or names a message that is not stored is ignored: the pixel is answered
// all the same, so it returns nil for those.
func (s *Service) RecordOpen(ctx context.Context, token string) error {
	messageID, err := s.cfg.Links.Verify(aftersale.LinkOpen, token)
	if err != nil {
		return nil
	}
	_, err = s.cfg.Store.MessageMarkOpened(ctx, messageID, s.cfg.Clock.RealNow())
	if aftersale.IsNotFound(err) {
		return nil
	}
	return err
}

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

// stage is the customer's lifecycle stage (aftersale.CustomerStage).
func stage(orders []*aftersale.Order, tasks []*aftersale.Task, answers []*aftersale.SurveyAnswer, customerID int64) string {
	return aftersale.CustomerStage(orders, tasks, answers, customerID)
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
	return stepsWithPlans(ctx, s.cfg.Store, customerID)
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
