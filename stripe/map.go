package stripe

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/aftersale/aftersale"
)

const obj = "data.object"

// checkout fills ev from a Checkout Session in payment mode.
func (d *Decoder) checkout(ev *aftersale.Event, raw json.RawMessage) (ignored string, err error) {
	var s checkoutSession
	if err := unmarshal(raw, &s, obj); err != nil {
		return "", err
	}
	switch s.Mode {
	case "payment":
	case "subscription":
		return "memberships come from invoice.paid", nil
	case "":
		return "", aftersale.FieldError(obj+".mode", "is required")
	default:
		return fmt.Sprintf("checkout sessions in %s mode take no payment", s.Mode), nil
	}
	switch s.PaymentStatus {
	case "paid", "no_payment_required":
	case "":
		return "", aftersale.FieldError(obj+".payment_status", "is required")
	default:
		return "the checkout session is not paid yet", nil
	}
	if s.ID == "" {
		return "", aftersale.FieldError(obj+".id", "is required")
	}
	cur, err := currency(obj+".currency", s.Currency)
	if err != nil {
		return "", err
	}
	if s.AmountTotal == nil {
		return "", aftersale.FieldError(obj+".amount_total", "is required")
	}
	total, err := formatAmount(obj+".amount_total", *s.AmountTotal, cur)
	if err != nil {
		return "", err
	}
	c := &aftersale.Contact{Email: s.CustomerEmail}
	if cd := s.CustomerDetails; cd != nil {
		if cd.Email != "" {
			c.Email = cd.Email
		}
		c.Name, c.Phone = cd.Name, cd.Phone
	}
	if strings.TrimSpace(c.Email) == "" {
		return "the checkout session has no customer email", nil
	}
	if s.Consent != nil {
		switch s.Consent.Promotions {
		case "opt_in":
			c.MarketingConsent = new(true)
		case "opt_out":
			c.MarketingConsent = new(false)
		}
	}
	id := string(s.PaymentIntent)
	if id == "" {
		id = s.ID
	}
	ships := s.ShippingDetails != nil ||
		s.CollectedInformation != nil && s.CollectedInformation.ShippingDetails != nil
	items, err := d.checkoutItems(&s, cur, total, ships)
	if err != nil {
		return "", err
	}
	ev.Type = aftersale.EventOrderPlaced
	ev.Customer = c
	ev.Order = &aftersale.OrderFacts{
		ID:       id,
		Currency: cur,
		Total:    total,
		Coupon:   s.coupon(),
		Items:    items,
	}
	return "", nil
}

// checkoutItems returns a session's lines: its expanded line items, each
// at its price per unit, or else (as webhooks are sent) one item of the
// whole total, named and typed by the session's metadata.
func (d *Decoder) checkoutItems(s *checkoutSession, cur, total string, ships bool) ([]aftersale.Item, error) {
	kind := aftersale.ItemKind(strings.ToLower(strings.TrimSpace(s.Metadata["kind"])))
	known := slices.Contains(aftersale.ItemKinds, kind)
	kindOf := func(sku string) aftersale.ItemKind {
		if known {
			return kind
		}
		return d.Kinds.Kind(sku, s.Metadata["product_type"], ships, "")
	}
	name := s.Metadata["product"]
	if strings.TrimSpace(name) == "" {
		name = "Stripe checkout"
	}
	var lines []checkoutLine
	if s.LineItems != nil {
		lines = s.LineItems.Data
	}
	if len(lines) == 0 {
		sku := s.Metadata["sku"]
		return []aftersale.Item{{SKU: sku, Name: name, Kind: kindOf(sku), Quantity: 1, Price: total}}, nil
	}
	items := make([]aftersale.Item, 0, len(lines))
	for i, l := range lines {
		f := fmt.Sprintf("%s.line_items.data[%d]", obj, i)
		q, err := quantity(f+".quantity", l.Quantity)
		if err != nil {
			return nil, err
		}
		amount := l.AmountSubtotal
		if amount == nil {
			amount = l.AmountTotal
		}
		unit, err := l.Price.unit(f + ".price")
		if err != nil {
			return nil, err
		}
		if unit == nil && amount == nil {
			return nil, aftersale.FieldError(f+".amount_subtotal", "is required (or the price's unit_amount)")
		}
		var a int64
		if amount != nil {
			a = *amount
		}
		p, err := unitPrice(f+".amount_subtotal", unit, a, q, cur)
		if err != nil {
			return nil, err
		}
		sku := l.Price.ID
		if len(lines) == 1 && s.Metadata["sku"] != "" {
			sku = s.Metadata["sku"]
		}
		n := l.Description
		if strings.TrimSpace(n) == "" {
			n = name
		}
		items = append(items, aftersale.Item{SKU: sku, Name: n, Kind: kindOf(sku), Quantity: int(q), Price: p})
	}
	return items, nil
}

// quantity returns a line's quantity, 1 when absent, or an EINVALID error
// about field when it is out of range.
func quantity(field string, q *int64) (int64, error) {
	if q == nil {
		return 1, nil
	}
	if *q < 0 || *q > 1_000_000_000 {
		return 0, aftersale.FieldError(field, "must be between 0 and 1000000000")
	}
	return *q, nil
}

// coupon returns the id of the session's first coupon, or "".
func (s *checkoutSession) coupon() string {
	if td := s.TotalDetails; td != nil && td.Breakdown != nil {
		for _, d := range td.Breakdown.Discounts {
			if d.Discount.Coupon != "" {
				return string(d.Discount.Coupon)
			}
		}
	}
	for _, d := range s.Discounts {
		if d.Coupon != "" {
			return string(d.Coupon)
		}
	}
	return ""
}

