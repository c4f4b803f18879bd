package storetest

import (
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

func testRunCreate(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann@example.com")
	bob := fixture.NewCustomer(t, s, "bob@example.com")
	o := fixture.NewOrder(t, s, ann.ID, "1001", fixture.T0)

	tests := []struct {
		name string
		run  aftersale.JourneyRun
	}{
		{"order journey", aftersale.JourneyRun{JourneyID: "onboarding", OrderID: o.ID, CustomerID: ann.ID,
			EventID: "evt_1", Status: aftersale.RunActive, StartedAt: fixture.T0}},
		{"same journey and order, other customer", aftersale.JourneyRun{JourneyID: "onboarding", OrderID: o.ID,
			CustomerID: bob.ID, EventID: "evt_1", Status: aftersale.RunActive, StartedAt: fixture.T0}},
		{"other journey", aftersale.JourneyRun{JourneyID: "review", OrderID: o.ID, CustomerID: ann.ID,
			EventID: "evt_2", Status: aftersale.RunActive, StartedAt: fixture.At(time.Hour)}},
		{"customer journey without an order", aftersale.JourneyRun{JourneyID: "winback", CustomerID: ann.ID,
			EventID: "evt_3", Status: aftersale.RunActive, StartedAt: fixture.At(2 * time.Hour)}},
	}
	seen := map[int64]bool{}
	for _, tt := range tests {
		in := tt.run
		r, created, err := s.RunCreate(ctx, &in)
		fixture.Ok(t, err)
		if !created || r.ID == 0 || seen[r.ID] {
			t.Fatalf("%s: created %v with ID %d (IDs so far %v)", tt.name, created, r.ID, seen)
		}
		seen[r.ID] = true
		want := tt.run
		want.ID = r.ID
		fixture.Same(t, tt.name, r, &want)

		// Starting it again returns the stored run, unchanged.
		again := tt.run
		again.EventID = "evt_later"
		again.StartedAt = fixture.At(10 * time.Hour)
		r2, created, err := s.RunCreate(ctx, &again)
		fixture.Ok(t, err)
		if created {
			t.Fatalf("%s: second RunCreate created a run", tt.name)
		}
		fixture.Same(t, tt.name+" (again)", r2, &want)

		got, err := s.RunGet(ctx, r.ID)
		fixture.Ok(t, err)
		fixture.Same(t, tt.name+" (RunGet)", got, &want)
	}
	_, err := s.RunGet(ctx, 1_000_000)
	fixture.WantCode(t, "RunGet of a missing run", err, aftersale.ENOTFOUND)
}

func testRunListByOrder(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann@example.com")
	o := fixture.NewOrder(t, s, ann.ID, "1001", fixture.T0)
	other := fixture.NewOrder(t, s, ann.ID, "1002", fixture.T0)
	var want []*aftersale.JourneyRun
	for _, r := range []aftersale.JourneyRun{
		{JourneyID: "review", OrderID: o.ID, CustomerID: ann.ID, Status: aftersale.RunActive, StartedAt: fixture.At(time.Hour)},
		{JourneyID: "onboarding", OrderID: o.ID, CustomerID: ann.ID, Status: aftersale.RunActive, StartedAt: fixture.T0},
		{JourneyID: "onboarding", OrderID: other.ID, CustomerID: ann.ID, Status: aftersale.RunActive, StartedAt: fixture.T0},
		{JourneyID: "winback", CustomerID: ann.ID, Status: aftersale.RunActive, StartedAt: fixture.T0},
	} {
		run, _, err := s.RunCreate(ctx, &r)
		fixture.Ok(t, err)
		if run.OrderID == o.ID {
			want = append([]*aftersale.JourneyRun{run}, want...) // the later-started one was created first
		}
	}
	got, err := s.RunListByOrder(ctx, o.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "RunListByOrder, oldest first", got, want)
}

func testRunExit(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com")
	more := fixture.NewSteps(t, s, fixture.Step(f.Run, "checkin", fixture.At(24*time.Hour)), fixture.Step(f.Run, "review", fixture.At(48*time.Hour)))
	fixture.Ok(t, s.StepFinish(ctx, more[1].ID, aftersale.StepDone, "sent", fixture.At(time.Minute)))
	otherRun := fixture.NewRun(t, s, "review", f.Order.ID, f.Cust.ID)
	otherStep := fixture.NewSteps(t, s, fixture.Step(otherRun, "ask", fixture.At(time.Hour)))[0]
	// Tasks made by the run's steps, one still open, one done; one of the
	// other run; one made by hand.
	newTask := func(stepID int64) *aftersale.Task {
		tk, err := s.TaskCreate(ctx, &aftersale.Task{StepID: stepID, CustomerID: f.Cust.ID, OrderID: f.Order.ID,
			Kind: aftersale.TaskCall, Title: "call", Status: aftersale.TaskOpen, DueAt: fixture.At(time.Hour), CreatedAt: fixture.T0})
		fixture.Ok(t, err)
		return tk
	}
	openTask, doneTask, otherTask, handTask := newTask(f.Step.ID), newTask(more[1].ID), newTask(otherStep.ID), newTask(0)
	_, err := s.TaskComplete(ctx, doneTask.ID, "reached", "", "", fixture.At(time.Minute))
	fixture.Ok(t, err)

	stopped, err := s.RunExit(ctx, f.Run.ID, "refunded", fixture.At(time.Hour))
	fixture.Ok(t, err)
	for _, c := range []struct {
		tk      *aftersale.Task
		status  aftersale.TaskStatus
		outcome string
	}{
		{openTask, aftersale.TaskCancelled, "journey exited: refunded"},
		{doneTask, aftersale.TaskDone, "reached"},
		{otherTask, aftersale.TaskOpen, ""},
		{handTask, aftersale.TaskOpen, ""},
	} {
		got, err := s.TaskGet(ctx, c.tk.ID)
		fixture.Ok(t, err)
		if got.Status != c.status || got.Outcome != c.outcome {
			t.Errorf("task %d after RunExit: %s %q, want %s %q", got.ID, got.Status, got.Outcome, c.status, c.outcome)
		}
		if c.status == aftersale.TaskCancelled && !got.DoneAt.Equal(fixture.At(time.Hour)) {
			t.Errorf("cancelled task done at %v, want %v", got.DoneAt, fixture.At(time.Hour))
		}
	}
	if stopped != 2 {
		t.Fatalf("RunExit stopped %d steps, want the 2 pending ones", stopped)
	}
	run, err := s.RunGet(ctx, f.Run.ID)
	fixture.Ok(t, err)
	want := *f.Run
	want.Status, want.ExitedAt, want.ExitReason = aftersale.RunExited, fixture.At(time.Hour), "refunded"
	fixture.Same(t, "exited run", run, &want)

	wantStatus := map[int64]aftersale.StepStatus{
		f.Step.ID:    aftersale.StepExited,
		more[0].ID:   aftersale.StepExited,
		more[1].ID:   aftersale.StepDone,
		otherStep.ID: aftersale.StepPending,
	}
	for id, status := range wantStatus {
		st, err := s.StepGet(ctx, id)
		fixture.Ok(t, err)
		if st.Status != status {
			t.Errorf("step %s: status %q, want %q", st.Key, st.Status, status)
		}
		if status == aftersale.StepExited && !st.FinishedAt.Equal(fixture.At(time.Hour)) {
			t.Errorf("exited step %s finished at %v, want %v", st.Key, st.FinishedAt, fixture.At(time.Hour))
		}
		if status == aftersale.StepDone && (st.Note != "sent" || !st.FinishedAt.Equal(fixture.At(time.Minute))) {
			t.Errorf("done step %s changed: %s", st.Key, fixture.Show(st))
		}
	}

	stopped, err = s.RunExit(ctx, f.Run.ID, "cancelled", fixture.At(2*time.Hour))
	fixture.Ok(t, err)
	if stopped != 0 {
		t.Fatalf("second RunExit stopped %d steps", stopped)
	}
	run, err = s.RunGet(ctx, f.Run.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "run after a second exit", run, &want)

	_, err = s.RunExit(ctx, otherRun.ID+1000, "refunded", fixture.T0)
	fixture.WantCode(t, "RunExit of a missing run", err, aftersale.ENOTFOUND)
}

func testStepInsert(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann@example.com")
	o := fixture.NewOrder(t, s, ann.ID, "1001", fixture.T0)
	r1 := fixture.NewRun(t, s, "onboarding", o.ID, ann.ID)
	r2 := fixture.NewRun(t, s, "review", o.ID, ann.ID)
	noOrder := fixture.NewRun(t, s, "winback", 0, ann.ID)

	a := fixture.Step(r1, "a", fixture.At(time.Hour))
	b := fixture.Step(r1, "b/delivery:pkg-1", fixture.At(2*time.Hour))
	b.StepID, b.Type, b.Anchor = "b", aftersale.StepTask, "delivery"
	stored := map[int64]*aftersale.Step{}
	batches := []struct {
		name  string
		steps []*aftersale.Step
		want  []*aftersale.Step // inserted, without IDs
	}{
		{"new steps", []*aftersale.Step{a, b}, []*aftersale.Step{a, b}},
		{"existing keys are skipped", []*aftersale.Step{fixture.Step(r1, "a", fixture.At(5*time.Hour)), fixture.Step(r1, "c", fixture.At(3*time.Hour))},
			[]*aftersale.Step{fixture.Step(r1, "c", fixture.At(3*time.Hour))}},
		{"the same key in another run is new", []*aftersale.Step{fixture.Step(r2, "a", fixture.At(time.Hour))},
			[]*aftersale.Step{fixture.Step(r2, "a", fixture.At(time.Hour))}},
		{"a key repeated in one batch is stored once", []*aftersale.Step{fixture.Step(r2, "d", fixture.At(time.Hour)), fixture.Step(r2, "d", fixture.At(9*time.Hour))},
			[]*aftersale.Step{fixture.Step(r2, "d", fixture.At(time.Hour))}},
		{"a run without an order", []*aftersale.Step{fixture.Step(noOrder, "a", fixture.At(time.Hour))},
			[]*aftersale.Step{fixture.Step(noOrder, "a", fixture.At(time.Hour))}},
		{"all known", []*aftersale.Step{fixture.Step(r1, "a", fixture.T0), fixture.Step(r1, "b/delivery:pkg-1", fixture.T0)}, nil},
		{"nothing", nil, nil},
	}
	for _, bt := range batches {
		got, err := s.StepInsert(ctx, bt.steps)
		fixture.Ok(t, err)
		if len(got) != len(bt.want) {
			t.Fatalf("%s: inserted %d steps, want %d: %s", bt.name, len(got), len(bt.want), fixture.Show(got))
		}
		for i, st := range got {
			if st.ID == 0 || stored[st.ID] != nil {
				t.Fatalf("%s: step %s got ID %d", bt.name, st.Key, st.ID)
			}
			want := *bt.want[i]
			want.ID = st.ID
			fixture.Same(t, bt.name, st, &want)
			stored[st.ID] = st
		}
	}
	for id, want := range stored {
		got, err := s.StepGet(ctx, id)
		fixture.Ok(t, err)
		fixture.Same(t, "StepGet", got, want)
	}
	_, err := s.StepGet(ctx, 1_000_000)
	fixture.WantCode(t, "StepGet of a missing step", err, aftersale.ENOTFOUND)
}

func testStepListByCustomer(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com") // step "welcome" due at t0
	other := fixture.NewFixture(t, s, "bob@example.com")
	review := fixture.NewRun(t, s, "review", f.Order.ID, f.Cust.ID)
	steps := fixture.NewSteps(t, s,
		fixture.Step(f.Run, "late", fixture.At(48*time.Hour)),
		fixture.Step(review, "early", fixture.At(-time.Hour)),
		fixture.Step(f.Run, "middle", fixture.At(time.Hour)),
	)
	fixture.Ok(t, s.StepFinish(ctx, steps[2].ID, aftersale.StepSkipped, "no consent", fixture.At(time.Hour)))

	got, err := s.StepListByCustomer(ctx, f.Cust.ID)
	fixture.Ok(t, err)
	byID := func(st *aftersale.Step) int64 { return st.ID }
	fixture.Same(t, "StepListByCustomer, by due time", fixture.IDs(got, byID),
		[]int64{steps[1].ID, f.Step.ID, steps[2].ID, steps[0].ID})
	if got[2].Status != aftersale.StepSkipped || got[2].Note != "no consent" {
		t.Errorf("finished step listed as %s", fixture.Show(got[2]))
	}
	got, err = s.StepListByCustomer(ctx, other.Cust.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "StepListByCustomer of another customer", fixture.IDs(got, byID), []int64{other.Step.ID})
}

func testStepFinish(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com")
	statuses := []aftersale.StepStatus{aftersale.StepDone, aftersale.StepSkipped, aftersale.StepExited, aftersale.StepFailed}
	for i, status := range statuses {
		t.Run(string(status), func(t *testing.T) {
			st := fixture.NewSteps(t, s, fixture.Step(f.Run, "step-"+string(status), fixture.At(time.Duration(i)*time.Hour)))[0]
			note := "because " + string(status)
			fixture.Ok(t, s.StepFinish(ctx, st.ID, status, note, fixture.At(time.Minute)))
			got, err := s.StepGet(ctx, st.ID)
			fixture.Ok(t, err)
			want := *st
			want.Status, want.Note, want.FinishedAt = status, note, fixture.At(time.Minute)
			fixture.Same(t, "finished step", got, &want)

			err = s.StepFinish(ctx, st.ID, aftersale.StepDone, "again", fixture.At(time.Hour))
			fixture.WantCode(t, "StepFinish of a finished step", err, aftersale.ECONFLICT)
			got, err = s.StepGet(ctx, st.ID)
			fixture.Ok(t, err)
			fixture.Same(t, "step after a conflicting finish", got, &want)
		})
	}
	err := s.StepFinish(ctx, 1_000_000, aftersale.StepDone, "", fixture.T0)
	fixture.WantCode(t, "StepFinish of a missing step", err, aftersale.ENOTFOUND)
}

func testStepPendingAndDue(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	pending, due, err := s.StepCountPending(ctx, fixture.T0)
	fixture.Ok(t, err)
	if pending != 0 || due != 0 {
		t.Fatalf("empty store: %d pending, %d due", pending, due)
	}
	listed, err := s.StepListDue(ctx, fixture.T0, 10)
	fixture.Ok(t, err)
	if len(listed) != 0 {
		t.Fatalf("empty store: StepListDue = %s", fixture.Show(listed))
	}

	f := fixture.NewFixture(t, s, "ann@example.com") // "welcome" due at t0
	steps := fixture.NewSteps(t, s,
		fixture.Step(f.Run, "in-1h", fixture.At(time.Hour)),
		fixture.Step(f.Run, "1h-ago", fixture.At(-time.Hour)),
		fixture.Step(f.Run, "done-2h-ago", fixture.At(-2*time.Hour)),
		fixture.Step(f.Run, "in-2h", fixture.At(2*time.Hour)),
	)
	fixture.Ok(t, s.StepFinish(ctx, steps[2].ID, aftersale.StepDone, "", fixture.T0))

	byID := func(st *aftersale.Step) int64 { return st.ID }
	tests := []struct {
		name        string
		now         time.Time
		limit       int
		wantPending int
		wantDue     int
		wantList    []int64
	}{
		{"before everything", fixture.At(-3 * time.Hour), 10, 4, 0, []int64{}},
		{"at t0, due ones earliest first", fixture.T0, 10, 4, 2, []int64{steps[1].ID, f.Step.ID}},
		{"limit", fixture.T0, 1, 4, 2, []int64{steps[1].ID}},
		{"all due", fixture.At(3 * time.Hour), 10, 4, 4, []int64{steps[1].ID, f.Step.ID, steps[0].ID, steps[3].ID}},
		{"due exactly now", fixture.At(time.Hour), 10, 4, 3, []int64{steps[1].ID, f.Step.ID, steps[0].ID}},
	}
	for _, tt := range tests {
		pending, due, err := s.StepCountPending(ctx, tt.now)
		fixture.Ok(t, err)
		if pending != tt.wantPending || due != tt.wantDue {
			t.Fatalf("%s: %d pending, %d due; want %d, %d", tt.name, pending, due, tt.wantPending, tt.wantDue)
		}
		list, err := s.StepListDue(ctx, tt.now, tt.limit)
		fixture.Ok(t, err)
		fixture.Same(t, tt.name+": StepListDue", fixture.IDs(list, byID), tt.wantList)
		for _, st := range list {
			if st.Status != aftersale.StepPending {
				t.Fatalf("%s: StepListDue returned a %s step", tt.name, st.Status)
			}
		}
	}
}

func testStepListPending(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	list, err := s.StepListPending(ctx, 0, 10)
	fixture.Ok(t, err)
	if len(list) != 0 {
		t.Fatalf("empty store: StepListPending = %s", fixture.Show(list))
	}

	f := fixture.NewFixture(t, s, "ann@example.com")     // "welcome" due at t0
	other := fixture.NewFixture(t, s, "bob@example.com") // another customer's step
	steps := fixture.NewSteps(t, s,
		fixture.Step(f.Run, "a", fixture.At(time.Hour)),
		fixture.Step(f.Run, "b-done", fixture.At(-time.Hour)),
		fixture.Step(f.Run, "c", fixture.At(-2*time.Hour)), // due before the others, listed after them by ID
		fixture.Step(f.Run, "d-failed", fixture.At(3*time.Hour)),
	)
	fixture.Ok(t, s.StepFinish(ctx, steps[1].ID, aftersale.StepDone, "", fixture.T0))
	fixture.Ok(t, s.StepFinish(ctx, steps[3].ID, aftersale.StepFailed, "", fixture.T0))
	pending := []int64{f.Step.ID, other.Step.ID, steps[0].ID, steps[2].ID}
	for i := 1; i < len(pending); i++ {
		if pending[i] <= pending[i-1] {
			t.Fatalf("step IDs do not grow in creation order: %v", pending)
		}
	}

	byID := func(st *aftersale.Step) int64 { return st.ID }
	tests := []struct {
		name    string
		afterID int64
		limit   int
		want    []int64
	}{
		{"all, by ID", 0, 10, pending},
		{"limit", 0, 2, pending[:2]},
		{"next page", pending[1], 2, pending[2:]},
		{"after a finished step", steps[1].ID, 10, []int64{steps[2].ID}},
		{"after the last", pending[3], 10, []int64{}},
		{"limit 0 means the default", 0, 0, pending},
	}
	for _, tt := range tests {
		list, err := s.StepListPending(ctx, tt.afterID, tt.limit)
		fixture.Ok(t, err)
		fixture.Same(t, tt.name+": StepListPending", fixture.IDs(list, byID), tt.want)
		for _, st := range list {
			want, err := s.StepGet(ctx, st.ID)
			fixture.Ok(t, err)
			fixture.Same(t, tt.name+": listed step", st, want)
			if st.Status != aftersale.StepPending {
				t.Fatalf("%s: StepListPending returned a %s step", tt.name, st.Status)
			}
		}
	}

	// Paging one by one visits every pending step once.
	var seen []int64
	for after := int64(0); ; {
		page, err := s.StepListPending(ctx, after, 1)
		fixture.Ok(t, err)
		if len(page) == 0 {
			break
		}
		if len(page) != 1 || len(seen) > len(pending) {
			t.Fatalf("paging: page %s after %v", fixture.Show(page), seen)
		}
		seen = append(seen, page[0].ID)
		after = page[0].ID
	}
	fixture.Same(t, "paging through StepListPending", seen, pending)
}
