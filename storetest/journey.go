package storetest

import (
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

func testRunCreate(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := newCustomer(t, s, "ann@example.com")
	bob := newCustomer(t, s, "bob@example.com")
	o := newOrder(t, s, ann.ID, "1001", t0)

	tests := []struct {
		name string
		run  aftersale.JourneyRun
	}{
		{"order journey", aftersale.JourneyRun{JourneyID: "onboarding", OrderID: o.ID, CustomerID: ann.ID,
			EventID: "evt_1", Status: aftersale.RunActive, StartedAt: t0}},
		{"same journey and order, other customer", aftersale.JourneyRun{JourneyID: "onboarding", OrderID: o.ID,
			CustomerID: bob.ID, EventID: "evt_1", Status: aftersale.RunActive, StartedAt: t0}},
		{"other journey", aftersale.JourneyRun{JourneyID: "review", OrderID: o.ID, CustomerID: ann.ID,
			EventID: "evt_2", Status: aftersale.RunActive, StartedAt: at(time.Hour)}},
		{"customer journey without an order", aftersale.JourneyRun{JourneyID: "winback", CustomerID: ann.ID,
			EventID: "evt_3", Status: aftersale.RunActive, StartedAt: at(2 * time.Hour)}},
	}
	seen := map[int64]bool{}
	for _, tt := range tests {
		in := tt.run
		r, created, err := s.RunCreate(ctx, &in)
		ok(t, err)
		if !created || r.ID == 0 || seen[r.ID] {
			t.Fatalf("%s: created %v with ID %d (IDs so far %v)", tt.name, created, r.ID, seen)
		}
		seen[r.ID] = true
		want := tt.run
		want.ID = r.ID
		same(t, tt.name, r, &want)

		// Starting it again returns the stored run, unchanged.
		again := tt.run
		again.EventID = "evt_later"
		again.StartedAt = at(10 * time.Hour)
		r2, created, err := s.RunCreate(ctx, &again)
		ok(t, err)
		if created {
			t.Fatalf("%s: second RunCreate created a run", tt.name)
		}
		same(t, tt.name+" (again)", r2, &want)

		got, err := s.RunGet(ctx, r.ID)
		ok(t, err)
		same(t, tt.name+" (RunGet)", got, &want)
	}
	_, err := s.RunGet(ctx, 1_000_000)
	wantCode(t, "RunGet of a missing run", err, aftersale.ENOTFOUND)
}

func testRunListByOrder(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := newCustomer(t, s, "ann@example.com")
	o := newOrder(t, s, ann.ID, "1001", t0)
	other := newOrder(t, s, ann.ID, "1002", t0)
	var want []*aftersale.JourneyRun
	for _, r := range []aftersale.JourneyRun{
		{JourneyID: "review", OrderID: o.ID, CustomerID: ann.ID, Status: aftersale.RunActive, StartedAt: at(time.Hour)},
		{JourneyID: "onboarding", OrderID: o.ID, CustomerID: ann.ID, Status: aftersale.RunActive, StartedAt: t0},
		{JourneyID: "onboarding", OrderID: other.ID, CustomerID: ann.ID, Status: aftersale.RunActive, StartedAt: t0},
		{JourneyID: "winback", CustomerID: ann.ID, Status: aftersale.RunActive, StartedAt: t0},
	} {
		run, _, err := s.RunCreate(ctx, &r)
		ok(t, err)
		if run.OrderID == o.ID {
			want = append([]*aftersale.JourneyRun{run}, want...) // the later-started one was created first
		}
	}
	got, err := s.RunListByOrder(ctx, o.ID)
	ok(t, err)
	same(t, "RunListByOrder, oldest first", got, want)
}

func testRunExit(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "ann@example.com")
	more := newSteps(t, s, step(f.run, "checkin", at(24*time.Hour)), step(f.run, "review", at(48*time.Hour)))
	ok(t, s.StepFinish(ctx, more[1].ID, aftersale.StepDone, "sent", at(time.Minute)))
	otherRun := newRun(t, s, "review", f.order.ID, f.cust.ID)
	otherStep := newSteps(t, s, step(otherRun, "ask", at(time.Hour)))[0]
	// Tasks made by the run's steps, one still open, one done; one of the
	// other run; one made by hand.
	newTask := func(stepID int64) *aftersale.Task {
		tk, err := s.TaskCreate(ctx, &aftersale.Task{StepID: stepID, CustomerID: f.cust.ID, OrderID: f.order.ID,
			Kind: aftersale.TaskCall, Title: "call", Status: aftersale.TaskOpen, DueAt: at(time.Hour), CreatedAt: t0})
		ok(t, err)
		return tk
	}
	openTask, doneTask, otherTask, handTask := newTask(f.step.ID), newTask(more[1].ID), newTask(otherStep.ID), newTask(0)
	_, err := s.TaskComplete(ctx, doneTask.ID, "reached", "", "", at(time.Minute))
	ok(t, err)

	stopped, err := s.RunExit(ctx, f.run.ID, "refunded", at(time.Hour))
	ok(t, err)
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
		ok(t, err)
		if got.Status != c.status || got.Outcome != c.outcome {
			t.Errorf("task %d after RunExit: %s %q, want %s %q", got.ID, got.Status, got.Outcome, c.status, c.outcome)
		}
		if c.status == aftersale.TaskCancelled && !got.DoneAt.Equal(at(time.Hour)) {
			t.Errorf("cancelled task done at %v, want %v", got.DoneAt, at(time.Hour))
		}
	}
	if stopped != 2 {
		t.Fatalf("RunExit stopped %d steps, want the 2 pending ones", stopped)
	}
	run, err := s.RunGet(ctx, f.run.ID)
	ok(t, err)
	want := *f.run
	want.Status, want.ExitedAt, want.ExitReason = aftersale.RunExited, at(time.Hour), "refunded"
	same(t, "exited run", run, &want)

	wantStatus := map[int64]aftersale.StepStatus{
		f.step.ID:    aftersale.StepExited,
		more[0].ID:   aftersale.StepExited,
		more[1].ID:   aftersale.StepDone,
		otherStep.ID: aftersale.StepPending,
	}
	for id, status := range wantStatus {
		st, err := s.StepGet(ctx, id)
		ok(t, err)
		if st.Status != status {
			t.Errorf("step %s: status %q, want %q", st.Key, st.Status, status)
		}
		if status == aftersale.StepExited && !st.FinishedAt.Equal(at(time.Hour)) {
			t.Errorf("exited step %s finished at %v, want %v", st.Key, st.FinishedAt, at(time.Hour))
		}
		if status == aftersale.StepDone && (st.Note != "sent" || !st.FinishedAt.Equal(at(time.Minute))) {
			t.Errorf("done step %s changed: %s", st.Key, show(st))
		}
	}

	stopped, err = s.RunExit(ctx, f.run.ID, "cancelled", at(2*time.Hour))
	ok(t, err)
	if stopped != 0 {
		t.Fatalf("second RunExit stopped %d steps", stopped)
	}
	run, err = s.RunGet(ctx, f.run.ID)
	ok(t, err)
	same(t, "run after a second exit", run, &want)

	_, err = s.RunExit(ctx, otherRun.ID+1000, "refunded", t0)
	wantCode(t, "RunExit of a missing run", err, aftersale.ENOTFOUND)
}

