package shopify

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aftersale/aftersale"
)

// refund maps refunds/create: what this one refund paid back. Shopify sends
// one webhook per refund, so the refund part is never cumulative.
//
//	refund_line_items     → Items: line_item.sku (else its name or title),
//	                        quantity, subtotal as the amount
//	transactions          → Amount: the refund transactions that succeeded
//	                        (or are pending: Shopify sends no second webhook
//	                        when they settle); failed ones paid nothing back
//	  (no transactions key) Amount: the lines' subtotal and tax, plus shipping
//	refund_shipping_lines → Shipping (its shop_money), else the
//	order_adjustments       adjustments of kind shipping_refund
//	note                  → Reason
//
// A refund that names no items and pays nothing back (a restock alone, a
// zero adjustment) is ignored with a reason: it must not read as a refund
// of the whole order.
func (d *Decoder) refund(ev *aftersale.Event, body []byte) (string, error) {
	var r refund
	if err := decode(body, &r); err != nil {
		return "", err
	}
	if r.OrderID == "" {
		return "", aftersale.FieldError("order_id", "is required")
	}
	at, err := d.when("created_at", r.CreatedAt, "processed_at", r.ProcessedAt)
	if err != nil {
		return "", err
	}
	facts := &aftersale.RefundFacts{ID: strings.TrimSpace(string(r.ID)), Reason: clip(strings.TrimSpace(string(r.Note)), 500)}

	var linesMoney string // subtotal and tax of the refunded lines
	for i, l := range r.Lines {
		if l.Quantity == 0 {
			continue // a line Shopify lists with nothing refunded
		}
		f := fmt.Sprintf("refund_line_items[%d]", i)
		if l.Quantity < 0 {
			return "", aftersale.FieldError(f+".quantity", "must not be negative")
		}
		sub, err := money(f+".subtotal", l.Subtotal)
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(sub, "-") {
			return "", aftersale.FieldError(f+".subtotal", "must not be negative")
		}
		tax, err := money(f+".total_tax", l.TotalTax)
		if err != nil {
			return "", err
		}
		linesMoney = aftersale.AddMoney(linesMoney, aftersale.AddMoney(sub, tax))
		it := aftersale.RefundItem{Quantity: l.Quantity, Amount: sub}
		if li := l.LineItem; li != nil {
			it.SKU = clip(strings.TrimSpace(string(li.SKU)), 200)
			it.Name = clip(first(li.Name, li.Title), 500)
		}
		if it.SKU == "" && it.Name == "" {
			it.Name = clip("line item "+first(l.LineItemID), 500) // still counted; the order's lines cannot be matched
		}
		facts.Items = append(facts.Items, it)
	}

	shipping, shippingTax, err := refundedShipping(&r)
	if err != nil {
		return "", err
	}
	facts.Shipping = shipping

	if r.Transactions != nil {
		paid := "0.00"
		for i, t := range *r.Transactions {
			if kind := strings.ToLower(strings.TrimSpace(string(t.Kind))); kind != "" && kind != "refund" {
				continue // a sale or capture listed beside the refund
			}
			switch strings.ToLower(strings.TrimSpace(string(t.Status))) {
			case "success", "pending", "":
			default:
				continue // failure, error: no money went back
			}
			amt, err := money(fmt.Sprintf("transactions[%d].amount", i), t.Amount)
			if err != nil {
				return "", err
			}
			if strings.HasPrefix(amt, "-") {
				return "", aftersale.FieldError(fmt.Sprintf("transactions[%d].amount", i), "must not be negative")
			}
			paid = aftersale.AddMoney(paid, amt)
		}
		facts.Amount = paid
	} else if linesMoney != "" || shipping != "" {
		facts.Amount = aftersale.AddMoney(aftersale.AddMoney(linesMoney, shipping), shippingTax)
	}
	if strings.HasPrefix(facts.Amount, "-") {
		return "", aftersale.FieldError("refund_line_items", "the refunded lines must not add up to less than nothing")
	}

	if len(facts.Items) == 0 && aftersale.CompareMoney(facts.Amount, "0") == 0 {
		return "the refund names no items and pays nothing back (a restock or an adjustment only)", nil
	}
	ev.Type, ev.OccurredAt = aftersale.EventOrderRefunded, at
	ev.Order = &aftersale.OrderFacts{ID: string(r.OrderID)}
	ev.Refund = facts
	return "", nil
}

// refundedShipping returns the shipping a refund paid back and its tax:
// refund_shipping_lines when there are any, else the order adjustments of
// kind shipping_refund (whose amounts are negative). "" when neither
// names shipping.
func refundedShipping(r *refund) (shipping, tax string, err error) {
	for i, s := range r.ShippingLines {
		if s.SubtotalAmountSet == nil || s.SubtotalAmountSet.ShopMoney == nil {
			continue
		}
		amt, err := money(fmt.Sprintf("refund_shipping_lines[%d].subtotal_amount_set.shop_money.amount", i), s.SubtotalAmountSet.ShopMoney.Amount)
		if err != nil {
			return "", "", err
		}
		shipping = aftersale.AddMoney(shipping, strings.TrimPrefix(amt, "-"))
	}
	if shipping != "" {
		return shipping, "", nil
	}
	for i, a := range r.Adjustments {
		if strings.ToLower(strings.TrimSpace(string(a.Kind))) != "shipping_refund" {
			continue
		}
		f := fmt.Sprintf("order_adjustments[%d]", i)
		amt, err := money(f+".amount", a.Amount)
		if err != nil {
			return "", "", err
		}
		t, err := money(f+".tax_amount", a.TaxAmount)
		if err != nil {
			return "", "", err
		}
		shipping = aftersale.AddMoney(shipping, strings.TrimPrefix(amt, "-"))
		tax = aftersale.AddMoney(tax, strings.TrimPrefix(t, "-"))
	}
	return shipping, tax, nil
}

var moneyRE = regexp.MustCompile(`^-?[0-9]{1,15}(\.[0-9]{1,6})?$`)

// money checks an amount Shopify sends as a decimal string or a JSON
// number ("89.99", 89.99, 0) and returns it with at least two decimals, or
// "" when it is absent.
func money(field string, v jstr) (string, error) {
	s := strings.TrimSpace(string(v))
	if s == "" {
		return "", nil
	}
	if !moneyRE.MatchString(s) {
		return "", aftersale.FieldError(field, "must be an amount such as 20.00, not %.40q", s)
	}
	return aftersale.AddMoney(s, ""), nil
}
