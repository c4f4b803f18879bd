package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/aftersale/aftersale"
)

// A poison event is one that cannot be applied while the database answers:
// a bug, or input that passed validation but not the database (a NUL byte
// in a text on PostgreSQL). It is set aside at once, into the dead events
// (Store.DeadEventPut), so that the events behind it flow on; the admin UI
// lists them, /metrics counts them (aftersale_events_dead), and a member
// retries or discards them by hand. An outage (the database does not
// answer) sets nothing aside: the batch fails and the loop retries it with
// backoff.
//
// An event that fails alone is tried once more at once (a deadlock or a
// busy database passes by then), then the store is probed with a trivial
// transaction: if that answers, the event is the problem. A store that
// takes no writes (EUNAVAILABLE: a full disk) is an outage too.

// DeadEventsMax is how many events set aside DeadEvents lists.
const DeadEventsMax = 200

// deadErrorMax bounds the error text kept with an event set aside.
const deadErrorMax = 500

// poisoned handles ev, which failed alone with cause after tried attempts
// (in its batch and alone): it is applied again (done reports whether that
// worked), or set aside when the store answers a probe, or, when the store
// does not answer, cause is returned to be retried with backoff.
func (p *processor) poisoned(ctx context.Context, ev *aftersale.StoredEvent, cause error, tried int) (done bool, err error) {
	if ctx.Err() != nil {
		return false, cause
	}
	planned, err := p.update(ctx, []*aftersale.StoredEvent{ev})
	if errors.Is(err, errNotOurTurn) {
		return false, err
	}
	if err == nil {
		return true, p.finish(ctx, []*aftersale.StoredEvent{ev}, planned)
	}
	cause = err
	if aftersale.ErrorCode(cause) == aftersale.EUNAVAILABLE {
		// A full disk: the database answers reads but takes no writes,
		// which the probe would not see. Every event would fail so.
		return false, cause
	}
	if err := p.probe(ctx); err != nil {
		return false, fmt.Errorf("%w (and the database does not answer: %w)", cause, err)
	}
	return false, p.setAside(ctx, ev, cause, tried+1)
}

// probe checks that the store answers: a transaction that reads a row.
func (p *processor) probe(ctx context.Context) error {
	return p.svc.cfg.Store.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		_, err := tx.EventGet(ctx, "probe")
		if aftersale.IsNotFound(err) {
			return nil
		}
		return err
	})
}

// setAside moves ev from the inbox to the dead events, logs it and counts
// it.
func (p *processor) setAside(ctx context.Context, ev *aftersale.StoredEvent, cause error, attempts int) error {
	dead := &aftersale.DeadEvent{Event: *ev, Error: deadError(cause), Attempts: attempts, FailedAt: p.svc.cfg.Clock.RealNow()}
	if err := p.svc.cfg.Store.DeadEventPut(ctx, dead); err != nil {
		return fmt.Errorf("%w (and setting it aside failed: %w)", cause, err)
	}
	p.svc.log.ErrorContext(ctx, "event cannot be applied; set aside (see the admin's events set aside)",
		"event_id", ev.ID, "type", ev.Type, "source", ev.Source, "attempts", attempts, "err", dead.Error)
	if m := p.svc.cfg.Metrics; m != nil {
		m.EventsFailed.Inc()
	}
	p.release([]*aftersale.StoredEvent{ev})
	return nil
}

// quotedRE matches a quoted value in an error text, which a database may
// quote from the input ("invalid input syntax for type integer: "Ana"").
var quotedRE = regexp.MustCompile(`"[^"]*"`)

// deadError is the text kept with an event set aside: the error without
// email addresses (redact) or quoted values, bounded.
func deadError(err error) string {
	s := quotedRE.ReplaceAllString(aftersale.Redact(err), `"…"`)
	if r := []rune(s); len(r) > deadErrorMax {
		s = string(r[:deadErrorMax]) + "…"
	}
	return s
}

// recovered turns a panic of fn into an error, so that an event whose
// applying panics is a poison event like one that fails. The stack goes
// to the log (it names code, not data).
func (p *processor) recovered(ctx context.Context, evs []*aftersale.StoredEvent, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			p.svc.log.ErrorContext(ctx, "applying events panicked", "events", len(evs), "first_event_id", evs[0].ID,
				"stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return fn()
}

// DeadEventView is an event set aside, as the admin UI shows it: no
// payload.
type DeadEventView struct {
	ID, Type, Source string
	ReceivedAt       time.Time
	FailedAt         time.Time
	Error            string
	Attempts         int
}

// DeadEvents returns the latest events set aside (at most DeadEventsMax)
// and how many there are in all.
func (s *Service) DeadEvents(ctx context.Context) ([]DeadEventView, int, error) {
	st := s.cfg.Store
	n, err := st.DeadEventCount(ctx)
	if err != nil || n == 0 {
		return nil, n, err
	}
	list, err := st.DeadEventList(ctx, DeadEventsMax)
	if err != nil {
		return nil, 0, err
	}
	out := make([]DeadEventView, len(list))
	for i, d := range list {
		out[i] = DeadEventView{ID: d.Event.ID, Type: string(d.Event.Type), Source: d.Event.Source,
			ReceivedAt: d.Event.ReceivedAt, FailedAt: d.FailedAt, Error: d.Error, Attempts: d.Attempts}
	}
	return out, n, nil
}

// DeadEventCount counts the events set aside.
func (s *Service) DeadEventCount(ctx context.Context) (int, error) {
	return s.cfg.Store.DeadEventCount(ctx)
}

// DeadEventRetry puts the event set aside back into the inbox and wakes
// the processor: it is applied, or set aside again (its attempts counted
// afresh from that retry). ENOTFOUND if there is no such event.
func (s *Service) DeadEventRetry(ctx context.Context, id string) error {
	if err := s.cfg.Store.DeadEventRetry(ctx, id); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "event set aside is retried", "event_id", id)
	s.proc.poke()
	return nil
}

// DeadEventDiscard deletes the event set aside: it is never applied.
// ENOTFOUND if there is no such event.
func (s *Service) DeadEventDiscard(ctx context.Context, id string) error {
	if err := s.cfg.Store.DeadEventDiscard(ctx, id); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "event set aside is discarded", "event_id", id)
	return nil
}
