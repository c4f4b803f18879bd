package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/sqlite"
)

// bigOrder is an order.placed event of 60 lines with long names, some
// 30 KB: more than the free room of a page-limited file.
func bigOrder(id string) string {
	var items []string
	for i := range 60 {
		items = append(items, fmt.Sprintf(`{"sku":"sku-%d","name":%q,"kind":"physical","quantity":1,"price":"1.00"}`, i, strings.Repeat("Trail Shoe ", 45)))
	}
	return fmt.Sprintf(`{"id":%q,"type":"order.placed","occurred_at":%q,"customer":{"email":"full@example.com","name":"Ana Lima"},
		"order":{"id":%q,"currency":"USD","total":"60.00","items":[%s]}}`, id, time.Now().UTC().Format(time.RFC3339), id, strings.Join(items, ","))
}

// TestFullDisk: when SQLite finds the file full (PRAGMA max_page_count
// makes a real SQLITE_FULL without filling the disk), an event POST
// answers 503 with Retry-After and a JSON error, not 500, and /healthz
// fails; once there is room again, the POST is taken (and /healthz
// recovers by its probe, not by that POST: full_disk_health_test.go).
func TestFullDisk(t *testing.T) {
	t.Parallel()
	e := returnsEnv(t)
	c := e.client(t)
	ctx := context.Background()
	db := e.store.(*sqlite.DB)
	c.Get("/healthz").OK(t)
	if err := db.LimitPages(ctx, 1); err != nil { // no page more than the files have now
		t.Fatal(err)
	}
	r := c.APIPost("/api/v1/events", apiKey, bigOrder("full-1"))
	r.Want(t, http.StatusServiceUnavailable)
	if got := r.Header.Get("Retry-After"); got != "30" {
		t.Errorf("Retry-After %q, want 30", got)
	}
	if got := decode[map[string]string](t, r); !strings.Contains(got["error"], "database is full") {
		t.Errorf("the 503 says %v", got)
	}
	h := c.Get("/healthz")
	h.Want(t, http.StatusServiceUnavailable)
	if got := decode[map[string]string](t, h); got["status"] != "unavailable" || !strings.Contains(got["error"], "database is full") {
		t.Errorf("/healthz while full: %v", got)
	}

	if err := db.LimitPages(ctx, 0); err != nil {
		t.Fatal(err)
	}
	c.APIPost("/api/v1/events", apiKey, bigOrder("full-1")).Want(t, http.StatusAccepted)
	e.settle(t)
	if _, err := e.store.OrderGetByExternalID(ctx, "full-1"); err != nil {
		t.Errorf("the order posted once there was room: %v", err)
	}
}
