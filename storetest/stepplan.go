package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

// planned returns a planned email step whose step ID is its key.
func planned(key string, due time.Time) aftersale.PlannedStep {
	return aftersale.PlannedStep{StepID: key, Key: key, Type: aftersale.StepEmail, DueAt: due}
}

// stepPlan returns an unsaved plan of the run for the anchor, made at t0.
func stepPlan(r *aftersale.JourneyRun, anchor string, steps ...aftersale.PlannedStep) *aftersale.StepPlan {
	return &aftersale.StepPlan{
		RunID: r.ID, OrderID: r.OrderID, CustomerID: r.CustomerID, JourneyID: r.JourneyID,
		Anchor: anchor, Steps: steps, CreatedAt: fixture.T0,
	}
}

// newPlans stores the plans and returns them as read back, in the same
// order; each must have its own run and anchor.
func newPlans(t *testing.T, s aftersale.Store, plans ...*aftersale.StepPlan) []*aftersale.StepPlan {
	t.Helper()
	for _, p := range plans {
		fixture.Ok(t, s.StepPlanInsert(t.Context(), p))
	}
	out := make([]*aftersale.StepPlan, len(plans))
	for i, p := range plans {
		list, err := s.StepPlanListByCustomer(t.Context(), p.CustomerID)
		fixture.Ok(t, err)
		for _, q := range list {
			if q.RunID == p.RunID && q.Anchor == p.Anchor {
				out[i] = q
			}
		}
		if out[i] == nil {
			t.Fatalf("plan of run %d for %s not stored: %s", p.RunID, p.Anchor, fixture.Show(list))
		}
	}
	return out
}

func planID(p *aftersale.StepPlan) int64 { return p.ID }

// withID returns a copy of want with the ID.
func withID(want *aftersale.StepPlan, id int64) *aftersale.StepPlan {
	w := *want
	w.ID = id
	return &w
}

