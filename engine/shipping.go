package engine

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/journey"
)

// defaultDeliveryMargin is how many days past a carrier's usual transit
// time a package counts as late.
const defaultDeliveryMargin = 3

// shipmentUpdated stores a package's new state and plans what follows it:
// the steps after its status, "delivery_due" (its carrier's usual time plus
// a margin) when the package is first seen on its way, and "delivery" once
// every known package of the order is delivered. A repeated status changes
// nothing, so it sends nothing.
func (p *planner) shipmentUpdated(ctx context.Context) ([]*aftersale.Step, error) {
	sh, tx, order := p.event.Shipment, p.tx, p.order
	known, err := tx.ShipmentListByOrder(ctx, order.ID)
	if err != nil {
		return nil, err
	}
	// Whether this package is new, and whether every other package is
	// delivered already.
	isNew, othersDelivered := true, true
	for _, k := range known {
		if k.TrackingNumber == sh.TrackingNumber {
			isNew = false
		} else {
			othersDelivered = othersDelivered && k.Status == aftersale.ShipmentDelivered
		}
	}
	trackingURL := sh.TrackingURL
	if trackingURL == "" {
		trackingURL = p.svc.cfg.Carriers.TrackingURL(sh.Carrier, sh.TrackingNumber)
	}
	changed, err := tx.ShipmentUpsert(ctx, &aftersale.ShipmentRecord{
		OrderID: order.ID, Carrier: sh.Carrier, TrackingNumber: sh.TrackingNumber,
		TrackingURL: trackingURL, Status: sh.Status, UpdatedAt: p.now,
	})
	if err != nil || !changed {
		return nil, err
	}
	p.facts = nil // the packages changed
	steps, err := p.anchor(ctx, "shipment."+string(sh.Status), sh.TrackingNumber, p.now)
	if err != nil {
		return nil, err
	}
	if isNew && sh.Status != aftersale.ShipmentDelivered {
		more, err := p.anchor(ctx, journey.AnchorDeliveryDue, sh.TrackingNumber, p.svc.deliveryDue(sh.Carrier, p.now))
		if err != nil {
			return nil, err
		}
		steps = append(steps, more...)
	}
	if sh.Status != aftersale.ShipmentDelivered || !othersDelivered {
		return steps, nil // more packages on their way
	}
	more, err := p.delivered(ctx)
	return append(steps, more...), err
}

// delivered counts the order as delivered now and, the first time, plans
// the steps after "delivery".
func (p *planner) delivered(ctx context.Context) ([]*aftersale.Step, error) {
	first, err := p.tx.OrderMarkDelivered(ctx, p.order.ID, p.now)
	if err != nil || !first {
		return nil, err
	}
	p.order.DeliveredAt = p.now
	return p.anchor(ctx, journey.AnchorDelivery, "", p.now)
}

// deliveryDue is when a package handed to carrier at shipped (real time)
// counts as late: the carrier's usual transit days plus the margin, in
// virtual days.
func (s *Service) deliveryDue(carrier string, shipped time.Time) time.Time {
	margin := s.cfg.DeliveryMarginDays
	if margin <= 0 {
		margin = defaultDeliveryMargin
	}
	days := s.cfg.Carriers.TransitDays(carrier) + margin
	return s.cfg.Clock.ToReal(s.cfg.Clock.ToVirtual(shipped).AddDate(0, 0, days))
}

// returnRequested records the return an event opens and runs the return
// journeys. A return of the whole order for the money is a visit: the
// selling steps stop. A return of part of it, or an exchange, keeps them
// going: the customer keeps the rest. A second return of the same order gets the
// return journeys' steps again, keyed by the return.
func (p *planner) returnRequested(ctx context.Context) ([]*aftersale.Step, error) {
	r, created, err := p.svc.recordReturn(ctx, p.tx, p.event, p.order, p.now)
	if err != nil || !created {
		return nil, err
	}
	if r.Resolution != aftersale.ResolutionExchange && returnsWholeOrder(p.order, r) {
		if err := p.exit(ctx, journey.TriggerReturn); err != nil {
			return nil, err
		}
	}
	earlier, err := p.tx.ReturnList(ctx, aftersale.ReturnFilter{OrderID: p.order.ID, Limit: 2})
	if err != nil {
		return nil, err
	}
	if len(earlier) > 1 {
		return p.anchor(ctx, journey.TriggerReturn, strconv.FormatInt(r.ID, 10), p.now)
	}
	return p.trigger(ctx, journey.TriggerReturn, p.now)
}

