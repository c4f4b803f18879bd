package engine

import (
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// jobsFor puts the steps of each 250 ms due window in the same jobs (at
// most maxStepsPerJob each, in due order, due with their first step), the
// overdue ones in a job due now, and schedules jobs beyond nearFuture.
func TestJobsForGroupsByDueWindow(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	var steps []*aftersale.Step
	add := func(id int64, due time.Time) { steps = append(steps, &aftersale.Step{ID: id, DueAt: due}) }
	add(1, now.Add(-time.Hour))
	add(2, now.Add(-time.Second))
	for i := range 40 { // 1 s to 2 s from now, 25 ms apart: 10 per window
		add(int64(100+i), now.Add(time.Second+time.Duration(i)*25*time.Millisecond))
	}
	for i := range 20 { // one window, 20 steps: 16 + 4
		add(int64(200+i), now.Add(3*time.Second+time.Duration(i)*time.Millisecond))
	}
	add(300, now.Add(7*time.Second)) // beyond nearFuture: scheduled

	params := jobsFor(steps, now, nearFuture)
	type job struct {
		ids       []int64
		due       time.Time
		scheduled time.Time
	}
	var jobs []job
	for _, p := range params {
		a := p.Args.(StepsArgs)
		jobs = append(jobs, job{a.StepIDs, a.DueAt, p.InsertOpts.ScheduledAt})
	}
	if len(jobs) != 1+4+2+1 {
		t.Fatalf("%d jobs, want 8: %+v", len(jobs), jobs)
	}
	if got := jobs[0]; len(got.ids) != 2 || !got.due.Equal(now) || !got.scheduled.IsZero() {
		t.Errorf("overdue job %+v, want steps 1 and 2 due now", got)
	}
	for w := range 4 {
		got := jobs[1+w]
		first := int64(100 + 10*w)
		if len(got.ids) != 10 || got.ids[0] != first || got.ids[9] != first+9 {
			t.Errorf("window %d: steps %v, want %d…%d", w, got.ids, first, first+9)
		}
		if want := now.Add(time.Second + time.Duration(10*w)*25*time.Millisecond); !got.due.Equal(want) || !got.scheduled.IsZero() {
			t.Errorf("window %d: due %v scheduled %v, want due %v, available at once", w, got.due, got.scheduled, want)
		}
	}
	if a, b := jobs[5], jobs[6]; len(a.ids) != maxStepsPerJob || len(b.ids) != 20-maxStepsPerJob || a.ids[0] != 200 || b.ids[0] != 200+maxStepsPerJob {
		t.Errorf("a full window: %v and %v, want 16 steps from 200, then the rest", a.ids, b.ids)
	}
	if got := jobs[7]; len(got.ids) != 1 || got.ids[0] != 300 || !got.scheduled.Equal(now.Add(7*time.Second)) {
		t.Errorf("far job %+v, want step 300 scheduled at +7s", got)
	}
}
