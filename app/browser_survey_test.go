package app_test

// The two-step survey and the dashboard in a real browser: the customer
// answers the importance email with one click and a rank, then the
// performance survey with a low score; the owner sees the result on the
// dashboard, on a desktop and on a phone.

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/team"
)

func TestSurveyAndDashboardInBrowser(t *testing.T) {
	t.Parallel()
	b := setupClock(t, withTeam)
	ctx := context.Background()
	const customer = "sv.browser@example.com"
	ada, err := b.app.Team().AddMember(ctx, team.NewMember{Email: "ada@shop.example", Name: "Ada Lovelace", Role: "assistant", Password: "long enough pw"})
	if err != nil {
		t.Fatal(err)
	}
	br := newBrowser(t, b.base)
	if code, body := b.post(t, b.orderEvent("evt_svb", customer, "SVB-1", "coaching", "")); code != http.StatusAccepted {
		t.Fatalf("post: %d %v", code, body)
	}

	// Step 1, importance: one click in the email, then a second choice on
	// the page it opens.
	const first, second = "expertise", "value"
	b.days(t, 1) // the importance survey goes out on day 1
	imp := b.waitTemplate(t, customer, "survey_importance", hangGuard)
	links := map[string]string{}
	for _, l := range surveyLink.FindAllString(imp.Text(), -1) {
		if u, err := url.Parse(l); err == nil && u.Query().Get("q") != "" {
			links[u.Query().Get("q")] = l
		}
	}
	if links[first] == "" {
		t.Fatalf("the importance email has no one-click link for %s: %v\n%s", first, links, imp.Text())
	}
	resp := get(br, "open the one-click link", chromedp.NavigateResponse(links[first]))
	if resp.Status != http.StatusOK {
		t.Fatalf("the one-click link answered %d", resp.Status)
	}
	br.do("see the importance page", chromedp.WaitVisible(chromedp.ID("rank_"+second)))
	if msg := get(br, "read the message", chromedp.Text(chromedp.CSS("main p.ok"))); !strings.Contains(msg, "noted") {
		t.Errorf("after the one click the page says %q, want that the choice was noted", msg)
	}
	if v := get(br, "read the rank of "+first, chromedp.Value(chromedp.ID("rank_"+first))); v != "1" {
		t.Errorf("the page shows rank %q for %s, the quality clicked in the email; want 1", v, first)
	}
	br.shot("survey-importance")
	br.do("rank "+second+" second", chromedp.SetValue(chromedp.ID("rank_"+second), "2"))
	resp = clickAndLoad(br, "save the choices", chromedp.CSS(`main form button[type=submit]`))
	if resp.Status != http.StatusOK {
		t.Errorf("saving the choices answered %d", resp.Status)
	}
	if h := get(br, "read the heading", chromedp.Text(chromedp.CSS("main h1"))); strings.TrimSpace(h) != "Thank you" {
		t.Errorf("after saving the choices the page is %q, want Thank you:\n%s", h, br.text())
	}
	br.shot("survey-importance-done")

	// Ada makes the welcome call.
	call := dayTask(t, b, customer, aftersale.TaskCall, 1)
	if _, err := b.app.Team().CompleteTask(ctx, call.ID, "reached", "", ada.Email); err != nil {
		t.Fatal(err)
	}

	// Step 2, performance: only the chosen qualities, for the company and
	// for Ada.
	for b.now().Before(clockStart().AddDate(0, 0, 14)) { // the performance survey goes out on day 14
		b.days(t, 1)
	}
	perf := b.waitTemplate(t, customer, "survey_performance", hangGuard)
	link := surveyLink.FindString(perf.Text())
	if link == "" {
		t.Fatalf("the performance email has no survey link:\n%s", perf.Text())
	}
	resp = get(br, "open the performance survey", chromedp.NavigateResponse(link))
	if resp.Status != http.StatusOK {
		t.Fatalf("the performance survey answered %d", resp.Status)
	}
	br.do("see the performance page", chromedp.WaitVisible(chromedp.ID("comment")))
	shown := get(br, "read the qualities", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("main fieldset:first-of-type span.q")].map(e => e.textContent.trim())`))
	labels := map[string]string{}
	for _, q := range aftersale.DefaultQualities {
		labels[q.Key] = q.Label
	}
	if want := []string{labels[first], labels[second]}; !slices.Equal(shown, want) {
		t.Errorf("the performance page asks about %q, want the chosen qualities %q in their order", shown, want)
	}
	legends := get(br, "read the subjects", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("main fieldset legend")].map(e => e.textContent.trim())`))
	if len(legends) != 3 || !strings.Contains(legends[1], "Ada Lovelace") {
		t.Errorf("the performance page rates %q, want the company, Ada Lovelace and the recommendation", legends)
	}
	page := br.text()
	for key, label := range labels {
		if key != first && key != second && strings.Contains(page, label) {
			t.Errorf("the performance page asks about %q, which was not chosen", label)
		}
	}
	br.shot("survey-performance")

	ratings := map[string]string{ // r_<subject>_<quality> → 1..5
		"r_0_" + first: "2", "r_0_" + second: "3",
		"r_1_" + first: "4", "r_1_" + second: "5",
	}
	const comment = "Slow answers, but Ada was kind."
	var clicks []chromedp.Action[chromedp.Void]
	for name, v := range ratings {
		clicks = append(clicks, chromedp.Click(chromedp.CSS(`input[type=radio][name="`+name+`"][value="`+v+`"]`)))
	}
	clicks = append(clicks,
		chromedp.Click(chromedp.CSS(`input[type=radio][name=nps][value="3"]`)),
		chromedp.SendKeys(chromedp.ID("comment"), comment),
	)
	br.do("rate, score 3 and comment", clicks...)
	form := get(br, "read the form", chromedp.Evaluate[map[string]string](
		`Object.fromEntries(new FormData(document.querySelector("main form")))`))
	for name, v := range ratings {
		if form[name] != v {
			t.Errorf("the form holds %s=%q after the click, want %q", name, form[name], v)
		}
	}
	if form["nps"] != "3" || form["comment"] != comment {
		t.Errorf("the form holds nps=%q comment=%q", form["nps"], form["comment"])
	}
	resp = clickAndLoad(br, "send the survey", chromedp.CSS(`main form button[type=submit]`))
	if resp.Status != http.StatusOK {
		t.Errorf("sending the survey answered %d:\n%s", resp.Status, br.text())
	}
	if text := br.text(); !strings.Contains(text, "Thank you") || !strings.Contains(text, "honest answer") {
		t.Errorf("after sending the survey the page says:\n%s", text)
	}
	br.shot("survey-performance-done")

	// Rated 3/10: a recovery call for the owner at once, with no time
	// passing.
	b.settle(t)
	var recovery *team.TaskView
	tasks, err := b.app.Team().Tasks(ctx, "open", customer)
	if err != nil {
		t.Fatal(err)
	}
	for i, tk := range tasks {
		if tk.Kind == string(aftersale.TaskCall) && strings.HasPrefix(tk.Title, "Recovery call") {
			recovery = &tasks[i]
		}
	}
	if recovery == nil {
		t.Fatalf("no recovery call once the service settled after a 3/10 (%s); open tasks: %+v", b.describe(), tasks)
	}
	if recovery.Assignee != "owner" || !strings.Contains(recovery.Title, "3/10") {
		t.Errorf("recovery call %+v, want one for the owner that says 3/10", recovery)
	}
	answers, err := b.app.Store().SurveyAnswerList(ctx, aftersale.AnswerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, a := range answers {
		got[string(a.Kind)+"/"+a.Quality+"/"+a.Subject] = a.Value
	}
	want := map[string]int{"importance/" + first + "/": 1, "importance/" + second + "/": 2,
		"performance/" + first + "/": 2, "performance/" + second + "/": 3,
		"performance/" + first + "/" + ada.Email: 4, "performance/" + second + "/" + ada.Email: 5, "nps//": 3}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("answer %s = %d (present %v), want %d; all %v", k, g, ok, v, got)
		}
	}

	// The owner's dashboard.
	br.do("log in as the owner",
		chromedp.Navigate(b.base+"/admin/login"),
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("email"), "owner@shop.example"),
		chromedp.SendKeys(chromedp.ID("password"), "owner password 1"),
	)
	resp = clickAndLoad(br, "log in", chromedp.CSS(`form[action="/admin/login"] button[type=submit]`))
	if resp.Status != http.StatusOK || resp.URL != b.base+"/admin" {
		t.Fatalf("after the login: %d %s, want 200 %s/admin", resp.Status, resp.URL, b.base)
	}
	resp = get(br, "open the dashboard", chromedp.NavigateResponse(b.base+"/admin/dashboard"))
	if resp.Status != http.StatusOK {
		t.Fatalf("the dashboard answered %d", resp.Status)
	}
	br.do("see the dashboard", chromedp.WaitVisible(chromedp.ID("h-ipa")))
	for _, s := range []struct{ id, name string }{
		{"h-funnel", "the funnel"}, {"h-survey", "the survey results"}, {"h-ipa", "the importance–performance analysis"},
	} {
		w := get(br, "measure the chart of "+s.name, chromedp.Evaluate[float64](
			`(() => { const s = document.querySelector('section[aria-labelledby="`+s.id+`"] svg'); return s ? s.getBoundingClientRect().width : -1; })()`))
		switch {
		case w < 0:
			t.Errorf("the dashboard has no chart (<svg>) in %s", s.name)
		case w < 100:
			t.Errorf("the chart of %s is %.0f px wide", s.name, w)
		}
	}
	nps := get(br, "read the NPS", chromedp.Evaluate[string](
		`(() => { for (const t of document.querySelectorAll('section[aria-labelledby="h-survey"] .tile')) { if (t.querySelector(".tile-label").textContent.trim() === "NPS") return t.querySelector(".tile-value").textContent.trim(); } return ""; })()`))
	if nps != "-100" {
		t.Errorf("the NPS tile shows %q, want -100 (one detractor)", nps)
	}
	if dash := br.text(); !strings.Contains(dash, "-100") {
		t.Errorf("the dashboard does not show the NPS -100:\n%s", dash)
	}
	br.shot("admin-dashboard")

	// On a phone: no horizontal scrolling.
	phone := br.phoneTab(phoneWidth, phoneHeight)
	phone.do("open the dashboard on a phone", chromedp.Navigate(b.base+"/admin/dashboard"), chromedp.WaitVisible(chromedp.ID("h-ipa")))
	if o := get(phone, "measure the dashboard", chromedp.Evaluate[overflow](overflowJS)); o.ScrollWidth > phoneWidth+overflowSlack {
		t.Errorf("the dashboard scrolls sideways on a phone: scrollWidth %d > %d; too wide: %v", o.ScrollWidth, phoneWidth, o.Wide)
	}
	phone.shot("admin-dashboard-phone")

	for _, name := range []string{"survey-importance", "survey-importance-done", "survey-performance", "survey-performance-done",
		"admin-dashboard", "admin-dashboard-phone"} {
		path := filepath.Join(artifactsDir(t), name+".png")
		if st, err := os.Stat(path); err != nil || st.Size() <= minPNG {
			t.Errorf("screenshot %s: %v (want a PNG of more than %d bytes)", path, err, minPNG)
		}
	}
	t.Logf("screenshots in %s", artifactsDir(t))
}

// clickAndLoad clicks an element that loads a page, such as the submit
// button of a form, and returns the response of the page.
func clickAndLoad(br *browser, what string, sel chromedp.CSS) *network.Response {
	br.t.Helper()
	return get(br, what, func(ctx context.Context, tg *chromedp.Target) (*network.Response, error) {
		return chromedp.RunResponse(ctx, chromedp.Click(sel))
	})
}
