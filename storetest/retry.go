package storetest

import (
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// testTaskRetryOf: a retried call keeps the ID of the call it retries
// (Task.RetryOf) through TaskCreate, TaskGet, TaskList and TaskComplete; a
// retry of a retry names the retry; other tasks have none; a retry of a
// task that does not exist is refused.
func testTaskRetryOf(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "ann@example.com")
	first, err := s.TaskCreate(ctx, task(f, f.step.ID, "Call Ann", at(time.Hour)))
	ok(t, err)
	if first.RetryOf != 0 {
		t.Fatalf("a first call retries %d", first.RetryOf)
	}
	_, err = s.TaskComplete(ctx, first.ID, "no_answer", "", "owner@shop.example", at(time.Hour))
	ok(t, err)

	in := task(f, 0, "Call again: Call Ann", at(25*time.Hour))
	in.RetryOf = first.ID
	retry, err := s.TaskCreate(ctx, in)
	ok(t, err)
	want := *in
	want.ID = retry.ID
	same(t, "TaskCreate of a retry", retry, &want)
	got, err := s.TaskGet(ctx, retry.ID)
	ok(t, err)
	same(t, "TaskGet of a retry", got, &want)

	done, err := s.TaskComplete(ctx, retry.ID, "voicemail", "", "owner@shop.example", at(25*time.Hour))
	ok(t, err)
	if done.RetryOf != first.ID {
		t.Errorf("TaskComplete: RetryOf %d, want %d", done.RetryOf, first.ID)
	}
	again := task(f, 0, "Call again: Call Ann", at(49*time.Hour))
	again.RetryOf = retry.ID
	second, err := s.TaskCreate(ctx, again)
	ok(t, err)

	list, err := s.TaskList(ctx, aftersale.TaskFilter{CustomerID: f.cust.ID})
	ok(t, err)
	retries := map[int64]int64{}
	for _, tk := range list {
		retries[tk.ID] = tk.RetryOf
	}
	same(t, "TaskList: RetryOf by task", retries, map[int64]int64{first.ID: 0, retry.ID: first.ID, second.ID: retry.ID})

	orphan := task(f, 0, "Call again: nobody", at(time.Hour))
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
	ann := newCustomer(t, s, "ann@example.com")
	early := newOrder(t, s, ann.ID, "1001", t0)
	onTime := newOrder(t, s, ann.ID, "1002", t0)
	late := newOrder(t, s, ann.ID, "1003", t0)
	newOrder(t, s, ann.ID, "1004", t0) // no run: history
	for _, r := range []aftersale.JourneyRun{
		{JourneyID: "onboarding", OrderID: early.ID, StartedAt: at(-time.Hour)},
		{JourneyID: "review", OrderID: early.ID, StartedAt: at(3 * time.Hour)},
		{JourneyID: "review", OrderID: onTime.ID, StartedAt: at(2 * time.Hour)},
		{JourneyID: "onboarding", OrderID: onTime.ID, StartedAt: t0},
		{JourneyID: "onboarding", OrderID: late.ID, StartedAt: at(time.Hour)},
		{JourneyID: "winback", StartedAt: at(time.Hour)},
	} {
		r.CustomerID, r.Status = ann.ID, aftersale.RunActive
		_, _, err := s.RunCreate(ctx, &r)
		ok(t, err)
	}
	got, err := s.RunStartsSince(ctx, t0)
	ok(t, err)
	same(t, "RunStartsSince(t0)", got, map[int64]time.Time{onTime.ID: t0, late.ID: at(time.Hour)})
	got, err = s.RunStartsSince(ctx, at(time.Minute))
	ok(t, err)
	same(t, "RunStartsSince(t0+1m)", got, map[int64]time.Time{late.ID: at(time.Hour)})
	got, err = s.RunStartsSince(ctx, at(4*time.Hour))
	ok(t, err)
	if len(got) != 0 {
		t.Errorf("RunStartsSince after every start: %v, want none", got)
	}
}
