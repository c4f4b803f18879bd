package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aftersale/aftersale"
)

// Events are acknowledged as soon as they are stored, and applied (contacts
// and orders upserted, journeys started or exited, steps planned) by the
// processor, in batches: one transaction, and one job insert per group of
// steps due together, serves up to processBatch events. So the API's answer
// costs one row and one shared disk flush, and a burst of orders is
// absorbed at the speed of the disk while planning catches up behind it.
//
// The processor of each node wakes when its node stores an event, and polls
// for the events stored by other nodes. On PostgreSQL an advisory lock
// makes one node at a time process, so the events of an order are applied
// in the order they were received.
const (
	processBatch = 256
	processPoll  = 250 * time.Millisecond
	// processWaitMax bounds how long an answer waits for its event to be
	// processed (see waitProcessed).
	processWaitMax = time.Second
	// processWaiters is how many answers may wait for processing at once;
	// more concurrent requests than that mean a busy API, where answering
	// at once matters more.
	processWaiters = 4
)

// processor applies stored events; see above.
type processor struct {
	svc  *Service
	wake chan struct{}

	mu      sync.Mutex
	waiters map[string]chan struct{} // event id → closed when processed
	busy    bool                     // the last batch was full: a backlog

	cancel context.CancelFunc
	done   chan struct{}
}

func newProcessor(svc *Service) *processor {
	return &processor{
		svc: svc, wake: make(chan struct{}, 1),
		waiters: map[string]chan struct{}{},
	}
}

// start runs the processing loop until stop.
func (p *processor) start(ctx context.Context) {
	ctx, p.cancel = context.WithCancel(ctx)
	p.done = make(chan struct{})
	go p.loop(ctx)
}

// stop ends the loop after the batch in hand.
func (p *processor) stop() {
	if p.cancel == nil {
		return
	}
	p.cancel()
	<-p.done
}

