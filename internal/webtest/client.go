package webtest

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/internal/testwait"
	"github.com/aftersale/aftersale/smtptest"
	"github.com/aftersale/aftersale/team"
)

// Password is the password of the members Member adds.
const Password = "correct horse battery"

// Member adds a team member with Password.
func (e *Env) Member(t *testing.T, mail string, role aftersale.Role) *team.MemberView {
	t.Helper()
	m, err := e.Team.AddMember(context.Background(), team.NewMember{Email: mail, Name: strings.Split(mail, "@")[0], Role: role, Password: Password})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Customer stores a customer with an order.
func (e *Env) Customer(t *testing.T, mail, phone string) *aftersale.Customer {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	c, err := e.Store.CustomerUpsert(ctx, &aftersale.Contact{Email: mail, Name: "Ana Lima", Phone: phone, Timezone: "America/New_York"}, now)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Store.OrderUpsert(ctx, &aftersale.Order{
		ExternalID: "1001-" + mail, CustomerID: c.ID, Source: "api", Currency: "USD", Total: "49.00",
		Status: aftersale.OrderPlaced, PlacedAt: now,
		Items: []aftersale.Item{{SKU: "sku-1", Name: "Launch Course", Kind: aftersale.KindCourse, Quantity: 1, Price: "49.00"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Task stores an open task for the customer, due an hour ago.
func (e *Env) Task(t *testing.T, c *aftersale.Customer, kind aftersale.TaskKind, title, script, draft string) *aftersale.Task {
	t.Helper()
	now := time.Now().UTC()
	tk, err := e.Store.TaskCreate(context.Background(), &aftersale.Task{
		CustomerID: c.ID, Kind: kind, Title: title, Script: script, Draft: draft,
		Assignee: "assistant", Status: aftersale.TaskOpen, DueAt: now.Add(-time.Hour), CreatedAt: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// Settle waits until the service has done everything due by its clock's
// now: the events posted are processed and the due steps have run.
func (e *Env) Settle(t *testing.T) {
	t.Helper()
	testwait.Settle(t, e.Service)
}

// WaitMail waits for a message that match accepts, on the SMTP server's
// signal, and returns it; what says what is awaited.
func (e *Env) WaitMail(t *testing.T, what string, match func(*smtptest.Received) bool) *smtptest.Received {
	t.Helper()
	deadline := time.Now().Add(testwait.HangGuard)
	for {
		msgs := e.SMTP.Messages()
		for _, m := range msgs {
			if match(m) {
				return m
			}
		}
		if time.Until(deadline) <= 0 {
			t.Fatalf("no %s within %v (hang guard); %d messages; logs:\n%s", what, testwait.HangGuard, len(msgs), e.Logs.String())
		}
		e.SMTP.WaitFor(len(msgs)+1, time.Until(deadline))
	}
}

// WaitUntil looks at ok every few milliseconds until it holds, for what the
// service does in the background with no signal to wait on; what says
// what is awaited, and ok's string what was seen the last time.
func WaitUntil(t *testing.T, what string, ok func() (bool, string)) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(testwait.HangGuard)
	for {
		done, seen := ok()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not so within %v (hang guard); last seen:\n%s", what, testwait.HangGuard, seen)
		}
		<-tick.C
	}
}

// Client is a browser: cookies, no redirects followed, and the CSRF
// token of the last page it read.
type Client struct {
	T    *testing.T
	Base string
	HC   *http.Client
	CSRF string
}

// NewClient returns a browser for the server at base.
func NewClient(t *testing.T, base string) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{T: t, Base: base, HC: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// Reply is a response with its body read (Text).
type Reply struct {
	*http.Response
	Text string
}

// Do sends req and reads the answer, keeping the page's CSRF token.
func (c *Client) Do(req *http.Request) Reply {
	c.T.Helper()
	resp, err := c.HC.Do(req)
	if err != nil {
		c.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfRe.FindSubmatch(b); m != nil {
		c.CSRF = string(m[1])
	}
	return Reply{resp, string(b)}
}

// Get fetches the path.
func (c *Client) Get(path string) Reply {
	c.T.Helper()
	req, _ := http.NewRequest("GET", c.Base+path, nil)
	return c.Do(req)
}

// Post sends a form with the CSRF token in the csrf_token field.
func (c *Client) Post(path string, form url.Values) Reply {
	c.T.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("csrf_token", c.CSRF)
	return c.PostRaw(path, f, nil)
}

// HTMX sends a form as htmx does, with the token in X-CSRF-Token.
func (c *Client) HTMX(path string, form url.Values) Reply {
	c.T.Helper()
	return c.PostRaw(path, form, map[string]string{"HX-Request": "true", "X-CSRF-Token": c.CSRF})
}

// PostRaw sends a form as it is, with the headers.
func (c *Client) PostRaw(path string, form url.Values, header map[string]string) Reply {
	c.T.Helper()
	req, _ := http.NewRequest("POST", c.Base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return c.Do(req)
}

// Login logs in and fails the test unless it works.
func (c *Client) Login(mail, pw string) {
	c.T.Helper()
	c.Get("/admin/login")
	r := c.Post("/admin/login", url.Values{"email": {mail}, "password": {pw}})
	if r.StatusCode != http.StatusSeeOther {
		c.T.Fatalf("login %s: %d\n%s", mail, r.StatusCode, r.Text)
	}
}

// Want fails the test unless the reply has the status and contains every
// text.
func (r Reply) Want(t *testing.T, status int, texts ...string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d\n%s", r.Request.Method, r.Request.URL.Path, r.StatusCode, status, r.Text)
	}
	unescaped := html.UnescapeString(r.Text) // html/template writes + as &#43;
	for _, s := range texts {
		if !strings.Contains(r.Text, s) && !strings.Contains(unescaped, s) {
			t.Fatalf("%s %s: no %q in\n%s", r.Request.Method, r.Request.URL.Path, s, r.Text)
		}
	}
}

// API calls the API (GET) with the key, or without one when key is "".
func (c *Client) API(path, key string) Reply {
	c.T.Helper()
	req, _ := http.NewRequest("GET", c.Base+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return c.Do(req)
}

// APIPost posts a JSON body to the API with the key ("" for none).
func (c *Client) APIPost(path, key, body string) Reply {
	c.T.Helper()
	req, _ := http.NewRequest("POST", c.Base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return c.Do(req)
}

// Logout logs the client out (with the CSRF token of a page of its
// session) and fails the test unless it works.
func (c *Client) Logout() {
	c.T.Helper()
	c.Get("/admin").Want(c.T, http.StatusOK)
	c.Post("/admin/logout", nil).Want(c.T, http.StatusSeeOther)
}

// OK fails the test unless the reply is 200, and returns it.
func (r Reply) OK(t *testing.T) Reply {
	t.Helper()
	r.Want(t, http.StatusOK)
	return r
}