func testStepPlanInsert(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann@example.com")
	bob := fixture.NewCustomer(t, s, "bob@example.com")
	o := fixture.NewOrder(t, s, ann.ID, "1001", fixture.T0)
	r1 := fixture.NewRun(t, s, "onboarding", o.ID, ann.ID)
	r2 := fixture.NewRun(t, s, "winback", 0, ann.ID)
	rb := fixture.NewRun(t, s, "winback", 0, bob.ID)

	p1 := stepPlan(r1, "delivery", planned("checkin", fixture.At(48*time.Hour)),
		aftersale.PlannedStep{StepID: "call", Key: "call/delivery:pkg-1", Type: aftersale.StepTask, DueAt: fixture.At(72 * time.Hour)})
	p1.CreatedAt = fixture.At(-time.Minute) // older than the others by time as well as by insertion
	p2 := stepPlan(r2, "purchase", aftersale.PlannedStep{StepID: "ask", Key: "ask", Type: aftersale.StepSurvey,
		DueAt: fixture.At(30 * 24 * time.Hour)})
	pb := stepPlan(rb, "purchase", planned("offer", fixture.At(90*24*time.Hour)))
	wants := []*aftersale.StepPlan{p1, p2, pb}
	copies := make([]*aftersale.StepPlan, len(wants))
	for i, p := range wants {
		c := *p
		copies[i] = &c
	}
	for i, p := range copies {
		fixture.Ok(t, s.StepPlanInsert(ctx, p))
		if p.ID == 0 {
			t.Errorf("StepPlanInsert did not set the ID of plan %d", i)
		}
	}

	got, err := s.StepPlanListByCustomer(ctx, ann.ID)
	fixture.Ok(t, err)
	if len(got) != 2 || got[0].ID == 0 || got[1].ID <= got[0].ID {
		t.Fatalf("StepPlanListByCustomer, oldest first: %s", fixture.Show(got))
	}
	fixture.Same(t, "plan with an order", got[0], withID(p1, got[0].ID))
	fixture.Same(t, "plan without an order", got[1], withID(p2, got[1].ID))
	if copies[0].ID != got[0].ID || copies[1].ID != got[1].ID {
		t.Errorf("StepPlanInsert set IDs %d, %d; read back %d, %d", copies[0].ID, copies[1].ID, got[0].ID, got[1].ID)
	}
	other, err := s.StepPlanListByCustomer(ctx, bob.ID)
	fixture.Ok(t, err)
	if len(other) != 1 || other[0].ID == got[0].ID || other[0].ID == got[1].ID {
		t.Fatalf("StepPlanListByCustomer of another customer: %s", fixture.Show(other))
	}
	fixture.Same(t, "another customer's plan", other[0], withID(pb, other[0].ID))
	none, err := s.StepPlanListByCustomer(ctx, 1_000_000)
	fixture.Ok(t, err)
	if len(none) != 0 {
		t.Fatalf("StepPlanListByCustomer of a missing customer: %s", fixture.Show(none))
	}

	// Many plans of one run, listed oldest first.
	carl := fixture.NewCustomer(t, s, "carl@example.com")
	rc := fixture.NewRun(t, s, "onboarding", 0, carl.ID)
	var many []*aftersale.StepPlan
	for i := range 150 {
		many = append(many, stepPlan(rc, fmt.Sprintf("anchor-%03d", i),
			planned("a", fixture.At(time.Duration(i+1)*time.Hour)), planned("b", fixture.At(time.Duration(i+200)*time.Hour))))
	}
	for _, p := range many {
		fixture.Ok(t, s.StepPlanInsert(ctx, p))
	}
	got, err = s.StepPlanListByCustomer(ctx, carl.ID)
	fixture.Ok(t, err)
	if len(got) != len(many) {
		t.Fatalf("listed %d of %d plans", len(got), len(many))
	}
	for i, p := range got {
		if i > 0 && p.ID <= got[i-1].ID {
			t.Fatalf("plans not listed oldest first: %v", fixture.IDs(got, planID))
		}
		want := *many[i]
		want.ID = p.ID
		fixture.Same(t, fmt.Sprintf("plan %d of many", i), p, &want)
	}

	// A plan without steps is refused and not stored.
	dan := fixture.NewCustomer(t, s, "dan@example.com")
	rd := fixture.NewRun(t, s, "onboarding", 0, dan.ID)
	for _, empty := range [][]aftersale.PlannedStep{nil, {}} {
		err := s.StepPlanInsert(ctx, stepPlan(rd, "empty", empty...))
		if err == nil {
			t.Fatalf("StepPlanInsert of a plan with steps %#v: no error", empty)
		}
	}
	got, err = s.StepPlanListByCustomer(ctx, dan.ID)
	fixture.Ok(t, err)
	if len(got) != 0 {
		t.Fatalf("a refused StepPlanInsert stored %s", fixture.Show(got))
	}
}

