package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

func testInbox(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	// An event processed before: recorded among the events.
	_, err := s.EventInsert(ctx, fixture.InboxEvent("evt_done", 0))
	fixture.Ok(t, err)

	isNew, err := s.InboxAppend(ctx, []*aftersale.StoredEvent{
		fixture.InboxEvent("evt_c", 1*time.Second),
		fixture.InboxEvent("evt_done", 2*time.Second), // processed already
		fixture.InboxEvent("evt_a", 3*time.Second),
		fixture.InboxEvent("evt_c", 4*time.Second), // twice in one call
		fixture.InboxEvent("evt_b", 2*time.Second),
	})
	fixture.Ok(t, err)
	fixture.Same(t, "InboxAppend isNew", isNew, []bool{true, false, true, false, true})

	list, err := s.InboxList(ctx, 10)
	fixture.Ok(t, err)
	fixture.Same(t, "InboxList order", fixture.InboxIDs(list), []string{"evt_c", "evt_b", "evt_a"})
	fixture.Same(t, "InboxList event", list[0], fixture.InboxEvent("evt_c", 1*time.Second))
	list, err = s.InboxList(ctx, 2)
	fixture.Ok(t, err)
	fixture.Same(t, "InboxList with limit 2", fixture.InboxIDs(list), []string{"evt_c", "evt_b"})

	// Again: nothing new, nothing changed.
	isNew, err = s.InboxAppend(ctx, []*aftersale.StoredEvent{fixture.InboxEvent("evt_a", 9*time.Second)})
	fixture.Ok(t, err)
	fixture.Same(t, "InboxAppend of an event in the inbox", isNew, []bool{false})
	isNew, err = s.InboxAppend(ctx, nil)
	fixture.Ok(t, err)
	fixture.Same(t, "InboxAppend of nothing", isNew, []bool{})

	fixture.Ok(t, s.InboxDelete(ctx, []string{"evt_c", "evt_a", "evt_missing"}))
	fixture.Ok(t, s.InboxDelete(ctx, nil))
	list, err = s.InboxList(ctx, 10)
	fixture.Ok(t, err)
	fixture.Same(t, "InboxList after InboxDelete", fixture.InboxIDs(list), []string{"evt_b"})

	// Deleted from the inbox and recorded as processed: still a duplicate.
	_, err = s.EventInsert(ctx, fixture.InboxEvent("evt_c", time.Second))
	fixture.Ok(t, err)
	isNew, err = s.InboxAppend(ctx, []*aftersale.StoredEvent{fixture.InboxEvent("evt_c", 5*time.Second), fixture.InboxEvent("evt_d", 5*time.Second)})
	fixture.Ok(t, err)
	fixture.Same(t, "InboxAppend after processing", isNew, []bool{false, true})
}

// testInboxConcurrent appends the same IDs from many goroutines: each ID is
// new to exactly one caller.
func testInboxConcurrent(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	const workers, ids = 8, 40
	var newCount [ids]atomic.Int32
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var evs []*aftersale.StoredEvent
			for i := 0; i < ids; i++ {
				evs = append(evs, fixture.InboxEvent(fmt.Sprintf("evt_%02d", (i+w*7)%ids), time.Duration(i)*time.Millisecond))
			}
			isNew, err := s.InboxAppend(ctx, evs)
			if err != nil {
				t.Error(err)
				return
			}
			for i, n := range isNew {
				if n {
					newCount[(i+w*7)%ids].Add(1)
				}
			}
		}()
	}
	wg.Wait()
	for i := range newCount {
		if n := newCount[i].Load(); n != 1 {
			t.Errorf("evt_%02d was new to %d callers, want 1", i, n)
		}
	}
	list, err := s.InboxList(ctx, 100)
	fixture.Ok(t, err)
	if len(list) != ids {
		t.Errorf("InboxList has %d events, want %d", len(list), ids)
	}
}

// testEventLockProcessing checks that while one transaction holds the
// processing lock, no other transaction holds it: another either is told
// false (PostgreSQL) or waits for the first to end (SQLite).
func testEventLockProcessing(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	var firstDone atomic.Bool
	held := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
			got, err := tx.EventLockProcessing(ctx)
			if err != nil {
				return err
			}
			if !got {
				t.Error("EventLockProcessing with nobody else holding it = false")
			}
			close(held)
			time.Sleep(300 * time.Millisecond)
			firstDone.Store(true)
			return nil
		})
	}()
	<-held
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		got, err := tx.EventLockProcessing(ctx)
		if err != nil {
			return err
		}
		if got && !firstDone.Load() {
			t.Error("EventLockProcessing = true while another transaction holds it")
		}
		return nil
	}))
	fixture.Ok(t, <-errc)
	// Released at the end of the transaction.
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		got, err := tx.EventLockProcessing(ctx)
		if err == nil && !got {
			t.Error("EventLockProcessing after the holder committed = false")
		}
		return err
	}))
}
