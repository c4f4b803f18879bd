package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// planned returns a planned email step whose step ID is its key.
func planned(key string, due time.Time) aftersale.PlannedStep {
	return aftersale.PlannedStep{StepID: key, Key: key, Type: aftersale.StepEmail, DueAt: due}
}

// stepPlan returns an unsaved plan of the run for the anchor, made at t0.
func stepPlan(r *aftersale.JourneyRun, anchor string, steps ...aftersale.PlannedStep) *aftersale.StepPlan {
	return &aftersale.StepPlan{
		RunID: r.ID, OrderID: r.OrderID, CustomerID: r.CustomerID, JourneyID: r.JourneyID,
		Anchor: anchor, Steps: steps, CreatedAt: t0,
	}
}

// newPlans stores the plans and returns them as read back, in the same
// order; each must have its own run and anchor.
func newPlans(t *testing.T, s aftersale.Store, plans ...*aftersale.StepPlan) []*aftersale.StepPlan {
	t.Helper()
	for _, p := range plans {
		ok(t, s.StepPlanInsert(t.Context(), p))
	}
	out := make([]*aftersale.StepPlan, len(plans))
	for i, p := range plans {
		list, err := s.StepPlanListByCustomer(t.Context(), p.CustomerID)
		ok(t, err)
		for _, q := range list {
			if q.RunID == p.RunID && q.Anchor == p.Anchor {
				out[i] = q
			}
		}
		if out[i] == nil {
			t.Fatalf("plan of run %d for %s not stored: %s", p.RunID, p.Anchor, show(list))
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
	ann := newCustomer(t, s, "ann@example.com")
	bob := newCustomer(t, s, "bob@example.com")
	o := newOrder(t, s, ann.ID, "1001", t0)
	r1 := newRun(t, s, "onboarding", o.ID, ann.ID)
	r2 := newRun(t, s, "winback", 0, ann.ID)
	rb := newRun(t, s, "winback", 0, bob.ID)

	p1 := stepPlan(r1, "delivery", planned("checkin", at(48*time.Hour)),
		aftersale.PlannedStep{StepID: "call", Key: "call/delivery:pkg-1", Type: aftersale.StepTask, DueAt: at(72 * time.Hour)})
	p1.CreatedAt = at(-time.Minute) // older than the others by time as well as by insertion
	p2 := stepPlan(r2, "purchase", aftersale.PlannedStep{StepID: "ask", Key: "ask", Type: aftersale.StepSurvey,
		DueAt: at(30 * 24 * time.Hour)})
	pb := stepPlan(rb, "purchase", planned("offer", at(90*24*time.Hour)))
	wants := []*aftersale.StepPlan{p1, p2, pb}
	copies := make([]*aftersale.StepPlan, len(wants))
	for i, p := range wants {
		c := *p
		copies[i] = &c
	}
	for i, p := range copies {
		ok(t, s.StepPlanInsert(ctx, p))
		if p.ID == 0 {
			t.Errorf("StepPlanInsert did not set the ID of plan %d", i)
		}
	}

	got, err := s.StepPlanListByCustomer(ctx, ann.ID)
	ok(t, err)
	if len(got) != 2 || got[0].ID == 0 || got[1].ID <= got[0].ID {
		t.Fatalf("StepPlanListByCustomer, oldest first: %s", show(got))
	}
	same(t, "plan with an order", got[0], withID(p1, got[0].ID))
	same(t, "plan without an order", got[1], withID(p2, got[1].ID))
	if copies[0].ID != got[0].ID || copies[1].ID != got[1].ID {
		t.Errorf("StepPlanInsert set IDs %d, %d; read back %d, %d", copies[0].ID, copies[1].ID, got[0].ID, got[1].ID)
	}
	other, err := s.StepPlanListByCustomer(ctx, bob.ID)
	ok(t, err)
	if len(other) != 1 || other[0].ID == got[0].ID || other[0].ID == got[1].ID {
		t.Fatalf("StepPlanListByCustomer of another customer: %s", show(other))
	}
	same(t, "another customer's plan", other[0], withID(pb, other[0].ID))
	none, err := s.StepPlanListByCustomer(ctx, 1_000_000)
	ok(t, err)
	if len(none) != 0 {
		t.Fatalf("StepPlanListByCustomer of a missing customer: %s", show(none))
	}

	// Many plans of one run, listed oldest first.
	carl := newCustomer(t, s, "carl@example.com")
	rc := newRun(t, s, "onboarding", 0, carl.ID)
	var many []*aftersale.StepPlan
	for i := range 150 {
		many = append(many, stepPlan(rc, fmt.Sprintf("anchor-%03d", i),
			planned("a", at(time.Duration(i+1)*time.Hour)), planned("b", at(time.Duration(i+200)*time.Hour))))
	}
	for _, p := range many {
		ok(t, s.StepPlanInsert(ctx, p))
	}
	got, err = s.StepPlanListByCustomer(ctx, carl.ID)
	ok(t, err)
	if len(got) != len(many) {
		t.Fatalf("listed %d of %d plans", len(got), len(many))
	}
	for i, p := range got {
		if i > 0 && p.ID <= got[i-1].ID {
			t.Fatalf("plans not listed oldest first: %v", ids(got, planID))
		}
		want := *many[i]
		want.ID = p.ID
		same(t, fmt.Sprintf("plan %d of many", i), p, &want)
	}

	// A plan without steps is refused and not stored.
	dan := newCustomer(t, s, "dan@example.com")
	rd := newRun(t, s, "onboarding", 0, dan.ID)
	for _, empty := range [][]aftersale.PlannedStep{nil, {}} {
		err := s.StepPlanInsert(ctx, stepPlan(rd, "empty", empty...))
		if err == nil {
			t.Fatalf("StepPlanInsert of a plan with steps %#v: no error", empty)
		}
	}
	got, err = s.StepPlanListByCustomer(ctx, dan.ID)
	ok(t, err)
	if len(got) != 0 {
		t.Fatalf("a refused StepPlanInsert stored %s", show(got))
	}
}

func testStepPlanListDue(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "ann@example.com")
	bob := newFixture(t, s, "bob@example.com")
	review := newRun(t, s, "review", f.order.ID, f.cust.ID)
	gone := newRun(t, s, "winback", 0, f.cust.ID) // exits with its plan
	late := newRun(t, s, "survey", 0, f.cust.ID)  // exits before its plan is stored

	stored := newPlans(t, s,
		stepPlan(f.run, "purchase", planned("a", at(3*time.Hour)), planned("b", at(10*time.Hour))),
		stepPlan(review, "delivery", planned("ask", at(time.Hour)), planned("remind", at(5*time.Hour))),
		stepPlan(bob.run, "purchase", planned("a", at(2*time.Hour))),
		stepPlan(f.run, "access", planned("c", at(4*time.Hour))),
		stepPlan(gone, "purchase", planned("x", at(-time.Hour))),
	)
	_, err := s.RunExit(ctx, gone.ID, "unsubscribed", t0)
	ok(t, err)
	_, err = s.RunExit(ctx, late.ID, "unsubscribed", t0)
	ok(t, err)
	ok(t, s.StepPlanInsert(ctx, stepPlan(late, "purchase", planned("y", at(-time.Hour)))))
	a, rv, b, c := stored[0], stored[1], stored[2], stored[3]

	tests := []struct {
		name   string
		before time.Time
		limit  int
		want   []*aftersale.StepPlan
	}{
		{"nothing due", at(-2 * time.Hour), 10, nil},
		{"due exactly at before", at(time.Hour), 10, []*aftersale.StepPlan{rv}},
		{"earliest first", at(150 * time.Minute), 10, []*aftersale.StepPlan{rv, b}},
		{"all", at(24 * time.Hour), 10, []*aftersale.StepPlan{rv, b, a, c}},
		{"limit", at(24 * time.Hour), 3, []*aftersale.StepPlan{rv, b, a}},
		{"limit 0 means the default", at(24 * time.Hour), 0, []*aftersale.StepPlan{rv, b, a, c}},
	}
	for _, tt := range tests {
		got, err := s.StepPlanListDue(ctx, tt.before, tt.limit)
		ok(t, err)
		if len(got) != len(tt.want) {
			t.Fatalf("%s: StepPlanListDue = %v, want %v", tt.name, ids(got, planID), ids(tt.want, planID))
		}
		for i, p := range got {
			same(t, tt.name+": listed plan", p, tt.want[i])
		}
	}
}

func testStepPlanAdvance(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "ann@example.com") // "welcome" due at t0
	steps := []aftersale.PlannedStep{planned("a", at(time.Hour)), planned("b", at(2*time.Hour)), planned("c", at(3*time.Hour))}
	stored := newPlans(t, s,
		stepPlan(f.run, "purchase", steps...),
		stepPlan(f.run, "delivery", planned("d", at(90*time.Minute))),
	)
	p, q := stored[0], stored[1]

	listDue := func(what string, before time.Time, want ...*aftersale.StepPlan) {
		t.Helper()
		got, err := s.StepPlanListDue(ctx, before, 10)
		ok(t, err)
		if want == nil {
			want = []*aftersale.StepPlan{}
		}
		if got == nil {
			got = []*aftersale.StepPlan{}
		}
		same(t, what, got, want)
	}
	listDue("before advancing", at(time.Hour), p)

	ok(t, s.StepPlanAdvance(ctx, p.ID, steps[1:]))
	advanced := *p
	advanced.Steps = steps[1:]
	got, err := s.StepPlanListByCustomer(ctx, f.cust.ID)
	ok(t, err)
	same(t, "plans after an advance", got, []*aftersale.StepPlan{&advanced, q})
	listDue("the old next step is not due any more", at(time.Hour))
	listDue("the other plan comes first now", at(2*time.Hour), q, &advanced)
	pending, _, err := s.StepCountPending(ctx, t0)
	ok(t, err)
	if pending != 4 {
		t.Fatalf("after an advance: %d pending, want 1 row and 3 planned steps", pending)
	}

	ok(t, s.StepPlanAdvance(ctx, p.ID, nil))
	got, err = s.StepPlanListByCustomer(ctx, f.cust.ID)
	ok(t, err)
	same(t, "plans after an advance to nothing", got, []*aftersale.StepPlan{q})
	listDue("the advanced plan is gone", at(24*time.Hour), q)
	ok(t, s.StepPlanAdvance(ctx, q.ID, []aftersale.PlannedStep{}))
	got, err = s.StepPlanListByCustomer(ctx, f.cust.ID)
	ok(t, err)
	if len(got) != 0 {
		t.Fatalf("an advance to an empty rest kept %s", show(got))
	}
}

