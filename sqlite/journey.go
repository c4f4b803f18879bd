package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
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
// CustomerID) exists, and returns the run either way.
func (q *queries) RunCreate(ctx context.Context, r *aftersale.JourneyRun) (*aftersale.JourneyRun, bool, error) {
	status := r.Status
	if status == "" {
		status = aftersale.RunActive
	}
	var run *aftersale.JourneyRun
	created := false
	err := q.atomic(ctx, false, func(q *queries) error {
		var err error
		run, err = scanRun(q.q.QueryRowContext(ctx, `
			INSERT INTO journey_runs (journey_id, order_id, customer_id, event_id, status, started_at, exited_at, exit_reason)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING
			RETURNING `+runColumns,
			r.JourneyID, nullID(r.OrderID), r.CustomerID, r.EventID, string(status), micro(r.StartedAt),
			nullMicro(r.ExitedAt), r.ExitReason))
		if err == nil {
			created = true
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		run, err = scanRun(q.q.QueryRowContext(ctx, `
			SELECT `+runColumns+` FROM journey_runs
			WHERE journey_id = ? AND coalesce(order_id, 0) = ? AND customer_id = ?`,
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
	r, err := scanRun(q.q.QueryRowContext(ctx, `SELECT `+runColumns+` FROM journey_runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("journey run", id)
	}
	return r, wrap("run get", err)
}

// RunGetMany returns the runs with the IDs, in no particular order; IDs
// without a run are left out.
func (q *queries) RunGetMany(ctx context.Context, ids []int64) ([]*aftersale.JourneyRun, error) {
	list, err := selectIn(ctx, q, scanRun, `SELECT `+runColumns+` FROM journey_runs WHERE id IN (`, `)`, ids)
	return list, wrap("run get many", err)
}

// RunListByOrder returns the runs of an order, oldest first.
func (q *queries) RunListByOrder(ctx context.Context, orderID int64) ([]*aftersale.JourneyRun, error) {
	list, err := listRows(ctx, q.q, scanRun,
		`SELECT `+runColumns+` FROM journey_runs WHERE order_id = ? ORDER BY started_at, id`, orderID)
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
		GROUP BY order_id HAVING min(started_at) >= ?`, micro(since))
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
	err := q.atomic(ctx, false, func(q *queries) error {
		res, err := q.q.ExecContext(ctx, `
			UPDATE journey_runs SET status = ?, exited_at = ?, exit_reason = ?
			WHERE id = ? AND status = ?`,
			string(aftersale.RunExited), nullMicro(at), reason, id, string(aftersale.RunActive))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
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
		res, err = q.q.ExecContext(ctx, `
			UPDATE steps SET status = ?, finished_at = ?
			WHERE run_id = ? AND status = ?`,
			string(aftersale.StepExited), nullMicro(at), id, string(aftersale.StepPending))
		if err != nil {
			return err
		}
		// The run's open tasks end with it.
		if _, err := q.q.ExecContext(ctx, `
			UPDATE tasks SET status = ?, outcome = ?, done_at = ?
			WHERE status = ? AND step_id IN (SELECT id FROM steps WHERE run_id = ?)`,
			string(aftersale.TaskCancelled), "journey exited: "+reason, nullMicro(at), string(aftersale.TaskOpen), id); err != nil {
			return err
		}
		n, err = res.RowsAffected()
		if err != nil {
			return err
		}
		planned, err := q.exitPlans(ctx, id, at)
		stopped = int(n) + planned
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
	err := q.atomic(ctx, false, func(q *queries) error {
		// Many rows per statement: one statement costs far more than a row.
		for chunk := range slices.Chunk(steps, stepInsertChunk) {
			var sb strings.Builder
			sb.WriteString(`INSERT INTO steps (run_id, order_id, customer_id, journey_id, step_id, step_key, type, anchor,
				due_at, enqueued, status, note, created_at, finished_at) VALUES `)
			args := make([]any, 0, len(chunk)*14)
			for i, s := range chunk {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
				status := s.Status
				if status == "" {
					status = aftersale.StepPending
				}
				args = append(args, s.RunID, nullID(s.OrderID), s.CustomerID, s.JourneyID, s.StepID, s.Key, string(s.Type), s.Anchor,
					micro(s.DueAt), s.Enqueued, string(status), s.Note, micro(s.CreatedAt), nullMicro(s.FinishedAt))
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
	s, err := scanStep(q.q.QueryRowContext(ctx, `SELECT `+stepColumns+` FROM steps WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("step", id)
	}
	return s, wrap("step get", err)
}

// StepGetMany returns the steps with the IDs, in no particular order; IDs
// without a step are left out.
func (q *queries) StepGetMany(ctx context.Context, ids []int64) ([]*aftersale.Step, error) {
	list, err := selectIn(ctx, q, scanStep, `SELECT `+stepColumns+` FROM steps WHERE id IN (`, `)`, ids)
	return list, wrap("step get many", err)
}

// StepListByCustomer returns the steps of the customer, by due time.
func (q *queries) StepListByCustomer(ctx context.Context, customerID int64) ([]*aftersale.Step, error) {
	list, err := listRows(ctx, q.q, scanStep,
		`SELECT `+stepColumns+` FROM steps WHERE customer_id = ? ORDER BY due_at, id`, customerID)
	return list, wrap("step list by customer", err)
}

// StepFinish moves a pending step to a final status with a note; ECONFLICT
// if it is not pending any more.
func (q *queries) StepFinish(ctx context.Context, id int64, status aftersale.StepStatus, note string, at time.Time) error {
	switch status {
	case aftersale.StepDone, aftersale.StepSkipped, aftersale.StepExited, aftersale.StepFailed:
	default:
		return aftersale.FieldError("status", "%q is not a final step status", status)
	}
	return wrap("step finish", q.atomic(ctx, false, func(q *queries) error {
		res, err := q.q.ExecContext(ctx, `
			UPDATE steps SET status = ?, note = ?, finished_at = ?
			WHERE id = ? AND status = ?`,
			string(status), note, nullMicro(at), id, string(aftersale.StepPending))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil || n == 1 {
			return err
		}
		var cur string
		err = q.q.QueryRowContext(ctx, `SELECT status FROM steps WHERE id = ?`, id).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("step", id)
		}
		if err != nil {
			return err
		}
		return aftersale.Errorf(aftersale.ECONFLICT, "step %d is %s, not pending", id, cur)
	}))
}

// StepCountPending counts pending steps, and those due at or before now.
// Here and in StepListDue the status is a literal, so that SQLite can use
// the partial index of pending steps.
func (q *queries) StepCountPending(ctx context.Context, now time.Time) (pending, due int, err error) {
	err = q.q.QueryRowContext(ctx, `
		SELECT count(*), coalesce(sum(CASE WHEN due_at <= ? THEN 1 ELSE 0 END), 0)
		FROM steps WHERE status = 'pending'`, micro(now)).Scan(&pending, &due)
	if err != nil {
		return 0, 0, wrap("step count pending", err)
	}
	var planned, plannedDue int
	err = q.q.QueryRowContext(ctx, `
		SELECT coalesce(sum(remaining), 0), coalesce(sum(CASE WHEN next_due_at <= ? THEN 1 ELSE 0 END), 0)
		FROM step_plans`, micro(now)).Scan(&planned, &plannedDue)
	if err != nil {
		return 0, 0, wrap("step count pending", err)
	}
	return pending + planned, due + plannedDue, nil
}

// StepListToEnqueue returns up to limit (DefaultLimit when limit <= 0)
// pending steps without a job due at or before before, earliest first.
// SQLite has one writer at a time, so a transaction that lists and marks
// them is alone.
func (q *queries) StepListToEnqueue(ctx context.Context, before time.Time, limit int) ([]*aftersale.Step, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	list, err := listRows(ctx, q.q, scanStep, `
		SELECT `+stepColumns+` FROM steps
		WHERE status = 'pending' AND enqueued = 0 AND due_at <= ?
		ORDER BY due_at, id
		LIMIT ?`, micro(before), limit)
	return list, wrap("step list to enqueue", err)
}

// StepMarkEnqueued records that the steps have their jobs.
func (q *queries) StepMarkEnqueued(ctx context.Context, ids []int64) error {
	return wrap("step mark enqueued", q.atomic(ctx, false, func(q *queries) error {
		for _, id := range ids {
			if _, err := q.q.ExecContext(ctx, `UPDATE steps SET enqueued = 1 WHERE id = ?`, id); err != nil {
				return err
			}
		}
		return nil
	}))
}

// StepResetEnqueued marks every pending step as having no job.
func (q *queries) StepResetEnqueued(ctx context.Context) (int, error) {
	res, err := q.q.ExecContext(ctx, `UPDATE steps SET enqueued = 0 WHERE status = 'pending' AND enqueued = 1`)
	if err != nil {
		return 0, wrap("step reset enqueued", err)
	}
	n, err := res.RowsAffected()
	return int(n), wrap("step reset enqueued", err)
}

// StepListPending returns up to limit (DefaultLimit when limit <= 0)
// pending steps with an ID above afterID, by ID.
func (q *queries) StepListPending(ctx context.Context, afterID int64, limit int) ([]*aftersale.Step, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	list, err := listRows(ctx, q.q, scanStep, `
		SELECT `+stepColumns+` FROM steps
		WHERE status = 'pending' AND id > ?
		ORDER BY id
		LIMIT ?`, afterID, limit)
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
		WHERE status = 'pending' AND due_at <= ?
		ORDER BY due_at, id
		LIMIT ?`, micro(now), limit)
	return list, wrap("step list due", err)
}
