package features

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

// RunReturnsPending runs the conformance tests of the door of returns
// (Store.InboxAppendReturn), each in parallel on its own store from open
// (as storetest.Run's): known events, the pending events check is given, a
// refusal, a later ReceivedAt, and concurrent appends of one order, which
// check one after the other.
func RunReturnsPending(t *testing.T, open func(t *testing.T) aftersale.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s aftersale.Store)
	}{
		{"Known", testReturnDoorKnown},
		{"Pending", testReturnDoorPending},
		{"Refused", testReturnDoorRefused},
		{"Concurrent", testReturnDoorConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

// returnEvent is a return.requested event received at t0 + received.
func returnEvent(id string, received time.Duration) *aftersale.StoredEvent {
	ev := fixture.InboxEvent(id, received)
	ev.Type = aftersale.EventReturnRequested
	return ev
}

// noCheck is a check that must not run.
func noCheck(t *testing.T) func(context.Context, aftersale.Queries, []*aftersale.StoredEvent) error {
	return func(context.Context, aftersale.Queries, []*aftersale.StoredEvent) error {
		t.Error("check called for a known event")
		return nil
	}
}

// testReturnDoorKnown: an event in the inbox, set aside or processed is
// not new, and check is not called for it.
func testReturnDoorKnown(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	_, err := s.InboxAppend(ctx, []*aftersale.StoredEvent{returnEvent("door_inbox", time.Second), returnEvent("door_dead", 2*time.Second)})
	fixture.Ok(t, err)
	fixture.Ok(t, s.DeadEventPut(ctx, &aftersale.DeadEvent{Event: *returnEvent("door_dead", 2*time.Second), Error: "x", Attempts: 1, FailedAt: fixture.At(time.Minute)}))
	_, err = s.EventInsert(ctx, returnEvent("door_done", 3*time.Second))
	fixture.Ok(t, err)
	for _, id := range []string{"door_inbox", "door_dead", "door_done"} {
		isNew, err := s.InboxAppendReturn(ctx, "1001", returnEvent(id, 9*time.Second), noCheck(t))
		fixture.Ok(t, err)
		fixture.Same(t, "InboxAppendReturn of the known "+id, isNew, false)
	}
	list, err := s.InboxList(ctx, 10)
	fixture.Ok(t, err)
	fixture.Same(t, "InboxList", fixture.InboxIDs(list), []string{"door_inbox"})
}

// testReturnDoorPending: check gets the return.requested events waiting
// in the inbox (not other types, not one processed already) in the
// inbox's order, and reads through q; the event it moves later is stored
// so.
func testReturnDoorPending(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	_, err := s.InboxAppend(ctx, []*aftersale.StoredEvent{
		returnEvent("pend_b", 2*time.Second), fixture.InboxEvent("pend_order", time.Second/2),
		returnEvent("pend_a", time.Second), returnEvent("pend_done", 3*time.Second)})
	fixture.Ok(t, err)
	_, err = s.EventInsert(ctx, returnEvent("pend_done", 3*time.Second)) // processed, not yet deleted from the inbox
	fixture.Ok(t, err)
	ev := returnEvent("pend_new", 0)
	var got []*aftersale.StoredEvent
	isNew, err := s.InboxAppendReturn(ctx, "1001", ev, func(ctx context.Context, q aftersale.Queries, pending []*aftersale.StoredEvent) error {
		got = pending
		if _, err := q.EventGet(ctx, "pend_done"); err != nil {
			return fmt.Errorf("a read through q: %w", err)
		}
		ev.ReceivedAt = fixture.At(5 * time.Second) // behind the pending ones
		return nil
	})
	fixture.Ok(t, err)
	fixture.Same(t, "InboxAppendReturn isNew", isNew, true)
	fixture.Same(t, "pending", fixture.InboxIDs(got), []string{"pend_a", "pend_b"})
	fixture.Same(t, "a pending event", got[0], returnEvent("pend_a", time.Second))
	list, err := s.InboxList(ctx, 10)
	fixture.Ok(t, err)
	fixture.Same(t, "InboxList", fixture.InboxIDs(list), []string{"pend_order", "pend_a", "pend_b", "pend_done", "pend_new"})
	fixture.Same(t, "the new event", list[4], returnEvent("pend_new", 5*time.Second))
}

// testReturnDoorRefused: check's error is returned as it is, and nothing
// is stored.
func testReturnDoorRefused(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	refusal := aftersale.Errorf(aftersale.ECONFLICT, "everything on this order is already being returned")
	isNew, err := s.InboxAppendReturn(ctx, "1001", returnEvent("ref_a", 0), func(context.Context, aftersale.Queries, []*aftersale.StoredEvent) error {
		return refusal
	})
	if !errors.Is(err, refusal) || isNew {
		t.Fatalf("InboxAppendReturn refused: %v, %v; want the check's error", isNew, err)
	}
	list, err := s.InboxList(ctx, 10)
	fixture.Ok(t, err)
	fixture.Same(t, "InboxList after a refusal", fixture.InboxIDs(list), []string{})
	isNew, err = s.InboxAppendReturn(ctx, "1001", returnEvent("ref_a", 0), func(context.Context, aftersale.Queries, []*aftersale.StoredEvent) error { return nil })
	fixture.Ok(t, err)
	fixture.Same(t, "InboxAppendReturn after a refusal", isNew, true)
}

// testReturnDoorConcurrent: appends of one order at once check one after
// the other, each seeing the ones stored before it: a check that allows
// one return of the order lets exactly one in. A return of another order
// goes in after them.
func testReturnDoorConcurrent(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	const workers = 8
	var stored, inCheck atomic.Int32
	var overlap atomic.Bool
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			isNew, err := s.InboxAppendReturn(ctx, "2002", returnEvent(fmt.Sprintf("conc_%d", w), 0),
				func(ctx context.Context, q aftersale.Queries, pending []*aftersale.StoredEvent) error {
					if inCheck.Add(1) > 1 {
						overlap.Store(true)
					}
					defer inCheck.Add(-1)
					// Reads through q, as the engine's check reads the
					// order and its returns: time for another to overlap.
					for range 10 {
						if _, err := q.EventGet(ctx, "conc_none"); !aftersale.IsNotFound(err) {
							return fmt.Errorf("a read through q: %v", err)
						}
					}
					if len(pending) > 0 {
						return aftersale.ErrAllReturned
					}
					return nil
				})
			switch {
			case err == nil && isNew:
				stored.Add(1)
			case err != nil && !errors.Is(err, aftersale.ErrAllReturned):
				t.Errorf("InboxAppendReturn: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	fixture.Same(t, "returns stored of one allowed", stored.Load(), int32(1))
	fixture.Same(t, "checks of one order overlapped", overlap.Load(), false)
	isNew, err := s.InboxAppendReturn(ctx, "3003", returnEvent("conc_other", 0), func(context.Context, aftersale.Queries, []*aftersale.StoredEvent) error { return nil })
	fixture.Ok(t, err)
	fixture.Same(t, "another order's return", isNew, true)
}
