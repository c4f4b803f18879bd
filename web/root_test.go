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
	r := c.Get("/")
	r.Want(t, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/admin" {
		t.Errorf("GET / leads to %q, want /admin", loc)
	}
	c.Get("/no-such-page").Want(t, http.StatusNotFound)
}

// TestLoginHintWithoutMembers: the login page says how to create the first
// member while the team is empty, and no longer once there is one.
func TestLoginHintWithoutMembers(t *testing.T) {
	t.Parallel()
	const hint = "No team member exists yet"
	e := newEnv(t)
	c := e.client(t)
	c.Get("/admin/login").Want(t, http.StatusOK, hint, "AFTERSALE_ADMIN_EMAIL", "AFTERSALE_ADMIN_PASSWORD", "aftersale user add")

	e.member(t, "owner@shop.example", aftersale.RoleOwner)
	r := c.Get("/admin/login")
	r.Want(t, http.StatusOK, `action="/admin/login"`)
	if strings.Contains(r.Text, hint) {
		t.Errorf("the login page tells how to create the first member though one exists:\n%s", r.Text)
	}
	// The member can log in from that page.
	c.Login("owner@shop.example", password)
}
