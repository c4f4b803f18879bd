package aftersale

import (
	"context"
	"slices"
	"time"
)

// StepLister reads what is planned for a customer: the step rows, and the
// plans whose steps have no row yet. Queries (so Store and Tx) has it.
type StepLister interface {
	StepListByCustomer(ctx context.Context, customerID int64) ([]*Step, error)
	StepPlanListByCustomer(ctx context.Context, customerID int64) ([]*StepPlan, error)
}

// StepsWithPlans returns everything planned for the customer: the step
// rows and, as pending steps without an ID, the steps still waiting in
// plans, by due time.
func StepsWithPlans(ctx context.Context, q StepLister, customerID int64) ([]*Step, error) {
	// The plans first: a step made a row between the two reads is then
	// in both (and shown once), not in neither.
	plans, err := q.StepPlanListByCustomer(ctx, customerID)
	if err != nil {
		return nil, err
	}
	steps, err := q.StepListByCustomer(ctx, customerID)
	if err != nil || len(plans) == 0 {
		return steps, err
	}
	type key struct {
		run int64
		key string
	}
	rows := make(map[key]bool, len(steps))
	for _, st := range steps {
		rows[key{st.RunID, st.Key}] = true
	}
	for _, pl := range plans {
		for _, ps := range pl.Steps {
			if !rows[key{pl.RunID, ps.Key}] {
				steps = append(steps, pl.Step(ps, StepPending, time.Time{}))
			}
		}
	}
	slices.SortStableFunc(steps, func(a, b *Step) int { return a.DueAt.Compare(b.DueAt) })
	return steps, nil
}
