package sqlstore

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

const runColumns = `id, journey_id, order_id, customer_id, event_id, status, started_at, exited_at, exit_reason`

func (q *Queries) scanRun(s Row) (*aftersale.JourneyRun, error) {
	var r aftersale.JourneyRun
	err := s.Scan(&r.ID, &r.JourneyID, optID(&r.OrderID), &r.CustomerID, &r.EventID, &r.Status,
		q.ts(&r.StartedAt), q.ts(&r.ExitedAt), &r.ExitReason)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// RunCreate starts a journey run unless one for (JourneyID, OrderID,
// CustomerID) exists, and returns the run either way. On PostgreSQL an
// insert that meets a concurrent one waits for it, and then reads the run
// it stored.
func (q *Queries) RunCreate(ctx context.Context, r *aftersale.JourneyRun) (*aftersale.JourneyRun, bool, error) {
	status := r.Status
	if status == "" {
		status = aftersale.RunActive
	}
	var run *aftersale.JourneyRun
	created := false
	err := q.atomic(ctx, false, func(q *Queries) error {
		var err error
		run, err = q.scanRun(q.row(ctx, `
			INSERT INTO journey_runs (journey_id, order_id, customer_id, event_id, status, started_at, exited_at, exit_reason)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING
			RETURNING `+runColumns,
			r.JourneyID, nullID(r.OrderID), r.CustomerID, r.EventID, string(status), q.t(r.StartedAt),
			q.nt(r.ExitedAt), r.ExitReason))
		if err == nil {
			created = true
			return nil
		}
		if !q.noRows(err) {
			return err
		}
		run, err = q.scanRun(q.row(ctx, `
			SELECT `+runColumns+` FROM journey_runs
			WHERE journey_id = ? AND coalesce(order_id, 0) = ? AND customer_id = ?`,
			r.JourneyID, r.OrderID, r.CustomerID))
		return err
	})
	if err != nil {
		return nil, false, q.wrap("run create", err)
	}
	return run, created, nil
}

// RunGet returns the run with the ID.
func (q *Queries) RunGet(ctx context.Context, id int64) (*aftersale.JourneyRun, error) {
	r, err := q.scanRun(q.row(ctx, `SELECT `+runColumns+` FROM journey_runs WHERE id = ?`, id))
	if q.noRows(err) {
		return nil, notFound("journey run", id)
	}
	return r, q.wrap("run get", err)
}

// RunGetMany returns the runs with the IDs, in no particular order; IDs
// without a run are left out.
func (q *Queries) RunGetMany(ctx context.Context, ids []int64) ([]*aftersale.JourneyRun, error) {
	list, err := selectIn(ctx, q, q.scanRun, `SELECT `+runColumns+` FROM journey_runs WHERE `, "id", ``, ids)
	return list, q.wrap("run get many", err)
}

// RunListByOrder returns the runs of an order, oldest first.
func (q *Queries) RunListByOrder(ctx context.Context, orderID int64) ([]*aftersale.JourneyRun, error) {
	list, err := listRows(ctx, q, q.scanRun,
		`SELECT `+runColumns+` FROM journey_runs WHERE order_id = ? ORDER BY started_at, id`, orderID)
	return list, q.wrap("run list by order", err)
}

// RunStartsSince maps each order whose first run started at or after since
// to when it started; see aftersale.Store.
func (q *Queries) RunStartsSince(ctx context.Context, since time.Time) (map[int64]time.Time, error) {
	type start struct {
		order int64
		at    time.Time
	}
	list, err := listRows(ctx, q, func(s Row) (*start, error) {
		var st start
		return &st, s.Scan(&st.order, q.ts(&st.at))
	}, `SELECT order_id, min(started_at) FROM journey_runs WHERE order_id IS NOT NULL
		GROUP BY order_id HAVING min(started_at) >= ?`, q.t(since))
	if err != nil {
		return nil, q.wrap("run starts since", err)
	}
	out := make(map[int64]time.Time, len(list))
	for _, st := range list {
		out[st.order] = st.at
	}
	return out, nil
}

// RunExit marks an active run exited, its pending steps exited and its
// open tasks cancelled, and returns how many steps it stopped. Exiting an
// exited run does nothing.
func (q *Queries) RunExit(ctx context.Context, id int64, reason string, at time.Time) (int, error) {
	stopped := 0
	err := q.atomic(ctx, false, func(q *Queries) error {
		n, err := q.exec(ctx, `
			UPDATE journey_runs SET status = ?, exited_at = ?, exit_reason = ?
			WHERE id = ? AND status = ?`,
			string(aftersale.RunExited), q.nt(at), reason, id, string(aftersale.RunActive))
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
		// The plans first: on PostgreSQL their delete waits for a
		// dispatcher that is making rows of one, and the update below then
		// sees those rows. The steps of the plans are stored exited, so the
		// update does not count them twice.
		planned, err := q.exitPlans(ctx, id, at)
		if err != nil {
			return err
		}
		n, err = q.exec(ctx, `
			UPDATE steps SET status = ?, finished_at = ?
			WHERE run_id = ? AND status = ?`,
			string(aftersale.StepExited), q.nt(at), id, string(aftersale.StepPending))
		if err != nil {
			return err
		}
		// The run's open tasks end with it.
		_, err = q.exec(ctx, `
			UPDATE tasks SET status = ?, outcome = ?, done_at = ?
			WHERE status = ? AND step_id IN (SELECT id FROM steps WHERE run_id = ?)`,
			string(aftersale.TaskCancelled), "journey exited: "+reason, q.nt(at), string(aftersale.TaskOpen), id)
		stopped = int(n) + planned
		return err
	})
	if err != nil {
		return 0, q.wrap("run exit", err)
	}
	return stopped, nil
}

// exitPlans deletes the plans of the run and stores their steps as rows
// with status exited; it says how many. On PostgreSQL a dispatcher
// materializing one of them holds its row lock, so the delete waits for it
// and then sees what it left.
func (q *Queries) exitPlans(ctx context.Context, runID int64, at time.Time) (int, error) {
	plans, err := listRows(ctx, q, q.scanStepPlan,
		`DELETE FROM step_plans WHERE run_id = ? RETURNING `+stepPlanColumns, runID)
	if err != nil || len(plans) == 0 {
		return 0, err
	}
	inserted, err := q.StepInsert(ctx, aftersale.ExitedSteps(plans, at))
	return len(inserted), err
}

const stepColumns = `id, run_id, order_id, customer_id, journey_id, step_id, step_key, type, anchor,
	due_at, enqueued, status, note, created_at, finished_at`

func (q *Queries) scanStep(s Row) (*aftersale.Step, error) {
	var st aftersale.Step
	err := s.Scan(&st.ID, &st.RunID, optID(&st.OrderID), &st.CustomerID, &st.JourneyID, &st.StepID, &st.Key,
		&st.Type, &st.Anchor, q.ts(&st.DueAt), &st.Enqueued, &st.Status, &st.Note, q.ts(&st.CreatedAt), q.ts(&st.FinishedAt))
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// stepInsertChunk is how many steps one INSERT statement carries.
const stepInsertChunk = 64

// stepInsertRow is the placeholders of one row of StepInsert.
const stepInsertRow = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

// StepInsert stores new steps, skipping any whose (RunID, Key) exists (or
// comes earlier in steps), and returns copies of the inserted ones with
// their IDs set; steps itself is not changed. A step without a status is
// pending. The steps go in as multi-row VALUES, stepInsertChunk rows a
// statement, on both databases: one statement (on PostgreSQL one round
// trip) costs far more than a row.
func (q *Queries) StepInsert(ctx context.Context, steps []*aftersale.Step) ([]*aftersale.Step, error) {
	var inserted []*aftersale.Step
	err := q.atomic(ctx, false, func(q *Queries) error {
		for chunk := range slices.Chunk(steps, stepInsertChunk) {
			var sb strings.Builder
			sb.Grow(256 + len(chunk)*(len(stepInsertRow)+2) + len(stepColumns))
			sb.WriteString(`INSERT INTO steps (run_id, order_id, customer_id, journey_id, step_id, step_key, type, anchor,
				due_at, enqueued, status, note, created_at, finished_at) VALUES `)
			args := make([]any, 0, len(chunk)*14)
			for i, s := range chunk {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString(stepInsertRow)
				status := s.Status
				if status == "" {
					status = aftersale.StepPending
				}
				args = append(args, s.RunID, nullID(s.OrderID), s.CustomerID, s.JourneyID, s.StepID, s.Key, string(s.Type), s.Anchor,
					q.t(s.DueAt), s.Enqueued, string(status), s.Note, q.t(s.CreatedAt), q.nt(s.FinishedAt))
			}
			sb.WriteString(" ON CONFLICT (run_id, step_key) DO NOTHING RETURNING " + stepColumns)
			list, err := listRows(ctx, q, q.scanStep, sb.String(), args...)
			if err != nil {
				return err
			}
			inserted = append(inserted, list...)
		}
		return nil
	})
	if err != nil {
		return nil, q.wrap("step insert", err)
	}
	slices.SortFunc(inserted, func(a, b *aftersale.Step) int { return cmp.Compare(a.ID, b.ID) })
	return inserted, nil
}

// StepGet returns the step with the ID.
func (q *Queries) StepGet(ctx context.Context, id int64) (*aftersale.Step, error) {
	s, err := q.scanStep(q.row(ctx, `SELECT `+stepColumns+` FROM steps WHERE id = ?`, id))
	if q.noRows(err) {
		return nil, notFound("step", id)
	}
	return s, q.wrap("step get", err)
}

// StepGetMany returns the steps with the IDs, in no particular order; IDs
// without a step are left out.
func (q *Queries) StepGetMany(ctx context.Context, ids []int64) ([]*aftersale.Step, error) {
	list, err := selectIn(ctx, q, q.scanStep, `SELECT `+stepColumns+` FROM steps WHERE `, "id", ``, ids)
	return list, q.wrap("step get many", err)
}

// StepListByCustomer returns the steps of the customer, by due time.
func (q *Queries) StepListByCustomer(ctx context.Context, customerID int64) ([]*aftersale.Step, error) {
	list, err := listRows(ctx, q, q.scanStep,
		`SELECT `+stepColumns+` FROM steps WHERE customer_id = ? ORDER BY due_at, id`, customerID)
	return list, q.wrap("step list by customer", err)
}

// StepFinish moves a pending step to a final status with a note; ECONFLICT
// if it is not pending any more. Of two concurrent calls on PostgreSQL, the
// second waits for the first's row lock and then finds the step finished.
func (q *Queries) StepFinish(ctx context.Context, id int64, status aftersale.StepStatus, note string, at time.Time) error {
	switch status {
	case aftersale.StepDone, aftersale.StepSkipped, aftersale.StepExited, aftersale.StepFailed:
	default:
		return aftersale.FieldError("status", "%q is not a final step status", status)
	}
	return q.wrap("step finish", q.atomic(ctx, false, func(q *Queries) error {
		n, err := q.exec(ctx, `
			UPDATE steps SET status = ?, note = ?, finished_at = ?
			WHERE id = ? AND status = ?`,
			string(status), note, q.nt(at), id, string(aftersale.StepPending))
		if err != nil || n == 1 {
			return err
		}
		var cur string
		err = q.row(ctx, `SELECT status FROM steps WHERE id = ?`, id).Scan(&cur)
		if q.noRows(err) {
			return notFound("step", id)
		}
		if err != nil {
			return err
		}
		return aftersale.Errorf(aftersale.ECONFLICT, "step %d is %s, not pending", id, cur)
	}))
}

// StepCountPending counts pending steps, and those due at or before now.
// Here and in the other step lists the status (and enqueued) is a literal,
// so that the planner can use the partial indexes of pending steps.
func (q *Queries) StepCountPending(ctx context.Context, now time.Time) (pending, due int, err error) {
	err = q.row(ctx, `
		SELECT count(*), coalesce(sum(CASE WHEN due_at <= ? THEN 1 ELSE 0 END), 0)
		FROM steps WHERE status = 'pending'`, q.t(now)).Scan(&pending, &due)
	if err != nil {
		return 0, 0, q.wrap("step count pending", err)
	}
	var planned, plannedDue int
	err = q.row(ctx, `
		SELECT coalesce(sum(remaining), 0), coalesce(sum(CASE WHEN next_due_at <= ? THEN 1 ELSE 0 END), 0)
		FROM step_plans`, q.t(now)).Scan(&planned, &plannedDue)
	if err != nil {
		return 0, 0, q.wrap("step count pending", err)
	}
	return pending + planned, due + plannedDue, nil
}

// StepListToEnqueue returns up to limit (DefaultLimit when limit <= 0)
// pending steps without a job due at or before before, earliest first. On
// PostgreSQL they are locked FOR UPDATE SKIP LOCKED, so that a dispatcher
// on another node lists others meanwhile; SQLite has one writer at a time,
// so a transaction that lists and marks them is alone.
func (q *Queries) StepListToEnqueue(ctx context.Context, before time.Time, limit int) ([]*aftersale.Step, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	list, err := listRows(ctx, q, q.scanStep, `
		SELECT `+stepColumns+` FROM steps
		WHERE status = 'pending' AND enqueued = `+q.d.Bool(false)+` AND due_at <= ?
		ORDER BY due_at, id
		LIMIT ?`+q.lock(LockUpdateSkipLocked), q.t(before), limit)
	return list, q.wrap("step list to enqueue", err)
}

// StepMarkEnqueued records that the steps have their jobs: one statement
// with the IDs as an array where the dialect has arrays, padded IN lists of
// at most inChunk IDs otherwise (in one transaction past inChunk).
func (q *Queries) StepMarkEnqueued(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	const head = `UPDATE steps SET enqueued = `
	set := q.d.Bool(true)
	if q.d.Arrays() {
		_, err := q.exec(ctx, head+set+` WHERE id = ANY(?)`, ids)
		return q.wrap("step mark enqueued", err)
	}
	ids = sortedKeys(ids)
	run := func(q *Queries) error {
		for chunk := range slices.Chunk(ids, inChunk) {
			marks, args := inList(chunk)
			if _, err := q.exec(ctx, head+set+` WHERE id IN (`+marks+`)`, args...); err != nil {
				return err
			}
		}
		return nil
	}
	if len(ids) <= inChunk {
		return q.wrap("step mark enqueued", run(q))
	}
	return q.wrap("step mark enqueued", q.atomic(ctx, false, run))
}

// StepResetEnqueued marks every pending step as having no job.
func (q *Queries) StepResetEnqueued(ctx context.Context) (int, error) {
	n, err := q.exec(ctx, `UPDATE steps SET enqueued = `+q.d.Bool(false)+
		` WHERE status = 'pending' AND enqueued = `+q.d.Bool(true))
	if err != nil {
		return 0, q.wrap("step reset enqueued", err)
	}
	return int(n), nil
}

// StepListPending returns up to limit (DefaultLimit when limit <= 0)
// pending steps with an ID above afterID, by ID.
func (q *Queries) StepListPending(ctx context.Context, afterID int64, limit int) ([]*aftersale.Step, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	list, err := listRows(ctx, q, q.scanStep, `
		SELECT `+stepColumns+` FROM steps
		WHERE status = 'pending' AND id > ?
		ORDER BY id
		LIMIT ?`, afterID, limit)
	return list, q.wrap("step list pending", err)
}

// StepListDue returns up to limit (DefaultLimit when limit <= 0) pending
// steps due at or before now, earliest first.
func (q *Queries) StepListDue(ctx context.Context, now time.Time, limit int) ([]*aftersale.Step, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	list, err := listRows(ctx, q, q.scanStep, `
		SELECT `+stepColumns+` FROM steps
		WHERE status = 'pending' AND due_at <= ?
		ORDER BY due_at, id
		LIMIT ?`, q.t(now), limit)
	return list, q.wrap("step list due", err)
}