// arrivalLinks returns the one-click yes and no links of "did it arrive?"
// for an order.
func (s *Service) arrivalLinks(externalOrderID string) (yes, no string) {
	base := s.cfg.BaseURL + "/a/" + s.cfg.Links.Sign(aftersale.LinkArrival, externalOrderID, arrivalTTL)
	return base + "?answer=yes", base + "?answer=no"
}

// ArrivalAnswer records the customer's one-click answer to "did it arrive
// in good shape?" from a signed link. "yes" also counts the order as
// delivered (for packages the carrier never confirmed); "no" puts a call in
// the owner's queue at once with the order's facts. Answering again
// replaces the answer; a repeat changes nothing.
func (s *Service) ArrivalAnswer(ctx context.Context, token, answer string) (*aftersale.Order, error) {
	ref, err := s.cfg.Links.Verify(aftersale.LinkArrival, token)
	if err != nil {
		return nil, err
	}
	if answer != aftersale.ArrivalYes && answer != aftersale.ArrivalNo {
		return nil, aftersale.Errorf(aftersale.EINVALID, "the answer must be yes or no")
	}
	var order *aftersale.Order
	err = s.updateLocked(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		o, err := tx.OrderGetByExternalID(ctx, ref)
		if err != nil {
			return err
		}
		order = o
		now := s.cfg.Clock.RealNow()
		changed, err := tx.OrderSetArrival(ctx, o.ID, answer, now)
		if err != nil || !changed {
			return err
		}
		o.Arrival, o.ArrivalAt = answer, now
		buyer, err := tx.CustomerGet(ctx, o.CustomerID)
		if err != nil {
			return err
		}
		if answer == aftersale.ArrivalNo {
			shipments, err := tx.ShipmentListByOrder(ctx, o.ID)
			if err != nil {
				return err
			}
			title := fmt.Sprintf("%s %s about order #%s", arrivalCallPrefix, buyer.FirstName(), o.ExternalID)
			_, err = s.ownerCall(ctx, tx, o.ID, o.CustomerID, arrivalCallPrefix, title, arrivalScript(o, buyer, shipments))
			return err
		}
		p := &planner{svc: s, tx: tx, order: o, buyer: buyer, event: &aftersale.Event{ID: "arrival-" + o.ExternalID}, now: now, realNow: now}
		steps, err := p.delivered(ctx)
		if err != nil {
			return err
		}
		return s.enqueueSoon(ctx, tx, steps)
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "arrival answered", "order_id", order.ID, "answer", answer)
	return order, nil
}

// arrivalCallPrefix starts the title of the call a "no" creates.
const arrivalCallPrefix = "It did not arrive well: call"

// arrivalScript is the call script of a "no, something's wrong": the
// order's facts first, then what to do.
func arrivalScript(o *aftersale.Order, c *aftersale.Customer, shipments []*aftersale.ShipmentRecord) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s answered **no** to \"did it arrive in good shape?\" for order #%s (placed %s, %s %s).\n\n",
		c.FirstName(), o.ExternalID, o.PlacedAt.Format("2 Jan 2006"), o.Total, o.Currency)
	b.WriteString("Items:\n\n")
	for _, it := range o.Items {
		fmt.Fprintf(&b, "- %s × %d (%s)\n", it.Name, max(it.Quantity, 1), it.SKU)
	}
	if len(shipments) > 0 {
		b.WriteString("\nPackages:\n\n")
		for _, sh := range shipments {
			fmt.Fprintf(&b, "- %s %s: %s since %s", sh.Carrier, sh.TrackingNumber, strings.ReplaceAll(string(sh.Status), "_", " "), sh.UpdatedAt.Format("2 Jan 15:04"))
			if sh.TrackingURL != "" {
				fmt.Fprintf(&b, " — <%s>", sh.TrackingURL)
			}
			b.WriteString("\n")
		}
	} else {
		b.WriteString("\nNo shipment was ever reported for this order.\n")
	}
	b.WriteString(`
1. Call today: "Hi, this is (your name) from (the business). You told us your order didn't arrive well, and I'd like to put it right."
2. Ask what happened: missing, damaged, wrong item, or not arrived at all? Ask for a photo by reply if it's damaged.
3. Offer the fix on the spot: a replacement, or a refund or a return (send them the returns page), whichever they prefer.
4. If the carrier lost it, open a claim with the carrier yourself; don't ask the customer to.
5. Log the outcome and what you promised in the note.
`)
	return b.String()
}

// returnsWholeOrder reports whether the return sends back every unit of
// every item of the order.
func returnsWholeOrder(o *aftersale.Order, r *aftersale.Return) bool {
	return len(o.Items) == 0 || o.CoveredBy(returnRefund(r).Items)
}
