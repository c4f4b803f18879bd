package engine

import (
	"context"
	"testing"

	"github.com/aftersale/aftersale"
)

// retryJourney has two calls, the second due later than the first, and a
// follow-up that only a reached first call brings.
const retryJourney = `
id: retries
trigger: purchase
steps:
  - id: first-call
    type: task
    task: call
    due: 1h
    title: First call
  - id: second-call
    type: task
    task: call
    due: 4h
    title: Second call
  - id: follow-up
    type: task
    task: personal_email
    wait: 5d
    title: Follow up
    if: outcome("first-call") == "reached"
`

// TestRetriedCallCountsForItsStep: the first call goes unanswered twice and
// is reached on its second retry, which falls due after the second call.
// Each retry records the call it retries (Task.RetryOf), and the reached
// retry counts for the first call's step: the follow-up appears. The
// titles play no part.
func TestRetriedCallCountsForItsStep(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		const ana = "ana@example.com"
		h.ingest(t, order("e1", ana, "1001", "digital"))
		calls := map[string]TaskView{}
		for _, tk := range h.tasks(t, "open", ana) {
			calls[tk.Title] = tk
		}
		first, second := calls["First call"], calls["Second call"]
		if first.ID == 0 || second.ID == 0 {
			t.Fatalf("open tasks %v: want the two calls", calls)
		}
		retryOf := func(failed int64, outcome string) *aftersale.Task {
			t.Helper()
			if _, err := h.svc.CompleteTask(ctx, failed, outcome, "", "owner@shop.example"); err != nil {
				t.Fatal(err)
			}
			for _, tk := range h.tasks(t, "open", ana) {
				if tk.Kind == string(aftersale.TaskCall) && tk.ID != second.ID {
					stored, err := h.st.TaskGet(ctx, tk.ID)
					if err != nil {
						t.Fatal(err)
					}
					if stored.RetryOf != failed || stored.StepID != 0 {
						t.Fatalf("retry %+v: RetryOf %d, step %d; want RetryOf %d, no step", tk, stored.RetryOf, stored.StepID, failed)
					}
					return stored
				}
			}
			t.Fatalf("no retry after %s", outcome)
			return nil
		}
		retry1 := retryOf(first.ID, "no_answer")
		retry2 := retryOf(retry1.ID, "voicemail")
		if !retry2.DueAt.After(second.DueAt) {
			t.Fatalf("the retry is due %v, not after the second call (%v)", retry2.DueAt, second.DueAt)
		}
		if _, err := h.svc.CompleteTask(ctx, second.ID, "reached", "", "owner@shop.example"); err != nil {
			t.Fatal(err)
		}
		if _, err := h.svc.CompleteTask(ctx, retry2.ID, "reached", "", "owner@shop.example"); err != nil {
			t.Fatal(err)
		}
		h.days(t, 6)
		var follow []TaskView
		for _, tk := range h.tasks(t, "open", ana) {
			if tk.Kind == string(aftersale.TaskPersonalEmail) {
				follow = append(follow, tk)
			}
		}
		if len(follow) != 1 || follow[0].Title != "Follow up" {
			t.Errorf("open personal emails %+v: want the follow-up, since the first call was reached on a retry", follow)
		}
	}, withJourneys(t, retryJourney))
}
