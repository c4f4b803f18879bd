package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/web/admin"
)

func TestLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.member(t, "owner@shop.example", aftersale.RoleOwner)
	c := e.client(t)

	r := c.Get("/admin/tasks/1?x=1")
	r.Want(t, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/admin/login?next=%2Fadmin%2Ftasks%2F1%3Fx%3D1" {
		t.Fatalf("Location %q", loc)
	}
	r = c.Get("/admin/login?next=/admin/outbox")
	r.Want(t, http.StatusOK, `name="csrf_token"`, `hx-headers='{"X-CSRF-Token": "`+c.CSRF+`"}'`)
	before := sessionCookie(t, r.Response)
	if !before.HttpOnly || before.SameSite != http.SameSiteLaxMode || before.Secure || before.Path != "/admin" {
		t.Fatalf("cookie %+v", before)
	}

	r = c.Post("/admin/login", url.Values{"email": {"owner@shop.example"}, "password": {"wrong password!"}, "next": {"/admin/outbox"}})
	r.Want(t, http.StatusUnauthorized, "the email or the password is wrong", `value="owner@shop.example"`)
	r = c.Post("/admin/login", url.Values{"email": {"nobody@shop.example"}, "password": {password}})
	r.Want(t, http.StatusUnauthorized, "the email or the password is wrong")

	r = c.Post("/admin/login", url.Values{"email": {"Owner@Shop.example "}, "password": {password}, "next": {"/admin/outbox"}})
	r.Want(t, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/admin/outbox" {
		t.Fatalf("after login: Location %q", loc)
	}
	if after := sessionCookie(t, r.Response); after.Value == before.Value {
		t.Fatal("the session token was not renewed on login")
	}
	c.Get("/admin").Want(t, http.StatusOK, "<h1>Tasks</h1>", "Log out")
	c.Get("/admin/login").Want(t, http.StatusSeeOther)

	c.Post("/admin/logout", nil).Want(t, http.StatusSeeOther)
	c.Get("/admin").Want(t, http.StatusSeeOther)

	// An open redirect is not possible.
	c.Get("/admin/login")
	r = c.Post("/admin/login", url.Values{"email": {"owner@shop.example"}, "password": {password}, "next": {"//evil.example/admin"}})
	if loc := r.Header.Get("Location"); loc != "/admin" {
		t.Fatalf("next=//evil.example: Location %q", loc)
	}

	logs := e.logs.String()
	for _, pii := range []string{"owner@shop.example", "Owner@Shop", "nobody@shop.example", password, "wrong password!"} {
		if strings.Contains(logs, pii) {
			t.Errorf("the logs hold %q:\n%s", pii, logs)
		}
	}
	if !strings.Contains(logs, "admin login") || !strings.Contains(logs, "member_id=") {
		t.Errorf("no login logged by member id:\n%s", logs)
	}
}

func sessionCookie(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, ck := range resp.Cookies() {
		if ck.Name == "aftersale_session" {
			return ck
		}
	}
	t.Fatalf("no aftersale_session cookie in %v", resp.Header["Set-Cookie"])
	return nil
}