func testStepInsert(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := newCustomer(t, s, "ann@example.com")
	o := newOrder(t, s, ann.ID, "1001", t0)
	r1 := newRun(t, s, "onboarding", o.ID, ann.ID)
	r2 := newRun(t, s, "review", o.ID, ann.ID)
	noOrder := newRun(t, s, "winback", 0, ann.ID)

	a := step(r1, "a", at(time.Hour))
	b := step(r1, "b/delivery:pkg-1", at(2*time.Hour))
	b.StepID, b.Type, b.Anchor = "b", aftersale.StepTask, "delivery"
	stored := map[int64]*aftersale.Step{}
	batches := []struct {
		name  string
		steps []*aftersale.Step
		want  []*aftersale.Step // inserted, without IDs
	}{
		{"new steps", []*aftersale.Step{a, b}, []*aftersale.Step{a, b}},
		{"existing keys are skipped", []*aftersale.Step{step(r1, "a", at(5*time.Hour)), step(r1, "c", at(3*time.Hour))},
			[]*aftersale.Step{step(r1, "c", at(3*time.Hour))}},
		{"the same key in another run is new", []*aftersale.Step{step(r2, "a", at(time.Hour))},
			[]*aftersale.Step{step(r2, "a", at(time.Hour))}},
		{"a key repeated in one batch is stored once", []*aftersale.Step{step(r2, "d", at(time.Hour)), step(r2, "d", at(9*time.Hour))},
			[]*aftersale.Step{step(r2, "d", at(time.Hour))}},
		{"a run without an order", []*aftersale.Step{step(noOrder, "a", at(time.Hour))},
			[]*aftersale.Step{step(noOrder, "a", at(time.Hour))}},
		{"all known", []*aftersale.Step{step(r1, "a", t0), step(r1, "b/delivery:pkg-1", t0)}, nil},
		{"nothing", nil, nil},
	}
	for _, bt := range batches {
		got, err := s.StepInsert(ctx, bt.steps)
		ok(t, err)
		if len(got) != len(bt.want) {
			t.Fatalf("%s: inserted %d steps, want %d: %s", bt.name, len(got), len(bt.want), show(got))
		}
		for i, st := range got {
			if st.ID == 0 || stored[st.ID] != nil {
				t.Fatalf("%s: step %s got ID %d", bt.name, st.Key, st.ID)
			}
			want := *bt.want[i]
			want.ID = st.ID
			same(t, bt.name, st, &want)
			stored[st.ID] = st
		}
	}
	for id, want := range stored {
		got, err := s.StepGet(ctx, id)
		ok(t, err)
		same(t, "StepGet", got, want)
	}
	_, err := s.StepGet(ctx, 1_000_000)
	wantCode(t, "StepGet of a missing step", err, aftersale.ENOTFOUND)
}

