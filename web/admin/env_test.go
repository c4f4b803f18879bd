package admin_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/broadcast"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/feedback"
	"github.com/aftersale/aftersale/insiders"
	"github.com/aftersale/aftersale/internal/testwait"
	"github.com/aftersale/aftersale/internal/webtest"
	"github.com/aftersale/aftersale/privacy"
	"github.com/aftersale/aftersale/returns"
	"github.com/aftersale/aftersale/smtptest"
	"github.com/aftersale/aftersale/team"
	"github.com/aftersale/aftersale/web"
	"github.com/aftersale/aftersale/web/admin"
)

// env is a real aftersale for the tests (internal/webtest): a SQLite
// store in a temp dir, the engine Service with the built-in journeys, a
// real SMTP server, and the web Server with the admin UI over HTTP.
type env struct {
	store aftersale.Store
	svc   *engine.Service
	priv  *privacy.Service
	bc    *broadcast.Service
	team  *team.Service
	ins   *insiders.Service
	fb    *feedback.Service
	ret   *returns.Service
	smtp  *smtptest.Server
	srv   *httptest.Server
	logs  *webtest.LogBuffer
	links *aftersale.LinkSigner // signs the customer links, as the engine does
}

// fastHash keeps the tests quick: argon2id with 64 KiB and one pass.
var fastHash = webtest.FastHash

func newEnv(t *testing.T, opts ...func(*admin.Config)) *env {
	t.Helper()
	return newEnvWith(t, envOptions{}, opts...)
}

// envOptions change what newEnvWith builds.
type envOptions struct {
	// engine changes the engine's configuration.
	engine func(*engine.Config)
	// team changes the team's configuration (made after the engine's, on
	// its store and clock).
	team func(*team.Config)
	// insiders changes the insiders' configuration (made before the
	// engine's, whose offer steps, order hook, stories and view part it
	// is).
	insiders func(*insiders.Config)
	// jobs attaches and starts the job runner (River on the same SQLite
	// database), so that events are processed and emails sent.
	jobs bool
	// web changes the web Server's configuration.
	web func(*web.Config)
}

// newEnvWith is newEnv with options; opts change the admin UI's configuration.
func newEnvWith(t *testing.T, eo envOptions, opts ...func(*admin.Config)) *env {
	t.Helper()
	o := webtest.Options{Engine: eo.engine, Team: eo.team, Insiders: eo.insiders, Jobs: eo.jobs}
	o.Admin = func(c *admin.Config) {
		for _, f := range opts {
			f(c)
		}
	}
	o.Web = eo.web
	w := webtest.New(t, o)
	return &env{store: w.Store, svc: w.Service, priv: w.Privacy, bc: w.Broadcasts, team: w.Team, ins: w.Insiders,
		fb: w.Feedback, ret: w.Returns, smtp: w.SMTP, srv: w.Server, logs: w.Logs, links: w.Links}
}

