package engine

import (
	"context"
	"slices"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/journey"
)

// planner starts, exits and extends journey runs for one event of one order.
type planner struct {
	svc   *Service
	tx    aftersale.Tx
	order *aftersale.Order
	buyer *aftersale.Customer
	event *aftersale.Event
	now   time.Time // when the event was received
	// realNow is the time of processing: steps due by shortly after it get
	// their jobs at once.
	realNow time.Time
	facts   *journey.Facts
	// keys are the step keys of the customer's runs, read once per event
	// when an anchor plans steps into existing runs (see knownKeys).
	keys map[int64]map[string]bool
}

// loadFacts reads what conditions may ask about the order, once per event.
func (p *planner) loadFacts(ctx context.Context) (*journey.Facts, error) {
	if p.facts != nil {
		return p.facts, nil
	}
	progress, returns := false, false
	for _, j := range p.svc.cfg.Journeys.Journeys {
		progress = progress || j.When.NeedsProgress()
		returns = returns || j.When.NeedsReturns()
	}
	f, err := loadFacts(ctx, p.tx, p.svc.cfg.Clock, p.svc.cfg.Business.PhoneRegion, p.order, p.buyer, progress, returns, nil)
	if err != nil {
		return nil, err
	}
	p.facts = f
	return f, nil
}

