package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

// testStepEnqueue covers the dispatcher's methods: StepListToEnqueue,
// StepMarkEnqueued, StepResetEnqueued, and Enqueued through StepInsert.
func testStepEnqueue(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com") // "welcome", due at t0, no job
	queued := fixture.Step(f.Run, "queued", fixture.At(-time.Minute))
	queued.Enqueued = true
	steps := fixture.NewSteps(t, s,
		queued,
		fixture.Step(f.Run, "soon", fixture.At(time.Minute)),
		fixture.Step(f.Run, "later", fixture.At(time.Hour)),
		fixture.Step(f.Run, "early", fixture.At(-time.Hour)),
		fixture.Step(f.Run, "done", fixture.At(-2*time.Hour)),
	)
	if !steps[0].Enqueued || steps[1].Enqueued {
		t.Fatalf("Enqueued not stored as given: %s", fixture.Show(steps))
	}
	got, err := s.StepGet(ctx, steps[0].ID)
	fixture.Ok(t, err)
	if !got.Enqueued {
		t.Fatal("StepGet lost Enqueued")
	}
	fixture.Ok(t, s.StepFinish(ctx, steps[4].ID, aftersale.StepDone, "", fixture.T0))

	byID := func(st *aftersale.Step) int64 { return st.ID }
	list := func(before time.Time, limit int) []int64 {
		t.Helper()
		var out []int64
		fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
			l, err := tx.StepListToEnqueue(ctx, before, limit)
			out = fixture.IDs(l, byID)
			return err
		}))
		return out
	}
	// Pending, without a job, due by `before`, earliest first.
	if got, want := list(fixture.At(2*time.Minute), 10), []int64{steps[3].ID, f.Step.ID, steps[1].ID}; !slices.Equal(got, want) {
		t.Fatalf("StepListToEnqueue = %v, want %v (early, welcome, soon)", got, want)
	}
	if got, want := list(fixture.At(2*time.Minute), 2), []int64{steps[3].ID, f.Step.ID}; !slices.Equal(got, want) {
		t.Fatalf("StepListToEnqueue with limit 2 = %v, want %v", got, want)
	}
	if got := list(fixture.At(-3*time.Hour), 10); len(got) != 0 {
		t.Fatalf("nothing is due that early, got %v", got)
	}

	fixture.Ok(t, s.StepMarkEnqueued(ctx, []int64{steps[3].ID, f.Step.ID}))
	if got, want := list(fixture.At(2*time.Hour), 10), []int64{steps[1].ID, steps[2].ID}; !slices.Equal(got, want) {
		t.Fatalf("after StepMarkEnqueued: %v, want %v", got, want)
	}
	fixture.Ok(t, s.StepMarkEnqueued(ctx, nil))

	n, err := s.StepResetEnqueued(ctx)
	fixture.Ok(t, err)
	if n != 3 { // queued, early, welcome: every pending step that had a job
		t.Fatalf("StepResetEnqueued = %d, want 3", n)
	}
	if got := list(fixture.At(2*time.Hour), 10); len(got) != 5 {
		t.Fatalf("after the reset every pending step needs a job: %v", got)
	}
	done, err := s.StepGet(ctx, steps[4].ID)
	fixture.Ok(t, err)
	if done.Status != aftersale.StepDone {
		t.Fatalf("the reset touched a finished step: %s", fixture.Show(done))
	}
}