func testStepPlanListDue(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com")
	bob := fixture.NewFixture(t, s, "bob@example.com")
	review := fixture.NewRun(t, s, "review", f.Order.ID, f.Cust.ID)
	gone := fixture.NewRun(t, s, "winback", 0, f.Cust.ID) // exits with its plan
	late := fixture.NewRun(t, s, "survey", 0, f.Cust.ID)  // exits before its plan is stored

	stored := newPlans(t, s,
		stepPlan(f.Run, "purchase", planned("a", fixture.At(3*time.Hour)), planned("b", fixture.At(10*time.Hour))),
		stepPlan(review, "delivery", planned("ask", fixture.At(time.Hour)), planned("remind", fixture.At(5*time.Hour))),
		stepPlan(bob.Run, "purchase", planned("a", fixture.At(2*time.Hour))),
		stepPlan(f.Run, "access", planned("c", fixture.At(4*time.Hour))),
		stepPlan(gone, "purchase", planned("x", fixture.At(-time.Hour))),
	)
	_, err := s.RunExit(ctx, gone.ID, "unsubscribed", fixture.T0)
	fixture.Ok(t, err)
	_, err = s.RunExit(ctx, late.ID, "unsubscribed", fixture.T0)
	fixture.Ok(t, err)
	fixture.Ok(t, s.StepPlanInsert(ctx, stepPlan(late, "purchase", planned("y", fixture.At(-time.Hour)))))
	a, rv, b, c := stored[0], stored[1], stored[2], stored[3]

	tests := []struct {
		name   string
		before time.Time
		limit  int
		want   []*aftersale.StepPlan
	}{
		{"nothing due", fixture.At(-2 * time.Hour), 10, nil},
		{"due exactly at before", fixture.At(time.Hour), 10, []*aftersale.StepPlan{rv}},
		{"earliest first", fixture.At(150 * time.Minute), 10, []*aftersale.StepPlan{rv, b}},
		{"all", fixture.At(24 * time.Hour), 10, []*aftersale.StepPlan{rv, b, a, c}},
		{"limit", fixture.At(24 * time.Hour), 3, []*aftersale.StepPlan{rv, b, a}},
		{"limit 0 means the default", fixture.At(24 * time.Hour), 0, []*aftersale.StepPlan{rv, b, a, c}},
	}
	for _, tt := range tests {
		got, err := s.StepPlanListDue(ctx, tt.before, tt.limit)
		fixture.Ok(t, err)
		if len(got) != len(tt.want) {
			t.Fatalf("%s: StepPlanListDue = %v, want %v", tt.name, fixture.IDs(got, planID), fixture.IDs(tt.want, planID))
		}
		for i, p := range got {
			fixture.Same(t, tt.name+": listed plan", p, tt.want[i])
		}
	}
}

func testStepPlanAdvance(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com") // "welcome" due at t0
	steps := []aftersale.PlannedStep{planned("a", fixture.At(time.Hour)), planned("b", fixture.At(2*time.Hour)), planned("c", fixture.At(3*time.Hour))}
	stored := newPlans(t, s,
		stepPlan(f.Run, "purchase", steps...),
		stepPlan(f.Run, "delivery", planned("d", fixture.At(90*time.Minute))),
	)
	p, q := stored[0], stored[1]

	listDue := func(what string, before time.Time, want ...*aftersale.StepPlan) {
		t.Helper()
		got, err := s.StepPlanListDue(ctx, before, 10)
		fixture.Ok(t, err)
		if want == nil {
			want = []*aftersale.StepPlan{}
		}
		if got == nil {
			got = []*aftersale.StepPlan{}
		}
		fixture.Same(t, what, got, want)
	}
	listDue("before advancing", fixture.At(time.Hour), p)

	fixture.Ok(t, s.StepPlanAdvance(ctx, p.ID, steps[1:]))
	advanced := *p
	advanced.Steps = steps[1:]
	got, err := s.StepPlanListByCustomer(ctx, f.Cust.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "plans after an advance", got, []*aftersale.StepPlan{&advanced, q})
	listDue("the old next step is not due any more", fixture.At(time.Hour))
	listDue("the other plan comes first now", fixture.At(2*time.Hour), q, &advanced)
	pending, _, err := s.StepCountPending(ctx, fixture.T0)
	fixture.Ok(t, err)
	if pending != 4 {
		t.Fatalf("after an advance: %d pending, want 1 row and 3 planned steps", pending)
	}

	fixture.Ok(t, s.StepPlanAdvance(ctx, p.ID, nil))
	got, err = s.StepPlanListByCustomer(ctx, f.Cust.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "plans after an advance to nothing", got, []*aftersale.StepPlan{q})
	listDue("the advanced plan is gone", fixture.At(24*time.Hour), q)
	fixture.Ok(t, s.StepPlanAdvance(ctx, q.ID, []aftersale.PlannedStep{}))
	got, err = s.StepPlanListByCustomer(ctx, f.Cust.ID)
	fixture.Ok(t, err)
	if len(got) != 0 {
		t.Fatalf("an advance to an empty rest kept %s", fixture.Show(got))
	}
}

