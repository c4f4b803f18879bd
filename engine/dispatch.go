package engine

import (
	"context"
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
// dispatchAhead, and says how many.
func (s *Service) Dispatch(ctx context.Context) (int, error) {
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
