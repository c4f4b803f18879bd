package engine

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/journey"
	"github.com/aftersale/aftersale/postgres"
	"github.com/aftersale/aftersale/sqlite"
)

// TestMaterialize makes rows of planned steps as they come within the
// planning horizon, on both databases: each planned step becomes exactly
// one pending row without a job, once, however many dispatchers run at
// once and however many plans there are (more than one batch); the plans of
// an exited run make no rows.
func TestMaterialize(t *testing.T) {
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
			var mu sync.Mutex
			clock := &aftersale.Clock{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }}
			advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
			s := planService(st, clock)

			const buyers = dispatchBatch + 200
			var runs []*aftersale.JourneyRun
			for i := range buyers {
				c, o, r := buyerRun(t, st, i, "default", now)
				runs = append(runs, r)
				err := st.StepPlanInsert(ctx, &aftersale.StepPlan{
					RunID: r.ID, OrderID: o.ID, CustomerID: c.ID, JourneyID: "default", Anchor: "purchase", CreatedAt: now,
					Steps: []aftersale.PlannedStep{
						{StepID: "soon", Key: "soon", Type: aftersale.StepEmail, DueAt: now.Add(30 * time.Minute)},
						{StepID: "later", Key: "later", Type: aftersale.StepEmail, DueAt: now.Add(2 * time.Hour)},
						{StepID: "day30", Key: "day30", Type: aftersale.StepEmail, DueAt: now.Add(30 * 24 * time.Hour)},
					},
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			// The last buyer's run exits before anything is made.
			exited := runs[len(runs)-1]
			if n, err := st.RunExit(ctx, exited.ID, "refunded", now); err != nil || n != 3 {
				t.Fatalf("RunExit: %d, %v; want the 3 planned steps", n, err)
			}

			// Four dispatchers at once: each "soon" step gets one row.
			materialize := func(want int) {
				t.Helper()
				var wg sync.WaitGroup
				made := make([]int, 4)
				for i := range made {
					wg.Go(func() {
						n, err := s.Materialize(ctx)
						if err != nil {
							t.Error(err)
						}
						made[i] = n
					})
				}
				wg.Wait()
				if total := made[0] + made[1] + made[2] + made[3]; total != want {
					t.Errorf("made %v rows, %d in all; want %d", made, total, want)
				}
			}
			materialize(buyers - 1)
			check := func(wantRows []string, wantPlanned int) {
				t.Helper()
				for i, r := range runs[:len(runs)-1] {
					rows, err := st.StepListByCustomer(ctx, r.CustomerID)
					if err != nil {
						t.Fatal(err)
					}
					var keys []string
					for _, row := range rows {
						if row.Status != aftersale.StepPending || row.Enqueued || row.RunID != r.ID || row.Anchor != "purchase" {
							t.Fatalf("buyer %d: row %+v", i, row)
						}
						keys = append(keys, row.Key)
					}
					if fmt.Sprint(keys) != fmt.Sprint(wantRows) {
						t.Fatalf("buyer %d: rows %v, want %v", i, keys, wantRows)
					}
					plans, err := st.StepPlanListByCustomer(ctx, r.CustomerID)
					if err != nil {
						t.Fatal(err)
					}
					if left := len(plans); left != 1 || len(plans[0].Steps) != wantPlanned {
						t.Fatalf("buyer %d: plans %+v, want one with %d steps", i, plans, wantPlanned)
					}
				}
			}
			check([]string{"soon"}, 2)
			materialize(0) // nothing new within the hour

			advance(90 * time.Minute)
			materialize(buyers - 1)
			check([]string{"soon", "later"}, 1)

			// The exited run's steps are exited rows, and nothing else.
			rows, err := st.StepListByCustomer(ctx, exited.CustomerID)
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range rows {
				if row.Status != aftersale.StepExited {
					t.Errorf("exited run: row %+v", row)
				}
			}
			if len(rows) != 3 {
				t.Errorf("exited run: %d rows, want 3", len(rows))
			}
		})
	}
}

// TestPlanKeepsTheFirst plans the steps of a repeated anchor event (the
// same package delivered twice) with a one-hour horizon: the step that has
// a row and the one waiting in a plan each keep their first due time, and
// another package gets steps of its own.
func TestPlanKeepsTheFirst(t *testing.T) {
	js, err := journey.Parse("test.yaml", []byte(`
id: care
trigger: purchase
steps:
  - id: hello
    type: email
    template: hello
    after: delivery
  - id: later
    type: email
    template: later
    after: delivery
    wait: 3d
`))
	if err != nil {
		t.Fatal(err)
	}
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
			clock := &aftersale.Clock{Now: func() time.Time { return now }}
			s := planService(st, clock)
			c, o, run := buyerRun(t, st, 1, "care", now)
			plan := func(ref string, at time.Time) {
				t.Helper()
				err := st.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
					p := &planner{svc: s, tx: tx, order: o, buyer: c, now: now, realNow: now}
					_, err := p.plan(ctx, run, js[0], "delivery", ref, at, false)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			plan("pkg1", now)
			plan("pkg1", now.Add(time.Minute)) // delivered again
			plan("pkg2", now.Add(2*time.Minute))
			steps, err := aftersale.StepsWithPlans(ctx, st, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range steps {
				got = append(got, fmt.Sprintf("%s@%s", p.Key, p.DueAt.Sub(now)))
			}
			want := []string{"hello/pkg1@0s", "hello/pkg2@2m0s", "later/pkg1@72h0m0s", "later/pkg2@72h2m0s"}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("planned %v, want %v", got, want)
			}
			plans, err := st.StepPlanListByCustomer(ctx, c.ID)
			if err != nil || len(plans) != 2 {
				t.Errorf("%d plans, %v; want 2 (one per package)", len(plans), err)
			}
		})
	}
}

