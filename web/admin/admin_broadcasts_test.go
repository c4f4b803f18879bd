package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/smtptest"
)

// broadcast stores a draft broadcast.
func (e *env) broadcast(t *testing.T, by string) *aftersale.Broadcast {
	t.Helper()
	b, err := e.bc.Save(context.Background(), &aftersale.Broadcast{
		Title: "Spring news", Subject: "News for you, {{.FirstName}}",
		Body: "Hi {{.FirstName}},\n\nThe **new course** is out.\n", Rate: 50,
	}, by)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// broadcastRouteCases are the route-walk cases of the broadcast pages, for
// the draft with the ID. They run in the table's order: the schedule, the
// unconfirmed send and the cancel come last.
func broadcastRouteCases(id int64) map[string]routeCase {
	p := fmt.Sprintf("/admin/broadcasts/%d", id)
	return map[string]routeCase{
		"GET /admin/broadcasts":                {path: "/admin/broadcasts", status: 200},
		"POST /admin/broadcasts":               {path: "/admin/broadcasts", form: url.Values{"subject": {"News"}, "body": {"Hi {{.FirstName}}"}}, status: 303},
		"GET /admin/broadcasts/new":            {path: "/admin/broadcasts/new", status: 200},
		"POST /admin/broadcasts/audience":      {path: "/admin/broadcasts/audience", form: url.Values{"kinds": {"course"}}, status: 200},
		"GET /admin/broadcasts/{id}":           {path: p, status: 200},
		"POST /admin/broadcasts/{id}":          {path: p, form: url.Values{"subject": {"News!"}, "body": {"Hi"}, "rate": {"5"}}, status: 303},
		"POST /admin/broadcasts/{id}/test":     {path: p + "/test", status: 303},
		"POST /admin/broadcasts/{id}/schedule": {path: p + "/schedule", form: url.Values{"scheduled_at": {time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04")}}, status: 303},
		"POST /admin/broadcasts/{id}/send":     {path: p + "/send", status: 400}, // not confirmed
		"POST /admin/broadcasts/{id}/cancel":   {path: p + "/cancel", status: 303},
	}
}

// subscriber stores a customer with marketing consent (or not) and an
// order of one item of the kind.
func (e *env) subscriber(t *testing.T, mail, name string, consent bool, kind aftersale.ItemKind) *aftersale.Customer {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	c, err := e.store.CustomerUpsert(ctx, &aftersale.Contact{Email: mail, Name: name, MarketingConsent: &consent}, now)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.store.OrderUpsert(ctx, &aftersale.Order{
		ExternalID: "o-" + mail, CustomerID: c.ID, Source: "api", Currency: "USD", Total: "10.00",
		Status: aftersale.OrderPlaced, PlacedAt: now,
		Items: []aftersale.Item{{SKU: "sku-" + string(kind), Name: "Thing", Kind: kind, Quantity: 1, Price: "10.00"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAdminBroadcasts writes a broadcast, checks its mistakes, previews
// its audience and body, sends a test, and sends it.
func TestAdminBroadcasts(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, envOptions{jobs: true})
	owner := e.member(t, "owner@shop.example", aftersale.RoleOwner)
	e.subscriber(t, "ana@example.com", "Ana Lima", true, aftersale.KindCourse)
	e.subscriber(t, "ben@example.com", "Ben Okafor", true, aftersale.KindPhysical)
	e.subscriber(t, "cleo@example.com", "Cleo", false, aftersale.KindCourse)
	c := e.client(t)
	c.Login(owner.Email, password)

	c.Get("/admin/broadcasts").Want(t, http.StatusOK, "No broadcast yet", `href="/admin/broadcasts" aria-current="page"`)
	c.Get("/admin/broadcasts/new").Want(t, http.StatusOK, "New broadcast", `name="body"`, `value="course"`, `value="loyal"`)

	// Mistakes are shown on the form, which keeps what was typed.
	c.Post("/admin/broadcasts", url.Values{"subject": {"Hi"}, "body": {"Hello\n{{.FristName}}"}}).
		Want(t, http.StatusBadRequest, "Line 2: there is no {{.FristName}}", `aria-invalid="true"`, "Hello\n{{.FristName}}")
	c.Post("/admin/broadcasts", url.Values{"subject": {"Hi"}, "body": {"Hello"}, "rate": {"5000"}}).
		Want(t, http.StatusBadRequest, "Send 1 to 1000 messages a second")
	c.Post("/admin/broadcasts", url.Values{"subject": {"Hi"}, "body": {"Hello"}, "purchased_from": {"2026-05-01"}, "purchased_to": {"2026-04-01"}}).
		Want(t, http.StatusBadRequest, "must come after")

	form := url.Values{"title": {"Course news"}, "subject": {"News for you, {{.FirstName}}"},
		"body": {"Hi {{.FirstName}},\n\nThe **new course** is out."}, "kinds": {"course"}, "rate": {"100"}}
	r := c.Post("/admin/broadcasts", form)
	r.Want(t, http.StatusSeeOther)
	page := r.Header.Get("Location")
	if !strings.HasPrefix(page, "/admin/broadcasts/") {
		t.Fatalf("Location %q", page)
	}
	c.Get(page).Want(t, http.StatusOK, "The draft is saved", "Course news", "<strong>new course</strong>",
		"As ana@example.com will see it", "News for you, Ana", "bought a course item")
	c.Get("/admin/broadcasts").Want(t, http.StatusOK, "Course news", "Draft")

	// The audience: consenting people of the segment.
	c.HTMX("/admin/broadcasts/audience", url.Values{"kinds": {"course"}}).Want(t, http.StatusOK, `id="audience-count">1<`)
	c.HTMX("/admin/broadcasts/audience", url.Values{}).Want(t, http.StatusOK, `id="audience-count">2<`)
	c.HTMX("/admin/broadcasts/audience", url.Values{"stages": {"purchased"}, "first_look": {"1"}}).Want(t, http.StatusOK, `id="audience-count">2<`)
	c.HTMX("/admin/broadcasts/audience", url.Values{"stages": {"loyal"}}).Want(t, http.StatusOK, `id="audience-count">0<`)
	c.HTMX("/admin/broadcasts/audience", url.Values{"stages": {"famous"}}).Want(t, http.StatusBadRequest, "Unknown stage")
	// Without htmx, the whole form comes back with the count.
	id := strings.TrimPrefix(page, "/admin/broadcasts/")
	c.Post("/admin/broadcasts/audience", url.Values{"id": {id}, "subject": {"Typed here"}, "kinds": {"physical"}}).
		Want(t, http.StatusOK, `value="Typed here"`, `id="audience-count">1<`)

	// A test to me.
	c.Post(page+"/test", nil).Want(t, http.StatusSeeOther)
	c.Get(page).Want(t, http.StatusOK, "A test is on its way to owner@shop.example")
	msgs, err := e.smtp.WaitFor(1, hangGuard)
	if err != nil {
		t.Fatal(err)
	}
	if m := msgs[0]; m.To[0] != owner.Email || m.Header.Get("Subject") != "[Test] News for you, owner" {
		t.Fatalf("test message to %v: %q", m.To, m.Header.Get("Subject"))
	}

	// Scheduling needs a future time; sending needs the confirmation.
	c.Post(page+"/schedule", url.Values{"scheduled_at": {"2020-01-01T10:00"}}).Want(t, http.StatusBadRequest, "a time in the future")
	c.Post(page+"/send", nil).Want(t, http.StatusBadRequest, "Tick the box")
	c.Post(page+"/send", url.Values{"confirm": {"yes"}}).Want(t, http.StatusSeeOther)
	e.waitMail(t, "broadcast to ana@example.com", func(m *smtptest.Received) bool {
		return m.Header.Get("X-Aftersale-Template") == "broadcast"
	})
	// The page says sent once the job has finished, which has no signal of
	// its own.
	waitUntil(t, "the broadcast page says 1 sent, status sent", func() (bool, string) {
		r := c.Get(page)
		return strings.Contains(r.Text, `id="count-sent">1<`) && strings.Contains(r.Text, "status-sent"), r.Text
	})
	var got []string
	for _, m := range e.smtp.Messages() {
		if m.Header.Get("X-Aftersale-Template") == "broadcast" {
			got = append(got, m.To[0])
			if m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" || !strings.HasPrefix(m.Header.Get("List-Unsubscribe"), "<http://shop.example/u/") {
				t.Errorf("headers %v", m.Header)
			}
		}
	}
	if len(got) != 1 || got[0] != "ana@example.com" {
		t.Fatalf("broadcast went to %v", got)
	}
	// Sent: no more changes.
	c.Post(page, form).Want(t, http.StatusConflict, "can no longer be changed")
	c.Post(page+"/cancel", nil).Want(t, http.StatusConflict)
}

// TestOptInPage: opening the link changes nothing; the button gives
// consent; a bad link is refused.
func TestOptInPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cust := e.subscriber(t, "cleo@example.com", "Cleo", false, aftersale.KindCourse)
	link := e.svc.OptInURL(cust)
	path := strings.TrimPrefix(link, "http://shop.example")
	c := e.client(t)
	c.Get(path).Want(t, http.StatusOK, "Would you like our updates?", "cleo@example.com", `<form method="post">`)
	if got, _ := e.store.CustomerGet(context.Background(), cust.ID); got.MarketingConsent {
		t.Fatal("opening the link gave consent")
	}
	c.PostRaw(path, url.Values{}, nil).Want(t, http.StatusOK, "Thank you!", "on our list")
	if got, _ := e.store.CustomerGet(context.Background(), cust.ID); !got.MarketingConsent {
		t.Fatal("the button gave no consent")
	}
	c.Get(path).Want(t, http.StatusOK, "You get our updates already")

	c.Get("/c/forged.token").Want(t, http.StatusUnauthorized, "not valid")
	c.PostRaw("/c/forged.token", url.Values{}, nil).Want(t, http.StatusUnauthorized)
	expired := e.links.Sign(aftersale.LinkOptIn, fmt.Sprint(cust.ID), -time.Minute)
	c.Get("/c/"+expired).Want(t, http.StatusUnauthorized, "expired")
	other := e.links.Sign(aftersale.LinkUnsubscribe, fmt.Sprint(cust.ID), time.Hour)
	c.PostRaw("/c/"+other, url.Values{}, nil).Want(t, http.StatusUnauthorized)
}
