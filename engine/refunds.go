package engine

import (
	"context"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/journey"
)

// refund applies an order.refunded event: it records what was refunded
// and, once the order is fully refunded, stops the selling steps and
// starts the refund care; a partial refund keeps them going and fires
// refund.partial, once per order.
func (p *planner) refund(ctx context.Context) ([]*aftersale.Step, error) {
	r, full := p.order.MergeRefund(p.event.Refund, p.now)
	if err := p.tx.OrderSetRefunded(ctx, p.order.ID, r); err != nil {
		return nil, err
	}
	p.order.Refunded = r
	if !full {
		p.svc.log.InfoContext(ctx, "partial refund", "order_id", p.order.ID, "event_id", p.event.ID)
		// One care per order: a later partial refund plans the same steps
		// (the same key), so they are not asked twice.
		steps, err := p.anchor(ctx, journey.AnchorPartialRefund, "", p.now)
		if err != nil {
			return nil, err
		}
		more, err := p.trigger(ctx, journey.AnchorPartialRefund, p.now)
		return append(steps, more...), err
	}
	if err := p.tx.OrderSetStatus(ctx, p.order.ID, aftersale.OrderRefunded, p.now); err != nil {
		return nil, err
	}
	p.order.Status = aftersale.OrderRefunded
	if err := p.exit(ctx, journey.TriggerRefund); err != nil {
		return nil, err
	}
	return p.trigger(ctx, journey.TriggerRefund, p.now)
}

// historyRefund records the refund of a past (imported) order: its
// amounts, and its status once fully refunded; no journey.
func historyRefund(ctx context.Context, tx aftersale.Tx, o *aftersale.Order, ev *aftersale.Event) error {
	at := ev.OccurredAt.UTC()
	r, full := o.MergeRefund(ev.Refund, at)
	if err := tx.OrderSetRefunded(ctx, o.ID, r); err != nil {
		return err
	}
	if !full {
		return nil
	}
	return tx.OrderSetStatus(ctx, o.ID, aftersale.OrderRefunded, at)
}
