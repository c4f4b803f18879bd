package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
)

// TestRootLeadsToTheAdmin: / sends a visitor to the admin (a 303, so the
// browser follows with a GET); other unknown paths stay not found.
func TestRootLeadsToTheAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(t)
	r := c.get("/")
	r.want(t, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/admin" {
		t.Errorf("GET / leads to %q, want /admin", loc)
	}
	c.get("/no-such-page").want(t, http.StatusNotFound)
}

// TestLoginHintWithoutMembers: the login page says how to create the first
// member while the team is empty, and no longer once there is one.
func TestLoginHintWithoutMembers(t *testing.T) {
	t.Parallel()
	const hint = "No team member exists yet"
	e := newEnv(t)
	c := e.client(t)
	c.get("/admin/login").want(t, http.StatusOK, hint, "AFTERSALE_ADMIN_EMAIL", "AFTERSALE_ADMIN_PASSWORD", "aftersale user add")

	e.member(t, "owner@shop.example", aftersale.RoleOwner)
	r := c.get("/admin/login")
	r.want(t, http.StatusOK, `action="/admin/login"`)
	if strings.Contains(r.body, hint) {
		t.Errorf("the login page tells how to create the first member though one exists:\n%s", r.body)
	}
	// The member can log in from that page.
	c.login("owner@shop.example", password)
}