// loadFacts gathers the facts about an order that conditions can read;
// the user, packages and sessions come from pre when it is not nil (a
// job's data, read for all its steps at once).
// The facts of the customer's progress (see loadProgress) take more reads:
// they are loaded when progress is true; the order's returns when returns
// is. region reads phone numbers written without a country code
// (Business.PhoneRegion).
func loadFacts(ctx context.Context, q aftersale.Queries, clock *aftersale.Clock, region string, order *aftersale.Order, buyer *aftersale.Customer, progress, returns bool,
	pre *jobData) (*journey.Facts, error) {
	f := &journey.Facts{Order: order, Buyer: buyer, Now: clock.VirtualNow(), PhoneRegion: region}
	if order.UserID != 0 && order.UserID != buyer.ID {
		if pre != nil && pre.customers[order.UserID] != nil {
			f.User = pre.customers[order.UserID]
		} else {
			u, err := q.CustomerGet(ctx, order.UserID)
			if err != nil {
				return nil, err
			}
			f.User = u
		}
	}
	var err error
	if pre != nil {
		f.Shipments, f.Bookings = pre.shipments[order.ID], pre.bookings[order.ID]
	} else {
		if f.Shipments, err = q.ShipmentListByOrder(ctx, order.ID); err != nil {
			return nil, err
		}
		if f.Bookings, err = q.BookingListByOrder(ctx, order.ID); err != nil {
			return nil, err
		}
	}
	if returns {
		if f.Returns, err = q.ReturnList(ctx, aftersale.ReturnFilter{OrderID: order.ID}); err != nil {
			return nil, err
		}
	}
	if progress {
		if err := loadProgress(ctx, q, f); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// trigger starts a run of every journey triggered by the event whose `when`
// holds, and plans the steps anchored on the trigger itself.
func (p *planner) trigger(ctx context.Context, trigger string, at time.Time) ([]*aftersale.Step, error) {
	var out []*aftersale.Step
	for _, j := range p.svc.cfg.Journeys.Triggered(trigger) {
		if j.When != nil {
			f, err := p.loadFacts(ctx)
			if err != nil {
				return nil, err
			}
			ok, err := j.When.Eval(f)
			if err != nil {
				p.svc.log.WarnContext(ctx, "journey condition failed", "journey", j.ID, "err", err)
				continue
			}
			if !ok {
				continue
			}
		}
		run, created, err := p.tx.RunCreate(ctx, &aftersale.JourneyRun{
			JourneyID: j.ID, OrderID: p.order.ID, CustomerID: p.buyer.ID, EventID: p.event.ID,
			Status: aftersale.RunActive, StartedAt: p.now,
		})
		if err != nil {
			return nil, err
		}
		if !created {
			continue
		}
		steps, err := p.plan(ctx, run, j, trigger, "", at, true)
		if err != nil {
			return nil, err
		}
		out = append(out, steps...)
	}
	return out, nil
}

// anchor plans, in every active run of the order, the steps relative to the
// anchor event. ref tells apart repeated anchors (one per package, one per
// session) so that each gets its own steps.
func (p *planner) anchor(ctx context.Context, anchor, ref string, at time.Time) ([]*aftersale.Step, error) {
	runs, err := p.tx.RunListByOrder(ctx, p.order.ID)
	if err != nil {
		return nil, err
	}
	var out []*aftersale.Step
	for _, run := range runs {
		if run.Status != aftersale.RunActive {
			continue
		}
		j := p.svc.cfg.Journeys.ByID(run.JourneyID)
		if j == nil {
			continue // the journey was removed from the configuration
		}
		steps, err := p.plan(ctx, run, j, anchor, ref, at, false)
		if err != nil {
			return nil, err
		}
		out = append(out, steps...)
	}
	return out, nil
}

// exit stops the runs of the order whose journeys exit on the event.
func (p *planner) exit(ctx context.Context, event string) error {
	runs, err := p.tx.RunListByOrder(ctx, p.order.ID)
	if err != nil {
		return err
	}
	for _, run := range runs {
		j := p.svc.cfg.Journeys.ByID(run.JourneyID)
		if run.Status != aftersale.RunActive || j == nil || !j.ExitsOn(event) {
			continue
		}
		n, err := p.tx.RunExit(ctx, run.ID, event, p.now)
		if err != nil {
			return err
		}
		p.svc.log.InfoContext(ctx, "journey exited", "journey", j.ID, "order_id", p.order.ID, "reason", event, "steps_stopped", n)
	}
	return nil
}

// plan stores the steps of j anchored on anchor, due relative to at: a row
// for each step due within the planning horizon (Config.PlanAhead), and one
// plan for the later ones, which the dispatcher makes rows of when they
// come within it. It returns the rows. A step planned before (the same
// key in the run, as a row or in a plan: a repeated anchor event) keeps
// what it had, as rows always did (see StepInsert); fresh says the run was
// just created, so there is nothing to look up.
func (p *planner) plan(ctx context.Context, run *aftersale.JourneyRun, j *journey.Journey, anchor, ref string, at time.Time, fresh bool) ([]*aftersale.Step, error) {
	var known map[string]bool // nil for a fresh run: reads find nothing
	if !fresh || p.keys != nil {
		var err error
		if known, err = p.knownKeys(ctx, run); err != nil {
			return nil, err
		}
	}
	var steps []*aftersale.Step
	later := &aftersale.StepPlan{
		RunID: run.ID, OrderID: p.order.ID, CustomerID: p.buyer.ID, JourneyID: j.ID, Anchor: anchor, CreatedAt: p.now,
	}
	horizon := p.realNow.Add(p.svc.cfg.PlanAhead)
	for _, st := range j.StepsAfter(anchor) {
		key := st.ID
		if ref != "" {
			key += "/" + ref
		}
		if known[key] {
			continue
		}
		if known != nil { // what this event plans, for its next anchors
			known[key] = true
		}
		due := p.svc.cfg.Schedule.Due(at, st, p.buyer.Timezone)
		if due.After(horizon) {
			later.Steps = append(later.Steps, aftersale.PlannedStep{StepID: st.ID, Key: key, Type: st.Type, DueAt: due})
			continue
		}
		steps = append(steps, &aftersale.Step{
			RunID: run.ID, OrderID: p.order.ID, CustomerID: p.buyer.ID, JourneyID: j.ID,
			StepID: st.ID, Key: key, Type: st.Type, Anchor: anchor, DueAt: due,
			// Steps due soon get their job now, in this transaction; the
			// dispatcher enqueues the others when they are nearly due.
			Enqueued: !due.After(p.realNow.Add(dispatchAhead)),
			Status:   aftersale.StepPending, CreatedAt: p.now,
		})
	}
	if len(later.Steps) > 0 {
		// By due time, and by position in the journey among equals, as
		// the rows would be listed.
		slices.SortStableFunc(later.Steps, func(a, b aftersale.PlannedStep) int { return a.DueAt.Compare(b.DueAt) })
		if err := p.tx.StepPlanInsert(ctx, later); err != nil {
			return nil, err
		}
	}
	if len(steps) == 0 {
		return nil, nil
	}
	return p.tx.StepInsert(ctx, steps)
}

// knownKeys returns the keys of the run's steps, those with rows and those
// waiting in plans. The customer's steps and plans are read once per
// event; plan adds what the event plans as it goes.
func (p *planner) knownKeys(ctx context.Context, run *aftersale.JourneyRun) (map[string]bool, error) {
	if p.keys == nil {
		plans, err := p.tx.StepPlanListByCustomer(ctx, p.buyer.ID)
		if err != nil {
			return nil, err
		}
		steps, err := p.tx.StepListByCustomer(ctx, p.buyer.ID)
		if err != nil {
			return nil, err
		}
		p.keys = map[int64]map[string]bool{}
		for _, pl := range plans {
			for _, ps := range pl.Steps {
				p.runKeys(pl.RunID)[ps.Key] = true
			}
		}
		for _, st := range steps {
			p.runKeys(st.RunID)[st.Key] = true
		}
	}
	return p.runKeys(run.ID), nil
}

// runKeys returns the known step keys of the run (see knownKeys).
func (p *planner) runKeys(runID int64) map[string]bool {
	k := p.keys[runID]
	if k == nil {
		k = map[string]bool{}
		p.keys[runID] = k
	}
	return k
}
