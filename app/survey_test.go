package app_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/team"
)

var surveyLink = regexp.MustCompile(`https?://[^\s)>"]+/s/[A-Za-z0-9_.\-]+(\?q=[a-z_]+)?`)

func getPage(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestTwoStepSurvey runs the importance-then-performance cycle of the
// built-in journey on the manual clock: one click in the importance email
// records a choice, the performance email lists only the chosen qualities
// and names the member who made the call, and a 3/10 creates a recovery
// call for the owner at once.
func TestTwoStepSurvey(t *testing.T) {
	t.Parallel()
	b := setupClock(t, withTeam)
	ctx := context.Background()
	ada, err := b.app.Team().AddMember(ctx, team.NewMember{Email: "ada@shop.example", Name: "Ada Lovelace", Role: "assistant", Password: "long enough pw"})
	if err != nil {
		t.Fatal(err)
	}
	if code, body := b.post(t, b.orderEvent("evt_sv", "sv@example.com", "SV-1", "coaching", "")); code != 202 {
		t.Fatalf("post: %d %v", code, body)
	}
	b.settle(t)

	imp := b.daysUntilTemplate(t, "sv@example.com", "survey_importance", 3)
	links := map[string]string{}
	for _, l := range surveyLink.FindAllString(imp.Text(), -1) {
		if u, err := url.Parse(l); err == nil && u.Query().Get("q") != "" {
			links[u.Query().Get("q")] = l
		}
	}
	if len(links) != len(aftersale.DefaultQualities) {
		t.Fatalf("importance email links %v; want one per quality:\n%s", links, imp.Text())
	}
	// One click on "value", one on "expertise": both recorded.
	for _, q := range []string{"value", "expertise"} {
		code, page := getPage(t, links[q])
		if code != 200 || !strings.Contains(page, "noted") {
			t.Fatalf("click %s: %d\n%s", q, code, page)
		}
	}
	// A forged or altered link opens nothing.
	if code, _ := getPage(t, strings.Replace(links["value"], "/s/", "/s/x", 1)); code < 400 {
		t.Errorf("altered survey link answered %d", code)
	}

	// Ada makes the welcome call.
	call := b.dayTask(t, "sv@example.com", aftersale.TaskCall, nil, 5)
	if _, err := b.app.Team().CompleteTask(ctx, call.ID, "reached", "", ada.Email); err != nil {
		t.Fatal(err)
	}

	perf := b.daysUntilTemplate(t, "sv@example.com", "survey_performance", 20)
	if subj := perf.Header.Get("Subject"); strings.Contains(subj, "reminder") {
		t.Errorf("the first performance survey is called a reminder: %q", subj)
	}
	text := perf.Text()
	for _, want := range []string{"Value: worth what you paid", "Expertise: knowing what we are doing", "Ada Lovelace"} {
		if !strings.Contains(text, want) {
			t.Errorf("performance email lacks %q:\n%s", want, text)
		}
	}
	for _, q := range aftersale.DefaultQualities {
		if q.Key != "value" && q.Key != "expertise" && strings.Contains(text, q.Label) {
			t.Errorf("performance email asks about %q, which was not chosen", q.Label)
		}
	}
	link := surveyLink.FindString(text)
	code, page := getPage(t, link)
	if code != 200 || !strings.Contains(page, "Ada Lovelace") || strings.Contains(page, "Friendliness") {
		t.Fatalf("performance page: %d\n%s", code, page)
	}
	// Rated 3/10: a recovery call for the owner, within seconds.
	form := url.Values{"nps": {"3"}, "r_0_value": {"2"}, "r_1_value": {"5"}, "comment": {"Slow answers."}}
	resp, err := http.PostForm(link, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("submit: %d", resp.StatusCode)
	}
	b.settle(t) // no time passes
	tasks, _ := b.app.Team().Tasks(ctx, "open", "sv@example.com")
	var rec *team.TaskView
	for i, tk := range tasks {
		if tk.Kind == "call" && strings.HasPrefix(tk.Title, "Recovery call") {
			rec = &tasks[i]
		}
	}
	if rec == nil {
		t.Fatalf("no recovery call after a 3/10: %+v", tasks)
	}
	if rec.Assignee != "owner" || !strings.Contains(rec.Title, "3/10") || rec.Script == "" {
		t.Errorf("recovery call %+v", rec)
	}
	answers, err := b.app.Store().SurveyAnswerList(ctx, aftersale.AnswerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, a := range answers {
		got[string(a.Kind)+"/"+a.Quality+"/"+a.Subject] = a.Value
	}
	want := map[string]int{"importance/value/": 1, "importance/expertise/": 2, "performance/value/": 2,
		"performance/value/ada@shop.example": 5, "nps//": 3, "comment//": 0}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("answer %s = %d (present %v), want %d; all %v", k, g, ok, v, got)
		}
	}
	// The reminder is not sent: the survey was answered.
	b.days(t, 8) // past the reminder's day
	n := 0
	for _, m := range b.smtp.Messages() {
		if m.Header.Get("X-Aftersale-Template") == "survey_performance" && m.To[0] == "sv@example.com" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d performance survey emails, want 1 (nothing is asked twice)", n)
	}
}
