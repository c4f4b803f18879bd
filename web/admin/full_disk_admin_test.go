package admin_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/sqlite"
)

// TestFullDiskAdmin: while SQLite finds the file full, the admin pages,
// whose every request stores the session, answer 503 with Retry-After
// (not the session store's 500) and /healthz fails; once there is room
// again, the member's session goes on.
func TestFullDiskAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner := e.member(t, "owner@shop.example", aftersale.RoleOwner)
	c := e.client(t)
	c.Login(owner.Email, password)
	c.Get("/admin").Want(t, http.StatusOK)
	db := e.store.(*sqlite.DB)
	if err := db.LimitPages(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// Each new visitor's session is a new row: the free room of the
	// file's pages runs out after a few.
	var r reply
	for i := 0; i < 500; i++ {
		if r = e.client(t).Get("/admin/login"); r.StatusCode != http.StatusOK {
			break
		}
	}
	r.Want(t, http.StatusServiceUnavailable, "database is full")
	if got := r.Header.Get("Retry-After"); got != "30" {
		t.Errorf("Retry-After %q, want 30", got)
	}
	c.Get("/healthz").Want(t, http.StatusServiceUnavailable)
	if err := db.LimitPages(ctx, 0); err != nil {
		t.Fatal(err)
	}
	c.Get("/admin").Want(t, http.StatusOK)
}
