// Package engine runs aftersale: it turns stored events into journey runs and
// planned steps, enqueues them as durable River jobs in the same transaction,
// and executes due steps (sending email, creating tasks).
package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/journey"
)

// Config is what a Service needs. Store, Journeys, Renderer, Mailer and
// Clock are required.
type Config struct {
	Store    aftersale.Store
	Journeys *journey.Set
	Renderer *email.Renderer
	Mailer   aftersale.Mailer
	Clock    *aftersale.Clock
	// Schedule places delayed steps in the customer's day; nil means UTC,
	// quiet hours 21:00–08:00 and Monday–Friday business days.
	Schedule *journey.Schedule
	// From is the sender of journey email.
	From aftersale.Address
	// ReturnPath is the envelope sender, where bounces go; "" uses From.
	ReturnPath string
	// BaseURL is the public URL of this install, for links in email.
	BaseURL string
	// Business fills the support and escalation details of templates.
	Business email.Business
	// Links signs customer links; its Key must be set.
	Links *aftersale.LinkSigner
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Metrics may be nil.
	Metrics *Metrics
	// StepHandlers add handlers of step types, or replace the built-in
	// ones (email, task): a feature package executes its own steps
	// through the pipeline (see StepHandler); package feedback's run the
	// survey steps.
	StepHandlers map[aftersale.StepType]StepHandler
	// RefundRisk scores the purchases in the customer view; nil shows no
	// signals. Package feedback has one.
	RefundRisk RiskScorer
	// IngestCommitters is how many group-commit transactions (of events
	// and of sent steps) may run at once; default 1, which suits SQLite (one
	// writer at a time). A server database gains from a few.
	IngestCommitters int
	// PlanAhead is the planning horizon: the steps of a journey due within
	// it get their rows when they are planned, the later ones are kept in
	// one plan per run and anchor, and become rows when they come within
	// it (see Materialize). 0 means DefaultPlanAhead; it is at least
	// 2 × the dispatcher's period, so that a row is always there before
	// its step is dispatched.
	PlanAhead time.Duration
	// Carriers gives tracking links and usual transit times; nil means
	// the built-in table.
	Carriers *aftersale.Carriers
	// DeliveryMarginDays is added to a carrier's usual transit time before
	// a package counts as late (the "delivery_due" anchor); 0 means 3.
	DeliveryMarginDays int
	// Returns is what the returns page offers and tells.
	Returns aftersale.ReturnPolicy
	// ReturnDoor checks each return.requested event before it is stored
	// (package returns: returns.Door); nil stores returns as any event,
	// bounded only when applied (one asking for too much is set aside).
	ReturnDoor ReturnDoor
	// OrderPlaced, when set, runs in the transaction that records a new
	// order, before its journeys start (package insiders: the code it
	// names is redeemed, a referral credited).
	OrderPlaced OrderHook
	// Stories, when set, chooses the client story of each email of a step
	// with `story: true` (package insiders); nil sends those emails
	// without one.
	Stories StoryPicker
	// ViewParts add what features know of a customer to their view
	// (package insiders: codes and referral link).
	ViewParts []ViewPart
	// OutboxDir is the folder of the local outbox (mail kept as .eml files
	// when no SMTP server is set), whose messages to a customer Erase
	// removes; "" when there is none.
	OutboxDir string
	// HandOvers is how many emails may be handed to the Mailer and not yet
	// recorded at once: what a crash can send twice (see handOver). Set it
	// to the SMTP connections; 0 means DefaultHandOvers.
	HandOvers int
}

// Service is the application core shared by the HTTP API and the workers.
type Service struct {
	cfg      Config
	log      *slog.Logger
	enqueuer enqueuer
	commit   *batcher[txFunc, struct{}]
	// handed records the emails just handed to the Mailer (handover.go)
	// in lazy commits without linger, since a hand-off slot waits on each.
	handed *batcher[txFunc, struct{}]
	inbox  *batcher[*aftersale.StoredEvent, bool]
	proc   *processor
	gate   eraseGate // keeps sends from overlapping an erase (privacy.go)
	// handovers holds a token per email handed to the Mailer and not yet
	// recorded (handover.go).
	handovers chan struct{}
	// handlers execute the steps, by type (handlers.go).
	handlers map[aftersale.StepType]StepHandler
	health   *aftersale.StoreHealth // the store's refusals for want of room (health.go)
}