func testStepListByCustomer(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "ann@example.com") // step "welcome" due at t0
	other := newFixture(t, s, "bob@example.com")
	review := newRun(t, s, "review", f.order.ID, f.cust.ID)
	steps := newSteps(t, s,
		step(f.run, "late", at(48*time.Hour)),
		step(review, "early", at(-time.Hour)),
		step(f.run, "middle", at(time.Hour)),
	)
	ok(t, s.StepFinish(ctx, steps[2].ID, aftersale.StepSkipped, "no consent", at(time.Hour)))

	got, err := s.StepListByCustomer(ctx, f.cust.ID)
	ok(t, err)
	byID := func(st *aftersale.Step) int64 { return st.ID }
	same(t, "StepListByCustomer, by due time", ids(got, byID),
		[]int64{steps[1].ID, f.step.ID, steps[2].ID, steps[0].ID})
	if got[2].Status != aftersale.StepSkipped || got[2].Note != "no consent" {
		t.Errorf("finished step listed as %s", show(got[2]))
	}
	got, err = s.StepListByCustomer(ctx, other.cust.ID)
	ok(t, err)
	same(t, "StepListByCustomer of another customer", ids(got, byID), []int64{other.step.ID})
}

func testStepFinish(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "ann@example.com")
	statuses := []aftersale.StepStatus{aftersale.StepDone, aftersale.StepSkipped, aftersale.StepExited, aftersale.StepFailed}
	for i, status := range statuses {
		t.Run(string(status), func(t *testing.T) {
			st := newSteps(t, s, step(f.run, "step-"+string(status), at(time.Duration(i)*time.Hour)))[0]
			note := "because " + string(status)
			ok(t, s.StepFinish(ctx, st.ID, status, note, at(time.Minute)))
			got, err := s.StepGet(ctx, st.ID)
			ok(t, err)
			want := *st
			want.Status, want.Note, want.FinishedAt = status, note, at(time.Minute)
			same(t, "finished step", got, &want)

			err = s.StepFinish(ctx, st.ID, aftersale.StepDone, "again", at(time.Hour))
			wantCode(t, "StepFinish of a finished step", err, aftersale.ECONFLICT)
			got, err = s.StepGet(ctx, st.ID)
			ok(t, err)
			same(t, "step after a conflicting finish", got, &want)
		})
	}
	err := s.StepFinish(ctx, 1_000_000, aftersale.StepDone, "", t0)
	wantCode(t, "StepFinish of a missing step", err, aftersale.ENOTFOUND)
}