func TestSecureCookies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *admin.Config) { c.SecureCookies = true })
	r := e.client(t).Get("/admin/login")
	if ck := sessionCookie(t, r.Response); !ck.Secure || !ck.HttpOnly {
		t.Fatalf("cookie %+v", ck)
	}
}

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	t.Run("per email", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.member(t, "ana@shop.example", aftersale.RoleAssistant)
		c := e.client(t)
		c.Get("/admin/login")
		for i := range 5 {
			c.Post("/admin/login", url.Values{"email": {"ana@shop.example"}, "password": {fmt.Sprint("guess number ", i)}}).
				Want(t, http.StatusUnauthorized)
		}
		// Even the right password is refused now.
		r := c.Post("/admin/login", url.Values{"email": {"ana@shop.example"}, "password": {password}})
		r.Want(t, http.StatusTooManyRequests, "Too many failed logins")
		if r.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
	})
	t.Run("per address", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.member(t, "ana@shop.example", aftersale.RoleAssistant)
		c := e.client(t)
		c.Get("/admin/login")
		for i := range 5 {
			c.Post("/admin/login", url.Values{"email": {fmt.Sprintf("user%d@shop.example", i)}, "password": {password}}).
				Want(t, http.StatusUnauthorized)
		}
		c.Post("/admin/login", url.Values{"email": {"ana@shop.example"}, "password": {password}}).
			Want(t, http.StatusTooManyRequests, "Too many failed logins")
	})
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.member(t, "ana@shop.example", aftersale.RoleAssistant)
	tk := e.task(t, e.customer(t, "buyer@example.com", "+12025550143"), aftersale.TaskCall, "Welcome call", "1. Say hi", "")
	c := e.client(t)

	// Login itself needs the token.
	c.Get("/admin/login")
	c.PostRaw("/admin/login", url.Values{"email": {"ana@shop.example"}, "password": {password}}, nil).
		Want(t, http.StatusForbidden)
	c.PostRaw("/admin/login", url.Values{"email": {"ana@shop.example"}, "password": {password}, "csrf_token": {"forged"}}, nil).
		Want(t, http.StatusForbidden)
	c.Login("ana@shop.example", password)
	c.Get("/admin")

	path := fmt.Sprintf("/admin/tasks/%d/complete", tk.ID)
	form := url.Values{"outcome": {"done"}}
	c.PostRaw(path, form, nil).Want(t, http.StatusForbidden)
	c.PostRaw(path, form, map[string]string{"HX-Request": "true", "X-CSRF-Token": "forged"}).Want(t, http.StatusForbidden, "did not come from this site")
	// A cross-site browser request is refused even with the token.
	f := url.Values{"outcome": {"done"}, "csrf_token": {c.CSRF}}
	c.PostRaw(path, f, map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}).Want(t, http.StatusForbidden)
	if got, _ := e.store.TaskGet(context.Background(), tk.ID); got.Status != aftersale.TaskOpen {
		t.Fatalf("a refused POST completed the task: %+v", got)
	}
	c.HTMX(path, form).Want(t, http.StatusOK, "Done: Done.")
}

// publicRoutes are the only admin routes that need no login.
var publicRoutes = map[string]bool{
	"GET /admin/static/{file}": true,
	"GET /admin/login":         true,
	"POST /admin/login":        true,
}

// routeCase is how the route-walk test calls a route with a session.
type routeCase struct {
	path   string
	form   url.Values
	status int
}

