package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/sqlite"
	"github.com/aftersale/aftersale/web"
)

// heldEnv is an env on a manual clock whose job runner is attached but
// not started: events posted wait in the inbox until the test processes
// them (ProcessInbox), as the processor would in the background.
func heldEnv(t *testing.T) (*env, *aftersale.Clock, *sqlite.DB) {
	t.Helper()
	clock := aftersale.NewManualClock(time.Now().UTC())
	e := newEnvWith(t, envOptions{engine: func(c *engine.Config) { c.Clock = clock }},
		func(c *web.Config) { c.APIKey = apiKey })
	db := e.store.(*sqlite.DB)
	if _, err := engine.NewRunner(context.Background(), riversqlite.New(db.SQL()), sqlite.DriverTx, e.svc, engine.RunnerConfig{}); err != nil {
		t.Fatal(err)
	}
	return e, clock, db
}

// fill writes to the store behind the service's back until it refuses
// for want of room, so that what free room the file had left (its free
// pages) is used up: a write of a few KiB, such as the probe's, finds no
// room either.
func fill(t *testing.T, st aftersale.Store) {
	t.Helper()
	ctx := context.Background()
	for i := range 1000 {
		err := st.SettingSet(ctx, fmt.Sprintf("filler-%d", i), strings.Repeat("x", 4000))
		if aftersale.ErrorCode(err) == aftersale.EUNAVAILABLE {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("the store took 4 MB past its limit")
}

// wantDown fails the test unless /healthz answers 503 for a full store.
func wantDown(t *testing.T, c *client) {
	t.Helper()
	h := c.Get("/healthz")
	h.Want(t, http.StatusServiceUnavailable)
	if got := decode[map[string]string](t, h); got["status"] != "unavailable" || !strings.Contains(got["error"], "database is full") {
		t.Errorf("/healthz while full: %v", got)
	}
}

// TestHealthzNotClearedByDuplicate: while the store is full, a POST
// answered 2xx that needed no room (an event posted again, a duplicate)
// leaves /healthz failing.
func TestHealthzNotClearedByDuplicate(t *testing.T) {
	t.Parallel()
	e, _, db := heldEnv(t)
	c := e.client(t)
	ctx := context.Background()
	dup := bigOrder("dup-1")
	c.APIPost("/api/v1/events", apiKey, dup).Want(t, http.StatusAccepted)
	if err := db.LimitPages(ctx, 1); err != nil {
		t.Fatal(err)
	}
	c.APIPost("/api/v1/events", apiKey, bigOrder("full-2")).Want(t, http.StatusServiceUnavailable)
	wantDown(t, c)
	r := c.APIPost("/api/v1/events", apiKey, dup)
	r.Want(t, http.StatusOK) // a duplicate: nothing written
	if got := decode[map[string]any](t, r); got["duplicate"] != true {
		t.Fatalf("the event posted again: %v", got)
	}
	wantDown(t, c)
}

// TestHealthzBackgroundFull: a full disk met only by the event processor
// (the event was stored while there was room) fails /healthz, which keeps
// failing while the probe finds no room, past the minute a refusal lasts;
// once there is room again, /healthz answers 200 by its probe, with no
// client write.
func TestHealthzBackgroundFull(t *testing.T) {
	t.Parallel()
	e, clock, db := heldEnv(t)
	c := e.client(t)
	ctx := context.Background()
	c.APIPost("/api/v1/events", apiKey, bigOrder("bg-1")).Want(t, http.StatusAccepted)
	if err := db.LimitPages(ctx, 1); err != nil {
		t.Fatal(err)
	}
	fill(t, e.store)
	c.Get("/healthz").OK(t) // no write of the service was refused yet
	if _, err := e.svc.ProcessInbox(ctx, nil); aftersale.ErrorCode(err) != aftersale.EUNAVAILABLE {
		t.Fatalf("processing on a full disk: %v, want EUNAVAILABLE", err)
	}
	wantDown(t, c)
	for range 2 * int(aftersale.StoreDownFor/aftersale.StoreProbeEvery) {
		clock.Advance(aftersale.StoreProbeEvery)
		wantDown(t, c) // probed: still no room
	}

	if err := db.LimitPages(ctx, 0); err != nil {
		t.Fatal(err)
	}
	wantDown(t, c) // probed just now
	clock.Advance(aftersale.StoreProbeEvery)
	c.Get("/healthz").OK(t)
	if v, err := e.store.SettingGet(ctx, "store_probe"); err != nil || v != "" {
		t.Errorf("the probe left %d bytes (%v)", len(v), err)
	}
	if n, err := e.svc.ProcessInbox(ctx, nil); err != nil || n != 1 {
		t.Fatalf("processing once there is room: %d, %v", n, err)
	}
	if _, err := e.store.OrderGetByExternalID(ctx, "bg-1"); err != nil {
		t.Errorf("the order stored while there was room: %v", err)
	}
}
