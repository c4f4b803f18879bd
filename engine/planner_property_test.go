package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/journey"
)

// plannerOrder is an order of the property test, and what was done to it.
type plannerOrder struct {
	ref, addr string
	kind      aftersale.ItemKind
	placed    *aftersale.Event
	exitedAt  time.Time // when a refund or cancel was posted; zero if none
	exitOn    string    // journey.TriggerRefund or TriggerCancel, with exitedAt
	delivered bool
}

// TestPlannerProperties posts random sequences of events (orders of every
// kind, deliveries, refunds, cancellations, repeats of earlier events)
// with random waits between them, lets two months pass, and checks the
// pipeline's invariants (docs/pipeline.md) on both databases:
//   - none twice: a (run, key) is one step row at most, and no planned
//     step is also a row;
//   - none lost: every run that did not exit has each of its journey's
//     steps anchored on its trigger, as a row or (due later) planned;
//     nothing due is still only planned, and nothing is pending that was
//     due;
//   - exits honoured: a run that exited has no pending step and no step
//     that finished after the exit.
//
// The sequences come from fixed seeds, so a failure can be run again.
func TestPlannerProperties(t *testing.T) {
	js, err := journey.Default()
	if err != nil {
		t.Fatal(err)
	}
	triggerSteps := map[string][]string{} // journey id → the ids of its steps anchored on its trigger
	for _, j := range js.Journeys {
		for _, st := range j.Steps {
			if st.After == "" || st.After == j.Trigger {
				triggerSteps[j.ID] = append(triggerSteps[j.ID], st.ID)
			}
		}
	}
	for _, seed := range []uint64{1, 2} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			running(t, func(t *testing.T, h *harness) {
				orders := plannerSequence(t, h, rand.New(rand.NewPCG(seed, 7)))
				h.days(t, 60)
				checkPlannerInvariants(t, h, orders, js, triggerSteps)
			})
		})
	}
}

// plannerSequence posts a random sequence of events and returns the orders.
func plannerSequence(t *testing.T, h *harness, rng *rand.Rand) []*plannerOrder {
	t.Helper()
	kinds := []aftersale.ItemKind{aftersale.KindDigital, aftersale.KindPhysical, aftersale.KindCourse, aftersale.KindCoaching}
	var orders []*plannerOrder
	var sent []*aftersale.Event
	n := 0
	post := func(ev *aftersale.Event) {
		n++
		ev.OccurredAt = h.clock.RealNow()
		if _, err := h.svc.Ingest(context.Background(), ev); err != nil {
			t.Fatalf("ingest %s: %v", ev.ID, err)
		}
		sent = append(sent, ev)
	}
	live := func() *plannerOrder {
		var l []*plannerOrder
		for _, o := range orders {
			if o.exitedAt.IsZero() {
				l = append(l, o)
			}
		}
		if len(l) == 0 {
			return nil
		}
		return l[rng.IntN(len(l))]
	}
	for range 30 {
		switch r := rng.IntN(10); {
		case r < 4 || len(orders) == 0:
			o := &plannerOrder{ref: fmt.Sprint("p-", len(orders)), addr: fmt.Sprintf("buyer%d@example.com", rng.IntN(4)),
				kind: kinds[rng.IntN(len(kinds))]}
			o.placed = order(fmt.Sprint("ev-", n), o.addr, o.ref, o.kind)
			post(o.placed)
			orders = append(orders, o)
		case r < 6:
			if o := live(); o != nil && o.kind == aftersale.KindPhysical && !o.delivered {
				post(shipment(fmt.Sprint("ev-", n), o.ref, aftersale.ShipmentDelivered))
				o.delivered = true
			}
		case r < 7:
			if o := live(); o != nil {
				typ, on := aftersale.EventOrderRefunded, journey.TriggerRefund
				if rng.IntN(2) == 0 {
					typ, on = aftersale.EventOrderCancelled, journey.TriggerCancel
				}
				post(&aftersale.Event{ID: fmt.Sprint("ev-", n), Type: typ, Order: &aftersale.OrderFacts{ID: o.ref}})
				o.exitedAt, o.exitOn = h.clock.RealNow(), on
			}
		case r < 8:
			// A repeat of an earlier event: a duplicate, which changes nothing.
			again := *sent[rng.IntN(len(sent))]
			if dup, err := h.svc.Ingest(context.Background(), &again); err != nil || !dup {
				t.Fatalf("repeat of %s: duplicate %v, %v", again.ID, dup, err)
			}
		default:
			h.settle(t)
			h.clock.Advance(time.Duration(1+rng.IntN(72)) * time.Hour)
		}
		h.settle(t)
	}
	return orders
}

