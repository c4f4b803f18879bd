package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

func testPlan(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := newCustomer(t, s, "ann@example.com")
	o1 := newOrder(t, s, ann.ID, "1001", t0)
	o2 := newOrder(t, s, ann.ID, "1002", t0)

	_, err := s.PlanGet(ctx, o1.ID)
	wantCode(t, "PlanGet of an order without a plan", err, aftersale.ENOTFOUND)

	p := &aftersale.SuccessPlan{OrderID: o1.ID, CustomerID: ann.ID,
		Objectives: []string{"Launch the course", `Ten "paying" students, é`},
		Metrics:    []string{"course live", "students enrolled"},
		UpdatedBy:  "eve@team.example", UpdatedAt: t0}
	ok(t, s.PlanSave(ctx, p))
	got, err := s.PlanGet(ctx, o1.ID)
	ok(t, err)
	same(t, "PlanGet after a save", got, p)

	// Saving again replaces the plan; empty metrics come back nil.
	p2 := &aftersale.SuccessPlan{OrderID: o1.ID, CustomerID: ann.ID, Objectives: []string{"Launch"},
		UpdatedBy: "client", UpdatedAt: at(time.Hour)}
	ok(t, s.PlanSave(ctx, p2))
	got, err = s.PlanGet(ctx, o1.ID)
	ok(t, err)
	same(t, "PlanGet after a second save", got, p2)

	// In a transaction, and another order's plan is apart.
	p3 := &aftersale.SuccessPlan{OrderID: o2.ID, CustomerID: ann.ID, Objectives: []string{"x"}, Metrics: []string{"y"},
		UpdatedBy: "api", UpdatedAt: at(2 * time.Hour)}
	ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error { return tx.PlanSave(ctx, p3) }))
	got, err = s.PlanGet(ctx, o2.ID)
	ok(t, err)
	same(t, "PlanGet of the other order", got, p3)
	got, err = s.PlanGet(ctx, o1.ID)
	ok(t, err)
	same(t, "PlanGet of the first order after saving the other", got, p2)
}

func testCheckIn(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := newCustomer(t, s, "ann@example.com")
	o1 := newOrder(t, s, ann.ID, "1001", t0)
	o2 := newOrder(t, s, ann.ID, "1002", t0)

	list, err := s.CheckInList(ctx, o1.ID)
	ok(t, err)
	if len(list) != 0 {
		t.Fatalf("CheckInList of an order without check-ins: %s", show(list))
	}
	// Added out of time order; two at the same time come by ID.
	var saved []*aftersale.CheckIn
	for _, c := range []*aftersale.CheckIn{
		{OrderID: o1.ID, Progress: 40, Note: "halfway there", By: "client", CreatedAt: at(2 * time.Hour)},
		{OrderID: o1.ID, Progress: 10, By: "eve@team.example", CreatedAt: at(time.Hour)},
		{OrderID: o2.ID, Progress: 100, Note: "done", By: "api", CreatedAt: t0},
		{OrderID: o1.ID, Progress: 0, By: "api", CreatedAt: at(2 * time.Hour)},
	} {
		got, err := s.CheckInAdd(ctx, c)
		ok(t, err)
		if got.ID == 0 {
			t.Fatalf("CheckInAdd(%s) returned ID 0", show(c))
		}
		w := *c
		w.ID = got.ID
		same(t, "CheckInAdd", got, &w)
		saved = append(saved, got)
	}
	list, err = s.CheckInList(ctx, o1.ID)
	ok(t, err)
	same(t, "CheckInList", list, []*aftersale.CheckIn{saved[1], saved[0], saved[3]})
	list, err = s.CheckInList(ctx, o2.ID)
	ok(t, err)
	same(t, "CheckInList of the other order", list, []*aftersale.CheckIn{saved[2]})

	var inTx *aftersale.CheckIn
	ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		var err error
		inTx, err = tx.CheckInAdd(ctx, &aftersale.CheckIn{OrderID: o2.ID, Progress: 50, CreatedAt: at(time.Hour)})
		return err
	}))
	list, err = s.CheckInList(ctx, o2.ID)
	ok(t, err)
	same(t, "CheckInList after an add in a transaction", list, []*aftersale.CheckIn{saved[2], inTx})
}