// invoice fills ev from a paid Invoice: a membership's first payment,
// renewal or free trial start.
func (d *Decoder) invoice(ev *aftersale.Event, raw json.RawMessage) (ignored string, err error) {
	var in invoice
	if err := unmarshal(raw, &in, obj); err != nil {
		return "", err
	}
	if in.ID == "" {
		return "", aftersale.FieldError(obj+".id", "is required")
	}
	cur, err := currency(obj+".currency", in.Currency)
	if err != nil {
		return "", err
	}
	if in.AmountPaid == nil {
		return "", aftersale.FieldError(obj+".amount_paid", "is required")
	}
	total, err := formatAmount(obj+".amount_paid", *in.AmountPaid, cur)
	if err != nil {
		return "", err
	}
	if *in.AmountPaid == 0 && in.BillingReason != "subscription_create" {
		return fmt.Sprintf("the invoice is for nothing (amount_paid 0, billing_reason %q)", in.BillingReason), nil
	}
	if strings.TrimSpace(in.CustomerEmail) == "" {
		return "the invoice has no customer email", nil
	}
	var items []aftersale.Item
	for i, l := range in.Lines.Data {
		f := fmt.Sprintf("%s.lines.data[%d]", obj, i)
		if l.Amount < 0 {
			continue // a credit, such as unused time on a plan changed
		}
		q, err := quantity(f+".quantity", l.Quantity)
		if err != nil {
			return "", err
		}
		price, err := linePrice(f, &l, q, cur)
		if err != nil {
			return "", err
		}
		sku := l.Price.ID
		if p := l.Pricing; sku == "" && p != nil && p.PriceDetails != nil {
			sku = string(p.PriceDetails.Price)
		}
		name := l.Description
		if strings.TrimSpace(name) == "" && sku == "" {
			name = "Stripe subscription"
		}
		items = append(items, aftersale.Item{
			SKU:      sku,
			Name:     name,
			Kind:     d.Kinds.Kind(sku, "", false, aftersale.KindMembership),
			Quantity: int(q),
			Price:    price,
		})
	}
	if len(items) == 0 {
		return "", aftersale.FieldError(obj+".lines.data", "needs at least one line")
	}
	ev.Type = aftersale.EventOrderPlaced
	ev.Customer = &aftersale.Contact{Email: in.CustomerEmail, Name: in.CustomerName, Phone: in.CustomerPhone}
	ev.Order = &aftersale.OrderFacts{ID: in.ID, Currency: cur, Total: total, Items: items}
	return "", nil
}

// linePrice returns the price of one unit of an invoice line (f names
// it): the price's unit amount (Pricing's unit_amount_decimal since API
// version 2025-03-31, the expanded Price's unit_amount or
// unit_amount_decimal before), else the line's amount ÷ its quantity. A
// prorated line, which bills part of a period, is its amount ÷ quantity:
// what was paid for each unit.
func linePrice(f string, l *invoiceLine, q int64, cur string) (string, error) {
	var unit *big.Rat
	var err error
	if !l.prorated() {
		if l.Pricing != nil {
			unit, err = l.Pricing.UnitAmountDecimal.rat(f + ".pricing.unit_amount_decimal")
		}
		if unit == nil && err == nil {
			unit, err = l.Price.unit(f + ".price")
		}
		if err != nil {
			return "", err
		}
	}
	return unitPrice(f+".amount", unit, l.Amount, q, cur)
}

// refund fills ev from a Charge with a refund, full or partial: the refund
// part says everything refunded on the charge so far (amount_refunded,
// cumulative) and whether Stripe counts it fully refunded. The order is
// the charge's invoice (a membership), else its payment intent (a Checkout
// purchase), else the charge itself.
func refund(ev *aftersale.Event, raw json.RawMessage) (ignored string, err error) {
	var ch charge
	if err := unmarshal(raw, &ch, obj); err != nil {
		return "", err
	}
	id := string(ch.Invoice)
	if id == "" {
		id = string(ch.PaymentIntent)
	}
	if id == "" {
		id = ch.ID
	}
	if strings.TrimSpace(id) == "" {
		return "", aftersale.FieldError(obj+".id", "is required (or an invoice or payment_intent)")
	}
	r := &aftersale.RefundFacts{Full: ch.Refunded != nil && *ch.Refunded, Cumulative: true}
	switch {
	case ch.AmountRefunded != nil:
		cur, err := currency(obj+".currency", ch.Currency)
		if err != nil {
			return "", err
		}
		if *ch.AmountRefunded == 0 && !r.Full {
			return "nothing is refunded on the charge", nil
		}
		if r.Amount, err = formatAmount(obj+".amount_refunded", *ch.AmountRefunded, cur); err != nil {
			return "", err
		}
	case !r.Full:
		return "", aftersale.FieldError(obj+".amount_refunded", "is required (or refunded true)")
	}
	if ch.Refunds != nil {
		if latest := latestRefund(ch.Refunds.Data); latest != nil {
			r.ID, r.Reason = latest.ID, latest.Reason
		}
	}
	ev.Type = aftersale.EventOrderRefunded
	ev.Order = &aftersale.OrderFacts{ID: id}
	ev.Refund = r
	return "", nil
}

// latestRefund returns the newest of a charge's refunds that has not
// failed or been canceled (Stripe lists them newest first; the later
// created wins, the first listed of equals), or nil.
func latestRefund(refunds []chargeRefund) *chargeRefund {
	var latest *chargeRefund
	for i := range refunds {
		r := &refunds[i]
		if r.ID == "" || r.Status == "failed" || r.Status == "canceled" {
			continue
		}
		if latest == nil || r.Created > latest.Created {
			latest = r
		}
	}
	return latest
}
