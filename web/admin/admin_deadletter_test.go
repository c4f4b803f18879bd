package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// setAside puts an event about Ana among the events set aside, as the
// processor does with an event it cannot apply.
func (e *env) setAside(t *testing.T, id string) {
	t.Helper()
	now := time.Now().UTC()
	err := e.store.DeadEventPut(context.Background(), &aftersale.DeadEvent{
		Event: aftersale.StoredEvent{ID: id, Type: aftersale.EventOrderPlaced, Source: "shopify", OccurredAt: now, ReceivedAt: now,
			Payload: []byte(`{"id":"` + id + `","type":"order.placed","customer":{"email":"ana.secret@example.com","name":"Ana Secretname"}}`)},
		Error: "event " + id + ": invalid byte sequence for encoding UTF8: 0x00", Attempts: 1, FailedAt: now,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// deadEventRouteCases are the cases of the route walk
// (TestAdminRoutesRequireLogin) for the events set aside; they set aside
// the events the owner's walk retries and discards.
func deadEventRouteCases(t *testing.T, e *env) map[string]routeCase {
	e.setAside(t, "evt_walk_retry")
	e.setAside(t, "evt_walk_discard")
	return map[string]routeCase{
		"GET /admin/events":          {path: "/admin/events", status: 200},
		"POST /admin/events/retry":   {path: "/admin/events/retry", form: url.Values{"id": {"evt_walk_retry"}}, status: 303},
		"POST /admin/events/discard": {path: "/admin/events/discard", form: url.Values{"id": {"evt_walk_discard"}}, status: 303},
	}
}

// TestAdminDeadEvents: the list of events set aside shows each without
// its payload; an owner retries one (back into the inbox) and discards
// another; an assistant sees them but may do neither; the menu warns
// while any is set aside.
func TestAdminDeadEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	owner := e.member(t, "owner@shop.example", aftersale.RoleOwner)
	helper := e.member(t, "helper@shop.example", aftersale.RoleAssistant)

	c := e.client(t)
	c.Login(owner.Email, password)
	r := c.Get("/admin")
	r.Want(t, http.StatusOK)
	if strings.Contains(r.Text, "/admin/events") {
		t.Error("the menu links the events set aside while there are none")
	}
	c.Get("/admin/events").Want(t, http.StatusOK, "<h1>Events set aside</h1>", "No event is set aside", `href="/admin/events" aria-current="page"`)

	e.setAside(t, "evt_bad_1")
	e.setAside(t, "evt_bad_2")
	c.Get("/admin").Want(t, http.StatusOK, `href="/admin/events"`, "2 set aside")
	r = c.Get("/admin/events")
	r.Want(t, http.StatusOK, "evt_bad_1", "evt_bad_2", "order.placed", "shopify", "invalid byte sequence for encoding UTF8: 0x00",
		`action="/admin/events/retry"`, `action="/admin/events/discard"`, `name="id" value="evt_bad_1"`)
	for _, pii := range []string{"ana.secret@example.com", "Secretname"} {
		if strings.Contains(r.Text, pii) {
			t.Errorf("the page shows the payload's %q", pii)
		}
	}

	// Without a login, and as an assistant, nothing can be done.
	anon := e.client(t)
	anon.Get("/admin/events").Want(t, http.StatusSeeOther)
	anon.Get("/admin/login")
	anon.Post("/admin/events/retry", url.Values{"id": {"evt_bad_1"}}).Want(t, http.StatusUnauthorized)
	as := e.client(t)
	as.Login(helper.Email, password)
	r = as.Get("/admin/events")
	r.Want(t, http.StatusOK, "evt_bad_1", "Only an owner can retry or discard")
	if strings.Contains(r.Text, `action="/admin/events/retry"`) {
		t.Error("an assistant is shown the retry button")
	}
	as.Post("/admin/events/retry", url.Values{"id": {"evt_bad_1"}}).Want(t, http.StatusForbidden)
	as.Post("/admin/events/discard", url.Values{"id": {"evt_bad_1"}}).Want(t, http.StatusForbidden)

	// Without the CSRF token: refused.
	c.Get("/admin/events")
	c.PostRaw("/admin/events/retry", url.Values{"id": {"evt_bad_1"}}, nil).Want(t, http.StatusForbidden)
	c.PostRaw("/admin/events/discard", url.Values{"id": {"evt_bad_1"}, "csrf_token": {"forged"}}, nil).Want(t, http.StatusForbidden)
	if n, err := e.store.DeadEventCount(ctx); err != nil || n != 2 {
		t.Fatalf("set aside after the refusals: %d, %v; want 2", n, err)
	}

	// The owner retries one: back in the inbox, gone from the list.
	r = c.Post("/admin/events/retry", url.Values{"id": {"evt_bad_1"}})
	r.Want(t, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/admin/events" {
		t.Errorf("after a retry: Location %q", loc)
	}
	inbox, err := e.store.InboxList(ctx, 10)
	if err != nil || len(inbox) != 1 || inbox[0].ID != "evt_bad_1" {
		t.Fatalf("the inbox after a retry: %v, %v; want evt_bad_1", inbox, err)
	}
	r = c.Get("/admin/events")
	r.Want(t, http.StatusOK, "The event evt_bad_1 is back in the inbox", "1 set aside")
	if strings.Contains(r.Text, `value="evt_bad_1"`) {
		t.Error("the event retried is still listed")
	}
	// The owner discards the other.
	c.Post("/admin/events/discard", url.Values{"id": {"evt_bad_2"}}).Want(t, http.StatusSeeOther)
	c.Get("/admin/events").Want(t, http.StatusOK, "The event evt_bad_2 is discarded", "No event is set aside")
	if n, err := e.store.DeadEventCount(ctx); err != nil || n != 0 {
		t.Errorf("set aside after the discard: %d, %v; want 0", n, err)
	}
	// An event no longer set aside, or none named.
	c.Post("/admin/events/discard", url.Values{"id": {"evt_bad_2"}}).Want(t, http.StatusNotFound)
	c.Get("/admin/events")
	c.Post("/admin/events/retry", url.Values{"id": {" "}}).Want(t, http.StatusBadRequest, "Choose an event")

	logs := e.logs.String()
	if !strings.Contains(logs, "event set aside retried") || !strings.Contains(logs, "event_id=evt_bad_1") {
		t.Errorf("the retry is not logged with the event id:\n%s", logs)
	}
	for _, pii := range []string{"ana.secret@example.com", "Secretname"} {
		if strings.Contains(logs, pii) {
			t.Errorf("the logs hold %q", pii)
		}
	}
}
