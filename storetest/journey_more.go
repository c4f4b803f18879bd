package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

// RunJourneyMore runs the conformance tests of the step methods added when
// they were written once for both databases (package sqlstore), each on a
// new store from open: the many-row paths, where one database takes one
// statement with an array and the other many statements of bounded size.
func RunJourneyMore(t *testing.T, open func(t *testing.T) aftersale.Store) {
	t.Run("StepInsertManyChunks", func(t *testing.T) { testStepInsertManyChunks(t, open(t)) })
	t.Run("StepMarkEnqueuedMany", func(t *testing.T) { testStepMarkEnqueuedMany(t, open(t)) })
}

// manySteps returns n unsaved steps of the run, keyed k0000, k0001, …, the
// i-th due i seconds after t0.
func manySteps(r *aftersale.JourneyRun, n int) []*aftersale.Step {
	steps := make([]*aftersale.Step, n)
	for i := range steps {
		steps[i] = fixture.Step(r, fmt.Sprintf("k%04d", i), fixture.At(time.Duration(i)*time.Second))
	}
	return steps
}

// testStepInsertManyChunks checks StepInsert across several statements: a
// key seen in an earlier statement of the same call, or stored before, is
// skipped, and the inserted steps come back by ID with their fields.
func testStepInsertManyChunks(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com") // step "welcome"
	steps := manySteps(f.Run, 200)
	batch := append(slices.Clone(steps), fixture.Step(f.Run, "welcome", fixture.At(time.Hour)), fixture.Step(f.Run, "k0003", fixture.At(time.Hour)))
	got, err := s.StepInsert(ctx, batch)
	fixture.Ok(t, err)
	if len(got) != len(steps) {
		t.Fatalf("StepInsert of 200 new steps, a stored key and a repeat stored %d", len(got))
	}
	for i, st := range got {
		if i > 0 && st.ID <= got[i-1].ID {
			t.Fatalf("StepInsert result not by ID at %d: %d after %d", i, st.ID, got[i-1].ID)
		}
		want := *steps[i]
		want.ID = st.ID
		fixture.Same(t, "StepInsert step "+want.Key, st, &want)
	}
	all, err := s.StepListByCustomer(ctx, f.Cust.ID)
	fixture.Ok(t, err)
	if len(all) != len(steps)+1 {
		t.Fatalf("the customer has %d steps, want %d", len(all), len(steps)+1)
	}
}

// testStepMarkEnqueuedMany checks StepMarkEnqueued with more IDs than one
// IN list carries, repeats and unknown IDs among them: exactly the steps
// named have their jobs afterwards.
func testStepMarkEnqueuedMany(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com") // "welcome", due at t0
	steps := fixture.NewSteps(t, s, manySteps(f.Run, 700)...)
	var mark []int64
	for _, st := range steps[:650] {
		mark = append(mark, st.ID)
	}
	mark = append(mark, steps[10].ID, steps[649].ID, steps[699].ID+1_000_000)
	slices.Reverse(mark)
	fixture.Ok(t, s.StepMarkEnqueued(ctx, mark))

	var left []int64
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		l, err := tx.StepListToEnqueue(ctx, fixture.At(time.Hour), 1000)
		left = fixture.IDs(l, func(st *aftersale.Step) int64 { return st.ID })
		return err
	}))
	want := []int64{f.Step.ID}
	for _, st := range steps[650:] {
		want = append(want, st.ID)
	}
	if !slices.Equal(left, want) {
		t.Fatalf("after marking 650 of 700 steps, %d steps need a job, want %d (welcome and the last 50)", len(left), len(want))
	}
	for _, i := range []int{0, 499, 500, 649} {
		got, err := s.StepGet(ctx, steps[i].ID)
		fixture.Ok(t, err)
		if !got.Enqueued {
			t.Fatalf("step %d of the 650 marked has no job", i)
		}
	}
}
