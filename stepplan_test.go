package aftersale_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

var planT0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// testPlan is a plan of three steps due one, two and three days after
// planT0.
func testPlan() *aftersale.StepPlan {
	return &aftersale.StepPlan{
		ID: 7, RunID: 11, OrderID: 13, CustomerID: 17, JourneyID: "onboarding", Anchor: "delivery",
		Steps: []aftersale.PlannedStep{
			{StepID: "checkin", Key: "checkin/delivery:pkg-1", Type: aftersale.StepEmail, DueAt: planT0.Add(24 * time.Hour)},
			{StepID: "call", Key: "call/delivery:pkg-1", Type: aftersale.StepTask, DueAt: planT0.Add(48 * time.Hour)},
			{StepID: "survey", Key: "survey/delivery:pkg-1", Type: aftersale.StepSurvey, DueAt: planT0.Add(72 * time.Hour)},
		},
		CreatedAt: planT0,
	}
}

func TestStepPlanMaterialize(t *testing.T) {
	t.Parallel()
	p := testPlan()
	day := 24 * time.Hour
	for _, tc := range []struct {
		name   string
		before time.Time
		n      int // steps made rows
	}{
		{"before the first", planT0.Add(day - time.Nanosecond), 0},
		{"at the first, inclusive", planT0.Add(day), 1},
		{"between", planT0.Add(60 * time.Hour), 2},
		{"at the last", planT0.Add(3 * day), 3},
		{"after all", planT0.Add(30 * day), 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			steps, rest := p.Materialize(tc.before)
			if len(steps) != tc.n {
				t.Fatalf("Materialize made %d steps, want %d", len(steps), tc.n)
			}
			if !reflect.DeepEqual(rest, p.Steps[tc.n:]) || len(rest) != 3-tc.n {
				t.Fatalf("rest = %+v, want %+v", rest, p.Steps[tc.n:])
			}
			for i, st := range steps {
				ps := p.Steps[i]
				want := &aftersale.Step{
					RunID: 11, OrderID: 13, CustomerID: 17, JourneyID: "onboarding",
					StepID: ps.StepID, Key: ps.Key, Type: ps.Type, Anchor: "delivery", DueAt: ps.DueAt,
					Status: aftersale.StepPending, CreatedAt: planT0,
				}
				if !reflect.DeepEqual(st, want) {
					t.Errorf("step %d = %+v, want %+v", i, st, want)
				}
			}
		})
	}
	if got := testPlan(); !reflect.DeepEqual(p, got) {
		t.Errorf("Materialize changed the plan: %+v", p)
	}

	empty := &aftersale.StepPlan{RunID: 1}
	if steps, rest := empty.Materialize(planT0); len(steps) != 0 || len(rest) != 0 {
		t.Errorf("empty plan: Materialize = %v, %v", steps, rest)
	}
	if !empty.NextDueAt().IsZero() {
		t.Errorf("empty plan: NextDueAt = %v", empty.NextDueAt())
	}
	if got := p.NextDueAt(); !got.Equal(planT0.Add(day)) {
		t.Errorf("NextDueAt = %v, want %v", got, planT0.Add(day))
	}
}

func TestStepPlanStep(t *testing.T) {
	t.Parallel()
	p := testPlan()
	finished := planT0.Add(time.Hour)
	got := p.Step(p.Steps[1], aftersale.StepExited, finished)
	want := &aftersale.Step{
		RunID: 11, OrderID: 13, CustomerID: 17, JourneyID: "onboarding",
		StepID: "call", Key: "call/delivery:pkg-1", Type: aftersale.StepTask, Anchor: "delivery",
		DueAt: planT0.Add(48 * time.Hour), Status: aftersale.StepExited, CreatedAt: planT0, FinishedAt: finished,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Step = %+v, want %+v", got, want)
	}
}