// checkPlannerInvariants checks the steps and plans of every order.
func checkPlannerInvariants(t *testing.T, h *harness, orders []*plannerOrder, js *journey.Set, triggerSteps map[string][]string) {
	t.Helper()
	ctx := context.Background()
	now := h.clock.RealNow()
	for _, o := range orders {
		c := h.customer(t, o.addr)
		ord, err := h.st.OrderGetByExternalID(ctx, o.ref)
		if err != nil {
			t.Fatal(err)
		}
		runs, err := h.st.RunListByOrder(ctx, ord.ID)
		if err != nil {
			t.Fatal(err)
		}
		steps, err := h.st.StepListByCustomer(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		plans, err := h.st.StepPlanListByCustomer(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) == 0 {
			t.Fatalf("order %s started no journey", o.ref)
		}
		for _, run := range runs {
			rows := map[string]*aftersale.Step{}
			for _, st := range steps {
				if st.RunID != run.ID {
					continue
				}
				if rows[st.Key] != nil {
					t.Errorf("order %s, run %s: step %s twice", o.ref, run.JourneyID, st.Key)
				}
				rows[st.Key] = st
			}
			planned := map[string]bool{}
			for _, p := range plans {
				if p.RunID != run.ID {
					continue
				}
				for _, ps := range p.Steps {
					planned[ps.Key] = true
					if rows[ps.Key] != nil {
						t.Errorf("order %s, run %s: step %s both planned and a row", o.ref, run.JourneyID, ps.Key)
					}
					if run.Status == aftersale.RunActive && ps.DueAt.Before(now) {
						t.Errorf("order %s, run %s: step %s due %v is still only planned", o.ref, run.JourneyID, ps.Key, ps.DueAt)
					}
				}
			}
			if run.Status != aftersale.RunActive {
				for _, st := range rows {
					if st.Status == aftersale.StepPending {
						t.Errorf("order %s, exited run %s: step %s still pending", o.ref, run.JourneyID, st.Key)
					}
					if st.Status != aftersale.StepExited && st.FinishedAt.After(run.ExitedAt) {
						t.Errorf("order %s, run %s exited at %v: step %s %s at %v", o.ref, run.JourneyID, run.ExitedAt, st.Key, st.Status, st.FinishedAt)
					}
				}
				continue
			}
			if j := js.ByID(run.JourneyID); !o.exitedAt.IsZero() && run.StartedAt.Before(o.exitedAt) && j != nil && slices.Contains(j.ExitOn, o.exitOn) {
				t.Errorf("order %s: run %s is still active after the %v exit", o.ref, run.JourneyID, o.exitedAt)
			}
			for _, id := range triggerSteps[run.JourneyID] {
				if rows[id] == nil && !planned[id] {
					t.Errorf("order %s, run %s: step %s lost (neither a row nor planned)", o.ref, run.JourneyID, id)
				}
			}
			for _, st := range rows {
				if st.Status == aftersale.StepPending && st.DueAt.Before(now.Add(-time.Hour)) {
					t.Errorf("order %s, run %s: step %s due %v still pending", o.ref, run.JourneyID, st.Key, st.DueAt)
				}
			}
		}
	}
}
