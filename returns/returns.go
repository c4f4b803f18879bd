// Package returns is the returns of orders beside the pipeline (package
// engine): the public returns page (finding an order by email and number,
// choosing what to send back), the customer's status page of a return,
// staff moving a return on (received, refunded, exchanged, cancelled),
// the returns lists and the report of why customers send things back.
//
// Door checks return.requested events at the pipeline's door (app sets it
// as engine.Config.ReturnDoor): a return that asks for more than is left
// of its order is refused there. The engine records a return when its
// event is applied, and sends the return emails; a Service uses it only
// through Pipeline, which *engine.Service satisfies. The engine does not
// import this package.
package returns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/journey"
)

// Pipeline is what only the pipeline does for returns; *engine.Service
// satisfies it.
type Pipeline interface {
	// ReturnPolicy is what the returns page and emails tell customers
	// (its defaults applied).
	ReturnPolicy() aftersale.ReturnPolicy
	// ReturnStatusURL is the signed status page of the return with the
	// ID, as the return emails link it.
	ReturnStatusURL(id int64) string
	// ApplyNow receives ev through the door and applies it at once; a
	// return that asks for more than is left when applied is the bound's
	// error, not recorded.
	ApplyNow(ctx context.Context, ev *aftersale.Event) error
	// UpdateLocked runs fn in a transaction holding the event processing
	// lock, waiting its turn.
	UpdateLocked(ctx context.Context, fn func(ctx context.Context, tx aftersale.Tx) error) error
	// ApplyTx applies ev, received at now, in tx as the processor would.
	ApplyTx(ctx context.Context, tx aftersale.Tx, ev *aftersale.Event, now time.Time) error
	// PlanAnchor plans the steps after the anchor in the order's running
	// journeys, keyed by ref, and enqueues those due soon.
	PlanAnchor(ctx context.Context, tx aftersale.Tx, order *aftersale.Order, eventID, anchor, ref string, at time.Time) error
}

// Store is what the returns pages and lists read (aftersale.Store has it
// all).
type Store interface {
	CustomerGet(ctx context.Context, id int64) (*aftersale.Customer, error)
	OrderGet(ctx context.Context, id int64) (*aftersale.Order, error)
	OrderGetByNumber(ctx context.Context, number string) (*aftersale.Order, error)
	OrderGetByExternalID(ctx context.Context, externalID string) (*aftersale.Order, error)
	ReturnGet(ctx context.Context, id int64) (*aftersale.Return, error)
	ReturnGetByEventID(ctx context.Context, eventID string) (*aftersale.Return, error)
	ReturnList(ctx context.Context, f aftersale.ReturnFilter) ([]*aftersale.Return, error)
}

// Tx is what moving a return writes in its transaction (aftersale.Tx has
// it all).
type Tx interface {
	ReturnGet(ctx context.Context, id int64) (*aftersale.Return, error)
	ReturnSetStatus(ctx context.Context, id int64, from, to aftersale.ReturnStatus, by string, at time.Time) (*aftersale.Return, error)
	OrderGet(ctx context.Context, id int64) (*aftersale.Order, error)
}

// The store's interfaces have what Store and Tx list.
var (
	_ Store = aftersale.Store(nil)
	_ Tx    = aftersale.Tx(nil)
)