func testStepPlanRunExit(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com") // "welcome" pending at t0
	more := fixture.NewSteps(t, s, fixture.Step(f.Run, "checkin", fixture.At(24*time.Hour)), fixture.Step(f.Run, "sent", fixture.At(-time.Hour)))
	fixture.Ok(t, s.StepFinish(ctx, more[1].ID, aftersale.StepDone, "sent", fixture.T0))
	otherRun := fixture.NewRun(t, s, "review", f.Order.ID, f.Cust.ID)

	p := stepPlan(f.Run, "delivery", planned("review", fixture.At(30*24*time.Hour)),
		aftersale.PlannedStep{StepID: "call", Key: "call/delivery:pkg-1", Type: aftersale.StepTask, DueAt: fixture.At(40 * 24 * time.Hour)})
	p.CreatedAt = fixture.At(time.Minute)
	stored := newPlans(t, s, p, stepPlan(otherRun, "purchase", planned("ask", fixture.At(20*24*time.Hour))))
	kept := stored[1]

	exit := fixture.At(time.Hour)
	stopped, err := s.RunExit(ctx, f.Run.ID, "refunded", exit)
	fixture.Ok(t, err)
	if stopped != 4 {
		t.Fatalf("RunExit stopped %d steps, want 2 pending rows and 2 planned steps", stopped)
	}
	plans, err := s.StepPlanListByCustomer(ctx, f.Cust.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "plans after RunExit", plans, []*aftersale.StepPlan{kept})

	rows, err := s.StepListByCustomer(ctx, f.Cust.ID)
	fixture.Ok(t, err)
	byKey := map[string]*aftersale.Step{}
	for _, st := range rows {
		if st.RunID == f.Run.ID {
			byKey[st.Key] = st
		}
	}
	if len(rows) != 5 || len(byKey) != 5 {
		t.Fatalf("steps after RunExit: %s", fixture.Show(rows))
	}
	for _, ps := range p.Steps {
		got := byKey[ps.Key]
		if got == nil || got.ID == 0 {
			t.Fatalf("planned step %s has no row after RunExit: %s", ps.Key, fixture.Show(rows))
		}
		want := &aftersale.Step{
			ID: got.ID, RunID: f.Run.ID, OrderID: f.Order.ID, CustomerID: f.Cust.ID, JourneyID: "onboarding",
			StepID: ps.StepID, Key: ps.Key, Type: ps.Type, Anchor: "delivery", DueAt: ps.DueAt,
			Status: aftersale.StepExited, CreatedAt: fixture.At(time.Minute), FinishedAt: exit,
		}
		fixture.Same(t, "exited planned step "+ps.Key, got, want)
		fromGet, err := s.StepGet(ctx, got.ID)
		fixture.Ok(t, err)
		fixture.Same(t, "StepGet of exited planned step "+ps.Key, fromGet, want)
	}
	for _, key := range []string{"welcome", "checkin"} {
		if st := byKey[key]; st.Status != aftersale.StepExited || !st.FinishedAt.Equal(exit) {
			t.Errorf("row %s after RunExit: %s", key, fixture.Show(st))
		}
	}
	if st := byKey["sent"]; st.Status != aftersale.StepDone || !st.FinishedAt.Equal(fixture.T0) {
		t.Errorf("done row changed by RunExit: %s", fixture.Show(st))
	}
	due, err := s.StepPlanListDue(ctx, fixture.At(365*24*time.Hour), 10)
	fixture.Ok(t, err)
	fixture.Same(t, "StepPlanListDue after RunExit", due, []*aftersale.StepPlan{kept})
	pending, _, err := s.StepCountPending(ctx, fixture.T0)
	fixture.Ok(t, err)
	if pending != 1 {
		t.Fatalf("after RunExit: %d pending, want the other run's planned step", pending)
	}

	stopped, err = s.RunExit(ctx, f.Run.ID, "cancelled", fixture.At(2*time.Hour))
	fixture.Ok(t, err)
	if stopped != 0 {
		t.Fatalf("second RunExit stopped %d steps", stopped)
	}
	again, err := s.StepListByCustomer(ctx, f.Cust.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "steps after a second RunExit", again, rows)
	plans, err = s.StepPlanListByCustomer(ctx, f.Cust.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "plans after a second RunExit", plans, []*aftersale.StepPlan{kept})
}

