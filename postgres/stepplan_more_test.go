package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/postgres"
)

// TestStepPlanListDueSkipsLocked checks that StepPlanListDue locks the due
// plans it returns, and only them: a second dispatcher passes over a plan
// the first holds (SKIP LOCKED) without waiting, and the runs of the plans
// are not locked (FOR UPDATE OF the plans only), so a change of a run's
// status does not wait for a dispatcher.
func TestStepPlanListDueSkipsLocked(t *testing.T) {
	db := open(t, newSchema(t))
	ctx := t.Context()
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	ann, err := db.CustomerUpsert(ctx, &aftersale.Contact{Email: "ann@example.com"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	var plans []*aftersale.StepPlan
	for i, journey := range []string{"onboarding", "winback"} {
		r, _, err := db.RunCreate(ctx, &aftersale.JourneyRun{JourneyID: journey, CustomerID: ann.ID,
			EventID: "evt_" + journey, Status: aftersale.RunActive, StartedAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		p := &aftersale.StepPlan{RunID: r.ID, CustomerID: ann.ID, JourneyID: journey, Anchor: "purchase",
			Steps: []aftersale.PlannedStep{{StepID: "mail", Key: "mail", Type: aftersale.StepEmail,
				DueAt: t0.Add(time.Duration(i+1) * time.Hour)}},
			CreatedAt: t0}
		if err := db.StepPlanInsert(ctx, p); err != nil {
			t.Fatal(err)
		}
		plans = append(plans, p)
	}
	now := t0.Add(24 * time.Hour)

	locked, release := make(chan []*aftersale.StepPlan), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- db.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
			due, err := tx.StepPlanListDue(ctx, now, 1)
			if err != nil {
				close(locked)
				return err
			}
			locked <- due
			<-release
			return nil
		})
	}()
	held, ok := <-locked
	if !ok {
		t.Fatal(<-first)
	}
	if len(held) != 1 || held[0].ID != plans[0].ID {
		close(release)
		t.Fatalf("the first dispatcher got %v, want plan %d", held, plans[0].ID)
	}

	err = db.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		ptx, err := postgres.DriverTx(tx)
		if err != nil {
			return err
		}
		// A lock wait here is the failure; it ends instead of hanging.
		if _, err := ptx.Exec(ctx, `SET LOCAL lock_timeout = '10s'`); err != nil {
			return err
		}
		due, err := tx.StepPlanListDue(ctx, now, 0)
		if err != nil {
			return err
		}
		if len(due) != 1 || due[0].ID != plans[1].ID {
			return errors.New("the second dispatcher did not get only the plan the first does not hold")
		}
		_, err = ptx.Exec(ctx, `SELECT id FROM journey_runs WHERE id = $1 FOR UPDATE NOWAIT`, plans[0].RunID)
		if err != nil {
			return errors.Join(errors.New("the run of the held plan is locked"), err)
		}
		return nil
	})
	close(release)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
}