// member adds a team member.
func (e *env) member(t *testing.T, mail string, role aftersale.Role) *team.MemberView {
	t.Helper()
	m, err := e.team.AddMember(context.Background(), team.NewMember{Email: mail, Name: strings.Split(mail, "@")[0], Role: role, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const password = "correct horse battery"

// customer stores a customer with an order.
func (e *env) customer(t *testing.T, mail, phone string) *aftersale.Customer {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	c, err := e.store.CustomerUpsert(ctx, &aftersale.Contact{Email: mail, Name: "Ana Lima", Phone: phone, Timezone: "America/New_York"}, now)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.store.OrderUpsert(ctx, &aftersale.Order{
		ExternalID: "1001-" + mail, CustomerID: c.ID, Source: "api", Currency: "USD", Total: "49.00",
		Status: aftersale.OrderPlaced, PlacedAt: now,
		Items: []aftersale.Item{{SKU: "sku-1", Name: "Launch Course", Kind: aftersale.KindCourse, Quantity: 1, Price: "49.00"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// task stores an open task for the customer, due an hour ago.
func (e *env) task(t *testing.T, c *aftersale.Customer, kind aftersale.TaskKind, title, script, draft string) *aftersale.Task {
	t.Helper()
	now := time.Now().UTC()
	tk, err := e.store.TaskCreate(context.Background(), &aftersale.Task{
		CustomerID: c.ID, Kind: kind, Title: title, Script: script, Draft: draft,
		Assignee: "assistant", Status: aftersale.TaskOpen, DueAt: now.Add(-time.Hour), CreatedAt: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// client is a browser: cookies, no redirects followed, and the CSRF
// token of the last page it read.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string
}

func (e *env) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: e.srv.URL, hc: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// reply is a response with its body read.
type reply struct {
	*http.Response
	body string
}

func (c *client) do(req *http.Request) reply {
	c.t.Helper()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfRe.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return reply{resp, string(b)}
}

func (c *client) get(path string) reply {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	return c.do(req)
}

// post sends a form with the CSRF token in the csrf_token field.
func (c *client) post(path string, form url.Values) reply {
	c.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("csrf_token", c.csrf)
	return c.postRaw(path, f, nil)
}

// htmx sends a form as htmx does, with the token in X-CSRF-Token.
func (c *client) htmx(path string, form url.Values) reply {
	c.t.Helper()
	return c.postRaw(path, form, map[string]string{"HX-Request": "true", "X-CSRF-Token": c.csrf})
}

func (c *client) postRaw(path string, form url.Values, header map[string]string) reply {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return c.do(req)
}

// login logs in and fails the test unless it works.
func (c *client) login(mail, pw string) {
	c.t.Helper()
	c.get("/admin/login")
	r := c.post("/admin/login", url.Values{"email": {mail}, "password": {pw}})
	if r.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("login %s: %d\n%s", mail, r.StatusCode, r.body)
	}
}

// want fails the test unless the reply has the status and contains every
// text.
func (r reply) want(t *testing.T, status int, texts ...string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d\n%s", r.Request.Method, r.Request.URL.Path, r.StatusCode, status, r.body)
	}
	unescaped := html.UnescapeString(r.body) // html/template writes + as &#43;
	for _, s := range texts {
		if !strings.Contains(r.body, s) && !strings.Contains(unescaped, s) {
			t.Fatalf("%s %s: no %q in\n%s", r.Request.Method, r.Request.URL.Path, s, r.body)
		}
	}
}

// hangGuard bounds every wait for the service (testwait.HangGuard).
const hangGuard = testwait.HangGuard

// settle waits until the service has done everything due by its clock's
// now: the events posted are processed and the due steps have run.
func (e *env) settle(t *testing.T) {
	t.Helper()
	testwait.Settle(t, e.svc)
}

// waitMail waits for a message that match accepts, on the SMTP server's
// signal, and returns it; what says what is awaited.
func (e *env) waitMail(t *testing.T, what string, match func(*smtptest.Received) bool) *smtptest.Received {
	t.Helper()
	deadline := time.Now().Add(hangGuard)
	for {
		msgs := e.smtp.Messages()
		for _, m := range msgs {
			if match(m) {
				return m
			}
		}
		if time.Until(deadline) <= 0 {
			t.Fatalf("no %s within %v (hang guard); %d messages; logs:\n%s", what, hangGuard, len(msgs), e.logs.String())
		}
		e.smtp.WaitFor(len(msgs)+1, time.Until(deadline))
	}
}

// waitUntil looks at ok every few milliseconds until it holds, for what the
// service does in the background with no signal to wait on; what says
// what is awaited, and ok's string what was seen the last time.
func waitUntil(t *testing.T, what string, ok func() (bool, string)) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(hangGuard)
	for {
		done, seen := ok()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not so within %v (hang guard); last seen:\n%s", what, hangGuard, seen)
		}
		<-tick.C
	}
}

// storeReturn stores a requested return of the order's first item.
func (e *env) storeReturn(t *testing.T, orderRef, reason string) *aftersale.Return {
	t.Helper()
	ctx := context.Background()
	o, err := e.store.OrderGetByExternalID(ctx, orderRef)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	r, _, err := e.store.ReturnCreate(ctx, &aftersale.Return{
		OrderID: o.ID, CustomerID: o.CustomerID, EventID: "test-return-" + orderRef, Status: aftersale.ReturnRequested,
		Resolution: aftersale.ResolutionRefund, Reason: reason, Source: "api", CreatedAt: now, UpdatedAt: now,
		Items: []aftersale.ReturnItem{{SKU: o.Items[0].SKU, Name: o.Items[0].Name, Quantity: 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