func testStepPlanPending(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com") // "welcome" due at t0
	bob := fixture.NewFixture(t, s, "bob@example.com")
	fixture.Ok(t, s.StepFinish(ctx, bob.Step.ID, aftersale.StepDone, "", fixture.T0))
	review := fixture.NewRun(t, s, "review", f.Order.ID, f.Cust.ID)
	stored := newPlans(t, s,
		stepPlan(f.Run, "purchase", planned("a", fixture.At(time.Hour)), planned("b", fixture.At(2*time.Hour)), planned("c", fixture.At(3*time.Hour))),
		stepPlan(bob.Run, "purchase", planned("a", fixture.At(2*time.Hour))),
		stepPlan(review, "delivery", planned("ask", fixture.At(-30*time.Minute)), planned("remind", fixture.At(5*time.Hour))),
	)

	check := func(what string, now time.Time, wantPending, wantDue int) {
		t.Helper()
		pending, due, err := s.StepCountPending(ctx, now)
		fixture.Ok(t, err)
		if pending != wantPending || due != wantDue {
			t.Fatalf("%s: %d pending, %d due; want %d, %d", what, pending, due, wantPending, wantDue)
		}
	}
	// 1 pending row and 6 planned steps.
	check("before everything", fixture.At(-time.Hour), 7, 0)
	check("at t0: the row and one plan", fixture.T0, 7, 2)
	check("a plan's next step due exactly now", fixture.At(time.Hour), 7, 3)
	check("a plan with two due steps counts once", fixture.At(2*time.Hour), 7, 4)
	check("all due", fixture.At(24*time.Hour), 7, 4)

	// Plans are not rows: StepListDue does not list their steps.
	list, err := s.StepListDue(ctx, fixture.At(24*time.Hour), 10)
	fixture.Ok(t, err)
	fixture.Same(t, "StepListDue with plans", fixture.IDs(list, func(st *aftersale.Step) int64 { return st.ID }), []int64{f.Step.ID})

	fixture.Ok(t, s.StepPlanAdvance(ctx, stored[0].ID, stored[0].Steps[2:]))
	check("after an advance", fixture.At(2*time.Hour), 5, 3)
	fixture.Ok(t, s.StepPlanAdvance(ctx, stored[1].ID, nil))
	check("after a plan is done", fixture.At(2*time.Hour), 4, 2)
}

// testStepPlanTimes checks that a plan's times come back as the suite's
// other times do: in UTC, to the microsecond, and that a listed plan's next
// step is due by the time it was listed for.
func testStepPlanTimes(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com")
	zone := time.FixedZone("UTC+05:30", 5*3600+1800)
	due := time.Date(2025, 6, 1, 12, 0, 0, 123456789, zone)
	p := stepPlan(f.Run, "purchase", planned("a", due))
	p.CreatedAt = due
	stored := newPlans(t, s, p)[0]
	want := due.Truncate(time.Microsecond).UTC()
	for what, got := range map[string]time.Time{"CreatedAt": stored.CreatedAt, "step DueAt": stored.Steps[0].DueAt} {
		if got.Location() != time.UTC || !got.Equal(want) || got.Nanosecond()%1000 != 0 {
			t.Errorf("plan %s: got %v (%v), want %v in UTC", what, got, got.Location(), want)
		}
	}
	listed, err := s.StepPlanListDue(ctx, want, 10)
	fixture.Ok(t, err)
	if len(listed) != 1 || listed[0].ID != stored.ID || !listed[0].NextDueAt().Equal(want) {
		t.Errorf("StepPlanListDue(%v) = %s, want the plan, its next step due then", want, fixture.Show(listed))
	}
	listed, err = s.StepPlanListDue(ctx, want.Add(-time.Microsecond), 10)
	fixture.Ok(t, err)
	if len(listed) != 0 {
		t.Errorf("StepPlanListDue(a microsecond before) = %s, want none", fixture.Show(listed))
	}
}
