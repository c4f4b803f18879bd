package engine

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/aftersale/aftersale"
)

// Steps get their jobs in two ways. Those due within dispatchAhead of being
// planned (the at-once steps of a purchase, say) get them in the same
// transaction that plans them. The others, days or weeks away, are only
// rows until the dispatcher, a periodic job, finds them nearly due and
// enqueues them, dispatchBatch at a time, each batch in one transaction
// with the rows marked. So a purchase costs one job insert, not one per
// follow-up, and the queue holds only the work of the next few seconds.
const (
	dispatchAhead = 10 * time.Second
	dispatchEvery = time.Second
	dispatchBatch = 1000
)

// DefaultPlanAhead is the default planning horizon (Config.PlanAhead): a
// purchase writes rows for its steps of the next hour and one plan for the
// rest.
const DefaultPlanAhead = time.Hour

// DispatchArgs is the periodic job that enqueues nearly due steps.
type DispatchArgs struct{}

// Kind names the job kind in River.
func (DispatchArgs) Kind() string { return "aftersale_dispatch" }

// InsertOpts keeps at most one dispatch waiting; a late one is no loss, the
// next finds the same steps.
func (DispatchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: dispatchEvery}}
}

type dispatchWorker struct {
	river.WorkerDefaults[DispatchArgs]
	svc *Service
}

func (w *dispatchWorker) Work(ctx context.Context, _ *river.Job[DispatchArgs]) error {
	_, err := w.svc.Dispatch(ctx)
	return err
}

// Dispatch enqueues every pending step without a job that falls due within
// dispatchAhead, makes rows of the planned steps that come within the
// planning horizon (Materialize, for at most materializeBudget), enqueues
// those of them that are nearly due, and says how many it enqueued.
func (s *Service) Dispatch(ctx context.Context) (int, error) {
	// The rows there are first: making rows of many plans at once (a
	// night's orders all due when quiet hours end) must not hold them up,
	// nor can it fail them. Then the rows just made that are nearly due
	// (after a downtime, say).
	n, err := s.enqueueDue(ctx)
	if err != nil {
		return n, err
	}
	budget, cancel := context.WithTimeout(ctx, materializeBudget)
	defer cancel()
	made, merr := s.Materialize(budget)
	if errors.Is(merr, context.DeadlineExceeded) && ctx.Err() == nil {
		merr = nil // the rest next time: they are an hour ahead
	}
	if made == 0 {
		return n, merr
	}
	more, err := s.enqueueDue(ctx)
	return n + more, errors.Join(merr, err)
}

// materializeBudget bounds the time one dispatch spends making rows of
// plans, well within its job's timeout; what is left waits for the next
// dispatch, a second later, with the hour of the horizon to spare.
const materializeBudget = 5 * time.Second

// enqueueDue enqueues every pending step without a job that falls due
// within dispatchAhead, dispatchBatch per transaction, and says how many.
func (s *Service) enqueueDue(ctx context.Context) (int, error) {
	total := 0
	for {
		n := 0
		err := s.cfg.Store.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
			steps, err := tx.StepListToEnqueue(ctx, s.cfg.Clock.RealNow().Add(dispatchAhead), dispatchBatch)
			if err != nil || len(steps) == 0 {
				return err
			}
			if err := s.enqueuer.EnqueueSteps(ctx, tx, steps); err != nil {
				return err
			}
			ids := make([]int64, len(steps))
			for i, st := range steps {
				ids[i] = st.ID
			}
			n = len(steps)
			return tx.StepMarkEnqueued(ctx, ids)
		})
		total += n
		if err != nil || n < dispatchBatch {
			if total > 0 {
				s.log.DebugContext(ctx, "steps dispatched", "count", total)
			}
			return total, err
		}
	}
}

// Materialize makes pending step rows (without a job) of the planned steps
// due within the planning horizon, dispatchBatch plans per transaction, and
// says how many rows it made. The plans of exited runs are not listed: their
// steps became exited rows when the run exited.
func (s *Service) Materialize(ctx context.Context) (int, error) {
	total := 0
	for {
		n, listed := 0, 0
		err := s.cfg.Store.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
			horizon := s.cfg.Clock.RealNow().Add(s.cfg.PlanAhead)
			plans, err := tx.StepPlanListDue(ctx, horizon, dispatchBatch)
			if err != nil || len(plans) == 0 {
				return err
			}
			listed = len(plans)
			var steps []*aftersale.Step
			for _, p := range plans {
				if p.Broken != "" {
					// Damage, not input: kept, reported each time, and
					// not in the way of the others.
					s.log.ErrorContext(ctx, "step plan does not decode; its steps are not made", "plan_id", p.ID, "run_id", p.RunID, "err", p.Broken)
					continue
				}
				due, rest := p.Materialize(horizon)
				steps = append(steps, due...)
				if err := tx.StepPlanAdvance(ctx, p.ID, rest); err != nil {
					return err
				}
			}
			inserted, err := tx.StepInsert(ctx, steps)
			n = len(inserted)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if m := s.cfg.Metrics; m != nil && n > 0 {
			m.StepsPlanned.Add(float64(n))
		}
		if listed < dispatchBatch || n == 0 { // n == 0: damaged plans only
			if total > 0 {
				s.log.DebugContext(ctx, "planned steps made rows", "count", total)
			}
			return total, nil
		}
	}
}
