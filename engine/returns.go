package engine

// What the pipeline does with returns: the door a return.requested event
// passes on its way into the inbox (Config.ReturnDoor, which package
// returns provides), the recording of the return when the event is
// applied (set aside when it asks for too much), and the return emails'
// policy and status link. The returns page, staff's handling of returns
// and the reports are package returns.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

// Link lifetimes of the links the pipeline's emails carry.
const (
	returnViewTTL = 180 * 24 * time.Hour // the status page of a return
	arrivalTTL    = 60 * 24 * time.Hour  // the yes/no of "did it arrive?"
)

// ReturnDoor checks a return.requested event at the door, before it is
// stored in the inbox (Ingest, ApplyNow): package returns refuses one
// that asks for more than is left of its order. It runs under the lock
// of the order's returns (aftersale.Store.InboxAppendReturn), so two
// returns posted at once are checked one after the other.
type ReturnDoor interface {
	// CheckReturn refuses ev, to be stored as se, with an error returned
	// to the sender as it is, or lets it in (nil). q reads the committed
	// data, pending are the return.requested events waiting in the inbox
	// (of every order); it may set a later se.ReceivedAt, to put se
	// behind the order's pending returns.
	CheckReturn(ctx context.Context, q aftersale.Queries, ev *aftersale.Event, se *aftersale.StoredEvent, pending []*aftersale.StoredEvent) error
}

// ReturnPolicy returns what the returns page and emails tell customers.
func (s *Service) ReturnPolicy() aftersale.ReturnPolicy { return s.cfg.Returns }

// ReturnStatusURL is the customer's signed status page of the return with
// the ID, as the return emails link it.
func (s *Service) ReturnStatusURL(id int64) string { return s.returnStatusURL(id) }

func (s *Service) returnStatusURL(id int64) string {
	return s.cfg.BaseURL + "/returns/status/" + s.cfg.Links.Sign(aftersale.LinkReturnView, strconv.FormatInt(id, 10), returnViewTTL)
}

// receive stores a validated event in the inbox and says whether it is
// new (see Ingest): through the group commit (newInbox), or, a
// return.requested event when there is a ReturnDoor, through the door of
// returns (Store.InboxAppendReturn), which looks for a known event first:
// a resend is a duplicate before it is a return.
func (s *Service) receive(ctx context.Context, ev *aftersale.Event, se *aftersale.StoredEvent) (bool, error) {
	door := s.cfg.ReturnDoor
	if door == nil || ev.Type != aftersale.EventReturnRequested || ev.Return == nil {
		return s.inbox.do(ctx, se)
	}
	return s.cfg.Store.InboxAppendReturn(ctx, ev.OrderRef(), se, func(ctx context.Context, q aftersale.Queries, pending []*aftersale.StoredEvent) error {
		return door.CheckReturn(ctx, q, ev, se, pending)
	})
}

// ApplyNow receives ev, made by a customer's page, as Ingest does (a
// return through the ReturnDoor, so that the returns accepted and waiting
// in the inbox count), and applies it at once, in its own transaction
// holding the processing lock, ahead of the inbox, rather than waiting for
// the processor: the page's answer shows its result. The same event
// processed before is passed over. A return that asks for more than is
// left of its order when it is applied is not recorded and not set
// aside: the bound's error (EINVALID or ECONFLICT) is returned, for the
// page to tell the customer no. Should it fail to apply otherwise, it
// waits in the inbox: the processor applies it.
func (s *Service) ApplyNow(ctx context.Context, ev *aftersale.Event) error {
	if err := ev.Validate(); err != nil {
		return err
	}
	se, err := storedEvent(ev, s.cfg.Clock.RealNow())
	if err != nil {
		return err
	}
	if _, err := s.receive(ctx, ev, se); err != nil {
		return err
	}
	if err := s.applyStored(ctx, se); err != nil {
		var excess *excessReturn
		if !errors.As(err, &excess) {
			return err
		}
		s.dropFromInbox(ctx, se.ID) // refused: it must not be set aside as well
		return excess.err
	}
	s.dropFromInbox(ctx, se.ID) // applied; the processor would find it so
	return nil
}

// dropFromInbox deletes the page's event, applied (or refused) by now,
// from the inbox; should that fail, the processor finds it processed (or,
// refused, sets it aside).
func (s *Service) dropFromInbox(ctx context.Context, id string) {
	if err := s.cfg.Store.InboxDelete(ctx, []string{id}); err != nil {
		s.log.WarnContext(ctx, "the page's event stays in the inbox", "event_id", id, "err", aftersale.Redact(err))
	}
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
// is set aside, not lost (the ReturnDoor refuses it when the order is
// known by then, counting the returns waiting in the inbox).
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
