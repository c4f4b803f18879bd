package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
)

// TestImportAndProcessInbox puts past orders and a new one in the inbox
// with Import, without a running service, and processes them with
// ProcessInbox: the past orders are recorded without a journey, the new one
// starts its journey (its at-once steps are rows with jobs); the same file
// again adds nothing.
func TestImportAndProcessInbox(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h := startHarness(t, db, aftersale.NewManualClock(harnessStart()), nil, false)
			now := h.clock.RealNow()
			var evs []*aftersale.Event
			for i := range 30 {
				ev := order(fmt.Sprintf("past-%d", i), fmt.Sprintf("p%d@example.com", i), fmt.Sprint(7000+i), "digital")
				ev.OccurredAt, ev.History, ev.Source = now.AddDate(0, -2, 0), true, "import"
				evs = append(evs, ev)
			}
			fresh := order("new-1", "new@example.com", "7999", "digital")
			fresh.OccurredAt = now
			evs = append(evs, fresh)
			var progress []int
			count, err := h.svc.Import(ctx, evs, func(n int) { progress = append(progress, n) })
			added, known := count.Added, count.Known
			if err != nil || added != 31 || known != 0 || len(progress) == 0 || progress[len(progress)-1] != 31 {
				t.Fatalf("Import: %d added, %d known, progress %v, %v", added, known, progress, err)
			}
			if w, err := h.svc.busy(ctx); err != nil || !strings.Contains(w, "waits in the inbox") {
				t.Errorf("with a full inbox and no processor, waiting for %q, %v; want the inbox", w, err)
			}
			n, err := h.svc.ProcessInbox(ctx, nil)
			if err != nil || n != 31 {
				t.Fatalf("ProcessInbox: %d, %v; want 31", n, err)
			}
			if n, err := h.svc.ProcessInbox(ctx, nil); err != nil || n != 0 {
				t.Errorf("ProcessInbox of an empty inbox: %d, %v", n, err)
			}
			for i := range 30 {
				c := h.customer(t, fmt.Sprintf("p%d@example.com", i))
				steps, err := h.st.StepListByCustomer(ctx, c.ID)
				if err != nil || len(steps) != 0 {
					t.Fatalf("past order %d: steps %v, %v; want none", i, steps, err)
				}
			}
			steps, err := h.st.StepListByCustomer(ctx, h.customer(t, "new@example.com").ID)
			if err != nil || len(steps) == 0 {
				t.Fatalf("the new order: steps %v, %v; want its journey", steps, err)
			}
			enqueued := 0
			for _, st := range steps {
				if st.Enqueued {
					enqueued++
				}
			}
			if enqueued == 0 {
				t.Errorf("the new order's at-once steps have no jobs: %+v", steps)
			}
			count, err = h.svc.Import(ctx, evs, nil)
			if err != nil || count.Added != 0 || count.Known != 31 || count.Changed != 0 {
				t.Errorf("the same file again: %+v, %v", count, err)
			}
			// A row edited since: reported as changed, by its ID, and kept as
			// first imported.
			edited := order("past-3", "p3@example.com", "7003", "digital")
			edited.OccurredAt, edited.History, edited.Source = now.AddDate(0, -2, 0), true, "import"
			edited.Order.Total = "999.00"
			count, err = h.svc.Import(ctx, append(evs[:3:3], edited), nil)
			if err != nil || count.Added != 0 || count.Known != 3 || count.Changed != 1 ||
				len(count.ChangedIDs) != 1 || count.ChangedIDs[0] != "past-3" {
				t.Errorf("a changed row: %+v, %v; want 3 known and past-3 changed", count, err)
			}
		})
	}
}