// TestBrokenPlan damages one plan's stored steps: the others are still made
// rows, the damaged one is left (and reported), the customer's timeline
// reads, and its run still exits.
func TestBrokenPlan(t *testing.T) {
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
			clock := &aftersale.Clock{Now: func() time.Time { return now }}
			s := planService(st, clock)
			var runs []*aftersale.JourneyRun
			var plans []*aftersale.StepPlan
			for i := range 2 {
				c, o, r := buyerRun(t, st, i, "default", now)
				p := &aftersale.StepPlan{RunID: r.ID, OrderID: o.ID, CustomerID: c.ID, JourneyID: "default", Anchor: "purchase", CreatedAt: now,
					Steps: []aftersale.PlannedStep{{StepID: "soon", Key: "soon", Type: aftersale.StepEmail, DueAt: now.Add(time.Minute)}}}
				if err := st.StepPlanInsert(ctx, p); err != nil {
					t.Fatal(err)
				}
				runs, plans = append(runs, r), append(plans, p)
			}
			const damage = `UPDATE step_plans SET steps = 'not json' WHERE id = `
			switch db := st.(type) {
			case *sqlite.DB:
				_, err := db.SQL().ExecContext(ctx, damage+fmt.Sprint(plans[0].ID))
				if err != nil {
					t.Fatal(err)
				}
			case *postgres.DB:
				if _, err := db.Pool().Exec(ctx, damage+fmt.Sprint(plans[0].ID)); err != nil {
					t.Fatal(err)
				}
			}
			if n, err := s.Materialize(ctx); err != nil || n != 1 {
				t.Fatalf("Materialize: %d, %v; want the good plan's row", n, err)
			}
			for i, r := range runs {
				steps, err := aftersale.StepsWithPlans(ctx, st, r.CustomerID)
				if err != nil {
					t.Fatalf("customer %d: %v", i, err)
				}
				// The damaged plan's step is unknown; the good one is a row.
				if want := i; len(steps) != want {
					t.Errorf("customer %d: %d steps %+v, want %d", i, len(steps), steps, want)
				}
			}
			left, err := st.StepPlanListByCustomer(ctx, runs[0].CustomerID)
			if err != nil || len(left) != 1 || left[0].Broken == "" {
				t.Fatalf("the damaged plan: %+v, %v; want it kept and marked broken", left, err)
			}
			if _, err := st.RunExit(ctx, runs[0].ID, "refunded", now); err != nil {
				t.Fatalf("RunExit of the run with the damaged plan: %v", err)
			}
			if left, err := st.StepPlanListByCustomer(ctx, runs[0].CustomerID); err != nil || len(left) != 0 {
				t.Errorf("after RunExit: plans %+v, %v; want none", left, err)
			}
		})
	}
}

// planService is a Service over st with a one-hour planning horizon,
// enough for planning and Materialize.
func planService(st aftersale.Store, clock *aftersale.Clock) *Service {
	return &Service{cfg: Config{Store: st, Clock: clock, PlanAhead: time.Hour, Schedule: &journey.Schedule{Clock: clock}},
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// buyerRun stores buyer i (b<i>@example.com), an order of theirs and an
// active run of the journey for it.
func buyerRun(t *testing.T, st aftersale.Store, i int, journeyID string, now time.Time) (*aftersale.Customer, *aftersale.Order, *aftersale.JourneyRun) {
	t.Helper()
	ctx := context.Background()
	c, err := st.CustomerUpsert(ctx, &aftersale.Contact{Email: fmt.Sprintf("b%d@example.com", i)}, now)
	if err != nil {
		t.Fatal(err)
	}
	o, err := st.OrderUpsert(ctx, &aftersale.Order{ExternalID: fmt.Sprint(i), CustomerID: c.ID, Status: aftersale.OrderPlaced, PlacedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := st.RunCreate(ctx, &aftersale.JourneyRun{JourneyID: journeyID, OrderID: o.ID, CustomerID: c.ID, Status: aftersale.RunActive, StartedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	return c, o, r
}
