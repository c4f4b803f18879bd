package contact

import (
	"context"
	"strconv"

	"github.com/aftersale/aftersale"
)

// The double opt-in of marketing consent: the engine puts the signed link
// (engine.Service.OptInURL) in the email that asks; the page it opens
// shows the customer and a button, whose POST confirms.

// OptInCustomer returns the customer an opt-in link is for. A bad or
// expired link is an EUNAUTHORIZED error; the link of an erased customer
// is no longer valid.
func (s *Service) OptInCustomer(ctx context.Context, token string) (*aftersale.Customer, error) {
	sub, err := s.cfg.Links.Verify(aftersale.LinkOptIn, token)
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(sub, 10, 64)
	if err != nil {
		return nil, aftersale.Errorf(aftersale.EUNAUTHORIZED, "this link is not valid")
	}
	c, err := s.cfg.Store.CustomerGet(ctx, id)
	if aftersale.IsNotFound(err) || err == nil && c.Erased() {
		return nil, aftersale.Errorf(aftersale.EUNAUTHORIZED, "this link is no longer valid")
	}
	return c, err
}

// ConfirmOptIn records the marketing consent of the customer an opt-in
// link is for: the second step of the double opt-in, taken by pressing the
// page's button (a POST, so that a mail scanner following the link opts
// nobody in). It is an explicit request for our updates, so it lifts an
// earlier unsubscribe too. A spam complaint or a bounce still stops the
// mail (the engine's suppression at send time).
func (s *Service) ConfirmOptIn(ctx context.Context, token string) (*aftersale.Customer, error) {
	c, err := s.OptInCustomer(ctx, token)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Clock.RealNow()
	if !c.MarketingConsent {
		if err := s.cfg.Store.CustomerSetConsent(ctx, c.ID, true, now); err != nil {
			return nil, err
		}
		c.MarketingConsent = true
	}
	if c.Unsubscribed {
		if err := s.cfg.Store.CustomerSetUnsubscribed(ctx, c.Email, false, now); err != nil {
			return nil, err
		}
		c.Unsubscribed = false
	}
	s.log.InfoContext(ctx, "marketing consent confirmed", "customer_id", c.ID)
	return c, nil
}
