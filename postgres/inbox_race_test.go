package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aftersale/aftersale"
)

// TestInboxAppendWhileSetAside: an event received again while it is being
// set aside (DeadEventPut's transaction has moved it to dead_events and
// deleted it from the inbox, and has not committed yet) is known, not
// new, and is not put back into the inbox: before, the append waited for
// that transaction and then went in, so the poison event was both set
// aside and waiting to be applied again.
func TestInboxAppendWhileSetAside(t *testing.T) {
	url := newSchema(t)
	db := open(t, url)
	ctx := t.Context()
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	ev := &aftersale.StoredEvent{ID: "evt_poison", Type: aftersale.EventOrderPlaced, Source: "api",
		OccurredAt: at, ReceivedAt: at, Payload: []byte(`{"id":"evt_poison"}`)}
	if isNew, err := db.InboxAppend(ctx, []*aftersale.StoredEvent{ev}); err != nil || !isNew[0] {
		t.Fatalf("first append: %v %v", isNew, err)
	}

	// What DeadEventPut does, held open.
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `
		INSERT INTO dead_events (id, type, source, occurred_at, received_at, payload, error, attempts, failed_at)
		VALUES ($1, 'order.placed', 'api', $2, $2, '{}', 'poison', 1, $2)`, ev.ID, at); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM inbox WHERE id = $1`, ev.ID); err != nil {
		t.Fatal(err)
	}
	var holder int
	if err := tx.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&holder); err != nil {
		t.Fatal(err)
	}

	done := make(chan appendResult, 1)
	go func() {
		isNew, err := db.InboxAppend(ctx, []*aftersale.StoredEvent{ev})
		done <- appendResult{isNew, err}
	}()
	waitBlockedBy(t, holder, done)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.isNew[0] {
		t.Error("the event being set aside was appended as new")
	}
	waiting, err := db.InboxList(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(waiting) != 0 {
		t.Errorf("the inbox holds %d events, want none: the event set aside is back", len(waiting))
	}
	if n, err := db.DeadEventCount(ctx); err != nil || n != 1 {
		t.Errorf("dead events %d (%v), want 1", n, err)
	}
}

// appendResult is what InboxAppend returned.
type appendResult struct {
	isNew []bool
	err   error
}

// waitBlockedBy waits until some backend waits for a lock that the
// backend holder holds: the append met the uncommitted delete. It fails
// the test if the append finished without waiting.
func waitBlockedBy(t *testing.T, holder int, done <-chan appendResult) {
	t.Helper()
	conn := admin(t)
	defer conn.Close(context.Background())
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := conn.QueryRow(t.Context(),
			`SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, holder).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		select {
		case r := <-done:
			t.Fatalf("the append did not wait for the set-aside transaction: %v %v", r.isNew, r.err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatal("the append never waited for the set-aside transaction")
}
