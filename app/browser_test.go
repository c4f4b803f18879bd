package app_test

// The admin UI in a real browser: a headless Chromium (Debian's chromium,
// or $AFTERSALE_CHROMIUM) driven with chromedp against the whole app.
// Full-page screenshots of the main pages are kept in
// $AFTERSALE_ARTIFACTS, else artifacts/screenshots in the module root.

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/team"
)

// phoneWidth and phoneHeight are a phone's viewport, in CSS pixels.
const (
	phoneWidth, phoneHeight = 390, 844
	// overflowSlack is how much wider than the phone a page may be.
	overflowSlack = 2
)

func TestAdminInBrowser(t *testing.T) {
	t.Parallel()
	// The journey stands still while the browser works: the clock is
	// manual, and moves only to bring the tasks of the welcome.
	b := setupClock(t, withTeam)
	ctx := context.Background()
	const (
		adaEmail, adaPassword = "ada@shop.example", "ada's long password"
		customer              = "ana.browser@example.com"
	)
	if _, err := b.app.Team().AddMember(ctx, team.NewMember{Email: adaEmail, Name: "Ada Lovelace", Role: "assistant", Password: adaPassword}); err != nil {
		t.Fatal(err)
	}
	if code, body := b.post(t, b.orderEvent("evt_browser", customer, "BR-1", "coaching", "")); code != http.StatusAccepted {
		t.Fatalf("post: %d %v", code, body)
	}
	// The personal email appears at once, the welcome call a business day
	// later.
	personal := dayTask(t, b, customer, aftersale.TaskPersonalEmail, 0)
	call := dayTask(t, b, customer, aftersale.TaskCall, 2)
	b.settle(t)

	br := newBrowser(t, b.base)
	var shots []string

	// Not logged in: /admin sends to the login page.
	br.do("open /admin", chromedp.Navigate(b.base+"/admin"), chromedp.WaitVisible(chromedp.ID("password")))
	if loc := br.location(); !strings.HasPrefix(loc, b.base+"/admin/login?next=") {
		t.Errorf("/admin without a session is at %s, want the login page", loc)
	}
	shots = append(shots, br.shot("admin-login"))

	// Log in as Ada, an assistant: the calls and emails are hers.
	br.do("fill the login form",
		chromedp.SendKeys(chromedp.ID("email"), adaEmail),
		chromedp.SendKeys(chromedp.ID("password"), adaPassword),
	)
	resp := get(br, "log in", func(ctx context.Context, tg *chromedp.Target) (*network.Response, error) {
		return chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/admin/login"] button[type=submit]`)))
	})
	if resp.Status != http.StatusOK || resp.URL != b.base+"/admin" {
		t.Errorf("after the login: %d %s, want 200 %s/admin", resp.Status, resp.URL, b.base)
	}
	cookies := get(br, "read the cookies", func(ctx context.Context, tg *chromedp.Target) (network.GetCookiesResult, error) {
		return chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.base + "/admin"}})
	})
	var session *network.Cookie
	for _, c := range cookies.Cookies {
		if c.Name == "aftersale_session" {
			session = c
		}
	}
	if session == nil || !session.HTTPOnly || session.Path != "/admin" || session.SameSite != network.CookieSameSiteLax {
		t.Errorf("session cookie %+v, want HttpOnly, Path /admin, SameSite Lax", session)
	}

	// The inbox lists both tasks.
	br.do("see the inbox", chromedp.WaitVisible(chromedp.CSS("ul.rows a.row-main")))
	inbox := br.text()
	for _, title := range []string{call.Title, personal.Title} {
		if !strings.Contains(inbox, title) {
			t.Errorf("the inbox lacks the task %q:\n%s", title, inbox)
		}
	}
	if !strings.Contains(inbox, "Ana Lima") {
		t.Errorf("the inbox does not name the customer:\n%s", inbox)
	}
	shots = append(shots, br.shot("admin-inbox"))

	// The same inbox on a phone: no horizontal scrolling.
	phone := br.phoneTab(phoneWidth, phoneHeight)
	phone.do("open the inbox on a phone", chromedp.Navigate(b.base+"/admin"), chromedp.WaitVisible(chromedp.CSS("ul.rows a.row-main")))
	if o := get(phone, "measure the inbox", chromedp.Evaluate[overflow](overflowJS)); o.ScrollWidth > phoneWidth+overflowSlack {
		t.Errorf("the inbox scrolls sideways on a phone: scrollWidth %d > %d; too wide: %v", o.ScrollWidth, phoneWidth, o.Wide)
	}
	shots = append(shots, phone.shot("admin-inbox-phone"))

	// The call: nobody answers, so a new call is scheduled.
	callLink := chromedp.CSS(`a.row-main[href="/admin/tasks/` + itoa(call.ID) + `"]`)
	noAnswer := chromedp.CSS(`#task-actions button[name=outcome][value=no_answer]`)
	br.do("open the call task", chromedp.Click(callLink), chromedp.WaitVisible(noAnswer))
	page := br.text()
	if !strings.Contains(page, "Call script") || !strings.Contains(page, "+15551234567") {
		t.Errorf("the call task lacks its script or the phone number:\n%s", page)
	}
	if href := get(br, "read the phone link", chromedp.AttributeValue(chromedp.CSS("a.call"), "href")); href.Value != "tel:+15551234567" {
		t.Errorf("phone link %+v, want tel:+15551234567", href)
	}
	shots = append(shots, br.shot("admin-task-call"))
	br.do("click No answer",
		chromedp.Click(noAnswer),
		chromedp.WaitVisible(chromedp.Search(`//section[@id="task-actions"]//li[contains(., "A new call is scheduled")]`)),
	)
	if msg := get(br, "read the result", chromedp.Text(chromedp.CSS(`#task-actions p.ok[role=status]`))); !strings.Contains(msg, "No answer") {
		t.Errorf("result %q, want it to say No answer", msg)
	}
	shots = append(shots, br.shot("admin-task-call-done"))
	var retry team.TaskView
	open, err := b.app.Team().Tasks(ctx, "open", customer)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range open {
		if tk.Kind == string(aftersale.TaskCall) && tk.ID != call.ID && strings.HasPrefix(tk.Title, "Call again") {
			retry = tk
		}
		if tk.ID == call.ID {
			t.Errorf("the call is still open after No answer: %+v", tk)
		}
	}
	if retry.ID == 0 {
		t.Errorf("no \"Call again\" task after No answer; open tasks: %+v", open)
	} else if !strings.Contains(br.text(), retry.Title) {
		t.Errorf("the page does not link the new call %q", retry.Title)
	}
	if done := taskByID(t, b.app.Team(), customer, call.ID); done.Status != "done" || done.Outcome != "no_answer" {
		t.Errorf("the call after No answer: %s/%s", done.Status, done.Outcome)
	}

	// The personal email: edit the draft, send it.
	emailLink := chromedp.CSS(`a.row-main[href="/admin/tasks/` + itoa(personal.ID) + `"]`)
	br.do("open the personal email task",
		chromedp.Navigate(b.base+"/admin"),
		chromedp.Click(emailLink),
		chromedp.WaitVisible(chromedp.ID("body")),
	)
	subject := get(br, "read the subject", chromedp.Value(chromedp.ID("subject")))
	if subject != "Welcome, Ana" {
		t.Errorf("subject %q, want the draft's", subject)
	}
	if from := get(br, "read From", chromedp.Value(chromedp.ID("from"))); from != "Ada Lovelace <"+adaEmail+">" {
		t.Errorf("From field %q", from)
	}
	const added = "P.S. I typed this line in the browser test."
	br.do("append a line to the message",
		chromedp.Evaluate[chromedp.Void](`(() => { const b = document.getElementById("body"); b.focus(); b.setSelectionRange(b.value.length, b.value.length); })()`),
		chromedp.KeyEvent("\n"+added),
	)
	body := get(br, "read the message", chromedp.Value(chromedp.ID("body")))
	if !strings.HasPrefix(body, "Hi Ana,") || !strings.HasSuffix(strings.TrimSpace(body), added) {
		t.Errorf("message after typing:\n%s", body)
	}
	br.do("click Send",
		chromedp.Click(chromedp.CSS(`#task-actions form[action$="/send"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#task-actions p.ok[role=status]`)),
	)
	if msg := get(br, "read the result", chromedp.Text(chromedp.CSS(`#task-actions p.ok[role=status]`))); !strings.Contains(msg, "Sent to") || !strings.Contains(msg, adaEmail) {
		t.Errorf("result %q, want it to say it was sent from Ada", msg)
	}
	shots = append(shots, br.shot("admin-task-email"))

	m := findBySubject(t, b, subject)
	parts, err := m.Parts()
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 1 || parts[0].ContentType != "text/plain" || !strings.HasPrefix(m.Header.Get("Content-Type"), "text/plain") {
		var types []string
		for _, p := range parts {
			types = append(types, p.ContentType)
		}
		t.Errorf("personal email: Content-Type %q with parts %v, want one text/plain part", m.Header.Get("Content-Type"), types)
	}
	if m.HTML() != "" {
		t.Error("the personal email has an HTML part")
	}
	if from := m.Header.Get("From"); !strings.Contains(from, adaEmail) || !strings.Contains(from, "Ada Lovelace") || m.From != adaEmail {
		t.Errorf("From %q (envelope %q), want Ada", from, m.From)
	}
	if len(m.To) != 1 || m.To[0] != customer {
		t.Errorf("To %v, want %s", m.To, customer)
	}
	if m.Header.Get("List-Unsubscribe") != "" || m.Header.Get("List-Unsubscribe-Post") != "" {
		t.Error("the personal email carries List-Unsubscribe")
	}
	if text := m.Text(); !strings.Contains(text, added) || !strings.Contains(text, "Hi Ana,") {
		t.Errorf("the email lacks the edited message:\n%s", text)
	}
	if done := taskByID(t, b.app.Team(), customer, personal.ID); done.Status != "done" || done.Outcome != "sent" {
		t.Errorf("the personal email task after sending: %s/%s", done.Status, done.Outcome)
	}

	// The other pages.
	br.do("open the customer", chromedp.Navigate(b.base+"/admin/customers/"+url.PathEscape(customer)), chromedp.WaitVisible(chromedp.CSS("ol.timeline")))
	if page := br.text(); !strings.Contains(page, "Ana Lima") || !strings.Contains(page, "BR-1") {
		t.Errorf("the customer page lacks the name or the order:\n%s", page)
	}
	shots = append(shots, br.shot("admin-customer"))

	br.do("open the outbox", chromedp.Navigate(b.base+"/admin/outbox"), chromedp.WaitVisible(chromedp.CSS("table.stack tbody tr")))
	if page := br.text(); !strings.Contains(page, customer) || !strings.Contains(page, subject) {
		t.Errorf("the outbox lacks the emails to %s:\n%s", customer, page)
	}
	shots = append(shots, br.shot("admin-outbox"))

	// The journeys page, with a preview of a coaching purchase (htmx).
	br.do("preview a journey",
		chromedp.Navigate(b.base+"/admin/journeys"),
		chromedp.WaitVisible(chromedp.ID("preview-card")),
		chromedp.SetValue(chromedp.ID("kind"), "coaching"),
		// "has a phone" is ticked by default.
		chromedp.WaitVisible(chromedp.CSS(`#preview-card input[name=phone]:checked`)),
		chromedp.Click(chromedp.CSS(`#preview-card button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#preview ol.preview li")),
	)
	if page := br.text(); !strings.Contains(page, "After-sale welcome") {
		t.Errorf("the journeys page lacks the default journey:\n%s", page)
	}
	if !get(br, "read the preview", chromedp.Evaluate[bool](`[...document.querySelectorAll("#preview ol.preview li")].some(li => li.textContent.includes("default/welcome-call") && !li.classList.contains("skipped"))`)) {
		t.Errorf("the preview of a coaching purchase with a phone has no welcome call:\n%s", get(br, "read the preview", chromedp.Text(chromedp.ID("preview"))))
	}
	if loc := br.location(); loc != b.base+"/admin/journeys" {
		t.Errorf("the preview reloaded the page (%s): htmx did not swap it in", loc)
	}
	shots = append(shots, br.shot("admin-journeys"))

	br.do("open the team", chromedp.Navigate(b.base+"/admin/team"), chromedp.WaitVisible(chromedp.CSS("table.stack tbody tr")))
	if page := br.text(); !strings.Contains(page, adaEmail) || !strings.Contains(page, "owner@shop.example") {
		t.Errorf("the team page lacks a member:\n%s", page)
	}
	shots = append(shots, br.shot("admin-team"))

	br.do("open the account", chromedp.Navigate(b.base+"/admin/account"), chromedp.WaitVisible(chromedp.ID("current")))
	if page := br.text(); !strings.Contains(page, adaEmail) {
		t.Errorf("the account page does not show the member:\n%s", page)
	}
	shots = append(shots, br.shot("admin-account"))

	// The other pages on a phone: reported, not failed (only the inbox must
	// not scroll sideways).
	for _, p := range []string{"/admin/tasks/" + itoa(call.ID), "/admin/tasks/" + itoa(personal.ID), "/admin/customers/" + url.PathEscape(customer), "/admin/outbox", "/admin/journeys", "/admin/team", "/admin/account"} {
		phone.do("open "+p+" on a phone", chromedp.Navigate(b.base+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if o := get(phone, "measure "+p, chromedp.Evaluate[overflow](overflowJS)); o.ScrollWidth > phoneWidth+overflowSlack {
			t.Logf("note: %s scrolls sideways on a phone: scrollWidth %d; too wide: %v", p, o.ScrollWidth, o.Wide)
		}
	}

	for _, name := range []string{"admin-login", "admin-inbox", "admin-inbox-phone", "admin-task-call", "admin-task-email",
		"admin-customer", "admin-outbox", "admin-journeys", "admin-team", "admin-account"} {
		found := false
		for _, s := range shots {
			found = found || filepath.Base(s) == name+".png"
		}
		if !found {
			t.Errorf("no screenshot %s", name)
		}
	}
	t.Logf("screenshots in %s", artifactsDir(t))
}

func TestAdminLoginRefusedInBrowser(t *testing.T) {
	t.Parallel()
	b := setup(t, 1, withTeam)
	br := newBrowser(t, b.base)

	br.do("open the login page", chromedp.Navigate(b.base+"/admin/login"), chromedp.WaitVisible(chromedp.ID("password")))
	br.do("fill the login form with a wrong password",
		chromedp.SendKeys(chromedp.ID("email"), "owner@shop.example"),
		chromedp.SendKeys(chromedp.ID("password"), "not the password"),
	)
	submit := chromedp.CSS(`form[action="/admin/login"] button[type=submit]`)
	resp := get(br, "log in", func(ctx context.Context, tg *chromedp.Target) (*network.Response, error) {
		return chromedp.RunResponse(ctx, chromedp.Click(submit))
	})
	if resp.Status != http.StatusUnauthorized {
		t.Errorf("a wrong password answered %d, want 401", resp.Status)
	}
	br.do("see the error", chromedp.WaitVisible(chromedp.CSS(`p.err[role=alert]`)))
	if msg := get(br, "read the error", chromedp.Text(chromedp.CSS(`p.err[role=alert]`))); strings.TrimSpace(msg) == "" {
		t.Error("the error is empty")
	}
	if loc := br.location(); !strings.HasPrefix(loc, b.base+"/admin/login") {
		t.Errorf("after a wrong password the browser is at %s", loc)
	}
	if v := get(br, "read the email", chromedp.Value(chromedp.ID("email"))); v != "owner@shop.example" {
		t.Errorf("the email field holds %q, want what was typed", v)
	}
	if v := get(br, "read the password", chromedp.Value(chromedp.ID("password"))); v != "" {
		t.Error("the password field was filled in again")
	}
	if n := get(br, "look for the menu", chromedp.Evaluate[int](`document.querySelectorAll("header.top").length`)); n != 0 {
		t.Error("the login page shows the member menu after a wrong password")
	}
	br.shot("admin-login-refused")

	// Whatever cookie the browser got does not open the inbox: in the
	// browser, and from a client that sends the browser's cookies.
	br.do("open /admin", chromedp.Navigate(b.base+"/admin"), chromedp.WaitVisible(chromedp.ID("password")))
	if loc := br.location(); !strings.HasPrefix(loc, b.base+"/admin/login?next=") {
		t.Errorf("/admin after a wrong password is at %s, want the login page", loc)
	}
	cookies := get(br, "read the cookies", func(ctx context.Context, tg *chromedp.Target) (network.GetCookiesResult, error) {
		return chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.base + "/admin"}})
	})
	req, _ := http.NewRequest("GET", b.base+"/admin", nil)
	for _, c := range cookies.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: hangGuard}
	r, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login") {
		t.Errorf("/admin with the browser's cookies %v: %d %s, want 303 to the login page", cookies.Cookies, r.StatusCode, r.Header.Get("Location"))
	}

	// The right password then works: the form itself is not broken.
	br.do("log in with the right password",
		chromedp.SendKeys(chromedp.ID("email"), "owner@shop.example"),
		chromedp.SendKeys(chromedp.ID("password"), "owner password 1"),
		chromedp.Click(submit),
		chromedp.WaitVisible(chromedp.CSS("nav.tabs")),
	)
	if loc := br.location(); loc != b.base+"/admin" {
		t.Errorf("after logging in the browser is at %s", loc)
	}
}

// taskByID returns one of a customer's tasks.
func taskByID(t *testing.T, tm *team.Service, customer string, id int64) team.TaskView {
	t.Helper()
	tasks, err := tm.Tasks(context.Background(), "", customer)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range tasks {
		if tk.ID == id {
			return tk
		}
	}
	t.Fatalf("no task %d for %s", id, customer)
	return team.TaskView{}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
