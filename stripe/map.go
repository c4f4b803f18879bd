package stripe

import (
	"encoding/json"
	"fmt"
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
	sku := s.Metadata["sku"]
	name := s.Metadata["product"]
	if strings.TrimSpace(name) == "" {
		name = "Stripe checkout"
	}
	ships := s.ShippingDetails != nil ||
		s.CollectedInformation != nil && s.CollectedInformation.ShippingDetails != nil
	kind := aftersale.ItemKind(strings.ToLower(strings.TrimSpace(s.Metadata["kind"])))
	if !slices.Contains(aftersale.ItemKinds, kind) {
		kind = d.Kinds.Kind(sku, s.Metadata["product_type"], ships, "")
	}
	ev.Type = aftersale.EventOrderPlaced
	ev.Customer = c
	ev.Order = &aftersale.OrderFacts{
		ID:       id,
		Currency: cur,
		Total:    total,
		Coupon:   s.coupon(),
		Items:    []aftersale.Item{{SKU: sku, Name: name, Kind: kind, Quantity: 1, Price: total}},
	}
	return "", nil
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
		price, err := formatAmount(f+".amount", l.Amount, cur)
		if err != nil {
			return "", err
		}
		q := int64(1)
		if l.Quantity != nil {
			q = *l.Quantity
		}
		if q < 0 || q > 1_000_000_000 {
			return "", aftersale.FieldError(f+".quantity", "must be between 0 and 1000000000")
		}
		sku := string(l.Price)
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

// refund fills ev from a refunded Charge. The order is the charge's invoice
// (a membership), else its payment intent (a Checkout purchase), else the
// charge itself.
func refund(ev *aftersale.Event, raw json.RawMessage) (ignored string, err error) {
	var ch charge
	if err := unmarshal(raw, &ch, obj); err != nil {
		return "", err
	}
	// A partial refund (a goodwill gesture, one item of several) keeps the
	// customer's journey going; only a full refund ends it.
	if ch.Refunded != nil && !*ch.Refunded {
		return "a partial refund does not end the order's journey", nil
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
	ev.Type = aftersale.EventOrderRefunded
	ev.Order = &aftersale.OrderFacts{ID: id}
	return "", nil
}
