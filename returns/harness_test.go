package returns

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/internal/enginetest"
	"github.com/aftersale/aftersale/internal/enginetest/fixture"
	"github.com/aftersale/aftersale/team"
)

// harness is the pipeline on a manual clock with the returns wired in as
// app wires them: the Door at the engine's door, the Service beside it.
type harness struct {
	*enginetest.Harness
	ret *Service
}

// running starts the pipeline and its runner on each database (a SQLite
// file and PostgreSQL) and runs f for each in a subtest.
func running(t *testing.T, f func(t *testing.T, h *harness)) {
	t.Helper()
	enginetest.Each(t, func(t *testing.T, db string) { f(t, startHarness(t, db)) })
}

// startHarness makes the services on db ("sqlite" or "postgres"); the
// options are enginetest's (enginetest.Stopped: no processor runs).
func startHarness(t *testing.T, db string, opts ...enginetest.Option) *harness {
	t.Helper()
	h := &harness{}
	opts = append(opts, enginetest.Configure(func(c *engine.Config) { c.ReturnDoor = Door{} }))
	h.Harness = enginetest.New(t, db, opts...)
	var err error
	if h.ret, err = New(Config{Store: h.Store, Pipeline: h.Svc, Links: h.Config.Links, Clock: h.Clock, Logger: h.Log}); err != nil {
		t.Fatal(err)
	}
	return h
}

// order is an order.placed event for addr, of one item of kind.
func order(id, addr, orderID string, kind aftersale.ItemKind) *aftersale.Event {
	return fixture.Order(id, addr, orderID, kind)
}

// tasks lists the tasks of addr with the status.
func (h *harness) tasks(t *testing.T, status, addr string) []team.TaskView {
	t.Helper()
	tm, err := team.New(team.Config{Store: h.Store, Clock: h.Clock, Logger: h.Log})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := tm.Tasks(context.Background(), status, addr)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// returnsOf lists the returns recorded for the order.
func (h *harness) returnsOf(t *testing.T, orderID string) []*aftersale.Return {
	t.Helper()
	ctx := context.Background()
	o, err := h.Store.OrderGetByExternalID(ctx, orderID)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := h.Store.ReturnList(ctx, aftersale.ReturnFilter{OrderID: o.ID})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// processAll applies the inbox (for a harness whose processor is stopped).
func (h *harness) processAll(t *testing.T) {
	t.Helper()
	if _, err := h.Svc.ProcessInbox(context.Background(), nil); err != nil {
		t.Fatalf("ProcessInbox: %v", err)
	}
}

// deadCount is the number of events set aside.
func (h *harness) deadCount(t *testing.T) int {
	t.Helper()
	n, err := h.Svc.DeadEventCount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// wholeReturn is a return.requested event of the whole order.
func wholeReturn(id, orderID string, h *harness) *aftersale.Event {
	return &aftersale.Event{ID: id, Type: aftersale.EventReturnRequested, OccurredAt: h.Clock.RealNow(), Source: "api",
		Return: &aftersale.ReturnFacts{OrderID: orderID, Reason: "It doesn't fit"}}
}

// postAtOnce ingests the events from one goroutine each, released together,
// and returns each one's error.
func postAtOnce(s *engine.Service, evs []*aftersale.Event) []error {
	errs := make([]error, len(evs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, ev := range evs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			dup, err := s.Ingest(context.Background(), ev)
			if err == nil && dup {
				err = fmt.Errorf("%s: a duplicate", ev.ID)
			}
			errs[i] = err
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// acceptedOrRefused counts the nil errors and the conflicts; any other
// error fails the test.
func acceptedOrRefused(t *testing.T, errs []error) (accepted, refused int) {
	t.Helper()
	for _, err := range errs {
		switch {
		case err == nil:
			accepted++
		case aftersale.ErrorCode(err) == aftersale.ECONFLICT:
			refused++
		default:
			t.Fatalf("a return posted: %v, want accepted or a conflict", err)
		}
	}
	return accepted, refused
}

func has(list []string, s string) bool { return slices.Contains(list, s) }