func TestPlannedStepsRoundTrip(t *testing.T) {
	t.Parallel()
	zone := time.FixedZone("UTC-03:30", -(3*3600 + 1800))
	for _, tc := range []struct {
		name  string
		steps []aftersale.PlannedStep
	}{
		{"plan", testPlan().Steps},
		{"odd strings and times", []aftersale.PlannedStep{
			{StepID: `quote " and \ slash`, Key: "ünïcødé/ref:<&>", Type: "custom", DueAt: time.Date(1969, 7, 20, 20, 17, 40, 123456789, zone)},
			{DueAt: time.Date(2199, 1, 1, 0, 0, 0, 1000, time.UTC)},
		}},
		{"empty", []aftersale.PlannedStep{}},
		{"nil", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := aftersale.EncodePlannedSteps(tc.steps)
			if err != nil {
				t.Fatal(err)
			}
			got, err := aftersale.DecodePlannedSteps(s)
			if err != nil {
				t.Fatalf("Decode(%s): %v", s, err)
			}
			samePlanned(t, got, tc.steps)
		})
	}

	// The encoding is the one the migrations document.
	s, err := aftersale.EncodePlannedSteps(testPlan().Steps[:1])
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"s":"checkin","k":"checkin/delivery:pkg-1","t":"email","d":"2026-11-28T10:00:00Z"}]`; s != want {
		t.Errorf("Encode = %s, want %s", s, want)
	}

	for _, junk := range []string{"", "{", `{"s":"a"}`, `[{"d":"tomorrow"}]`, `[{"s":1}]`, `"steps"`, `[1]`} {
		if steps, err := aftersale.DecodePlannedSteps(junk); err == nil {
			t.Errorf("Decode(%q) = %+v, want an error", junk, steps)
		} else if !strings.HasPrefix(err.Error(), "step plan: ") {
			t.Errorf("Decode(%q): error %q does not say what it read", junk, err)
		}
	}
}

// samePlanned fails the test unless got and want hold the same steps, got's
// due times in UTC at want's instants cut to the microsecond.
func samePlanned(t *testing.T, got, want []aftersale.PlannedStep) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d steps %+v, want %d %+v", len(got), got, len(want), want)
	}
	for i := range got {
		// Due times come back in UTC, to the microsecond.
		g, w := got[i], want[i]
		w.DueAt = w.DueAt.UTC().Truncate(time.Microsecond)
		if g.StepID != w.StepID || g.Key != w.Key || g.Type != w.Type || !g.DueAt.Equal(w.DueAt) || g.DueAt.Location() != time.UTC {
			t.Errorf("step %d = %+v, want %+v", i, g, w)
		}
	}
}

func FuzzDecodePlannedSteps(f *testing.F) {
	valid, err := aftersale.EncodePlannedSteps(testPlan().Steps)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(`[{"s":"a","k":"a/x","t":"task","d":"2026-01-02T03:04:05.123456789+05:30"}]`)
	f.Add(`[]`)
	f.Add(`null`)
	f.Add(`[{"d":"0000-01-01T00:00:00-23:59"}]`)
	f.Add(`[{"s":"\ud800","k":"\xff"}]`)
	f.Add(`[{"d":"not a time"}]`)
	f.Add(`{"s":"a"}`)
	f.Add(`[{"S":"a","K":1}]`)
	f.Add("\x00garbage")
	f.Fuzz(func(t *testing.T, s string) {
		steps, err := aftersale.DecodePlannedSteps(s)
		if err != nil {
			return
		}
		enc, err := aftersale.EncodePlannedSteps(steps)
		if err != nil {
			t.Fatalf("decoded %q to %+v, which does not encode: %v", s, steps, err)
		}
		again, err := aftersale.DecodePlannedSteps(enc)
		if err != nil {
			t.Fatalf("%q decodes to %+v, which encodes to %q, which does not decode: %v", s, steps, enc, err)
		}
		samePlanned(t, again, steps)
	})
}
