package storetest

import (
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

// testTaskRetryOf: a retried call keeps the ID of the call it retries
// (Task.RetryOf) through TaskCreate, TaskGet, TaskList and TaskComplete; a
// retry of a retry names the retry; other tasks have none; a retry of a
// task that does not exist is refused.
func testTaskRetryOf(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com")
	first, err := s.TaskCreate(ctx, fixture.Task(f, f.Step.ID, "Call Ann", fixture.At(time.Hour)))
	fixture.Ok(t, err)
	if first.RetryOf != 0 {
		t.Fatalf("a first call retries %d", first.RetryOf)
	}
	_, err = s.TaskComplete(ctx, first.ID, "no_answer", "", "owner@shop.example", fixture.At(time.Hour))
	fixture.Ok(t, err)

	in := fixture.Task(f, 0, "Call again: Call Ann", fixture.At(25*time.Hour))
	in.RetryOf = first.ID
	retry, err := s.TaskCreate(ctx, in)
	fixture.Ok(t, err)
	want := *in
	want.ID = retry.ID
	fixture.Same(t, "TaskCreate of a retry", retry, &want)
	got, err := s.TaskGet(ctx, retry.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "TaskGet of a retry", got, &want)

	done, err := s.TaskComplete(ctx, retry.ID, "voicemail", "", "owner@shop.example", fixture.At(25*time.Hour))
	fixture.Ok(t, err)
	if done.RetryOf != first.ID {
		t.Errorf("TaskComplete: RetryOf %d, want %d", done.RetryOf, first.ID)
	}
	again := fixture.Task(f, 0, "Call again: Call Ann", fixture.At(49*time.Hour))
	again.RetryOf = retry.ID
	second, err := s.TaskCreate(ctx, again)
	fixture.Ok(t, err)

	list, err := s.TaskList(ctx, aftersale.TaskFilter{CustomerID: f.Cust.ID})
	fixture.Ok(t, err)
	retries := map[int64]int64{}
	for _, tk := range list {
		retries[tk.ID] = tk.RetryOf
	}
	fixture.Same(t, "TaskList: RetryOf by task", retries, map[int64]int64{first.ID: 0, retry.ID: first.ID, second.ID: retry.ID})

	orphan := fixture.Task(f, 0, "Call again: nobody", fixture.At(time.Hour))
	orphan.RetryOf = 1_000_000
	if _, err := s.TaskCreate(ctx, orphan); err == nil {
		t.Error("TaskCreate of a retry of a missing task succeeded")
	}
}

// testRunStartsSince: each order whose first run started at or after since
// maps to when it started; an order that began before since is left out
// even when a later run of it started after since; runs without an order
// are left out.
func testRunStartsSince(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann@example.com")
	early := fixture.NewOrder(t, s, ann.ID, "1001", fixture.T0)
	onTime := fixture.NewOrder(t, s, ann.ID, "1002", fixture.T0)
	late := fixture.NewOrder(t, s, ann.ID, "1003", fixture.T0)
	fixture.NewOrder(t, s, ann.ID, "1004", fixture.T0) // no run: history
	for _, r := range []aftersale.JourneyRun{
		{JourneyID: "onboarding", OrderID: early.ID, StartedAt: fixture.At(-time.Hour)},
		{JourneyID: "review", OrderID: early.ID, StartedAt: fixture.At(3 * time.Hour)},
		{JourneyID: "review", OrderID: onTime.ID, StartedAt: fixture.At(2 * time.Hour)},
		{JourneyID: "onboarding", OrderID: onTime.ID, StartedAt: fixture.T0},
		{JourneyID: "onboarding", OrderID: late.ID, StartedAt: fixture.At(time.Hour)},
		{JourneyID: "winback", StartedAt: fixture.At(time.Hour)},
	} {
		r.CustomerID, r.Status = ann.ID, aftersale.RunActive
		_, _, err := s.RunCreate(ctx, &r)
		fixture.Ok(t, err)
	}
	got, err := s.RunStartsSince(ctx, fixture.T0)
	fixture.Ok(t, err)
	fixture.Same(t, "RunStartsSince(t0)", got, map[int64]time.Time{onTime.ID: fixture.T0, late.ID: fixture.At(time.Hour)})
	got, err = s.RunStartsSince(ctx, fixture.At(time.Minute))
	fixture.Ok(t, err)
	fixture.Same(t, "RunStartsSince(t0+1m)", got, map[int64]time.Time{late.ID: fixture.At(time.Hour)})
	got, err = s.RunStartsSince(ctx, fixture.At(4*time.Hour))
	fixture.Ok(t, err)
	if len(got) != 0 {
		t.Errorf("RunStartsSince after every start: %v, want none", got)
	}
}