func testStepPlanRunExit(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "ann@example.com") // "welcome" pending at t0
	more := newSteps(t, s, step(f.run, "checkin", at(24*time.Hour)), step(f.run, "sent", at(-time.Hour)))
	ok(t, s.StepFinish(ctx, more[1].ID, aftersale.StepDone, "sent", t0))
	otherRun := newRun(t, s, "review", f.order.ID, f.cust.ID)

	p := stepPlan(f.run, "delivery", planned("review", at(30*24*time.Hour)),
		aftersale.PlannedStep{StepID: "call", Key: "call/delivery:pkg-1", Type: aftersale.StepTask, DueAt: at(40 * 24 * time.Hour)})
	p.CreatedAt = at(time.Minute)
	stored := newPlans(t, s, p, stepPlan(otherRun, "purchase", planned("ask", at(20*24*time.Hour))))
	kept := stored[1]

	exit := at(time.Hour)
	stopped, err := s.RunExit(ctx, f.run.ID, "refunded", exit)
	ok(t, err)
	if stopped != 4 {
		t.Fatalf("RunExit stopped %d steps, want 2 pending rows and 2 planned steps", stopped)
	}
	plans, err := s.StepPlanListByCustomer(ctx, f.cust.ID)
	ok(t, err)
	same(t, "plans after RunExit", plans, []*aftersale.StepPlan{kept})

	rows, err := s.StepListByCustomer(ctx, f.cust.ID)
	ok(t, err)
	byKey := map[string]*aftersale.Step{}
	for _, st := range rows {
		if st.RunID == f.run.ID {
			byKey[st.Key] = st
		}
	}
	if len(rows) != 5 || len(byKey) != 5 {
		t.Fatalf("steps after RunExit: %s", show(rows))
	}
	for _, ps := range p.Steps {
		got := byKey[ps.Key]
		if got == nil || got.ID == 0 {
			t.Fatalf("planned step %s has no row after RunExit: %s", ps.Key, show(rows))
		}
		want := &aftersale.Step{
			ID: got.ID, RunID: f.run.ID, OrderID: f.order.ID, CustomerID: f.cust.ID, JourneyID: "onboarding",
			StepID: ps.StepID, Key: ps.Key, Type: ps.Type, Anchor: "delivery", DueAt: ps.DueAt,
			Status: aftersale.StepExited, CreatedAt: at(time.Minute), FinishedAt: exit,
		}
		same(t, "exited planned step "+ps.Key, got, want)
		fromGet, err := s.StepGet(ctx, got.ID)
		ok(t, err)
		same(t, "StepGet of exited planned step "+ps.Key, fromGet, want)
	}
	for _, key := range []string{"welcome", "checkin"} {
		if st := byKey[key]; st.Status != aftersale.StepExited || !st.FinishedAt.Equal(exit) {
			t.Errorf("row %s after RunExit: %s", key, show(st))
		}
	}
	if st := byKey["sent"]; st.Status != aftersale.StepDone || !st.FinishedAt.Equal(t0) {
		t.Errorf("done row changed by RunExit: %s", show(st))
	}
	due, err := s.StepPlanListDue(ctx, at(365*24*time.Hour), 10)
	ok(t, err)
	same(t, "StepPlanListDue after RunExit", due, []*aftersale.StepPlan{kept})
	pending, _, err := s.StepCountPending(ctx, t0)
	ok(t, err)
	if pending != 1 {
		t.Fatalf("after RunExit: %d pending, want the other run's planned step", pending)
	}

	stopped, err = s.RunExit(ctx, f.run.ID, "cancelled", at(2*time.Hour))
	ok(t, err)
	if stopped != 0 {
		t.Fatalf("second RunExit stopped %d steps", stopped)
	}
	again, err := s.StepListByCustomer(ctx, f.cust.ID)
	ok(t, err)
	same(t, "steps after a second RunExit", again, rows)
	plans, err = s.StepPlanListByCustomer(ctx, f.cust.ID)
	ok(t, err)
	same(t, "plans after a second RunExit", plans, []*aftersale.StepPlan{kept})
}