func testStepPendingAndDue(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	pending, due, err := s.StepCountPending(ctx, t0)
	ok(t, err)
	if pending != 0 || due != 0 {
		t.Fatalf("empty store: %d pending, %d due", pending, due)
	}
	listed, err := s.StepListDue(ctx, t0, 10)
	ok(t, err)
	if len(listed) != 0 {
		t.Fatalf("empty store: StepListDue = %s", show(listed))
	}

	f := newFixture(t, s, "ann@example.com") // "welcome" due at t0
	steps := newSteps(t, s,
		step(f.run, "in-1h", at(time.Hour)),
		step(f.run, "1h-ago", at(-time.Hour)),
		step(f.run, "done-2h-ago", at(-2*time.Hour)),
		step(f.run, "in-2h", at(2*time.Hour)),
	)
	ok(t, s.StepFinish(ctx, steps[2].ID, aftersale.StepDone, "", t0))

	byID := func(st *aftersale.Step) int64 { return st.ID }
	tests := []struct {
		name        string
		now         time.Time
		limit       int
		wantPending int
		wantDue     int
		wantList    []int64
	}{
		{"before everything", at(-3 * time.Hour), 10, 4, 0, []int64{}},
		{"at t0, due ones earliest first", t0, 10, 4, 2, []int64{steps[1].ID, f.step.ID}},
		{"limit", t0, 1, 4, 2, []int64{steps[1].ID}},
		{"all due", at(3 * time.Hour), 10, 4, 4, []int64{steps[1].ID, f.step.ID, steps[0].ID, steps[3].ID}},
		{"due exactly now", at(time.Hour), 10, 4, 3, []int64{steps[1].ID, f.step.ID, steps[0].ID}},
	}
	for _, tt := range tests {
		pending, due, err := s.StepCountPending(ctx, tt.now)
		ok(t, err)
		if pending != tt.wantPending || due != tt.wantDue {
			t.Fatalf("%s: %d pending, %d due; want %d, %d", tt.name, pending, due, tt.wantPending, tt.wantDue)
		}
		list, err := s.StepListDue(ctx, tt.now, tt.limit)
		ok(t, err)
		same(t, tt.name+": StepListDue", ids(list, byID), tt.wantList)
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
	ok(t, err)
	if len(list) != 0 {
		t.Fatalf("empty store: StepListPending = %s", show(list))
	}

	f := newFixture(t, s, "ann@example.com")     // "welcome" due at t0
	other := newFixture(t, s, "bob@example.com") // another customer's step
	steps := newSteps(t, s,
		step(f.run, "a", at(time.Hour)),
		step(f.run, "b-done", at(-time.Hour)),
		step(f.run, "c", at(-2*time.Hour)), // due before the others, listed after them by ID
		step(f.run, "d-failed", at(3*time.Hour)),
	)
	ok(t, s.StepFinish(ctx, steps[1].ID, aftersale.StepDone, "", t0))
	ok(t, s.StepFinish(ctx, steps[3].ID, aftersale.StepFailed, "", t0))
	pending := []int64{f.step.ID, other.step.ID, steps[0].ID, steps[2].ID}
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
		ok(t, err)
		same(t, tt.name+": StepListPending", ids(list, byID), tt.want)
		for _, st := range list {
			want, err := s.StepGet(ctx, st.ID)
			ok(t, err)
			same(t, tt.name+": listed step", st, want)
			if st.Status != aftersale.StepPending {
				t.Fatalf("%s: StepListPending returned a %s step", tt.name, st.Status)
			}
		}
	}

	// Paging one by one visits every pending step once.
	var seen []int64
	for after := int64(0); ; {
		page, err := s.StepListPending(ctx, after, 1)
		ok(t, err)
		if len(page) == 0 {
			break
		}
		if len(page) != 1 || len(seen) > len(pending) {
			t.Fatalf("paging: page %s after %v", show(page), seen)
		}
		seen = append(seen, page[0].ID)
		after = page[0].ID
	}
	same(t, "paging through StepListPending", seen, pending)
}
