package contact

import (
	"context"
	"strconv"

	"github.com/aftersale/aftersale"
)

// What the links in customers' emails change: the unsubscribe and the
// preferences page, "who will be using this?" and the open pixel.

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
	return s.cfg.Store.Update(ctx, func(ctx context.Context, atx aftersale.Tx) error {
		return setOrderUser(ctx, atx, o, c, s.cfg.Clock)
	})
}

// setOrderUser names c the user of o in tx: the buyer naming themselves
// clears the user.
func setOrderUser(ctx context.Context, tx Tx, o *aftersale.Order, c *aftersale.Contact, clock *aftersale.Clock) error {
	buyer, err := tx.CustomerGet(ctx, o.CustomerID)
	if err != nil {
		return err
	}
	if buyer.Email == c.Email {
		return tx.OrderSetUser(ctx, o.ID, 0)
	}
	u, err := tx.CustomerUpsert(ctx, c, clock.RealNow())
	if err != nil {
		return err
	}
	return tx.OrderSetUser(ctx, o.ID, u.ID)
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