func testStepPlanPending(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "ann@example.com") // "welcome" due at t0
	bob := newFixture(t, s, "bob@example.com")
	ok(t, s.StepFinish(ctx, bob.step.ID, aftersale.StepDone, "", t0))
	review := newRun(t, s, "review", f.order.ID, f.cust.ID)
	stored := newPlans(t, s,
		stepPlan(f.run, "purchase", planned("a", at(time.Hour)), planned("b", at(2*time.Hour)), planned("c", at(3*time.Hour))),
		stepPlan(bob.run, "purchase", planned("a", at(2*time.Hour))),
		stepPlan(review, "delivery", planned("ask", at(-30*time.Minute)), planned("remind", at(5*time.Hour))),
	)

	check := func(what string, now time.Time, wantPending, wantDue int) {
		t.Helper()
		pending, due, err := s.StepCountPending(ctx, now)
		ok(t, err)
		if pending != wantPending || due != wantDue {
			t.Fatalf("%s: %d pending, %d due; want %d, %d", what, pending, due, wantPending, wantDue)
		}
	}
	// 1 pending row and 6 planned steps.
	check("before everything", at(-time.Hour), 7, 0)
	check("at t0: the row and one plan", t0, 7, 2)
	check("a plan's next step due exactly now", at(time.Hour), 7, 3)
	check("a plan with two due steps counts once", at(2*time.Hour), 7, 4)
	check("all due", at(24*time.Hour), 7, 4)

	// Plans are not rows: StepListDue does not list their steps.
	list, err := s.StepListDue(ctx, at(24*time.Hour), 10)
	ok(t, err)
	same(t, "StepListDue with plans", ids(list, func(st *aftersale.Step) int64 { return st.ID }), []int64{f.step.ID})

	ok(t, s.StepPlanAdvance(ctx, stored[0].ID, stored[0].Steps[2:]))
	check("after an advance", at(2*time.Hour), 5, 3)
	ok(t, s.StepPlanAdvance(ctx, stored[1].ID, nil))
	check("after a plan is done", at(2*time.Hour), 4, 2)
}