// Config is what a Service needs. Store, Pipeline and Links (with its
// key) are required; Store and Pipeline must work on the same database,
// and Links must be the engine's, whose links the return emails carry.
type Config struct {
	Store    Store
	Pipeline Pipeline
	// Links signs and verifies the returns page's links.
	Links *aftersale.LinkSigner
	// Clock tells the age of an order (the return window) and stamps the
	// returns; nil is the real clock.
	Clock *aftersale.Clock
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Service runs the returns pages and staff's handling of returns.
type Service struct {
	cfg Config
	log *slog.Logger
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("returns: Store is required")
	case cfg.Pipeline == nil:
		return nil, errors.New("returns: Pipeline is required")
	case cfg.Links == nil || len(cfg.Links.Key) == 0:
		return nil, errors.New("returns: Links with a key is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = &aftersale.Clock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{cfg: cfg, log: cfg.Logger}, nil
}

// Policy returns what the returns page and emails tell customers.
func (s *Service) Policy() aftersale.ReturnPolicy { return s.cfg.Pipeline.ReturnPolicy() }

// View is a return with its order and customer, as pages show it.
type View struct {
	Return   *aftersale.Return
	Order    *aftersale.Order
	Customer *aftersale.Customer
	// StatusURL is the customer's signed status page of the return.
	StatusURL string
	// Next are the statuses staff may move the return to.
	Next []aftersale.ReturnStatus
}

// NewView returns the view of the return r of the order o, shown to the
// customer c: with its status page's signed link and the statuses it may
// move to.
func (s *Service) NewView(r *aftersale.Return, o *aftersale.Order, c *aftersale.Customer) *View {
	return &View{Return: r, Order: o, Customer: c, StatusURL: s.cfg.Pipeline.ReturnStatusURL(r.ID), Next: r.Status.Next()}
}

func (s *Service) loadView(ctx context.Context, r *aftersale.Return) (*View, error) {
	o, err := s.cfg.Store.OrderGet(ctx, r.OrderID)
	if err != nil {
		return nil, err
	}
	c, err := s.cfg.Store.CustomerGet(ctx, r.CustomerID)
	if err != nil {
		return nil, err
	}
	return s.NewView(r, o, c), nil
}

// StatusPage shows the return a customer's status link names.
func (s *Service) StatusPage(ctx context.Context, token string) (*View, error) {
	subj, err := s.cfg.Links.Verify(aftersale.LinkReturnView, token)
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(subj, 10, 64)
	if err != nil {
		return nil, aftersale.Errorf(aftersale.EUNAUTHORIZED, "this link is not valid")
	}
	return s.Get(ctx, id)
}

// Get returns the return with the ID, for staff.
func (s *Service) Get(ctx context.Context, id int64) (*View, error) {
	r, err := s.cfg.Store.ReturnGet(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.loadView(ctx, r)
}

// List lists the returns matching the filter, newest first, for staff.
func (s *Service) List(ctx context.Context, f aftersale.ReturnFilter) ([]*View, error) {
	rs, err := s.cfg.Store.ReturnList(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]*View, 0, len(rs))
	for _, r := range rs {
		v, err := s.loadView(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Advance moves a return to the status to, done by the member with the
// email by. Received and exchanged tell the customer (the return
// journey's steps after return.received and return.exchanged); refunded
// refunds the order as an order.refunded event would: the selling steps
// stop and the refund care starts (a refund the shop reports as well
// changes nothing twice).
func (s *Service) Advance(ctx context.Context, id int64, to aftersale.ReturnStatus, by string) (*View, error) {
	if !slices.Contains(aftersale.ReturnStatuses, to) {
		return nil, aftersale.Errorf(aftersale.EINVALID, "unknown return status %q", to)
	}
	p := s.cfg.Pipeline
	var out *aftersale.Return
	err := p.UpdateLocked(ctx, func(ctx context.Context, atx aftersale.Tx) error {
		var tx Tx = atx
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
				Refund: refundOf(r),
			}
			if err := p.ApplyTx(ctx, atx, ev, now); err != nil {
				return err
			}
			if order, err = tx.OrderGet(ctx, r.OrderID); err != nil {
				return err
			}
		}
		return p.PlanAnchor(ctx, atx, order, fmt.Sprintf("return-%d-%s", id, to), journey.ReturnAnchor(to), strconv.FormatInt(id, 10), now)
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "return moved", "return_id", id, "status", to)
	return s.loadView(ctx, out)
}

// refundOf is the refund of a return's items: the refund rule decides
// whether they are the whole order.
func refundOf(r *aftersale.Return) *aftersale.RefundFacts {
	rf := &aftersale.RefundFacts{ID: fmt.Sprintf("return-%d", r.ID), Reason: r.Reason}
	for _, it := range r.Items {
		rf.Items = append(rf.Items, aftersale.RefundItem{SKU: it.SKU, Name: it.Name, Quantity: max(it.Quantity, 1)})
	}
	return rf
}

// *engine.Service is a Pipeline.
var _ Pipeline = (*engine.Service)(nil)
