package sqlite

import (
	"context"
	"time"

	"github.com/aftersale/aftersale"
)

const stepPlanColumns = `id, run_id, order_id, customer_id, journey_id, anchor, steps, created_at`

func scanStepPlan(s scanner) (*aftersale.StepPlan, error) {
	var p aftersale.StepPlan
	var steps string
	err := s.Scan(&p.ID, &p.RunID, optID(&p.OrderID), &p.CustomerID, &p.JourneyID, &p.Anchor, &steps, ts(&p.CreatedAt))
	if err != nil {
		return nil, err
	}
	p.SetSteps(steps)
	return &p, nil
}

// StepPlanInsert stores a new step plan and sets its ID.
func (q *queries) StepPlanInsert(ctx context.Context, plan *aftersale.StepPlan) error {
	if len(plan.Steps) == 0 {
		return aftersale.Errorf(aftersale.EINVALID, "a step plan without steps")
	}
	steps, err := aftersale.EncodePlannedSteps(plan.Steps)
	if err != nil {
		return wrap("step plan insert", err)
	}
	err = q.q.QueryRowContext(ctx, `
		INSERT INTO step_plans (run_id, order_id, customer_id, journey_id, anchor, steps, remaining, next_due_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		plan.RunID, nullID(plan.OrderID), plan.CustomerID, plan.JourneyID, plan.Anchor, steps, len(plan.Steps),
		micro(plan.NextDueAt()), micro(plan.CreatedAt)).Scan(&plan.ID)
	return wrap("step plan insert", err)
}

// StepPlanListDue returns up to limit (DefaultLimit when limit <= 0) plans
// of active runs whose next step is due at or before before, earliest
// first. SQLite has one writer at a time, so a transaction that lists and
// advances them is alone.
func (q *queries) StepPlanListDue(ctx context.Context, before time.Time, limit int) ([]*aftersale.StepPlan, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	list, err := listRows(ctx, q.q, scanStepPlan, `
		SELECT p.id, p.run_id, p.order_id, p.customer_id, p.journey_id, p.anchor, p.steps, p.created_at
		FROM step_plans p JOIN journey_runs r ON r.id = p.run_id
		WHERE p.next_due_at <= ? AND r.status = 'active'
		ORDER BY p.next_due_at, p.id
		LIMIT ?`, micro(before), limit)
	return list, wrap("step plan list due", err)
}

// StepPlanAdvance keeps only rest in the plan, or deletes it.
func (q *queries) StepPlanAdvance(ctx context.Context, id int64, rest []aftersale.PlannedStep) error {
	if len(rest) == 0 {
		_, err := q.q.ExecContext(ctx, `DELETE FROM step_plans WHERE id = ?`, id)
		return wrap("step plan advance", err)
	}
	steps, err := aftersale.EncodePlannedSteps(rest)
	if err != nil {
		return wrap("step plan advance", err)
	}
	_, err = q.q.ExecContext(ctx, `UPDATE step_plans SET steps = ?, remaining = ?, next_due_at = ? WHERE id = ?`,
		steps, len(rest), micro(rest[0].DueAt), id)
	return wrap("step plan advance", err)
}

// StepPlanListByCustomer returns the plans of the customer, oldest first.
func (q *queries) StepPlanListByCustomer(ctx context.Context, customerID int64) ([]*aftersale.StepPlan, error) {
	list, err := listRows(ctx, q.q, scanStepPlan,
		`SELECT `+stepPlanColumns+` FROM step_plans WHERE customer_id = ? ORDER BY id`, customerID)
	return list, wrap("step plan list by customer", err)
}

// exitPlans deletes the plans of the run and stores their steps as rows
// with status exited; it says how many.
func (q *queries) exitPlans(ctx context.Context, runID int64, at time.Time) (int, error) {
	plans, err := listRows(ctx, q.q, scanStepPlan,
		`DELETE FROM step_plans WHERE run_id = ? RETURNING `+stepPlanColumns, runID)
	if err != nil || len(plans) == 0 {
		return 0, err
	}
	inserted, err := q.StepInsert(ctx, aftersale.ExitedSteps(plans, at))
	return len(inserted), err
}
