package engine

import (
	"context"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/journey"
)

// Refunds as amounts. Every refund, whatever reports it (a shop's
// webhook, the event API, the returns portal), goes through one rule:
// what it paid back is added to what the order had refunded (or replaces
// it, for a shop that reports the total so far), and the order counts as
// refunded only once that covers the whole order. A partial refund keeps
// the journey going and fires refund.partial: the care it gets is a
// human's question, never a goodbye.

// mergeRefund adds the refund r to what order o had refunded and reports
// whether the order is now fully refunded: the shop says so, every unit of
// every item is refunded, or the money refunded reaches the order's total.
// A nil r, or one that names neither money nor items, refunds the whole
// order.
func mergeRefund(o *aftersale.Order, r *aftersale.RefundFacts, at time.Time) (aftersale.Refunded, bool) {
	prev := o.Refunded
	out := aftersale.Refunded{At: at}
	if r == nil || r.Amount == "" && len(r.Items) == 0 {
		out.Amount, out.Shipping = prev.Amount, prev.Shipping
		if aftersale.CompareMoney(o.Total, out.Amount) > 0 {
			out.Amount = o.Total
		}
		for _, it := range o.Items {
			out.Items = append(out.Items, aftersale.RefundItem{SKU: it.SKU, Name: it.Name, Quantity: max(it.Quantity, 1)})
		}
		return out, true
	}

	// Items, keyed by SKU (else name), in the order first refunded.
	out.Items = append([]aftersale.RefundItem(nil), prev.Items...)
	amount := r.Amount
	estimated := amount == ""
	for _, it := range r.Items {
		if it.Name == "" {
			it.Name = itemName(o, it.SKU)
		}
		if estimated {
			amount = aftersale.AddMoney(amount, itemRefundAmount(o, it))
		}
		i := refundIndex(out.Items, it)
		if i < 0 {
			out.Items = append(out.Items, it)
			continue
		}
		cur := &out.Items[i]
		if r.Cumulative {
			cur.Quantity = max(cur.Quantity, it.Quantity)
			if aftersale.CompareMoney(it.Amount, cur.Amount) > 0 {
				cur.Amount = it.Amount
			}
		} else {
			cur.Quantity += it.Quantity
			cur.Amount = aftersale.AddMoney(cur.Amount, it.Amount)
		}
	}
	if estimated && r.Shipping != "" {
		amount = aftersale.AddMoney(amount, r.Shipping)
	}
	if r.Cumulative {
		out.Amount, out.Shipping = maxMoney(prev.Amount, amount), maxMoney(prev.Shipping, r.Shipping)
	} else {
		out.Amount, out.Shipping = aftersale.AddMoney(prev.Amount, amount), aftersale.AddMoney(prev.Shipping, r.Shipping)
	}
	full := r.Full || coversOrder(o, out.Items) ||
		aftersale.CompareMoney(o.Total, "0") > 0 && aftersale.CompareMoney(out.Amount, o.Total) >= 0
	return out, full
}

// coversOrder reports whether the items name every unit of every item of
// the order (an order without items is never covered by items).
func coversOrder(o *aftersale.Order, items []aftersale.RefundItem) bool {
	if len(o.Items) == 0 {
		return false
	}
	for i, n := range o.RefundedUnits(items) {
		if n < max(o.Items[i].Quantity, 1) {
			return false
		}
	}
	return true
}

func refundIndex(items []aftersale.RefundItem, it aftersale.RefundItem) int {
	for i, x := range items {
		if aftersale.SameItem(x.SKU, x.Name, it.SKU, it.Name) {
			return i
		}
	}
	return -1
}

// itemName is the order's name of the item with the SKU, or "".
func itemName(o *aftersale.Order, sku string) string {
	for _, it := range o.Items {
		if aftersale.SameItem(it.SKU, "", sku, "") {
			return it.Name
		}
	}
	return ""
}

// itemRefundAmount is the money a refunded line paid back: its own amount,
// else the order's unit price times the quantity.
func itemRefundAmount(o *aftersale.Order, it aftersale.RefundItem) string {
	if it.Amount != "" {
		return it.Amount
	}
	for _, x := range o.Items {
		if aftersale.SameItem(x.SKU, x.Name, it.SKU, it.Name) && x.Price != "" {
			return aftersale.MultiplyMoney(x.Price, max(it.Quantity, 1))
		}
	}
	return ""
}

func maxMoney(a, b string) string {
	if aftersale.CompareMoney(b, a) > 0 {
		return b
	}
	return a
}

// refund applies an order.refunded event: it records what was refunded
// and, once the order is fully refunded, stops the selling steps and
// starts the refund care; a partial refund keeps them going and fires
// refund.partial, once per order.
func (p *planner) refund(ctx context.Context) ([]*aftersale.Step, error) {
	r, full := mergeRefund(p.order, p.event.Refund, p.now)
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
	r, full := mergeRefund(o, ev.Refund, at)
	if err := tx.OrderSetRefunded(ctx, o.ID, r); err != nil {
		return err
	}
	if !full {
		return nil
	}
	return tx.OrderSetStatus(ctx, o.ID, aftersale.OrderRefunded, at)
}
