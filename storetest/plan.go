package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

func testPlan(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann@example.com")
	o1 := fixture.NewOrder(t, s, ann.ID, "1001", fixture.T0)
	o2 := fixture.NewOrder(t, s, ann.ID, "1002", fixture.T0)

	_, err := s.PlanGet(ctx, o1.ID)
	fixture.WantCode(t, "PlanGet of an order without a plan", err, aftersale.ENOTFOUND)

	p := &aftersale.SuccessPlan{OrderID: o1.ID, CustomerID: ann.ID,
		Objectives: []string{"Launch the course", `Ten "paying" students, é`},
		Metrics:    []string{"course live", "students enrolled"},
		UpdatedBy:  "eve@team.example", UpdatedAt: fixture.T0}
	fixture.Ok(t, s.PlanSave(ctx, p))
	got, err := s.PlanGet(ctx, o1.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "PlanGet after a save", got, p)

	// Saving again replaces the plan; empty metrics come back nil.
	p2 := &aftersale.SuccessPlan{OrderID: o1.ID, CustomerID: ann.ID, Objectives: []string{"Launch"},
		UpdatedBy: "client", UpdatedAt: fixture.At(time.Hour)}
	fixture.Ok(t, s.PlanSave(ctx, p2))
	got, err = s.PlanGet(ctx, o1.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "PlanGet after a second save", got, p2)

	// In a transaction, and another order's plan is apart.
	p3 := &aftersale.SuccessPlan{OrderID: o2.ID, CustomerID: ann.ID, Objectives: []string{"x"}, Metrics: []string{"y"},
		UpdatedBy: "api", UpdatedAt: fixture.At(2 * time.Hour)}
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error { return tx.PlanSave(ctx, p3) }))
	got, err = s.PlanGet(ctx, o2.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "PlanGet of the other order", got, p3)
	got, err = s.PlanGet(ctx, o1.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "PlanGet of the first order after saving the other", got, p2)
}

func testCheckIn(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann@example.com")
	o1 := fixture.NewOrder(t, s, ann.ID, "1001", fixture.T0)
	o2 := fixture.NewOrder(t, s, ann.ID, "1002", fixture.T0)

	list, err := s.CheckInList(ctx, o1.ID)
	fixture.Ok(t, err)
	if len(list) != 0 {
		t.Fatalf("CheckInList of an order without check-ins: %s", fixture.Show(list))
	}
	// Added out of time order; two at the same time come by ID.
	var saved []*aftersale.CheckIn
	for _, c := range []*aftersale.CheckIn{
		{OrderID: o1.ID, Progress: 40, Note: "halfway there", By: "client", CreatedAt: fixture.At(2 * time.Hour)},
		{OrderID: o1.ID, Progress: 10, By: "eve@team.example", CreatedAt: fixture.At(time.Hour)},
		{OrderID: o2.ID, Progress: 100, Note: "done", By: "api", CreatedAt: fixture.T0},
		{OrderID: o1.ID, Progress: 0, By: "api", CreatedAt: fixture.At(2 * time.Hour)},
	} {
		got, err := s.CheckInAdd(ctx, c)
		fixture.Ok(t, err)
		if got.ID == 0 {
			t.Fatalf("CheckInAdd(%s) returned ID 0", fixture.Show(c))
		}
		w := *c
		w.ID = got.ID
		fixture.Same(t, "CheckInAdd", got, &w)
		saved = append(saved, got)
	}
	list, err = s.CheckInList(ctx, o1.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "CheckInList", list, []*aftersale.CheckIn{saved[1], saved[0], saved[3]})
	list, err = s.CheckInList(ctx, o2.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "CheckInList of the other order", list, []*aftersale.CheckIn{saved[2]})

	var inTx *aftersale.CheckIn
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		var err error
		inTx, err = tx.CheckInAdd(ctx, &aftersale.CheckIn{OrderID: o2.ID, Progress: 50, CreatedAt: fixture.At(time.Hour)})
		return err
	}))
	list, err = s.CheckInList(ctx, o2.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "CheckInList after an add in a transaction", list, []*aftersale.CheckIn{saved[2], inTx})
}