// enqueuer inserts jobs for new steps inside a store transaction; the River
// wiring implements it per database driver.
type enqueuer interface {
	EnqueueSteps(ctx context.Context, tx aftersale.Tx, steps []*aftersale.Step) error
}

// NewService returns a Service. It is not usable for ingest until a River
// runner is attached with NewRunner.
func NewService(cfg Config) (*Service, error) {
	switch {
	case cfg.Store == nil:
		return nil, fmt.Errorf("engine: Store is required")
	case cfg.Journeys == nil:
		return nil, fmt.Errorf("engine: Journeys is required")
	case cfg.Renderer == nil:
		return nil, fmt.Errorf("engine: Renderer is required")
	case cfg.Mailer == nil:
		return nil, fmt.Errorf("engine: Mailer is required")
	case cfg.Links == nil || len(cfg.Links.Key) == 0:
		return nil, fmt.Errorf("engine: Links with a key is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = &aftersale.Clock{}
	}
	if cfg.Schedule == nil {
		cfg.Schedule = &journey.Schedule{QuietStart: "21:00", QuietEnd: "08:00"}
	}
	if cfg.Schedule.Clock == nil {
		cfg.Schedule.Clock = cfg.Clock
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if len(cfg.Returns.Reasons) == 0 {
		cfg.Returns.Reasons = aftersale.DefaultReturnReasons
	}
	if cfg.PlanAhead <= 0 {
		cfg.PlanAhead = DefaultPlanAhead
	}
	cfg.PlanAhead = max(cfg.PlanAhead, 2*dispatchEvery)
	if cfg.Returns.RefundDays <= 0 {
		cfg.Returns.RefundDays = 5
	}
	if cfg.Carriers == nil {
		cfg.Carriers = aftersale.NewCarriers(nil, nil, 0) // the built-in table
	}
	for _, ref := range cfg.Journeys.Templates() {
		if !cfg.Renderer.Has(ref.Name) {
			return nil, aftersale.Errorf(aftersale.EINVALID, "%s: template %q does not exist (have %v)", ref.String(), ref.Name, cfg.Renderer.Names())
		}
	}
	if cfg.HandOvers <= 0 {
		cfg.HandOvers = DefaultHandOvers
	}
	s := &Service{cfg: cfg, log: cfg.Logger, handovers: make(chan struct{}, cfg.HandOvers)}
	s.handlers = s.builtinHandlers()
	for typ, h := range cfg.StepHandlers {
		s.handlers[typ] = h
	}
	s.health = aftersale.NewStoreHealth(cfg.Clock, s.probeStore)
	s.commit = newCommitter(cfg.Store, cfg.IngestCommitters, s.health)
	s.handed = newLazyCommitter(cfg.Store, cfg.IngestCommitters, s.health)
	s.inbox = newInbox(cfg.Store, cfg.IngestCommitters, s.health)
	s.proc = newProcessor(s)
	return s, nil
}

// Close stops the group committers; Ingest fails after it. Call it once the
// HTTP server has stopped taking requests.
func (s *Service) Close() {
	s.inbox.close()
	s.handed.close()
	s.commit.close()
}

// Store returns the service's store.
func (s *Service) Store() aftersale.Store { return s.cfg.Store }

// Ingest stores the event durably in the inbox and returns once it is
// committed; it reports duplicate=true (and changes nothing) when an event
// with the same ID and the same content was received before, and answers
// ECONFLICT when the content differs (see checkSame). The processor then
// applies it:
// contacts and the order are upserted, journeys start or exit, new steps
// are planned and their jobs enqueued (see processor). When the processor
// has no backlog, Ingest also waits (briefly) for that, so that a caller
// who reads the customer next finds the event's effects.
//
// Concurrent calls are committed together (group commit, see batcher):
// one transaction, and so one disk flush, carries every event that arrived
// while the previous transaction was committing.
func (s *Service) Ingest(ctx context.Context, ev *aftersale.Event) (duplicate bool, err error) {
	return s.ingest(ctx, ev, false)
}

// IngestWebhook is Ingest for an event a shop platform's webhook
// delivered (its signature verified): a redelivery of one of its IDs with
// other content is taken as the duplicate it most likely is (logged), not
// refused with ECONFLICT, because a platform answered anything but 2xx
// retries and in the end turns the webhook off. Events that came another
// way get the ECONFLICT whatever their source field says.
func (s *Service) IngestWebhook(ctx context.Context, ev *aftersale.Event) (duplicate bool, err error) {
	return s.ingest(ctx, ev, true)
}

// ingest is Ingest; fromWebhook says the event came by a verified webhook.
func (s *Service) ingest(ctx context.Context, ev *aftersale.Event, fromWebhook bool) (duplicate bool, err error) {
	if err := ev.Validate(); err != nil {
		return false, err
	}
	if s.enqueuer == nil {
		return false, fmt.Errorf("engine: no job runner attached")
	}
	stored, err := storedEvent(ev, s.cfg.Clock.RealNow())
	if err != nil {
		return false, err
	}
	wait := s.proc.register(ev.ID)
	isNew, err := s.receive(ctx, ev, stored) // a return through its door: returns.go
	if err != nil || !isNew {
		s.proc.unregister(ev.ID, wait)
	}
	if err == nil && !isNew {
		err = s.checkSame(ctx, stored, fromWebhook)
	}
	if err != nil {
		return false, err
	}
	if m := s.cfg.Metrics; m != nil {
		if !isNew {
			m.EventsDuplicate.Inc()
		} else {
			m.EventsReceived.WithLabelValues(string(ev.Type), ev.Source).Inc()
		}
	}
	s.log.InfoContext(ctx, "event stored", "event_id", ev.ID, "type", ev.Type, "source", ev.Source,
		"duplicate", !isNew)
	if isNew {
		s.proc.poke()
		s.proc.wait(ctx, ev.ID, wait)
	}
	return !isNew, nil
}

// storedEvent is a validated event as the inbox keeps it, received at now.
func storedEvent(ev *aftersale.Event, now time.Time) (*aftersale.StoredEvent, error) {
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	return &aftersale.StoredEvent{
		ID: ev.ID, Type: ev.Type, Source: ev.Source, OccurredAt: ev.OccurredAt.UTC(),
		ReceivedAt: now, Payload: payload,
	}, nil
}

// ImportCount is what Import did with the events of a file.
type ImportCount struct {
	Added int // new to this install
	// Known were received before with the same content: they change
	// nothing.
	Known int
	// Changed were received before with other content (a row edited
	// since the last import): the first is kept, as for any event ID,
	// and ChangedIDs names the first maxChangedIDs of them.
	Changed    int
	ChangedIDs []string
}

// maxChangedIDs bounds ImportCount.ChangedIDs.
const maxChangedIDs = 10

// Import puts events read from a file (past orders) in the inbox, a
// thousand per transaction, without waiting for them one by one, and says
// how many were new, how many had been received before with the same
// content (and change nothing) and how many with other content (the
// first is kept: an event is never changed once received). stored, when
// not nil, is called after each transaction with the number of events
// done. Process them with ProcessInbox.
func (s *Service) Import(ctx context.Context, evs []*aftersale.Event, stored func(n int)) (ImportCount, error) {
	var count ImportCount
	now := s.cfg.Clock.RealNow()
	done := 0
	for chunk := range slices.Chunk(evs, 1000) {
		in := make([]*aftersale.StoredEvent, 0, len(chunk))
		for _, ev := range chunk {
			if err := ev.Validate(); err != nil {
				return count, err
			}
			se, err := storedEvent(ev, now)
			if err != nil {
				return count, err
			}
			in = append(in, se)
		}
		isNew, err := s.cfg.Store.InboxAppend(ctx, in)
		if err != nil {
			return count, err
		}
		for i, n := range isNew {
			if n {
				count.Added++
				continue
			}
			same, err := s.sameAsStored(ctx, in[i])
			if err != nil {
				return count, err
			}
			if same {
				count.Known++
				continue
			}
			count.Changed++
			if len(count.ChangedIDs) < maxChangedIDs {
				count.ChangedIDs = append(count.ChangedIDs, in[i].ID)
			}
		}
		done += len(chunk)
		if stored != nil {
			stored(done)
		}
	}
	return count, nil
}

// sameAsStored reports whether the event received before with the ID of
// stored has its content, as checkSame compares them (an event that can
// no longer be compared counts as the same).
func (s *Service) sameAsStored(ctx context.Context, stored *aftersale.StoredEvent) (bool, error) {
	old, found, err := s.cfg.Store.EventPayload(ctx, stored.ID)
	if err != nil {
		return false, err
	}
	return !found || samePayload(old, stored.Payload) || erasedPayload(old), nil
}

// process applies one new event inside tx and returns the steps it planned.
// now is when the event was received: journeys count their delays from it.
// realNow is the time of processing.
func (s *Service) process(ctx context.Context, tx aftersale.Tx, ev *aftersale.Event, now, realNow time.Time) ([]*aftersale.Step, error) {
	var buyer *aftersale.Customer
	var err error
	if ev.Customer != nil {
		if buyer, err = tx.CustomerUpsert(ctx, ev.Customer, now); err != nil {
			return nil, err
		}
	}

	var order *aftersale.Order
	if ev.Type == aftersale.EventOrderPlaced {
		o := &aftersale.Order{
			ExternalID: ev.Order.ID, CustomerID: buyer.ID, Source: ev.Source, Currency: ev.Order.Currency,
			Number: ev.Order.Number, Total: ev.Order.Total, Coupon: ev.Order.Coupon, Status: aftersale.OrderPlaced,
			PlacedAt: ev.OccurredAt.UTC(), Items: ev.Order.Items,
		}
		if order, err = tx.OrderUpsert(ctx, o); err != nil {
			return nil, err
		}
	} else {
		order, err = tx.OrderGetByExternalID(ctx, ev.OrderRef())
		if aftersale.IsNotFound(err) {
			// Stored, but about an order we never saw: nothing to plan.
			s.log.WarnContext(ctx, "event for an unknown order", "event_id", ev.ID, "type", ev.Type)
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		if buyer == nil {
			if buyer, err = tx.CustomerGet(ctx, order.CustomerID); err != nil {
				return nil, err
			}
		}
	}

	if ev.User != nil && ev.User.Email != buyer.Email {
		user, err := tx.CustomerUpsert(ctx, ev.User, now)
		if err != nil {
			return nil, err
		}
		if err := tx.OrderSetUser(ctx, order.ID, user.ID); err != nil {
			return nil, err
		}
		order.UserID = user.ID
	}

	if ev.History {
		// A past order: recorded, its status kept, no journey.
		switch ev.Type {
		case aftersale.EventOrderRefunded:
			return nil, historyRefund(ctx, tx, order, ev)
		case aftersale.EventOrderCancelled:
			return nil, tx.OrderSetStatus(ctx, order.ID, aftersale.OrderCancelled, ev.OccurredAt.UTC())
		}
		return nil, nil
	}
	p := &planner{svc: s, tx: tx, order: order, buyer: buyer, event: ev, now: now, realNow: realNow}
	switch ev.Type {
	case aftersale.EventOrderPlaced:
		if h := s.cfg.OrderPlaced; h != nil {
			if err := h.OrderPlaced(ctx, tx, ev, order, buyer, now, realNow); err != nil {
				return nil, err
			}
		}
		return p.trigger(ctx, "purchase", now)
	case aftersale.EventOrderRefunded:
		return p.refund(ctx)
	case aftersale.EventOrderCancelled:
		if err := tx.OrderSetStatus(ctx, order.ID, aftersale.OrderCancelled, now); err != nil {
			return nil, err
		}
		order.Status = aftersale.OrderCancelled
		if err := p.exit(ctx, journey.TriggerCancel); err != nil {
			return nil, err
		}
		return p.trigger(ctx, journey.TriggerCancel, now)
	case aftersale.EventReturnRequested:
		return p.returnRequested(ctx)
	case aftersale.EventProductAccessed:
		first, err := tx.OrderMarkAccessed(ctx, order.ID, ev.OccurredAt.UTC())
		if err != nil || !first {
			return nil, err
		}
		return p.anchor(ctx, "access", "", now)
	case aftersale.EventShipmentUpdated:
		return p.shipmentUpdated(ctx)
	case aftersale.EventBookingScheduled:
		b := ev.Booking
		if err := tx.BookingUpsert(ctx, &aftersale.BookingRecord{
			OrderID: order.ID, StartsAt: b.StartsAt.UTC(), Title: b.Title, JoinURL: b.JoinURL,
		}); err != nil {
			return nil, err
		}
		return p.anchor(ctx, "booking", b.StartsAt.UTC().Format(time.RFC3339), b.StartsAt.UTC())
	}
	return nil, nil
}
