package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// testStepEnqueue covers the dispatcher's methods: StepListToEnqueue,
// StepMarkEnqueued, StepResetEnqueued, and Enqueued through StepInsert.
func testStepEnqueue(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "ann@example.com") // "welcome", due at t0, no job
	queued := step(f.run, "queued", at(-time.Minute))
	queued.Enqueued = true
	steps := newSteps(t, s,
		queued,
		step(f.run, "soon", at(time.Minute)),
		step(f.run, "later", at(time.Hour)),
		step(f.run, "early", at(-time.Hour)),
		step(f.run, "done", at(-2*time.Hour)),
	)
	if !steps[0].Enqueued || steps[1].Enqueued {
		t.Fatalf("Enqueued not stored as given: %s", show(steps))
	}
	got, err := s.StepGet(ctx, steps[0].ID)
	ok(t, err)
	if !got.Enqueued {
		t.Fatal("StepGet lost Enqueued")
	}
	ok(t, s.StepFinish(ctx, steps[4].ID, aftersale.StepDone, "", t0))

	byID := func(st *aftersale.Step) int64 { return st.ID }
	list := func(before time.Time, limit int) []int64 {
		t.Helper()
		var out []int64
		ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
			l, err := tx.StepListToEnqueue(ctx, before, limit)
			out = ids(l, byID)
			return err
		}))
		return out
	}
	// Pending, without a job, due by `before`, earliest first.
	if got, want := list(at(2*time.Minute), 10), []int64{steps[3].ID, f.step.ID, steps[1].ID}; !slices.Equal(got, want) {
		t.Fatalf("StepListToEnqueue = %v, want %v (early, welcome, soon)", got, want)
	}
	if got, want := list(at(2*time.Minute), 2), []int64{steps[3].ID, f.step.ID}; !slices.Equal(got, want) {
		t.Fatalf("StepListToEnqueue with limit 2 = %v, want %v", got, want)
	}
	if got := list(at(-3*time.Hour), 10); len(got) != 0 {
		t.Fatalf("nothing is due that early, got %v", got)
	}

	ok(t, s.StepMarkEnqueued(ctx, []int64{steps[3].ID, f.step.ID}))
	if got, want := list(at(2*time.Hour), 10), []int64{steps[1].ID, steps[2].ID}; !slices.Equal(got, want) {
		t.Fatalf("after StepMarkEnqueued: %v, want %v", got, want)
	}
	ok(t, s.StepMarkEnqueued(ctx, nil))

	n, err := s.StepResetEnqueued(ctx)
	ok(t, err)
	if n != 3 { // queued, early, welcome: every pending step that had a job
		t.Fatalf("StepResetEnqueued = %d, want 3", n)
	}
	if got := list(at(2*time.Hour), 10); len(got) != 5 {
		t.Fatalf("after the reset every pending step needs a job: %v", got)
	}
	done, err := s.StepGet(ctx, steps[4].ID)
	ok(t, err)
	if done.Status != aftersale.StepDone {
		t.Fatalf("the reset touched a finished step: %s", show(done))
	}
}
