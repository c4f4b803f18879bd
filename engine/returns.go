package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/journey"
)

// Link lifetimes of the returns pages.
const (
	returnStartTTL = 2 * time.Hour        // the page a found order opens
	returnViewTTL  = 180 * 24 * time.Hour // the status page of a return
	arrivalTTL     = 60 * 24 * time.Hour  // the yes/no of "did it arrive?"
)

// errNoReturnOrder is the one answer to every failed order lookup of the
// public returns page, so that it tells nobody whether an email or an order
// number exists.
var errNoReturnOrder = aftersale.Errorf(aftersale.ENOTFOUND,
	"We could not find an order with that email address and order number. Check both (the order number is in your receipt email) and try again.")

// ReturnPolicy returns what the returns page and emails tell customers.
func (s *Service) ReturnPolicy() aftersale.ReturnPolicy { return s.cfg.Returns }

// ReturnView is a return with its order and customer, as pages show it.
type ReturnView struct {
	Return   *aftersale.Return
	Order    *aftersale.Order
	Customer *aftersale.Customer
	// StatusURL is the customer's signed status page of the return.
	StatusURL string
	// Next are the statuses staff may move the return to.
	Next []aftersale.ReturnStatus
}

// ReturnStart is the page where a customer chooses what to send back.
type ReturnStart struct {
	Order    *aftersale.Order
	Customer *aftersale.Customer
	Policy   aftersale.ReturnPolicy
	// Returns are the returns already started for the order, newest first.
	Returns []*ReturnView
}

// ReturnInput is what the customer chose on the returns page.
type ReturnInput struct {
	// Key makes a resubmitted form one return: the page's form carries a
	// random key, and the same key is the same return.
	Key        string
	Items      []aftersale.ReturnItem // SKU and Quantity
	Reason     string
	Comment    string
	Resolution string
}

// FindReturnOrder looks up an order by the buyer's (or user's) email and
// the order number, and returns the signed token of its returns page.
// Every mismatch gives the same ENOTFOUND error.
func (s *Service) FindReturnOrder(ctx context.Context, email, number string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	number = strings.TrimSpace(number)
	if email == "" || strings.TrimPrefix(number, "#") == "" {
		return "", aftersale.Errorf(aftersale.EINVALID, "Enter the email address you ordered with and the order number.")
	}
	orders, err := s.OrdersByRef(ctx, number)
	if err != nil {
		return "", err
	}
	for _, o := range orders {
		ok, err := s.boughtBy(ctx, o, email)
		if err != nil {
			return "", err
		}
		if ok {
			return s.cfg.Links.Sign(aftersale.LinkReturn, o.ExternalID, returnStartTTL), nil
		}
	}
	return "", errNoReturnOrder
}

// boughtBy reports whether the email (lower case) is the order's buyer's
// or user's. It compares lower-cased addresses, as the lookup's per-email
// limit keys them, not with Unicode case folding, which would let "ſ"
// (long s) stand for "s" under another key.
func (s *Service) boughtBy(ctx context.Context, o *aftersale.Order, email string) (bool, error) {
	for _, id := range []int64{o.CustomerID, o.UserID} {
		if id == 0 {
			continue
		}
		c, err := s.cfg.Store.CustomerGet(ctx, id)
		if err != nil && !aftersale.IsNotFound(err) {
			return false, err
		}
		if c != nil && strings.ToLower(strings.TrimSpace(c.Email)) == email {
			return true, nil
		}
	}
	return false, nil
}

