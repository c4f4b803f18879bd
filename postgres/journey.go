package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

const runColumns = `id, journey_id, order_id, customer_id, event_id, status, started_at, exited_at, exit_reason`

func scanRun(s scanner) (*aftersale.JourneyRun, error) {
	var r aftersale.JourneyRun
	err := s.Scan(&r.ID, &r.JourneyID, optID(&r.OrderID), &r.CustomerID, &r.EventID, &r.Status,
		ts(&r.StartedAt), ts(&r.ExitedAt), &r.ExitReason)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// RunCreate starts a journey run unless one for (JourneyID, OrderID,
// CustomerID) exists, and returns the run either way. An insert that meets
// a concurrent one waits for it, and then reads the run it stored.
func (q *queries) RunCreate(ctx context.Context, r *aftersale.JourneyRun) (*aftersale.JourneyRun, bool, error) {
	status := r.Status
	if status == "" {
		status = aftersale.RunActive
	}
	var run *aftersale.JourneyRun
	created := false
	err := q.atomic(ctx, func(q *queries) error {
		var err error
		run, err = scanRun(q.q.QueryRow(ctx, `
			INSERT INTO journey_runs (journey_id, order_id, customer_id, event_id, status, started_at, exited_at, exit_reason)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT DO NOTHING
			RETURNING `+runColumns,
			r.JourneyID, nullID(r.OrderID), r.CustomerID, r.EventID, string(status), r.StartedAt,
			nullTime(r.ExitedAt), r.ExitReason))
		if err == nil {
			created = true
			return nil
		}
		if !noRows(err) {
			return err
		}
		run, err = scanRun(q.q.QueryRow(ctx, `
			SELECT `+runColumns+` FROM journey_runs
			WHERE journey_id = $1 AND coalesce(order_id, 0) = $2 AND customer_id = $3`,
			r.JourneyID, r.OrderID, r.CustomerID))
		return err
	})
	if err != nil {
		return nil, false, wrap("run create", err)
	}
	return run, created, nil
}

// RunGet returns the run with the ID.
func (q *queries) RunGet(ctx context.Context, id int64) (*aftersale.JourneyRun, error) {
	r, err := scanRun(q.q.QueryRow(ctx, `SELECT `+runColumns+` FROM journey_runs WHERE id = $1`, id))
	if noRows(err) {
		return nil, notFound("journey run", id)
	}
	return r, wrap("run get", err)
}

// RunGetMany returns the runs with the IDs, in no particular order; IDs
// without a run are left out.
func (q *queries) RunGetMany(ctx context.Context, ids []int64) ([]*aftersale.JourneyRun, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	list, err := listRows(ctx, q.q, scanRun, `SELECT `+runColumns+` FROM journey_runs WHERE id = ANY($1)`, ids)
	return list, wrap("run get many", err)
}

// RunListByOrder returns the runs of an order, oldest first.
func (q *queries) RunListByOrder(ctx context.Context, orderID int64) ([]*aftersale.JourneyRun, error) {
	list, err := listRows(ctx, q.q, scanRun,
		`SELECT `+runColumns+` FROM journey_runs WHERE order_id = $1 ORDER BY started_at, id`, orderID)
	return list, wrap("run list by order", err)
}

// RunStartsSince maps each order whose first run started at or after since
// to when it started; see aftersale.Store.
func (q *queries) RunStartsSince(ctx context.Context, since time.Time) (map[int64]time.Time, error) {
	type start struct {
		order int64
		at    time.Time
	}
	list, err := listRows(ctx, q.q, func(s scanner) (*start, error) {
		var st start
		return &st, s.Scan(&st.order, ts(&st.at))
	}, `SELECT order_id, min(started_at) FROM journey_runs WHERE order_id IS NOT NULL
		GROUP BY order_id HAVING min(started_at) >= $1`, since)
	if err != nil {
		return nil, wrap("run starts since", err)
	}
	out := make(map[int64]time.Time, len(list))
	for _, st := range list {
		out[st.order] = st.at
	}
	return out, nil
}

// RunExit marks an active run exited, its pending steps exited and its
// open tasks cancelled, and returns how many steps it stopped. Exiting an exited run does nothing.
func (q *queries) RunExit(ctx context.Context, id int64, reason string, at time.Time) (int, error) {
	stopped := 0
	err := q.atomic(ctx, func(q *queries) error {
		n, err := affected(q.q.Exec(ctx, `
			UPDATE journey_runs SET status = $1, exited_at = $2, exit_reason = $3
			WHERE id = $4 AND status = $5`,
			string(aftersale.RunExited), nullTime(at), reason, id, string(aftersale.RunActive)))
		if err != nil {
			return err
		}
		if n == 0 {
			ok, err := q.exists(ctx, "journey_runs", id)
			if err == nil && !ok {
				err = notFound("journey run", id)
			}
			return err
		}
		// The plans first: their delete waits for a dispatcher that is
		// making rows of one, and the update below then sees those rows.
		planned, err := q.exitPlans(ctx, id, at)
		if err != nil {
			return err
		}
		n, err = affected(q.q.Exec(ctx, `
			UPDATE steps SET status = $1, finished_at = $2
			WHERE run_id = $3 AND status = $4`,
			string(aftersale.StepExited), nullTime(at), id, string(aftersale.StepPending)))
		if err != nil {
			return err
		}
		stopped = int(n) + planned
		// The run's open tasks end with it.
		_, err = q.q.Exec(ctx, `
			UPDATE tasks SET status = $1, outcome = $2, done_at = $3
			WHERE status = $4 AND step_id IN (SELECT id FROM steps WHERE run_id = $5)`,
			string(aftersale.TaskCancelled), "journey exited: "+reason, nullTime(at), string(aftersale.TaskOpen), id)
		return err
	})
	if err != nil {
		return 0, wrap("run exit", err)
	}
	return stopped, nil
}

const stepColumns = `id, run_id, order_id, customer_id, journey_id, step_id, step_key, type, anchor,
	due_at, enqueued, status, note, created_at, finished_at`

func scanStep(s scanner) (*aftersale.Step, error) {
	var st aftersale.Step
	err := s.Scan(&st.ID, &st.RunID, optID(&st.OrderID), &st.CustomerID, &st.JourneyID, &st.StepID, &st.Key,
		&st.Type, &st.Anchor, ts(&st.DueAt), &st.Enqueued, &st.Status, &st.Note, ts(&st.CreatedAt), ts(&st.FinishedAt))
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// StepInsert stores new steps, skipping any whose (RunID, Key) exists (or
// comes earlier in steps), and returns copies of the inserted ones with
// their IDs set; steps itself is not changed. A step without a status is
// pending.
func (q *queries) StepInsert(ctx context.Context, steps []*aftersale.Step) ([]*aftersale.Step, error) {
	var inserted []*aftersale.Step
	err := q.atomic(ctx, func(q *queries) error {
		// Many rows per statement: one round trip costs far more than a row.
		for chunk := range slices.Chunk(steps, stepInsertChunk) {
			var sb strings.Builder
			sb.WriteString(`INSERT INTO steps (run_id, order_id, customer_id, journey_id, step_id, step_key, type, anchor,
				due_at, enqueued, status, note, created_at, finished_at) VALUES `)
			args := make([]any, 0, len(chunk)*14)
			for i, s := range chunk {
				if i > 0 {
					sb.WriteString(", ")
				}
				n := i * 14
				fmt.Fprintf(&sb, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)",
					n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10, n+11, n+12, n+13, n+14)
				status := s.Status
				if status == "" {
					status = aftersale.StepPending
				}
				args = append(args, s.RunID, nullID(s.OrderID), s.CustomerID, s.JourneyID, s.StepID, s.Key, string(s.Type), s.Anchor,
					s.DueAt, s.Enqueued, string(status), s.Note, s.CreatedAt, nullTime(s.FinishedAt))
			}
			sb.WriteString(" ON CONFLICT (run_id, step_key) DO NOTHING RETURNING " + stepColumns)
			list, err := listRows(ctx, q.q, scanStep, sb.String(), args...)
			if err != nil {
				return err
			}
			inserted = append(inserted, list...)
		}
		return nil
	})
	if err != nil {
		return nil, wrap("step insert", err)
	}
	slices.SortFunc(inserted, func(a, b *aftersale.Step) int { return cmp.Compare(a.ID, b.ID) })
	return inserted, nil
}

// stepInsertChunk is how many steps one INSERT statement carries.
const stepInsertChunk = 64

// StepGet returns the step with the ID.
func (q *queries) StepGet(ctx context.Context, id int64) (*aftersale.Step, error) {
	s, err := scanStep(q.q.QueryRow(ctx, `SELECT `+stepColumns+` FROM steps WHERE id = $1`, id))
	if noRows(err) {
		return nil, notFound("step", id)
	}
	return s, wrap("step get", err)
}

// StepGetMany returns the steps with the IDs, in no particular order; IDs
// without a step are left out.
func (q *queries) StepGetMany(ctx context.Context, ids []int64) ([]*aftersale.Step, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	list, err := listRows(ctx, q.q, scanStep, `SELECT `+stepColumns+` FROM steps WHERE id = ANY($1)`, ids)
	return list, wrap("step get many", err)
}

// StepListByCustomer returns the steps of the customer, by due time.
func (q *queries) StepListByCustomer(ctx context.Context, customerID int64) ([]*aftersale.Step, error) {
	list, err := listRows(ctx, q.q, scanStep,
		`SELECT `+stepColumns+` FROM steps WHERE customer_id = $1 ORDER BY due_at, id`, customerID)
	return list, wrap("step list by customer", err)
}

// StepFinish moves a pending step to a final status with a note; ECONFLICT
// if it is not pending any more. Of two concurrent calls, the second waits
// for the first's row lock and then finds the step finished.
func (q *queries) StepFinish(ctx context.Context, id int64, status aftersale.StepStatus, note string, at time.Time) error {
	switch status {
	case aftersale.StepDone, aftersale.StepSkipped, aftersale.StepExited, aftersale.StepFailed:
	default:
		return aftersale.FieldError("status", "%q is not a final step status", status)
	}
	return wrap("step finish", q.atomic(ctx, func(q *queries) error {
		n, err := affected(q.q.Exec(ctx, `
			UPDATE steps SET status = $1, note = $2, finished_at = $3
			WHERE id = $4 AND status = $5`,
			string(status), note, nullTime(at), id, string(aftersale.StepPending)))
		if err != nil || n == 1 {
			return err
		}
		var cur string
		err = q.q.QueryRow(ctx, `SELECT status FROM steps WHERE id = $1`, id).Scan(&cur)
		if noRows(err) {
			return notFound("step", id)
		}
		if err != nil {
			return err
		}
		return aftersale.Errorf(aftersale.ECONFLICT, "step %d is %s, not pending", id, cur)
	}))
}

// StepCountPending counts pending steps, and those due at or before now.
// Here and in StepListDue the status is a literal, so that the planner can
// use the partial index of pending steps.
func (q *queries) StepCountPending(ctx context.Context, now time.Time) (pending, due int, err error) {
	err = q.q.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE due_at <= $1)
		FROM steps WHERE status = 'pending'`, now).Scan(&pending, &due)
	if err != nil {
		return 0, 0, wrap("step count pending", err)
	}
	var planned, plannedDue int
	err = q.q.QueryRow(ctx, `
		SELECT coalesce(sum(remaining), 0), count(*) FILTER (WHERE next_due_at <= $1)
		FROM step_plans`, now).Scan(&planned, &plannedDue)
	if err != nil {
		return 0, 0, wrap("step count pending", err)
	}
	return pending + planned, due + plannedDue, nil
}

// StepListToEnqueue returns up to limit (DefaultLimit when limit <= 0)
// pending steps without a job due at or before before, earliest first,
// locking them (FOR UPDATE SKIP LOCKED) so that a dispatcher on another
// node lists others meanwhile.
func (q *queries) StepListToEnqueue(ctx context.Context, before time.Time, limit int) ([]*aftersale.Step, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	list, err := listRows(ctx, q.q, scanStep, `
		SELECT `+stepColumns+` FROM steps
		WHERE status = 'pending' AND NOT enqueued AND due_at <= $1
		ORDER BY due_at, id
		LIMIT $2
		FOR UPDATE SKIP LOCKED`, before, limit)
	return list, wrap("step list to enqueue", err)
}

// StepMarkEnqueued records that the steps have their jobs.
func (q *queries) StepMarkEnqueued(ctx context.Context, ids []int64) error {
	_, err := q.q.Exec(ctx, `UPDATE steps SET enqueued = true WHERE id = ANY($1)`, ids)
	return wrap("step mark enqueued", err)
}

// StepResetEnqueued marks every pending step as having no job.
func (q *queries) StepResetEnqueued(ctx context.Context) (int, error) {
	tag, err := q.q.Exec(ctx, `UPDATE steps SET enqueued = false WHERE status = 'pending' AND enqueued`)
	if err != nil {
		return 0, wrap("step reset enqueued", err)
	}
	return int(tag.RowsAffected()), nil
}

// StepListPending returns up to limit (DefaultLimit when limit <= 0)
// pending steps with an ID above afterID, by ID.
func (q *queries) StepListPending(ctx context.Context, afterID int64, limit int) ([]*aftersale.Step, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	list, err := listRows(ctx, q.q, scanStep, `
		SELECT `+stepColumns+` FROM steps
		WHERE status = 'pending' AND id > $1
		ORDER BY id
		LIMIT $2`, afterID, limit)
	return list, wrap("step list pending", err)
}

// StepListDue returns up to limit (DefaultLimit when limit <= 0) pending
// steps due at or before now, earliest first.
func (q *queries) StepListDue(ctx context.Context, now time.Time, limit int) ([]*aftersale.Step, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	list, err := listRows(ctx, q.q, scanStep, `
		SELECT `+stepColumns+` FROM steps
		WHERE status = 'pending' AND due_at <= $1
		ORDER BY due_at, id
		LIMIT $2`, now, limit)
	return list, wrap("step list due", err)
}
