package sqlstore

import (
	"context"
	"time"

	"github.com/aftersale/aftersale"
)

const stepPlanColumns = `id, run_id, order_id, customer_id, journey_id, anchor, steps, created_at`

func (q *Queries) scanStepPlan(s Row) (*aftersale.StepPlan, error) {
	var p aftersale.StepPlan
	var steps string
	err := s.Scan(&p.ID, &p.RunID, optID(&p.OrderID), &p.CustomerID, &p.JourneyID, &p.Anchor, &steps, q.ts(&p.CreatedAt))
	if err != nil {
		return nil, err
	}
	p.SetSteps(steps)
	return &p, nil
}

// StepPlanInsert stores a new step plan and sets its ID.
func (q *Queries) StepPlanInsert(ctx context.Context, plan *aftersale.StepPlan) error {
	if len(plan.Steps) == 0 {
		return aftersale.Errorf(aftersale.EINVALID, "a step plan without steps")
	}
	steps, err := aftersale.EncodePlannedSteps(plan.Steps)
	if err != nil {
		return q.wrap("step plan insert", err)
	}
	err = q.row(ctx, `
		INSERT INTO step_plans (run_id, order_id, customer_id, journey_id, anchor, steps, remaining, next_due_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		plan.RunID, nullID(plan.OrderID), plan.CustomerID, plan.JourneyID, plan.Anchor, steps, len(plan.Steps),
		q.t(plan.NextDueAt()), q.t(plan.CreatedAt)).Scan(&plan.ID)
	return q.wrap("step plan insert", err)
}

// StepPlanListDue returns up to limit (DefaultLimit when limit <= 0) plans
// of active runs whose next step is due at or before before, earliest
// first. On PostgreSQL the plans (not their runs) are locked FOR UPDATE
// SKIP LOCKED, so that a dispatcher on another node passes over them;
// SQLite has one writer at a time, so a transaction that lists and
// advances them is alone.
func (q *Queries) StepPlanListDue(ctx context.Context, before time.Time, limit int) ([]*aftersale.StepPlan, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	list, err := listRows(ctx, q, q.scanStepPlan, `
		SELECT p.id, p.run_id, p.order_id, p.customer_id, p.journey_id, p.anchor, p.steps, p.created_at
		FROM step_plans p JOIN journey_runs r ON r.id = p.run_id
		WHERE p.next_due_at <= ? AND r.status = 'active'
		ORDER BY p.next_due_at, p.id
		LIMIT ?`+q.d.LockOf(LockUpdateSkipLocked, "p"), q.t(before), limit)
	return list, q.wrap("step plan list due", err)
}

// StepPlanAdvance keeps only rest in the plan, or deletes it.
func (q *Queries) StepPlanAdvance(ctx context.Context, id int64, rest []aftersale.PlannedStep) error {
	if len(rest) == 0 {
		_, err := q.exec(ctx, `DELETE FROM step_plans WHERE id = ?`, id)
		return q.wrap("step plan advance", err)
	}
	steps, err := aftersale.EncodePlannedSteps(rest)
	if err != nil {
		return q.wrap("step plan advance", err)
	}
	_, err = q.exec(ctx, `UPDATE step_plans SET steps = ?, remaining = ?, next_due_at = ? WHERE id = ?`,
		steps, len(rest), q.t(rest[0].DueAt), id)
	return q.wrap("step plan advance", err)
}

// StepPlanListByCustomer returns the plans of the customer, oldest first.
func (q *Queries) StepPlanListByCustomer(ctx context.Context, customerID int64) ([]*aftersale.StepPlan, error) {
	list, err := listRows(ctx, q, q.scanStepPlan,
		`SELECT `+stepPlanColumns+` FROM step_plans WHERE customer_id = ? ORDER BY id`, customerID)
	return list, q.wrap("step plan list by customer", err)
}