// TestAdminRoutesRequireLogin walks the table of admin routes: without a
// session every route but the public ones sends a page to the login form
// or refuses (401/403); with an owner's session each works; owner-only
// routes refuse an assistant.
func TestAdminRoutesRequireLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.member(t, "owner@shop.example", aftersale.RoleOwner)
	helper := e.member(t, "helper@shop.example", aftersale.RoleAssistant)
	cust := e.customer(t, "buyer@example.com", "+12025550143")
	call := e.task(t, cust, aftersale.TaskCall, "Welcome call", "1. Say hi", "")
	mail := e.task(t, cust, aftersale.TaskPersonalEmail, "Write to Ana", "", "Hi Ana")
	ret := e.storeReturn(t, "1001-buyer@example.com", "It doesn't fit")
	e.customer(t, "gone@example.com", "") // erased by the owner's walk
	bc := e.broadcast(t, owner.Email)
	story := e.story(t, "How Maria launched", "kind:course", true)
	id := func(n int64) string { return fmt.Sprint(n) }
	cases := map[string]routeCase{
		"GET /admin/static/{file}":         {path: "/admin/static/admin.css", status: 200},
		"GET /admin/login":                 {path: "/admin/login", status: 303}, // logged in already
		"POST /admin/login":                {path: "/admin/login", form: url.Values{"email": {owner.Email}, "password": {password}}, status: 303},
		"POST /admin/logout":               {path: "/admin/logout", status: 303},
		"GET /admin":                       {path: "/admin?tab=team", status: 200},
		"* /admin/":                        {path: "/admin/", status: 303},
		"GET /admin/tasks/{id}":            {path: "/admin/tasks/" + id(call.ID), status: 200},
		"POST /admin/tasks/{id}/complete":  {path: "/admin/tasks/" + id(call.ID) + "/complete", form: url.Values{"outcome": {"reached"}}, status: 200},
		"POST /admin/tasks/{id}/send":      {path: "/admin/tasks/" + id(mail.ID) + "/send", form: url.Values{"subject": {"Hello"}, "body": {"Hi Ana"}}, status: 200},
		"GET /admin/customers":             {path: "/admin/customers", status: 200},
		"GET /admin/customers/{email}":     {path: "/admin/customers/buyer@example.com", status: 200},
		"GET /admin/outbox":                {path: "/admin/outbox", status: 200},
		"GET /admin/journeys":              {path: "/admin/journeys?kind=course&phone=1", status: 200},
		"GET /admin/dashboard":             {path: "/admin/dashboard?from=2026-01-01&product=Launch+Course", status: 200},
		"GET /admin/dashboard/funnel.csv":  {path: "/admin/dashboard/funnel.csv?to=2026-12-31", status: 200},
		"GET /admin/dashboard/ipa.csv":     {path: "/admin/dashboard/ipa.csv?member=helper@shop.example", status: 200},
		"GET /admin/dashboard/scores.csv":  {path: "/admin/dashboard/scores.csv", status: 200},
		"GET /admin/dashboard/returns.csv": {path: "/admin/dashboard/returns.csv?from=2026-01-01", status: 200},
		"GET /admin/returns":               {path: "/admin/returns?status=all", status: 200},
		"GET /admin/returns/{id}":          {path: "/admin/returns/" + id(ret.ID), status: 200},
		"POST /admin/returns/{id}/status":  {path: "/admin/returns/" + id(ret.ID) + "/status", form: url.Values{"status": {"received"}}, status: 303},
		"GET /admin/stories":               {path: "/admin/stories", status: 200},
		"POST /admin/stories":              {path: "/admin/stories", form: url.Values{"title": {"Another"}, "body": {"It went well."}, "match": {""}}, status: 303},
		"GET /admin/stories/new":           {path: "/admin/stories/new", status: 200},
		"GET /admin/stories/{id}":          {path: "/admin/stories/" + id(story.ID), status: 200},
		"POST /admin/stories/{id}":         {path: "/admin/stories/" + id(story.ID), form: url.Values{"title": {"Edited"}, "body": {"Still good."}, "match": {"sku"}, "sku": {"sku-1"}, "permission": {"1"}}, status: 303},
		"GET /admin/stories/{id}/delete":   {path: "/admin/stories/" + id(story.ID) + "/delete", status: 200},
		"POST /admin/stories/{id}/delete":  {path: "/admin/stories/" + id(story.ID) + "/delete", status: 303},
		"GET /admin/team":                  {path: "/admin/team", status: 200},
		"POST /admin/team":                 {path: "/admin/team", form: url.Values{"email": {"new@shop.example"}, "role": {"assistant"}, "password": {password}}, status: 303},
		"POST /admin/team/{id}/role":       {path: "/admin/team/" + id(helper.ID) + "/role", form: url.Values{"role": {"program_manager"}}, status: 303},
		"GET /admin/account":               {path: "/admin/account", status: 200},
		"POST /admin/account/password":     {path: "/admin/account/password", form: url.Values{"current": {password}, "new": {password}, "confirm": {password}}, status: 303},
		"POST /admin/account/smtp":         {path: "/admin/account/smtp", form: url.Values{"action": {"clear"}}, status: 303},
	}
	for k, c := range broadcastRouteCases(bc.ID) {
		cases[k] = c
	}
	for k, c := range deadEventRouteCases(t, e) {
		cases[k] = c
	}
	for k, c := range teamAccessRouteCases(helper.ID) {
		cases[k] = c
	}
	cases["GET /admin/customers/{email}/export"] = routeCase{path: "/admin/customers/buyer@example.com/export", status: 200}
	cases["POST /admin/customers/{email}/erase"] = routeCase{path: "/admin/customers/gone@example.com/erase", form: url.Values{"confirm": {"gone@example.com"}}, status: 303}

	routes := admin.AdminRoutes()
	anon := e.client(t)
	anon.Get("/admin/login") // a session without a member, with a CSRF token
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		tc, ok := cases[key]
		if !ok {
			t.Errorf("%s: the route-walk test has no case for it: add one", key)
			continue
		}
		if rt.Public {
			if !publicRoutes[key] {
				t.Errorf("%s needs no login: make it a member route, or add it to publicRoutes if it must be public", key)
			}
			continue
		}
		var r reply
		if rt.Method == "GET" || rt.Method == "*" {
			r = anon.Get(tc.path)
			if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login?next=") {
				t.Errorf("%s without login: %d %q, want 303 to the login form", key, r.StatusCode, r.Header.Get("Location"))
			}
			continue
		}
		for _, with := range []bool{false, true} { // without and with a valid CSRF token
			if with {
				r = anon.Post(tc.path, tc.form)
			} else {
				r = anon.PostRaw(tc.path, tc.form, nil)
			}
			if r.StatusCode != http.StatusUnauthorized && r.StatusCode != http.StatusForbidden {
				t.Errorf("%s without login (token %v): %d, want 401 or 403", key, with, r.StatusCode)
			}
		}
	}

	// An assistant is refused the owner's routes.
	as := e.client(t)
	as.Login(helper.Email, password)
	as.Get("/admin")
	for _, rt := range routes {
		if rt.OwnerOnly {
			tc := cases[rt.Method+" "+rt.Path]
			if r := as.Post(tc.path, tc.form); r.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s as an assistant: %d, want 403", rt.Method, rt.Path, r.StatusCode)
			}
		}
	}

	// With an owner's session each route works. Logout goes last.
	c := e.client(t)
	c.Login(owner.Email, password)
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		tc, ok := cases[key]
		if !ok || key == "POST /admin/logout" {
			continue
		}
		c.Get("/admin/account") // a fresh CSRF token
		var r reply
		if rt.Method == "GET" || rt.Method == "*" {
			r = c.Get(tc.path)
		} else {
			r = c.Post(tc.path, tc.form)
		}
		if r.StatusCode != tc.status {
			t.Errorf("%s as the owner: %d, want %d\n%s", key, r.StatusCode, tc.status, r.Text)
		}
	}
	c.Get("/admin/account")
	c.Post("/admin/logout", nil).Want(t, http.StatusSeeOther)
	c.Get("/admin").Want(t, http.StatusSeeOther)
}

func TestTeamIsOwnerOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.member(t, "owner@shop.example", aftersale.RoleOwner)
	helper := e.member(t, "helper@shop.example", aftersale.RoleAssistant)

	as := e.client(t)
	as.Login(helper.Email, password)
	r := as.Get("/admin/team")
	r.Want(t, http.StatusOK, "owner@shop.example", "Only an owner can")
	if strings.Contains(r.Text, "Add a member") {
		t.Error("an assistant sees the add form")
	}
	as.Post("/admin/team", url.Values{"email": {"x@shop.example"}, "role": {"owner"}, "password": {password}}).
		Want(t, http.StatusForbidden, "Only an owner")
	as.Post(fmt.Sprintf("/admin/team/%d/role", helper.ID), url.Values{"role": {"owner"}}).Want(t, http.StatusForbidden)
	if m, _ := e.team.Member(context.Background(), helper.ID); m.Role != "assistant" {
		t.Fatalf("the assistant made themself %s", m.Role)
	}

	c := e.client(t)
	c.Login(owner.Email, password)
	c.Get("/admin/team").Want(t, http.StatusOK, "Add a member")
	c.Post("/admin/team", url.Values{"email": {"bad"}, "name": {"Bo"}, "role": {"assistant"}, "password": {password}}).
		Want(t, http.StatusBadRequest, `value="Bo"`, `aria-invalid="true"`)
	c.Post("/admin/team", url.Values{"email": {"bo@shop.example"}, "name": {"Bo"}, "role": {"program_manager"}, "password": {password}}).
		Want(t, http.StatusSeeOther)
	c.Get("/admin/team").Want(t, http.StatusOK, "Bo is on the team now", "bo@shop.example")
	c.Post("/admin/team", url.Values{"email": {"bo@shop.example"}, "role": {"assistant"}, "password": {password}}).
		Want(t, http.StatusConflict)
	// The only owner cannot step down.
	c.Post(fmt.Sprintf("/admin/team/%d/role", owner.ID), url.Values{"role": {"assistant"}}).Want(t, http.StatusConflict, "the only owner")
	c.Post(fmt.Sprintf("/admin/team/%d/role", helper.ID), url.Values{"role": {"owner"}}).Want(t, http.StatusSeeOther)
	if m, _ := e.team.Member(context.Background(), helper.ID); m.Role != "owner" {
		t.Fatalf("role is %s", m.Role)
	}
}

func TestCompleteCallNoAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ana := e.member(t, "ana@shop.example", aftersale.RoleAssistant)
	cust := e.customer(t, "buyer@example.com", "(202) 555-0143")
	script := "1. Say hi to <b>Ana</b>\n2. Ask **why** they bought\n\nThen log it."
	tk := e.task(t, cust, aftersale.TaskCall, "Welcome call to Ana", script, "")
	c := e.client(t)
	c.Login(ana.Email, password)

	c.Get("/admin").Want(t, http.StatusOK, "Welcome call to Ana", `class="badge"`, "1 overdue")
	path := fmt.Sprintf("/admin/tasks/%d", tk.ID)
	r := c.Get(path)
	r.Want(t, http.StatusOK,
		`<ol>`, `<li>Say hi to &lt;b&gt;Ana&lt;/b&gt;</li>`, `<strong>why</strong>`, `<p>Then log it.</p>`,
		`href="tel:+12025550143"`, "America/New_York", "Launch Course",
		`value="reached"`, `value="voicemail"`, `value="no_answer"`, `value="wrong_number"`, `value="done"`, `value="skipped"`)
	if strings.Contains(r.Text, "<b>Ana</b>") {
		t.Fatal("raw HTML of the script is rendered")
	}

	r = c.HTMX(path+"/complete", url.Values{"outcome": {"no_answer"}, "note": {"rang 10 times"}})
	r.Want(t, http.StatusOK, `id="task-actions"`, "Done: No answer.", "A new call is scheduled for")
	if strings.Contains(r.Text, "<html") {
		t.Error("htmx got a whole page")
	}
	ctx := context.Background()
	done, err := e.store.TaskGet(ctx, tk.ID)
	if err != nil || done.Status != aftersale.TaskDone || done.Outcome != "no_answer" || done.Note != "rang 10 times" || done.DoneBy != ana.Email {
		t.Fatalf("the task: %+v %v", done, err)
	}
	open, err := e.team.Tasks(ctx, "open", cust.Email)
	if err != nil || len(open) != 1 || open[0].Kind != "call" || open[0].ID == tk.ID || !strings.HasPrefix(open[0].Title, "Call again") {
		t.Fatalf("open tasks after no_answer: %+v %v", open, err)
	}
	if !strings.Contains(r.Text, fmt.Sprintf(`href="/admin/tasks/%d"`, open[0].ID)) {
		t.Errorf("no link to the new call in\n%s", r.Text)
	}
	// Completing it again is a conflict, shown in place.
	c.HTMX(path+"/complete", url.Values{"outcome": {"reached"}}).Want(t, http.StatusConflict)
	// A wrong number becomes a personal email, said without htmx too.
	r = c.Post(fmt.Sprintf("/admin/tasks/%d/complete", open[0].ID), url.Values{"outcome": {"wrong_number"}})
	r.Want(t, http.StatusOK, "<html", "A personal email task was created")
	// An unknown outcome is shown, with the note kept.
	third := e.task(t, cust, aftersale.TaskCall, "Another call", "", "")
	c.HTMX(fmt.Sprintf("/admin/tasks/%d/complete", third.ID), url.Values{"outcome": {"maybe"}, "note": {"kept note"}}).
		Want(t, http.StatusBadRequest, "unknown outcome", "kept note")
}

func TestPhoneWithoutCountryCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *admin.Config) { c.PhoneRegion = "GB" })
	e.member(t, "ana@shop.example", aftersale.RoleAssistant)
	good := e.task(t, e.customer(t, "uk@example.com", "020 7946 0018"), aftersale.TaskCall, "Call", "", "")
	bad := e.task(t, e.customer(t, "bad@example.com", "call the office"), aftersale.TaskCall, "Call", "", "")
	c := e.client(t)
	c.Login("ana@shop.example", password)
	c.Get(fmt.Sprintf("/admin/tasks/%d", good.ID)).Want(t, http.StatusOK, `href="tel:+442079460018"`)
	r := c.Get(fmt.Sprintf("/admin/tasks/%d", bad.ID))
	r.Want(t, http.StatusOK, "call the office", "not a number we can dial")
	if strings.Contains(r.Text, "tel:") {
		t.Error("a tel: link for a number that does not parse")
	}
	r = c.Get("/admin/customers/bad@example.com")
	r.Want(t, http.StatusOK, "call the office", "not a number we can dial")
	if strings.Contains(r.Text, "tel:") {
		t.Error("a tel: link on the customer page for a number that does not parse")
	}
}

func TestSendPersonalEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ana := e.member(t, "ana@shop.example", aftersale.RoleAssistant)
	cust := e.customer(t, "buyer@example.com", "")
	draft := "Subject: Did everything work, Ana?\n\nHi Ana,\n\nDid you get in?\n\nWarmly,"
	tk := e.task(t, cust, aftersale.TaskPersonalEmail, "Second personal email to Ana", "", draft)
	c := e.client(t)
	c.Login(ana.Email, password)
	path := fmt.Sprintf("/admin/tasks/%d", tk.ID)
	c.Get(path).Want(t, http.StatusOK,
		`value="Ana Lima &lt;buyer@example.com&gt;" readonly`, `value="ana &lt;ana@shop.example&gt;" readonly`,
		`name="subject" value="Did everything work, Ana?"`, ">Hi Ana,\n\nDid you get in?")

	// An error is shown in place, with what was typed.
	c.HTMX(path+"/send", url.Values{"subject": {""}, "body": {"My own words"}}).
		Want(t, http.StatusBadRequest, "subject: is required", "My own words", `aria-invalid="true"`)

	r := c.HTMX(path+"/send", url.Values{"subject": {"Did everything work?"}, "body": {"Hi Ana,\n\nJust checking in.\n\nAna"}})
	r.Want(t, http.StatusOK, "Sent to Ana Lima &lt;buyer@example.com&gt; from ana &lt;ana@shop.example&gt;")
	msgs, err := e.smtp.WaitFor(1, hangGuard)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("messages: %d %v", len(msgs), err)
	}
	m := msgs[0]
	if from := m.Header.Get("From"); !strings.Contains(from, "<ana@shop.example>") {
		t.Errorf("From %q", from)
	}
	if len(m.To) != 1 || m.To[0] != "buyer@example.com" {
		t.Errorf("To %v", m.To)
	}
	if h := m.Header.Get("List-Unsubscribe"); h != "" {
		t.Errorf("List-Unsubscribe %q", h)
	}
	parts, err := m.Parts()
	if err != nil || len(parts) != 1 || parts[0].ContentType != "text/plain" || !strings.Contains(parts[0].Body, "Just checking in.") {
		t.Fatalf("parts %+v %v", parts, err)
	}
	if got, _ := e.store.TaskGet(context.Background(), tk.ID); got.Status != aftersale.TaskDone || got.Outcome != "sent" {
		t.Fatalf("task %+v", got)
	}
	c.Get("/admin/outbox").Want(t, http.StatusOK, "Did everything work?", "buyer@example.com", "personal")
	c.Get("/admin/customers/buyer@example.com").Want(t, http.StatusOK, "email personal_email: Did everything work?", "Launch Course")
}

func TestPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ana := e.member(t, "ana@shop.example", aftersale.RoleOwner)
	cust := e.customer(t, "buyer@example.com", "+12025550143")
	e.task(t, cust, aftersale.TaskSocialConnect, "Connect with Ana", "1. Find her", "")
	c := e.client(t)
	c.Login(ana.Email, password)

	c.Get("/admin?tab=mine").Want(t, http.StatusOK, "Nothing for you right now.")
	c.Get("/admin?tab=team").Want(t, http.StatusOK, "Connect with Ana", "Mine <span")
	c.Get("/admin?tab=overdue").Want(t, http.StatusOK, "Connect with Ana", `count late">1<`)

	c.Get("/admin/customers?q=BUYER@example.com").Want(t, http.StatusSeeOther)
	c.Get("/admin/customers?q=nobody@example.com").Want(t, http.StatusNotFound, "No customer has the email nobody@example.com.")
	c.Get("/admin/customers/nobody@example.com").Want(t, http.StatusNotFound)
	c.Get("/admin/customers/buyer@example.com").Want(t, http.StatusOK, "Ana Lima", `href="tel:+12025550143"`, "Timeline", "social_connect: Connect with Ana")

	c.Get("/admin/journeys").Want(t, http.StatusOK, "welcome-call", "Choose what is bought")
	r := c.Get("/admin/journeys?kind=course&phone=1&consent=1")
	r.Want(t, http.StatusOK, "day 0", "welcome-call")
	req, _ := http.NewRequest("GET", c.Base+"/admin/journeys?kind=physical", nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "preview")
	r = c.Do(req)
	r.Want(t, http.StatusOK, `<div id="preview">`, "assumes delivery on day 3")
	if strings.Contains(r.Text, "<html") {
		t.Error("the preview fragment is a whole page")
	}
	c.Get("/admin/journeys?kind=spaceship").Want(t, http.StatusOK, "is not an item kind")

	c.Get("/admin/outbox").Want(t, http.StatusOK, "No email yet.")
	c.Get("/admin/nope").Want(t, http.StatusNotFound, "There is no page /admin/nope.")
	c.Post("/admin/nope", nil).Want(t, http.StatusNotFound)
	anon0 := e.client(t)
	anon0.PostRaw("/admin/nope", nil, nil).Want(t, http.StatusForbidden)
	c.Get("/admin/tasks/999").Want(t, http.StatusNotFound)

	// The account: a wrong current password, a mismatch, then a change.
	c.Get("/admin/account")
	c.Post("/admin/account/password", url.Values{"current": {"nope nope nope"}, "new": {"another password", "confirm"}, "confirm": {"another password"}}).
		Want(t, http.StatusBadRequest, "The current password is wrong.")
	c.Post("/admin/account/password", url.Values{"current": {password}, "new": {"another password"}, "confirm": {"another passwor"}}).
		Want(t, http.StatusBadRequest, "differ")
	c.Post("/admin/account/password", url.Values{"current": {password}, "new": {"short"}, "confirm": {"short"}}).
		Want(t, http.StatusBadRequest, "at least 10 characters")
	c.Post("/admin/account/password", url.Values{"current": {password}, "new": {"another password"}, "confirm": {"another password"}}).
		Want(t, http.StatusSeeOther)
	c.Get("/admin/account").Want(t, http.StatusOK, "Your password is changed.")
	if _, err := e.team.Authenticate(context.Background(), ana.Email, "another password"); err != nil {
		t.Fatal(err)
	}
	// This install has no member mailer: the engine's error is shown.
	c.Post("/admin/account/smtp", url.Values{"smtp_url": {"smtp://me:pw@mail.example:587"}, "action": {"save"}}).
		Want(t, http.StatusBadRequest, "cannot send through members")

	// Static files are cached for long and need no login.
	anon := e.client(t)
	r = anon.Get("/admin/static/htmx.min.js")
	r.Want(t, http.StatusOK, "htmx")
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
		t.Errorf("Cache-Control %q", cc)
	}
	if len(r.Cookies()) != 0 {
		t.Error("a static file set a cookie")
	}
	anon.Get("/admin/static/nope.js").Want(t, http.StatusNotFound)
	// The customer pages and the API still answer.
	anon.Get("/healthz").Want(t, http.StatusOK)
	anon.Get("/api/v1/tasks").Want(t, http.StatusUnauthorized)
}
