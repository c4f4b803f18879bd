package aftersale

import "testing"

func TestTaskTouched(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status  TaskStatus
		outcome string
		want    bool
	}{
		{TaskDone, "reached", true}, {TaskDone, "voicemail", true}, {TaskDone, "done", true},
		{TaskDone, "no_answer", false}, {TaskDone, "wrong_number", false}, {TaskDone, "skipped", false},
		{TaskOpen, "", false},
	} {
		if got := (&Task{Status: tc.status, Outcome: tc.outcome}).Touched(); got != tc.want {
			t.Errorf("%s/%s: Touched() = %v, want %v", tc.status, tc.outcome, got, tc.want)
		}
	}
}
