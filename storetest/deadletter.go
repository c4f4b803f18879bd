package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

// testDeadEvents runs the conformance tests of the events set aside
// (DeadEventPut, DeadEventList, DeadEventCount, DeadEventRetry,
// DeadEventDiscard) as subtests.
func testDeadEvents(t *testing.T, s aftersale.Store) {
	t.Run("PutListRetryDiscard", func(t *testing.T) { testDeadEventLifecycle(t, s) })
	t.Run("Concurrent", func(t *testing.T) { testDeadEventConcurrent(t, s) })
	t.Run("Erase", func(t *testing.T) { testDeadEventErase(t, s) })
}

func deadEvent(id string, received, failed time.Duration, errText string) *aftersale.DeadEvent {
	return &aftersale.DeadEvent{Event: *fixture.InboxEvent(id, received), Error: errText, Attempts: 1, FailedAt: fixture.At(failed)}
}

func deadIDs(list []*aftersale.DeadEvent) []string {
	out := []string{}
	for _, d := range list {
		out = append(out, d.Event.ID)
	}
	return out
}

// withPrefix keeps the IDs that start with prefix (the subtests share
// their store).
func withPrefix(ids []string, prefix string) []string {
	out := []string{}
	for _, id := range ids {
		if strings.HasPrefix(id, prefix) {
			out = append(out, id)
		}
	}
	return out
}

func testDeadEventLifecycle(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	count := func(what string, want int) {
		t.Helper()
		n, err := s.DeadEventCount(ctx)
		fixture.Ok(t, err)
		fixture.Same(t, what, n, want)
	}
	count("DeadEventCount of none", 0)
	list, err := s.DeadEventList(ctx, 10)
	fixture.Ok(t, err)
	fixture.Same(t, "DeadEventList of none", deadIDs(list), []string{})

	_, err = s.InboxAppend(ctx, []*aftersale.StoredEvent{
		fixture.InboxEvent("dead_a", time.Second), fixture.InboxEvent("dead_b", 2*time.Second), fixture.InboxEvent("live", 3*time.Second)})
	fixture.Ok(t, err)

	// Set aside: out of the inbox, into the dead events, not among the
	// processed events.
	a := deadEvent("dead_a", time.Second, time.Hour, "invalid byte sequence")
	fixture.Ok(t, s.DeadEventPut(ctx, a))
	fixture.Ok(t, s.DeadEventPut(ctx, deadEvent("dead_b", 2*time.Second, 2*time.Hour, "panic: nil pointer")))
	inbox, err := s.InboxList(ctx, 10)
	fixture.Ok(t, err)
	fixture.Same(t, "the inbox after DeadEventPut", fixture.InboxIDs(inbox), []string{"live"})
	_, err = s.EventGet(ctx, "dead_a")
	fixture.WantCode(t, "EventGet of an event set aside", err, aftersale.ENOTFOUND)
	count("DeadEventCount", 2)
	list, err = s.DeadEventList(ctx, 10)
	fixture.Ok(t, err)
	fixture.Same(t, "DeadEventList: the latest failure first", deadIDs(list), []string{"dead_b", "dead_a"})
	fixture.Same(t, "DeadEventList event", list[1], a)
	list, err = s.DeadEventList(ctx, 1)
	fixture.Ok(t, err)
	fixture.Same(t, "DeadEventList with limit 1", deadIDs(list), []string{"dead_b"})

	// Retried: back in the inbox as it was received, gone from the dead
	// events.
	fixture.Ok(t, s.DeadEventRetry(ctx, "dead_a"))
	inbox, err = s.InboxList(ctx, 10)
	fixture.Ok(t, err)
	fixture.Same(t, "the inbox after DeadEventRetry", fixture.InboxIDs(inbox), []string{"dead_a", "live"})
	fixture.Same(t, "the event retried", inbox[0], fixture.InboxEvent("dead_a", time.Second))
	count("DeadEventCount after DeadEventRetry", 1)
	fixture.WantCode(t, "DeadEventRetry again", s.DeadEventRetry(ctx, "dead_a"), aftersale.ENOTFOUND)

	// Set aside again: the attempts add up, the last error and time win.
	fixture.Ok(t, s.DeadEventPut(ctx, deadEvent("dead_a", time.Second, 3*time.Hour, "still broken")))
	again := deadEvent("dead_a", time.Second, 4*time.Hour, "broken again")
	again.Attempts = 2
	fixture.Ok(t, s.DeadEventPut(ctx, again)) // a crash may repeat a put
	list, err = s.DeadEventList(ctx, 10)
	fixture.Ok(t, err)
	want := deadEvent("dead_a", time.Second, 4*time.Hour, "broken again")
	want.Attempts = 3
	fixture.Same(t, "DeadEventList after a second failure", list[0], want)

	// Posted again while set aside: known, not new, not stored.
	isNew, err := s.InboxAppend(ctx, []*aftersale.StoredEvent{fixture.InboxEvent("dead_b", 9*time.Second), fixture.InboxEvent("fresh", 9*time.Second)})
	fixture.Ok(t, err)
	fixture.Same(t, "InboxAppend of an event set aside, and a new one", isNew, []bool{false, true})
	fixture.Ok(t, s.InboxDelete(ctx, []string{"fresh"}))
	fixture.Ok(t, s.DeadEventRetry(ctx, "dead_b"))
	inbox, err = s.InboxList(ctx, 10)
	fixture.Ok(t, err)
	fixture.Same(t, "the inbox after retrying an event posted again meanwhile", fixture.InboxIDs(inbox), []string{"dead_b", "live"})

	// Discarded: gone.
	fixture.Ok(t, s.DeadEventDiscard(ctx, "dead_a"))
	fixture.WantCode(t, "DeadEventDiscard again", s.DeadEventDiscard(ctx, "dead_a"), aftersale.ENOTFOUND)
	fixture.WantCode(t, "DeadEventRetry of a discarded event", s.DeadEventRetry(ctx, "dead_a"), aftersale.ENOTFOUND)
	count("DeadEventCount after DeadEventDiscard", 0)
	inbox, err = s.InboxList(ctx, 10)
	fixture.Ok(t, err)
	fixture.Same(t, "the inbox after DeadEventDiscard", fixture.InboxIDs(inbox), []string{"dead_b", "live"})
}

