package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/team"
)

// waitTaskTitle lets days pass (none when it is there once the service
// settled) until the customer has an open task whose title has the prefix;
// it fails after maxDays days (0: it must be there at once).
func waitTaskTitle(t *testing.T, b *bundle, customer, prefix string, maxDays int) team.TaskView {
	t.Helper()
	b.settle(t)
	var got team.TaskView
	b.daysUntil(t, maxDays, fmt.Sprintf("an open task %q… for %s", prefix, customer), func() bool {
		got = taskTitled(t, b, customer, prefix)
		return got.ID != 0
	})
	return got
}

func postPage(t *testing.T, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := http.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String()
}

// TestSuccessPlan runs the success plan of a coaching order on a manual
// clock: the agreement call appears, the client enters the objectives
// through the signed link, the API reads them back, progress is recorded
// through the page and the API, and the 2-week check-in call appears.
func TestSuccessPlan(t *testing.T) {
	t.Parallel()
	b := setupClock(t, withTeam)
	if code, body := b.post(t, b.orderEvent("evt_pl", "pl@example.com", "PL-1", "coaching", "")); code != 202 {
		t.Fatalf("post: %d %v", code, body)
	}
	agree := waitTaskTitle(t, b, "pl@example.com", "Agree the success plan", 3)
	if agree.Kind != string(aftersale.TaskCall) || agree.Assignee != "owner" || !strings.Contains(agree.Script, "objectives") {
		t.Errorf("agreement task %+v", agree)
	}

	code, plan := b.do(t, "GET", "/api/v1/orders/PL-1/plan", apiKey, "", nil)
	link, _ := plan["url"].(string)
	if code != 200 || !strings.Contains(link, "/p/") || len(plan["objectives"].([]any)) != 0 {
		t.Fatalf("GET plan before it is agreed: %d %v", code, plan)
	}
	if code, _ := b.do(t, "GET", "/api/v1/orders/PL-1/plan", "", "", nil); code != 401 {
		t.Errorf("GET plan without the key: %d", code)
	}
	if code, body := b.do(t, "GET", "/api/v1/orders/NOPE/plan", apiKey, "", nil); code != 404 {
		t.Errorf("GET plan of an unknown order: %d %v", code, body)
	}

	// The client enters the objectives through the link.
	code, page := getPage(t, link)
	if code != 200 || !strings.Contains(page, `name="objectives"`) {
		t.Fatalf("plan page: %d\n%s", code, page)
	}
	code, page = postPage(t, link, url.Values{"action": {"plan"},
		"objectives": {"Launch my course\r\n\r\nTen paying students"}, "metrics": {"course live by March\r\nstudents enrolled"}})
	if code != 200 || !strings.Contains(page, "Launch my course") || !strings.Contains(page, `name="progress"`) {
		t.Fatalf("save plan: %d\n%s", code, page)
	}
	code, plan = b.do(t, "GET", "/api/v1/orders/PL-1/plan", apiKey, "", nil)
	if got, _ := json.Marshal(plan["objectives"]); code != 200 || string(got) != `["Launch my course","Ten paying students"]` || plan["updated_by"] != "client" {
		t.Fatalf("GET plan after the client saved it: %d %v", code, plan)
	}
	if got, _ := json.Marshal(plan["metrics"]); string(got) != `["course live by March","students enrolled"]` {
		t.Errorf("metrics %s", got)
	}

	// Progress through the page and through the API.
	if code, page := postPage(t, link, url.Values{"action": {"checkin"}, "progress": {"40"}, "note": {"Outline done"}}); code != 200 || !strings.Contains(page, "40%") {
		t.Fatalf("check-in on the page: %d\n%s", code, page)
	}
	if code, body := b.do(t, "POST", "/api/v1/orders/PL-1/checkins", apiKey, "application/json", []byte(`{"progress": 70, "note": "3 students"}`)); code != 201 || body["by"] != "api" {
		t.Fatalf("check-in by the API: %d %v", code, body)
	}
	code, plan = b.do(t, "GET", "/api/v1/orders/PL-1/plan", apiKey, "", nil)
	checkins, _ := plan["checkins"].([]any)
	if code != 200 || len(checkins) != 2 || checkins[0].(map[string]any)["progress"] != 40.0 || checkins[0].(map[string]any)["by"] != "client" ||
		checkins[1].(map[string]any)["progress"] != 70.0 {
		t.Fatalf("check-ins: %d %v", code, plan)
	}
	// The team changes the plan through the API.
	if code, body := b.do(t, "PUT", "/api/v1/orders/PL-1/plan", apiKey, "application/json", []byte(`{"objectives": ["Launch"], "metrics": []}`)); code != 200 || body["updated_by"] != "api" {
		t.Fatalf("PUT plan: %d %v", code, body)
	}

	// Bad input: 400 naming the field.
	for _, c := range []struct{ method, path, body, field string }{
		{"PUT", "/api/v1/orders/PL-1/plan", `{"objectives": []}`, "objectives"},
		{"PUT", "/api/v1/orders/PL-1/plan", `{"objectives": ["a","b","c","d","e","f"]}`, "objectives"},
		{"PUT", "/api/v1/orders/PL-1/plan", `{"objectives": ["` + strings.Repeat("x", 201) + `"]}`, "objectives"},
		{"PUT", "/api/v1/orders/PL-1/plan", `{"objectives": ["a"], "metrics": ["` + strings.Repeat("x", 201) + `"]}`, "metrics"},
		{"POST", "/api/v1/orders/PL-1/checkins", `{"progress": 101}`, "progress"},
		{"POST", "/api/v1/orders/PL-1/checkins", `{"progress": -1}`, "progress"},
		{"POST", "/api/v1/orders/PL-1/checkins", `{"note": "no progress"}`, "progress"},
	} {
		if code, body := b.do(t, c.method, c.path, apiKey, "application/json", []byte(c.body)); code != 400 || body["field"] != c.field {
			t.Errorf("%s %s %s: %d %v, want 400 on %s", c.method, c.path, c.body, code, body, c.field)
		}
	}
	if code, page := postPage(t, link, url.Values{"action": {"checkin"}, "progress": {"150"}}); code != 400 || !strings.Contains(page, "progress") {
		t.Errorf("page check-in of 150%%: %d\n%s", code, page)
	}
	if code, _ := postPage(t, link, url.Values{"action": {"plan"}, "objectives": {""}}); code != 400 {
		t.Errorf("page plan without objectives: %d", code)
	}

	// An altered link opens nothing, and changes nothing.
	for _, bad := range []string{strings.Replace(link, "/p/", "/p/x", 1), link[:len(link)-2] + "AA"} {
		if code, _ := getPage(t, bad); code < 400 {
			t.Errorf("altered plan link %s answered %d", bad, code)
		}
		if code, _ := postPage(t, bad, url.Values{"action": {"checkin"}, "progress": {"10"}}); code < 400 {
			t.Errorf("altered plan link %s took a check-in: %d", bad, code)
		}
	}
	_, plan = b.do(t, "GET", "/api/v1/orders/PL-1/plan", apiKey, "", nil)
	if n := len(plan["checkins"].([]any)); n != 2 {
		t.Errorf("%d check-ins after the refused ones, want 2", n)
	}

	// Two weeks later, the first check-in call.
	ci := waitTaskTitle(t, b, "pl@example.com", "2-week check-in", 16)
	if ci.Kind != string(aftersale.TaskCall) || !strings.Contains(ci.Script, "progress") {
		t.Errorf("check-in task %+v", ci)
	}
}

// TestSuccessPlanNotForDigital: a digital order has no
// success plan journey.
func TestSuccessPlanNotForDigital(t *testing.T) {
	t.Parallel()
	b := setupClock(t, withTeam)
	if code, body := b.post(t, b.orderEvent("evt_pd", "pd@example.com", "PD-1", "digital", "")); code != 202 {
		t.Fatalf("post: %d %v", code, body)
	}
	b.days(t, 6) // past 2 business days, whatever the weekday
	tasks, err := b.app.Team().Tasks(context.Background(), "", "pd@example.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range tasks {
		if strings.Contains(tk.Title, "success plan") {
			t.Errorf("a digital order got %q", tk.Title)
		}
	}
}
