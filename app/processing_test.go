package app_test

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/app"
	"github.com/aftersale/aftersale/sqlite"
)

// TestStoredEventsAreProcessedAfterARestart puts events in the inbox the
// way the API does (acknowledged, not processed yet), as a crash right
// after the 202 would leave them, and starts the service on that database:
// the processor applies the good one and sets the damaged one aside
// (among the dead events, to be retried by hand) without holding up the
// rest.
func TestStoredEventsAreProcessedAfterARestart(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "aftersale.db"))
	if err != nil {
		t.Fatal(err)
	}
	clock := aftersale.NewManualClock(clockStart())
	now := clock.RealNow()
	var ev aftersale.Event
	if err := json.Unmarshal([]byte(orderEventAt(now, "evt_stored", "stored@example.com", "S-1", "digital", "")), &ev); err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(&ev)
	if _, err := db.InboxAppend(ctx, []*aftersale.StoredEvent{
		{ID: "evt_damaged", Type: aftersale.EventOrderPlaced, OccurredAt: now, ReceivedAt: now.Add(-time.Second),
			Payload: []byte(`{"id": "evt_damaged", "type": `)},
		{ID: ev.ID, Type: ev.Type, OccurredAt: ev.OccurredAt, ReceivedAt: now, Payload: payload},
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	b := setup(t, 1, withClock(clock), func(c *app.Config) { c.DataDir = dir })
	b.clock = clock
	// The service settles when the inbox is empty and the due steps ran.
	b.settle(t)
	b.waitTemplate(t, "stored@example.com", "thank_you", hangGuard)
	c := b.customer(t, "stored@example.com")
	if orders, _ := c["orders"].([]any); len(orders) != 1 {
		t.Errorf("customer orders = %v, want the one of the stored event", c["orders"])
	}
	left, err := b.app.Store().InboxList(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Fatalf("%d events still unprocessed, the first %s", len(left), left[0].ID)
	}
	dead, err := b.app.Store().DeadEventList(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].Event.ID != "evt_damaged" {
		t.Errorf("events set aside = %v, want the damaged one", dead)
	}
	if _, err := b.app.Store().EventGet(ctx, "evt_damaged"); !aftersale.IsNotFound(err) {
		t.Errorf("the damaged event is among the processed events (%v): a retry by hand could not apply it", err)
	}
	// A new event is processed before its answer (the processor is idle).
	if code, body := b.post(t, b.orderEvent("evt_new", "new@example.com", "S-2", "digital", "")); code != 202 {
		t.Fatalf("POST: %d %v", code, body)
	}
	if orders, _ := b.customer(t, "new@example.com")["orders"].([]any); len(orders) != 1 {
		t.Errorf("orders right after the 202 = %v, want 1", orders)
	}
}
