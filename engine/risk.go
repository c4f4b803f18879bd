package engine

import (
	"context"

	"github.com/aftersale/aftersale"
)

// Risk is the refund-risk score of one purchase and why.
type Risk struct {
	Score   int      `json:"score"`
	Signals []string `json:"signals"`
}

// RiskScorer scores the refund risk of a purchase for the customer view
// (Config.RefundRisk); package feedback has one.
type RiskScorer interface {
	// RefundRisk scores the purchase o of its buyer c.
	RefundRisk(ctx context.Context, o *aftersale.Order, c *aftersale.Customer) (Risk, error)
}

// refundRisk scores an order with Config.RefundRisk; without one, every
// purchase has no signals.
func (s *Service) refundRisk(ctx context.Context, o *aftersale.Order, c *aftersale.Customer) (Risk, error) {
	if s.cfg.RefundRisk == nil {
		return Risk{Signals: []string{}}, nil
	}
	return s.cfg.RefundRisk.RefundRisk(ctx, o, c)
}