// testStepPlanTimes checks that a plan's times come back as the suite's
// other times do: in UTC, to the microsecond, and that a listed plan's next
// step is due by the time it was listed for.
func testStepPlanTimes(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "ann@example.com")
	zone := time.FixedZone("UTC+05:30", 5*3600+1800)
	due := time.Date(2025, 6, 1, 12, 0, 0, 123456789, zone)
	p := stepPlan(f.run, "purchase", planned("a", due))
	p.CreatedAt = due
	stored := newPlans(t, s, p)[0]
	want := due.Truncate(time.Microsecond).UTC()
	for what, got := range map[string]time.Time{"CreatedAt": stored.CreatedAt, "step DueAt": stored.Steps[0].DueAt} {
		if got.Location() != time.UTC || !got.Equal(want) || got.Nanosecond()%1000 != 0 {
			t.Errorf("plan %s: got %v (%v), want %v in UTC", what, got, got.Location(), want)
		}
	}
	listed, err := s.StepPlanListDue(ctx, want, 10)
	ok(t, err)
	if len(listed) != 1 || listed[0].ID != stored.ID || !listed[0].NextDueAt().Equal(want) {
		t.Errorf("StepPlanListDue(%v) = %s, want the plan, its next step due then", want, show(listed))
	}
	listed, err = s.StepPlanListDue(ctx, want.Add(-time.Microsecond), 10)
	ok(t, err)
	if len(listed) != 0 {
		t.Errorf("StepPlanListDue(a microsecond before) = %s, want none", show(listed))
	}
}
