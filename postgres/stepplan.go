package postgres

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
	err = q.q.QueryRow(ctx, `
		INSERT INTO step_plans (run_id, order_id, customer_id, journey_id, anchor, steps, remaining, next_due_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		plan.RunID, nullID(plan.OrderID), plan.CustomerID, plan.JourneyID, plan.Anchor, steps, len(plan.Steps),
		plan.NextDueAt(), plan.CreatedAt).Scan(&plan.ID)
	return wrap("step plan insert", err)
}

// StepPlanListDue returns up to limit (DefaultLimit when limit <= 0) plans
// of active runs whose next step is due at or before before, earliest
// first, locking them (FOR UPDATE SKIP LOCKED) so that a dispatcher on
// another node passes over them.
func (q *queries) StepPlanListDue(ctx context.Context, before time.Time, limit int) ([]*aftersale.StepPlan, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	list, err := listRows(ctx, q.q, scanStepPlan, `
		SELECT p.id, p.run_id, p.order_id, p.customer_id, p.journey_id, p.anchor, p.steps, p.created_at
		FROM step_plans p JOIN journey_runs r ON r.id = p.run_id
		WHERE p.next_due_at <= $1 AND r.status = 'active'
		ORDER BY p.next_due_at, p.id
		LIMIT $2
		FOR UPDATE OF p SKIP LOCKED`, before, limit)
	return list, wrap("step plan list due", err)
}

// StepPlanAdvance keeps only rest in the plan, or deletes it.
func (q *queries) StepPlanAdvance(ctx context.Context, id int64, rest []aftersale.PlannedStep) error {
	if len(rest) == 0 {
		_, err := q.q.Exec(ctx, `DELETE FROM step_plans WHERE id = $1`, id)
		return wrap("step plan advance", err)
	}
	steps, err := aftersale.EncodePlannedSteps(rest)
	if err != nil {
		return wrap("step plan advance", err)
	}
	_, err = q.q.Exec(ctx, `UPDATE step_plans SET steps = $1, remaining = $2, next_due_at = $3 WHERE id = $4`,
		steps, len(rest), rest[0].DueAt, id)
	return wrap("step plan advance", err)
}

// StepPlanListByCustomer returns the plans of the customer, oldest first.
func (q *queries) StepPlanListByCustomer(ctx context.Context, customerID int64) ([]*aftersale.StepPlan, error) {
	list, err := listRows(ctx, q.q, scanStepPlan,
		`SELECT `+stepPlanColumns+` FROM step_plans WHERE customer_id = $1 ORDER BY id`, customerID)
	return list, wrap("step plan list by customer", err)
}

// exitPlans deletes the plans of the run and stores their steps as rows
// with status exited; it says how many. A dispatcher materializing one of
// them holds its row lock, so the delete waits for it and then sees what
// it left.
func (q *queries) exitPlans(ctx context.Context, runID int64, at time.Time) (int, error) {
	plans, err := listRows(ctx, q.q, scanStepPlan,
		`DELETE FROM step_plans WHERE run_id = $1 RETURNING `+stepPlanColumns, runID)
	if err != nil || len(plans) == 0 {
		return 0, err
	}
	inserted, err := q.StepInsert(ctx, aftersale.ExitedSteps(plans, at))
	return len(inserted), err
}