// testDeadEventConcurrent moves events back and forth from many
// goroutines: each event ends in exactly one place, never none.
func testDeadEventConcurrent(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	const n, rounds = 8, 5
	var evs []*aftersale.StoredEvent
	for i := range n {
		evs = append(evs, fixture.InboxEvent(fmt.Sprintf("move_%d", i), time.Duration(i)*time.Second))
	}
	_, err := s.InboxAppend(ctx, evs)
	fixture.Ok(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, n*rounds*2)
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("move_%d", i)
			for r := range rounds {
				if err := s.DeadEventPut(ctx, deadEvent(id, time.Duration(i)*time.Second, time.Duration(r)*time.Minute, "x")); err != nil {
					errs <- err
				}
				if r < rounds-1 {
					if err := s.DeadEventRetry(ctx, id); err != nil {
						errs <- err
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	inbox, err := s.InboxList(ctx, 100)
	fixture.Ok(t, err)
	fixture.Same(t, "the inbox", withPrefix(fixture.InboxIDs(inbox), "move_"), []string{})
	dead, err := s.DeadEventList(ctx, 100)
	fixture.Ok(t, err)
	fixture.Same(t, "the events set aside", len(withPrefix(deadIDs(dead), "move_")), n)
}

// testDeadEventErase: CustomerErase discards the events set aside that
// mention the address, and only those.
func testDeadEventErase(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	c := fixture.NewCustomer(t, s, "dead.ana@example.com")
	about := func(id, addr string) *aftersale.DeadEvent {
		d := deadEvent(id, time.Second, time.Hour, "x")
		d.Event.Payload = []byte(`{"id":"` + id + `","customer":{"email":"` + addr + `","name":"Ana"}}`)
		return d
	}
	fixture.Ok(t, s.DeadEventPut(ctx, about("dead_ana", "Dead.Ana@example.com")))
	fixture.Ok(t, s.DeadEventPut(ctx, about("dead_diana", "dia.dead.ana@example.com")))
	fixture.Ok(t, s.CustomerErase(ctx, c.ID, fixture.At(time.Hour)))
	list, err := s.DeadEventList(ctx, 10)
	fixture.Ok(t, err)
	fixture.Same(t, "the events set aside after the erase", withPrefix(deadIDs(list), "dead_d"), []string{"dead_diana"})
}