// poke wakes the loop.
func (p *processor) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *processor) loop(ctx context.Context) {
	defer close(p.done)
	backoff := processPoll
	for {
		n, err := p.batch(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			p.svc.log.ErrorContext(ctx, "event processing failed; retrying", "err", aftersale.Redact(err), "retry_in", backoff.String())
			if !sleepCtx(ctx, backoff) {
				return
			}
			backoff = min(backoff*2, 30*time.Second)
			continue
		}
		backoff = processPoll
		if n == processBatch {
			continue // more are waiting
		}
		t := time.NewTimer(processPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-p.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// ProcessInbox processes the events waiting in the inbox until it is empty
// (or another node holds the processing lock), calling progress with the
// number processed so far after each batch. It is for tools that put
// events in the inbox without a running service (the CSV import); a
// running service processes its inbox by itself.
func (s *Service) ProcessInbox(ctx context.Context, progress func(n int)) (int, error) {
	total := 0
	for {
		n, err := s.proc.batch(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
		if progress != nil {
			progress(total)
		}
	}
}

// errNotOurTurn is how a batch ends when another node holds the
// processing lock.
var errNotOurTurn = errors.New("another node is processing events")

// batch processes up to processBatch events of the inbox in one
// transaction, deletes them from the inbox after it commits, and says how
// many it took. If the transaction fails, each event is tried in its own,
// and one that fails alone while the database answers is set aside
// (poisoned, deadletter.go), so one bad event holds up nobody else. A
// failure for want of room (a full disk) is noted in the store's health.
func (p *processor) batch(ctx context.Context) (_ int, err error) {
	defer func() { p.svc.health.Note(err) }()
	store := p.svc.cfg.Store
	evs, err := store.InboxList(ctx, processBatch)
	p.setBusy(len(evs) == processBatch)
	if err != nil || len(evs) == 0 {
		return 0, err
	}
	planned, err := p.update(ctx, evs)
	if errors.Is(err, errNotOurTurn) {
		return 0, nil
	}
	if err == nil {
		return len(evs), p.finish(ctx, evs, planned)
	}
	if ctx.Err() != nil {
		return 0, err
	}
	if len(evs) == 1 {
		if _, err := p.poisoned(ctx, evs[0], err, 1); err != nil {
			return 0, ignoreNotOurTurn(err)
		}
		return 1, nil
	}
	for i, ev := range evs {
		planned, err := p.update(ctx, []*aftersale.StoredEvent{ev})
		if err == nil {
			err = p.finish(ctx, []*aftersale.StoredEvent{ev}, planned)
		} else if !errors.Is(err, errNotOurTurn) {
			_, err = p.poisoned(ctx, ev, err, 2)
		}
		if err != nil {
			// The events before this one are done.
			return i, ignoreNotOurTurn(err)
		}
	}
	return len(evs), nil
}

// update applies evs in one transaction holding the processing lock.
func (p *processor) update(ctx context.Context, evs []*aftersale.StoredEvent) (planned int, err error) {
	err = p.svc.updateLockedOnce(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		return p.recovered(ctx, evs, func() (err error) {
			planned, err = p.apply(ctx, tx, evs)
			return err
		})
	})
	return planned, err
}

// ignoreNotOurTurn is nil for errNotOurTurn (another node processes), err
// otherwise.
func ignoreNotOurTurn(err error) error {
	if errors.Is(err, errNotOurTurn) {
		return nil
	}
	return err
}

// finish removes processed events from the inbox, counts them and wakes the
// answers waiting for them.
func (p *processor) finish(ctx context.Context, evs []*aftersale.StoredEvent, planned int) error {
	ids := make([]string, len(evs))
	for i, ev := range evs {
		ids[i] = ev.ID
	}
	// If this fails, the events are taken again and found recorded: no harm.
	if err := p.svc.cfg.Store.InboxDelete(ctx, ids); err != nil {
		return err
	}
	p.processed(ctx, evs, planned)
	return nil
}

// apply processes evs inside tx: each is recorded among the events (an
// event recorded before was processed before, and is passed over), then
// applied. The jobs of the steps due soon are enqueued last, grouped
// across the events.
func (p *processor) apply(ctx context.Context, tx aftersale.Tx, evs []*aftersale.StoredEvent) (planned int, err error) {
	s := p.svc
	now := s.cfg.Clock.RealNow()
	var soon []*aftersale.Step
	for _, in := range evs {
		var ev aftersale.Event
		decodeErr := json.Unmarshal(in.Payload, &ev)
		rec := *in
		if decodeErr == nil {
			rec.OrderRef = ev.OrderRef()
			if ev.Customer != nil {
				rec.CustomerEmail = ev.Customer.Email
			} else if o, err := tx.OrderGetByExternalID(ctx, rec.OrderRef); err == nil {
				if c, err := tx.CustomerGet(ctx, o.CustomerID); err == nil {
					rec.CustomerEmail = c.Email
				}
			}
		}
		inserted, err := tx.EventInsert(ctx, &rec)
		if err != nil {
			return 0, fmt.Errorf("event %s: %w", in.ID, err)
		}
		if !inserted {
			continue // processed before the inbox forgot it
		}
		if decodeErr != nil {
			// Stored by Ingest from a validated event, so this is damage,
			// not input: a poison event, to be set aside (the transaction
			// rolls back, so it is not recorded among the events).
			return 0, fmt.Errorf("event %s does not decode: %w", in.ID, decodeErr)
		}
		steps, err := s.process(ctx, tx, &ev, in.ReceivedAt, now)
		if err != nil {
			return 0, fmt.Errorf("event %s: %w", in.ID, err)
		}
		planned += len(steps)
		for _, st := range steps {
			if st.Enqueued {
				soon = append(soon, st)
			}
		}
	}
	if len(soon) == 0 {
		return planned, nil
	}
	return planned, s.enqueuer.EnqueueSteps(ctx, tx, soon)
}

// processed counts evs, processed with planned steps, and wakes the
// answers waiting for them.
func (p *processor) processed(ctx context.Context, evs []*aftersale.StoredEvent, planned int) {
	if m := p.svc.cfg.Metrics; m != nil {
		m.StepsPlanned.Add(float64(planned))
		m.EventsProcessed.Add(float64(len(evs)))
	}
	p.release(evs)
	if len(evs) > 0 {
		p.svc.log.DebugContext(ctx, "events processed", "count", len(evs))
	}
}

// release wakes the answers waiting for evs, processed or set aside.
func (p *processor) release(evs []*aftersale.StoredEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ev := range evs {
		if ch, ok := p.waiters[ev.ID]; ok {
			close(ch)
			delete(p.waiters, ev.ID)
		}
	}
}

func (p *processor) setBusy(b bool) {
	p.mu.Lock()
	p.busy = b
	p.mu.Unlock()
}

// register prepares an answer to wait for the event's processing, when the
// processor has no backlog and few answers are waiting already; it returns
// nil otherwise. It is called before the event is stored, so that the
// processing cannot slip in between. So a client that posts an event and
// then reads the customer finds the effects, while a busy API is not slowed
// by planning.
func (p *processor) register(id string) chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.busy || len(p.waiters) >= processWaiters || p.cancel == nil {
		return nil
	}
	if _, ok := p.waiters[id]; ok {
		return nil // the same event posted twice at once
	}
	ch := make(chan struct{})
	p.waiters[id] = ch
	return ch
}

// unregister drops a registration made by register.
func (p *processor) unregister(id string, ch chan struct{}) {
	if ch == nil {
		return
	}
	p.mu.Lock()
	if p.waiters[id] == ch {
		delete(p.waiters, id)
	}
	p.mu.Unlock()
}

// wait waits for ch (from register) to close, for at most processWaitMax.
func (p *processor) wait(ctx context.Context, id string, ch chan struct{}) {
	if ch == nil {
		return
	}
	t := time.NewTimer(processWaitMax)
	defer t.Stop()
	select {
	case <-ch:
		return
	case <-t.C:
	case <-ctx.Done():
	}
	p.unregister(id, ch)
}

// sleepCtx sleeps for d of real time, or until ctx ends (then false): the
// pauses of the machinery (a retry's backoff, an erase waiting for the
// inbox), which no journey clock moves.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	var real *aftersale.Clock // a nil Clock is the real one
	return real.Sleep(ctx, d)
}
