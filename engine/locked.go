package engine

// Changes made at once, outside the processor, in a transaction holding
// the event processing lock: a customer's answer on a page, staff moving a
// return (package returns, through UpdateLocked, ApplyTx and PlanAnchor).

import (
	"context"
	"errors"
	"time"

	"github.com/aftersale/aftersale"
)

// UpdateLocked runs fn in a store transaction that holds the event
// processing lock, waiting its turn when another node holds it: no event
// is applied meanwhile, on any node. fn must use only tx.
func (s *Service) UpdateLocked(ctx context.Context, fn func(ctx context.Context, tx aftersale.Tx) error) error {
	return s.updateLocked(ctx, fn)
}

// ApplyTx applies ev in tx, which holds the processing lock
// (UpdateLocked), as the processor applies an event received at now: it
// is recorded as processed, so that the same event received later
// changes nothing twice. The jobs of its steps due soon are enqueued in
// tx.
func (s *Service) ApplyTx(ctx context.Context, tx aftersale.Tx, ev *aftersale.Event, now time.Time) error {
	if err := ev.Validate(); err != nil {
		return err
	}
	se, err := storedEvent(ev, now)
	if err != nil {
		return err
	}
	_, err = s.proc.apply(ctx, tx, []*aftersale.StoredEvent{se})
	return err
}

// PlanAnchor plans, in tx (holding the processing lock, UpdateLocked),
// the steps that follow the anchor at the time at in the running journeys
// of the order, keyed by ref (one set of them per ref), as the event with
// the ID eventID; the jobs of those due soon are enqueued in tx.
func (s *Service) PlanAnchor(ctx context.Context, tx aftersale.Tx, order *aftersale.Order, eventID, anchor, ref string, at time.Time) error {
	buyer, err := tx.CustomerGet(ctx, order.CustomerID)
	if err != nil {
		return err
	}
	now := s.cfg.Clock.RealNow()
	p := &planner{svc: s, tx: tx, order: order, buyer: buyer, event: &aftersale.Event{ID: eventID}, now: at, realNow: now}
	steps, err := p.anchor(ctx, anchor, ref, at)
	if err != nil {
		return err
	}
	return s.enqueueSoon(ctx, tx, steps)
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
