package aftersale

import "time"

// Refunds as amounts. Every refund, whatever reports it (a shop's
// webhook, the event API, the returns portal), goes through one rule:
// what it paid back is added to what the order had refunded (or replaces
// it, for a shop that reports the total so far), and the order counts as
// refunded only once that covers the whole order. A partial refund keeps
// the journey going and fires refund.partial: the care it gets is a
// human's question, never a goodbye.

// MergeRefund adds the refund r to what order o had refunded and reports
// whether the order is now fully refunded: the shop says so, every unit of
// every item is refunded, or the money refunded reaches the order's total.
// A nil r, or one that names neither money nor items, refunds the whole
// order.
func (o *Order) MergeRefund(r *RefundFacts, at time.Time) (Refunded, bool) {
	prev := o.Refunded
	out := Refunded{At: at}
	if r == nil || r.Amount == "" && len(r.Items) == 0 {
		out.Amount, out.Shipping = prev.Amount, prev.Shipping
		if CompareMoney(o.Total, out.Amount) > 0 {
			out.Amount = o.Total
		}
		for _, it := range o.Items {
			out.Items = append(out.Items, RefundItem{SKU: it.SKU, Name: it.Name, Quantity: max(it.Quantity, 1)})
		}
		return out, true
	}

	// Items, keyed by SKU (else name), in the order first refunded.
	out.Items = append([]RefundItem(nil), prev.Items...)
	amount := r.Amount
	estimated := amount == ""
	for _, it := range r.Items {
		if it.Name == "" {
			it.Name = o.itemName(it.SKU)
		}
		if estimated {
			amount = AddMoney(amount, o.itemRefundAmount(it))
		}
		i := refundIndex(out.Items, it)
		if i < 0 {
			out.Items = append(out.Items, it)
			continue
		}
		cur := &out.Items[i]
		if r.Cumulative {
			cur.Quantity = max(cur.Quantity, it.Quantity)
			if CompareMoney(it.Amount, cur.Amount) > 0 {
				cur.Amount = it.Amount
			}
		} else {
			cur.Quantity += it.Quantity
			cur.Amount = AddMoney(cur.Amount, it.Amount)
		}
	}
	if estimated && r.Shipping != "" {
		amount = AddMoney(amount, r.Shipping)
	}
	if r.Cumulative {
		out.Amount, out.Shipping = maxMoney(prev.Amount, amount), maxMoney(prev.Shipping, r.Shipping)
	} else {
		out.Amount, out.Shipping = AddMoney(prev.Amount, amount), AddMoney(prev.Shipping, r.Shipping)
	}
	full := r.Full || o.CoveredBy(out.Items) ||
		CompareMoney(o.Total, "0") > 0 && CompareMoney(out.Amount, o.Total) >= 0
	return out, full
}

// CoveredBy reports whether the items name every unit of every item of
// the order (an order without items is never covered by items).
func (o *Order) CoveredBy(items []RefundItem) bool {
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

func refundIndex(items []RefundItem, it RefundItem) int {
	for i, x := range items {
		if SameItem(x.SKU, x.Name, it.SKU, it.Name) {
			return i
		}
	}
	return -1
}

// itemName is the order's name of the item with the SKU, or "".
func (o *Order) itemName(sku string) string {
	for _, it := range o.Items {
		if SameItem(it.SKU, "", sku, "") {
			return it.Name
		}
	}
	return ""
}

// itemRefundAmount is the money a refunded line paid back: its own amount,
// else the order's unit price times the quantity.
func (o *Order) itemRefundAmount(it RefundItem) string {
	if it.Amount != "" {
		return it.Amount
	}
	for _, x := range o.Items {
		if SameItem(x.SKU, x.Name, it.SKU, it.Name) && x.Price != "" {
			return MultiplyMoney(x.Price, max(it.Quantity, 1))
		}
	}
	return ""
}

func maxMoney(a, b string) string {
	if CompareMoney(b, a) > 0 {
		return b
	}
	return a
}
