package engine

import (
	"context"
	"encoding/json"
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
	se, err := storedEvent(ev, s.cfg.Clock.RealNow())
	if err != nil {
		return nil, err
	}
	// Through the door like a return from outside, so that the returns
	// accepted and waiting in the inbox count, and a return posted at the
	// same time sees this one; then applied at once, ahead of them, which
	// leaves them what they were accepted for (its items are named).
	_, err = s.cfg.Store.InboxAppendReturn(ctx, o.ExternalID, se, func(ctx context.Context, q aftersale.Queries, pending []*aftersale.StoredEvent) error {
		return pageError(s.checkReturn(ctx, q, ev, se, pending))
	})
	if err != nil {
		return nil, err
	}
	if err := s.applyStored(ctx, se); err != nil {
		var excess *excessReturn
		if !errors.As(err, &excess) {
			return nil, err // it waits in the inbox: the processor applies it
		}
		// The customer is told no; it must not be set aside as well.
		s.dropFromInbox(ctx, se.ID)
		return nil, pageError(excess.err)
	}
	s.dropFromInbox(ctx, se.ID) // applied; the processor would find it so
	r, err := s.cfg.Store.ReturnGetByEventID(ctx, ev.ID)
	if aftersale.IsNotFound(err) {
		return nil, aftersale.ErrAllReturned // another return took the units first
	} else if err != nil {
		return nil, err
	}
	return s.loadReturnView(ctx, r)
}

// dropFromInbox deletes the page's event, applied (or refused) by now,
// from the inbox; should that fail, the processor finds it processed (or,
// refused, sets it aside).
func (s *Service) dropFromInbox(ctx context.Context, id string) {
	if err := s.cfg.Store.InboxDelete(ctx, []string{id}); err != nil {
		s.log.WarnContext(ctx, "the returns page's event stays in the inbox", "event_id", id, "err", redact(err))
	}
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

// receive stores a validated event in the inbox and says whether it is
// new (see Ingest): through the group commit (newInbox), or, a
// return.requested event, through the door of returns
// (Store.InboxAppendReturn, checkReturn), which looks for a known event
// first: a resend is a duplicate before it is a return.
func (s *Service) receive(ctx context.Context, ev *aftersale.Event, se *aftersale.StoredEvent) (bool, error) {
	if ev.Type != aftersale.EventReturnRequested || ev.Return == nil {
		return s.inbox.do(ctx, se)
	}
	return s.cfg.Store.InboxAppendReturn(ctx, ev.OrderRef(), se, func(ctx context.Context, q aftersale.Queries, pending []*aftersale.StoredEvent) error {
		return s.checkReturn(ctx, q, ev, se, pending)
	})
}

// checkReturn refuses, at the door, a return.requested event ev (to be
// stored as se) that asks for more than is left of its order (see
// aftersale.Order.BoundReturn) once the returns recorded and the returns
// accepted but still waiting in the inbox (pending, every order's) are
// counted: EINVALID naming the field, or ECONFLICT when everything on the
// order is being returned already. It runs under the lock of the order's
// returns (Store.InboxAppendReturn), so two returns posted at once are
// checked one after the other, and it moves se behind the order's pending
// returns, so that they are applied in the order they were accepted. An
// event about an order not known yet passes: it is bounded when applied,
// and set aside if it asks for too much then (recordReturn).
func (s *Service) checkReturn(ctx context.Context, q aftersale.Queries, ev *aftersale.Event, se *aftersale.StoredEvent, pending []*aftersale.StoredEvent) error {
	ref := ev.OrderRef()
	var ahead []*aftersale.Event
	for _, p := range pending {
		var pe aftersale.Event
		if p.ID == ev.ID || json.Unmarshal(p.Payload, &pe) != nil || pe.Return == nil || pe.History || pe.OrderRef() != ref {
			continue // one that does not decode is set aside when applied
		}
		ahead = append(ahead, &pe)
		if last := p.ReceivedAt.Truncate(time.Microsecond); !se.ReceivedAt.Truncate(time.Microsecond).After(last) {
			se.ReceivedAt = last.Add(time.Microsecond) // stored times keep microseconds
		}
	}
	o, err := q.OrderGetByExternalID(ctx, ref)
	if aftersale.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	earlier, err := q.ReturnList(ctx, aftersale.ReturnFilter{OrderID: o.ID})
	if err != nil {
		return err
	}
	earlier = slices.DeleteFunc(earlier, func(r *aftersale.Return) bool { return r.EventID == ev.ID }) // the same form again
	_, err = o.BoundReturn(ev.Return, returnsAhead(o, earlier, ahead))
	return err
}

// returnsAhead is the returns of the order once the pending return events
// are applied, in their order, after the returns recorded: each bounded
// as recordReturn will bound it (one that asks for too much takes nothing:
// it will be set aside). A pending event already recorded, applied since
// it was read, counts once.
func returnsAhead(o *aftersale.Order, recorded []*aftersale.Return, pending []*aftersale.Event) []*aftersale.Return {
	out := slices.Clone(recorded)
	for _, pe := range pending {
		if slices.ContainsFunc(recorded, func(r *aftersale.Return) bool { return r.EventID == pe.ID }) {
			continue
		}
		items, err := o.BoundReturn(pe.Return, out)
		if err != nil {
			continue
		}
		out = append(out, &aftersale.Return{OrderID: o.ID, EventID: pe.ID, Status: aftersale.ReturnRequested, Items: items})
	}
	return out
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

// applyStored applies a stored event made here (by a customer page) at
// once, in its own transaction holding the processing lock, rather than
// waiting for the processor: the page's answer shows its result. An event
// processed before is passed over.
func (s *Service) applyStored(ctx context.Context, se *aftersale.StoredEvent) error {
	var planned int
	err := s.updateLocked(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		var err error
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

// excessReturn is the error of a return.requested event that asks, when
// it is applied, for more than is left of its order: one accepted while
// the order was not known yet, or whose order changed since. The event is
// not recorded; the processor sets it aside (deadletter.go) with this
// reason, shown in the admin's events set aside, where a member retries
// it (once another return is cancelled, say) or discards it. It wraps the
// bound's error (EINVALID or ECONFLICT).
type excessReturn struct{ err error }

func (e *excessReturn) Error() string {
	return "return not recorded, it asks for more than is left of the order: " + aftersale.ErrorMessage(e.err)
}

func (e *excessReturn) Unwrap() error { return e.err }

// recordReturn stores the return a return.requested event opens, its items
// named from the order (the whole order when the event names none), and
// bounded to what is left of the order (aftersale.Order.BoundReturn): a
// return that asks for more is an *excessReturn error, so that the event
// is set aside, not lost (the door refuses it when the order is known by
// then, counting the returns waiting in the inbox, see checkReturn).
func (s *Service) recordReturn(ctx context.Context, tx aftersale.Tx, ev *aftersale.Event, order *aftersale.Order, now time.Time) (*aftersale.Return, bool, error) {
	rf := ev.Return
	earlier, err := tx.ReturnList(ctx, aftersale.ReturnFilter{OrderID: order.ID})
	if err != nil {
		return nil, false, err
	}
	earlier = slices.DeleteFunc(earlier, func(r *aftersale.Return) bool { return r.EventID == ev.ID }) // applied again
	items, err := order.BoundReturn(rf, earlier)
	if code := aftersale.ErrorCode(err); code == aftersale.EINVALID || code == aftersale.ECONFLICT {
		return nil, false, &excessReturn{err: err}
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
