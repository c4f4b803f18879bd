package engine

// The hooks through which a feature beside the pipeline (package insiders)
// takes part in processing, sending and the customer view, beyond the
// step handlers: app wires them in Config.

import (
	"context"
	"time"

	"github.com/aftersale/aftersale"
)

// OrderHook is what a feature does with a new order (not a past one
// imported as history), in the transaction that records it, before its
// journeys start: the insiders redeem the code it names and credit a
// referral. An error rolls the event's processing back, to be retried.
type OrderHook interface {
	// OrderPlaced runs for the order of the order.placed event ev, its
	// buyer stored. now is when the event was received, realNow the time
	// of processing.
	OrderPlaced(ctx context.Context, tx aftersale.Tx, ev *aftersale.Event, order *aftersale.Order, buyer *aftersale.Customer, now, realNow time.Time) error
}

// StoryPicker chooses the client stories that the emails of steps with
// `story: true` tell. The story goes with the message: once recorded as
// sent, it counts as sent to the recipient (aftersale.Tx.StoryMarkSent).
type StoryPicker interface {
	// PickStories returns the story of the email about the order to each
	// customer of customerIDs, leaving out those without one. It must
	// choose the same again until the story is recorded as sent, so that
	// a retry of the step tells the same story.
	PickStories(ctx context.Context, order *aftersale.Order, customerIDs []int64) (map[int64]*aftersale.Story, error)
}

// ViewPart adds what a feature knows of a customer to their view
// (Service.Customer): the insiders give the codes, the referral link and
// their history.
type ViewPart interface {
	// AddToView fills its part of v for customer c, whose orders (as a
	// buyer or a user) are orders; the timeline is sorted afterwards.
	AddToView(ctx context.Context, c *aftersale.Customer, orders []*aftersale.Order, v *CustomerView) error
}

// CouponView is a code given to a customer, in the customer API.
type CouponView struct {
	Code        string     `json:"code"`
	Purpose     string     `json:"purpose"` // offer or referral_reward
	Pool        string     `json:"pool,omitempty"`
	PercentOff  int        `json:"percent_off,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	RedeemedAt  *time.Time `json:"redeemed_at,omitempty"`
	RedeemedBy  string     `json:"redeemed_by,omitempty"` // the order that redeemed it
	Redemptions int        `json:"redemptions"`
}

// ReferralView is a customer's referral link, in the customer API.
type ReferralView struct {
	Code     string `json:"code"`
	URL      string `json:"url"`
	Clicks   int    `json:"clicks"`
	Referred int    `json:"referred"` // purchases credited to it
}

// insiders adds the features' parts to the customer's view
// (Config.ViewParts): the insiders' codes, referral link and their
// history.
func (s *Service) insiders(ctx context.Context, c *aftersale.Customer, orders []*aftersale.Order, v *CustomerView) error {
	for _, part := range s.cfg.ViewParts {
		if err := part.AddToView(ctx, c, orders, v); err != nil {
			return err
		}
	}
	return nil
}