// OrdersByRef returns the orders a customer or the team may mean by ref:
// the order number the buyer knows ("#1001", with or without the "#") or
// the shop's order id, each order once, numbers first.
func (s *Service) OrdersByRef(ctx context.Context, ref string) ([]*aftersale.Order, error) {
	ref = strings.TrimSpace(ref)
	bare := strings.TrimPrefix(ref, "#")
	var out []*aftersale.Order
	seen := map[int64]bool{}
	add := func(o *aftersale.Order, err error) error {
		if aftersale.IsNotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		if !seen[o.ID] {
			seen[o.ID] = true
			out = append(out, o)
		}
		return nil
	}
	// ref is one of the two spellings of the number.
	for _, n := range []string{"#" + bare, bare} {
		if err := add(s.cfg.Store.OrderGetByNumber(ctx, n)); err != nil {
			return nil, err
		}
	}
	for _, id := range slices.Compact([]string{bare, ref}) {
		if err := add(s.cfg.Store.OrderGetByExternalID(ctx, id)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ReturnStartPage opens the returns page of the order the token names.
func (s *Service) ReturnStartPage(ctx context.Context, token string) (*ReturnStart, error) {
	ref, err := s.cfg.Links.Verify(aftersale.LinkReturn, token)
	if err != nil {
		return nil, err
	}
	o, err := s.cfg.Store.OrderGetByExternalID(ctx, ref)
	if err != nil {
		return nil, err
	}
	c, err := s.cfg.Store.CustomerGet(ctx, o.CustomerID)
	if err != nil {
		return nil, err
	}
	rs, err := s.cfg.Store.ReturnList(ctx, aftersale.ReturnFilter{OrderID: o.ID})
	if err != nil {
		return nil, err
	}
	st := &ReturnStart{Order: o, Customer: c, Policy: s.ReturnPolicy()}
	for _, r := range rs {
		st.Returns = append(st.Returns, s.returnView(r, o, c))
	}
	return st, nil
}

// returnable says why an order cannot be returned, or "" when it can.
func (s *Service) returnable(o *aftersale.Order) string {
	switch o.Status {
	case aftersale.OrderRefunded:
		return "This order has been refunded already."
	case aftersale.OrderCancelled:
		return "This order was cancelled, so there is nothing to send back."
	}
	if w := s.ReturnPolicy().WindowDays; w > 0 && s.cfg.Clock.VirtualNow().Sub(s.cfg.Clock.ToVirtual(o.PlacedAt)) > time.Duration(w)*24*time.Hour {
		return fmt.Sprintf("This order is past our %d-day return window. Reply to any of our emails and we'll see what we can do.", w)
	}
	return ""
}

// StartReturn records the return the customer chose on the page the token
// opened, and starts the return journey at once (the confirmation email with
// the instructions goes out). A resubmitted form (the same Key) gives the
// same return.
func (s *Service) StartReturn(ctx context.Context, token string, in ReturnInput) (*ReturnView, error) {
	ref, err := s.cfg.Links.Verify(aftersale.LinkReturn, token)
	if err != nil {
		return nil, err
	}
	o, err := s.cfg.Store.OrderGetByExternalID(ctx, ref)
	if err != nil {
		return nil, err
	}
	if why := s.returnable(o); why != "" {
		return nil, aftersale.Errorf(aftersale.EINVALID, "%s", why)
	}
	key := strings.TrimSpace(in.Key)
	if len(key) < 8 || len(key) > 64 {
		return nil, aftersale.Errorf(aftersale.EINVALID, "the form is incomplete; reload the page and try again")
	}
	// The same form again is the same return, whatever is left now.
	evID := "return-page-" + o.ExternalID + "-" + key
	if r, err := s.cfg.Store.ReturnGetByEventID(ctx, evID); err == nil {
		return s.loadReturnView(ctx, r)
	} else if !aftersale.IsNotFound(err) {
		return nil, err
	}
	var chosen []aftersale.ReturnItem
	for _, it := range in.Items {
		if it.Quantity > 0 {
			chosen = append(chosen, aftersale.ReturnItem{SKU: it.SKU, Quantity: it.Quantity})
		}
	}
	if len(chosen) == 0 {
		return nil, aftersale.Errorf(aftersale.EINVALID, "Choose at least one item to send back.")
	}
	earlier, err := s.cfg.Store.ReturnList(ctx, aftersale.ReturnFilter{OrderID: o.ID})
	if err != nil {
		return nil, err
	}
	earlier = slices.DeleteFunc(earlier, func(r *aftersale.Return) bool { return r.EventID == evID }) // the same form again
	items, err := o.BoundReturn(&aftersale.ReturnFacts{Items: chosen}, earlier)
	if err != nil {
		return nil, pageError(err)
	}
	if !slices.Contains(s.ReturnPolicy().Reasons, in.Reason) {
		return nil, aftersale.Errorf(aftersale.EINVALID, "Choose a reason from the list.")
	}
	ev := &aftersale.Event{
		ID: evID, Type: aftersale.EventReturnRequested, OccurredAt: s.cfg.Clock.RealNow(), Source: "page",
		Return: &aftersale.ReturnFacts{OrderID: o.ExternalID, Reason: in.Reason, Items: items, Resolution: in.Resolution, Comment: strings.TrimSpace(in.Comment)},
	}
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	if err := s.applyNow(ctx, ev); err != nil {
		return nil, err
	}
	r, err := s.cfg.Store.ReturnGetByEventID(ctx, ev.ID)
	if aftersale.IsNotFound(err) {
		return nil, aftersale.ErrAllReturned // another return took the units first
	} else if err != nil {
		return nil, err
	}
	return s.loadReturnView(ctx, r)
}

// pageError is err without the field name, for a customer's page: "Only 1
// more of Shoes can be sent back", not "return.items[0].quantity: ...".
func pageError(err error) error {
	var e *aftersale.Error
	if errors.As(err, &e) && e.Field != "" {
		return aftersale.Errorf(e.Code, "%s", e.Message)
	}
	return err
}

// CheckReturn refuses, at the door, a return.requested event that asks
// for more than is left of its order (see aftersale.Order.BoundReturn):
// EINVALID naming the field, or ECONFLICT when everything on the order is
// already being returned. An event about an order not known yet, and an
// event whose return is recorded already (a resend), pass: the return is
// bounded again when the event is applied.
func (s *Service) CheckReturn(ctx context.Context, ev *aftersale.Event) error {
	if ev.Type != aftersale.EventReturnRequested || ev.Return == nil {
		return nil
	}
	o, err := s.cfg.Store.OrderGetByExternalID(ctx, ev.OrderRef())
	if aftersale.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	earlier, err := s.cfg.Store.ReturnList(ctx, aftersale.ReturnFilter{OrderID: o.ID})
	if err != nil {
		return err
	}
	for _, r := range earlier {
		if r.EventID == ev.ID {
			return nil
		}
	}
	_, err = o.BoundReturn(ev.Return, earlier)
	return err
}

// ReturnStatusPage shows the return a customer's status link names.
func (s *Service) ReturnStatusPage(ctx context.Context, token string) (*ReturnView, error) {
	subj, err := s.cfg.Links.Verify(aftersale.LinkReturnView, token)
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(subj, 10, 64)
	if err != nil {
		return nil, aftersale.Errorf(aftersale.EUNAUTHORIZED, "this link is not valid")
	}
	return s.Return(ctx, id)
}

// Return returns the return with the ID, for staff.
func (s *Service) Return(ctx context.Context, id int64) (*ReturnView, error) {
	r, err := s.cfg.Store.ReturnGet(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.loadReturnView(ctx, r)
}

// Returns lists the returns matching the filter, newest first, for staff.
func (s *Service) Returns(ctx context.Context, f aftersale.ReturnFilter) ([]*ReturnView, error) {
	rs, err := s.cfg.Store.ReturnList(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]*ReturnView, 0, len(rs))
	for _, r := range rs {
		v, err := s.loadReturnView(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Service) loadReturnView(ctx context.Context, r *aftersale.Return) (*ReturnView, error) {
	o, err := s.cfg.Store.OrderGet(ctx, r.OrderID)
	if err != nil {
		return nil, err
	}
	c, err := s.cfg.Store.CustomerGet(ctx, r.CustomerID)
	if err != nil {
		return nil, err
	}
	return s.returnView(r, o, c), nil
}

func (s *Service) returnView(r *aftersale.Return, o *aftersale.Order, c *aftersale.Customer) *ReturnView {
	return &ReturnView{Return: r, Order: o, Customer: c, StatusURL: s.returnStatusURL(r.ID), Next: r.Status.Next()}
}

func (s *Service) returnStatusURL(id int64) string {
	return s.cfg.BaseURL + "/returns/status/" + s.cfg.Links.Sign(aftersale.LinkReturnView, strconv.FormatInt(id, 10), returnViewTTL)
}

// AdvanceReturn moves a return to the status to, done by the member with
// the email by. Received and exchanged tell the customer (the return
// journey's steps after return.received and return.exchanged); refunded
// refunds the order as an order.refunded event would: the selling steps stop
// and the refund care starts (a refund the shop reports as well changes
// nothing twice).
func (s *Service) AdvanceReturn(ctx context.Context, id int64, to aftersale.ReturnStatus, by string) (*ReturnView, error) {
	if !slices.Contains(aftersale.ReturnStatuses, to) {
		return nil, aftersale.Errorf(aftersale.EINVALID, "unknown return status %q", to)
	}
	var out *aftersale.Return
	err := s.updateLocked(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		r, err := tx.ReturnGet(ctx, id)
		if err != nil {
			return err
		}
		if !r.Status.CanMoveTo(to) {
			return aftersale.Errorf(aftersale.ECONFLICT, "a return that is %s cannot become %s", r.Status, to)
		}
		now := s.cfg.Clock.RealNow()
		if out, err = tx.ReturnSetStatus(ctx, id, r.Status, to, by, now); err != nil {
			return err
		}
		order, err := tx.OrderGet(ctx, r.OrderID)
		if err != nil {
			return err
		}
		if to == aftersale.ReturnRefunded && order.Status == aftersale.OrderPlaced {
			ev := &aftersale.Event{
				ID: fmt.Sprintf("return-%d-refunded", id), Type: aftersale.EventOrderRefunded, OccurredAt: now, Source: "return",
				Order:  &aftersale.OrderFacts{ID: order.ExternalID},
				Refund: returnRefund(r),
			}
			se, err := storedEvent(ev, now)
			if err != nil {
				return err
			}
			if _, err = s.proc.apply(ctx, tx, []*aftersale.StoredEvent{se}); err != nil {
				return err
			}
			if order, err = tx.OrderGet(ctx, r.OrderID); err != nil {
				return err
			}
		}
		buyer, err := tx.CustomerGet(ctx, order.CustomerID)
		if err != nil {
			return err
		}
		p := &planner{svc: s, tx: tx, order: order, buyer: buyer, event: &aftersale.Event{ID: fmt.Sprintf("return-%d-%s", id, to)}, now: now, realNow: now}
		steps, err := p.anchor(ctx, journey.ReturnAnchor(to), strconv.FormatInt(id, 10), now)
		if err != nil {
			return err
		}
		return s.enqueueSoon(ctx, tx, steps)
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "return moved", "return_id", id, "status", to)
	return s.loadReturnView(ctx, out)
}

// enqueueSoon enqueues the jobs of the steps that are due soon.
func (s *Service) enqueueSoon(ctx context.Context, tx aftersale.Tx, steps []*aftersale.Step) error {
	var soon []*aftersale.Step
	for _, st := range steps {
		if st.Enqueued {
			soon = append(soon, st)
		}
	}
	if len(soon) == 0 {
		return nil
	}
	return s.enqueuer.EnqueueSteps(ctx, tx, soon)
}

// updateLocked runs fn in a transaction that holds the event processing
// lock, waiting its turn when another node holds it.
func (s *Service) updateLocked(ctx context.Context, fn func(ctx context.Context, tx aftersale.Tx) error) error {
	for {
		err := s.updateLockedOnce(ctx, fn)
		if !errors.Is(err, errNotOurTurn) {
			return err
		}
		if !sleepCtx(ctx, 20*time.Millisecond) {
			return ctx.Err()
		}
	}
}

// updateLockedOnce runs fn in a transaction that holds the event
// processing lock; errNotOurTurn, at once, when another node holds it.
func (s *Service) updateLockedOnce(ctx context.Context, fn func(ctx context.Context, tx aftersale.Tx) error) error {
	return s.cfg.Store.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		ok, err := tx.EventLockProcessing(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return errNotOurTurn
		}
		return fn(ctx, tx)
	})
}

// applyNow records and applies an event made here (by a customer page) at
// once, in its own transaction, rather than through the inbox: the page's
// answer shows its result.
func (s *Service) applyNow(ctx context.Context, ev *aftersale.Event) error {
	se, err := storedEvent(ev, s.cfg.Clock.RealNow())
	if err != nil {
		return err
	}
	var planned int
	err = s.updateLocked(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		planned, err = s.proc.apply(ctx, tx, []*aftersale.StoredEvent{se})
		return err
	})
	if err != nil {
		return err
	}
	s.proc.processed(ctx, []*aftersale.StoredEvent{se}, planned)
	return nil
}

// returnRefund is the refund of a return's items: the refund rule decides
// whether they are the whole order.
func returnRefund(r *aftersale.Return) *aftersale.RefundFacts {
	rf := &aftersale.RefundFacts{ID: fmt.Sprintf("return-%d", r.ID), Reason: r.Reason}
	for _, it := range r.Items {
		rf.Items = append(rf.Items, aftersale.RefundItem{SKU: it.SKU, Name: it.Name, Quantity: max(it.Quantity, 1)})
	}
	return rf
}

// recordReturn stores the return a return.requested event opens, its items
// named from the order (the whole order when the event names none), and
// bounded to what is left of the order (aftersale.Order.BoundReturn): a
// return that asks for more is not recorded (created is false) and is
// logged, as the door refuses it when the order is known by then.
func (s *Service) recordReturn(ctx context.Context, tx aftersale.Tx, ev *aftersale.Event, order *aftersale.Order, now time.Time) (*aftersale.Return, bool, error) {
	rf := ev.Return
	earlier, err := tx.ReturnList(ctx, aftersale.ReturnFilter{OrderID: order.ID})
	if err != nil {
		return nil, false, err
	}
	earlier = slices.DeleteFunc(earlier, func(r *aftersale.Return) bool { return r.EventID == ev.ID }) // applied again
	items, err := order.BoundReturn(rf, earlier)
	if code := aftersale.ErrorCode(err); code == aftersale.EINVALID || code == aftersale.ECONFLICT {
		s.log.WarnContext(ctx, "return not recorded: it asks for more than is left of the order",
			"event_id", ev.ID, "order_id", order.ID, "reason", aftersale.ErrorMessage(err))
		return nil, false, nil
	} else if err != nil {
		return nil, false, err
	}
	resolution := rf.Resolution
	if resolution == "" {
		resolution = aftersale.ResolutionRefund
	}
	return tx.ReturnCreate(ctx, &aftersale.Return{
		OrderID: order.ID, CustomerID: order.CustomerID, EventID: ev.ID, Status: aftersale.ReturnRequested,
		Resolution: resolution, Reason: strings.TrimSpace(rf.Reason), Comment: strings.TrimSpace(rf.Comment),
		Items: items, Source: ev.Source, CreatedAt: now, UpdatedAt: now,
	})
}

// ReasonRow is one reason in the report of why customers send things back.
type ReasonRow struct {
	Reason    string
	Returns   int     // returns started for the reason (not cancelled)
	Refunds   int     // of those, for the money
	Exchanges int     // of those, for an exchange
	Share     float64 // of all returns in the period, 0–1
}

// ReturnReasons counts the returns started in [from, to) (zero times: no
// bound) by reason, most frequent first; cancelled returns do not count.
func (s *Service) ReturnReasons(ctx context.Context, from, to time.Time) ([]ReasonRow, error) {
	rs, err := s.cfg.Store.ReturnList(ctx, aftersale.ReturnFilter{From: from, To: to})
	if err != nil {
		return nil, err
	}
	byReason := map[string]*ReasonRow{}
	var rows []*ReasonRow
	total := 0
	for _, r := range rs {
		if r.Status == aftersale.ReturnCancelled {
			continue
		}
		reason := r.Reason
		if reason == "" {
			reason = "(no reason given)"
		}
		row := byReason[reason]
		if row == nil {
			row = &ReasonRow{Reason: reason}
			byReason[reason] = row
			rows = append(rows, row)
		}
		row.Returns++
		if r.Resolution == aftersale.ResolutionExchange {
			row.Exchanges++
		} else {
			row.Refunds++
		}
		total++
	}
	slices.SortStableFunc(rows, func(a, b *ReasonRow) int {
		if a.Returns != b.Returns {
			return b.Returns - a.Returns
		}
		return strings.Compare(a.Reason, b.Reason)
	})
	out := make([]ReasonRow, len(rows))
	for i, r := range rows {
		r.Share = float64(r.Returns) / float64(total)
		out[i] = *r
	}
	return out, nil
}
