package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/web"
)

const apiKey = "test-api-key-0123456789"

// reportEnv is an install with one order of "Launch Course", its survey
// answers (NPS 10; responsiveness chosen first and rated 5, expertise
// chosen second and rated 3) and an overdue task.
func reportEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, func(c *web.Config) { c.APIKey = apiKey })
	ctx := context.Background()
	cust := e.customer(t, "buyer@example.com", "+12025550143")
	e.task(t, cust, aftersale.TaskCall, "Welcome call", "", "")
	orders, err := e.store.OrderList(ctx, time.Time{}, time.Time{})
	if err != nil || len(orders) != 1 {
		t.Fatalf("orders %v %v", orders, err)
	}
	o := orders[0]
	now := time.Now().UTC()
	for _, a := range []aftersale.SurveyAnswer{
		{Kind: aftersale.AnswerNPS, Value: 10},
		{Kind: aftersale.AnswerImportance, Quality: "responsiveness", Value: 1},
		{Kind: aftersale.AnswerImportance, Quality: "expertise", Value: 2},
		{Kind: aftersale.AnswerPerformance, Quality: "responsiveness", Value: 5},
		{Kind: aftersale.AnswerPerformance, Quality: "expertise", Value: 3},
	} {
		a.CustomerID, a.OrderID, a.CreatedAt = cust.ID, o.ID, now
		if _, err := e.store.SurveyAnswerSave(ctx, &a); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func decode[T any](t *testing.T, r reply) T {
	t.Helper()
	var v T
	decodeInto(t, r, &v)
	return v
}

// decodeInto reads the JSON body of r into v.
func decodeInto(t *testing.T, r reply, v any) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s: Content-Type %q", r.Request.URL.Path, ct)
	}
	if err := json.Unmarshal([]byte(r.Text), v); err != nil {
		t.Fatalf("%s: %v\n%s", r.Request.URL.Path, err, r.Text)
	}
}

func TestReportsAPI(t *testing.T) {
	t.Parallel()
	e := reportEnv(t)
	c := e.client(t)

	for _, name := range []string{"funnel", "ipa", "scores", "returns", "funnel.csv", "ipa.csv", "scores.csv", "returns.csv"} {
		path := "/api/v1/reports/" + name
		c.API(path, "").Want(t, http.StatusUnauthorized)
		c.API(path, "wrong-key").Want(t, http.StatusUnauthorized)
		for q, field := range map[string]string{
			"?from=2026-13-01":               "from",
			"?to=tomorrow":                   "to",
			"?from=2026-03-02&to=2026-03-01": "to",
		} {
			r := c.API(path+q, apiKey)
			r.Want(t, http.StatusBadRequest)
			if got := decode[map[string]string](t, r); got["field"] != field || !strings.Contains(got["error"], field) {
				t.Errorf("%s%s: %v, want the field %q", path, q, got, field)
			}
		}
	}

	// The funnel: one order, purchased and no further.
	var funnel struct {
		Stages []struct {
			Name  string  `json:"name"`
			Count int     `json:"count"`
			Rate  float64 `json:"rate"`
		} `json:"stages"`
		Orders     int      `json:"orders"`
		Refunded   int      `json:"refunded"`
		RefundRate float64  `json:"refund_rate"`
		RepeatRate float64  `json:"repeat_rate"`
		Touched    int      `json:"touched"`
		Median     *float64 `json:"median_first_touch_seconds"`
	}
	decodeInto(t, c.API("/api/v1/reports/funnel", apiKey).OK(t), &funnel)
	if funnel.Orders != 1 || len(funnel.Stages) == 0 || funnel.Stages[0].Name != "purchased" || funnel.Stages[0].Count != 1 ||
		funnel.Touched != 0 || funnel.Median != nil {
		t.Errorf("funnel %+v", funnel)
	}
	raw := decode[map[string]any](t, c.API("/api/v1/reports/funnel", apiKey).OK(t))
	if _, ok := raw["median_first_touch_seconds"]; !ok {
		t.Errorf("no median_first_touch_seconds in %v", raw)
	}
	// A product nobody bought has no order; dates far back neither.
	decodeInto(t, c.API("/api/v1/reports/funnel?product=Nothing", apiKey).OK(t), &funnel)
	if funnel.Orders != 0 {
		t.Errorf("product=Nothing: %+v", funnel)
	}
	decodeInto(t, c.API("/api/v1/reports/funnel?from=2020-01-01&to=2020-01-31", apiKey).OK(t), &funnel)
	if funnel.Orders != 0 {
		t.Errorf("2020: %+v", funnel)
	}
	decodeInto(t, c.API("/api/v1/reports/funnel?product=launch+course", apiKey).OK(t), &funnel)
	if funnel.Orders != 1 {
		t.Errorf("product=launch course: %+v", funnel)
	}

	// The IPA: responsiveness matters most and is done best.
	var ipa struct {
		Points []struct {
			Quality       string   `json:"quality"`
			Label         string   `json:"label"`
			Importance    float64  `json:"importance"`
			Performance   *float64 `json:"performance"`
			Responses     int      `json:"responses"`
			Quadrant      string   `json:"quadrant"`
			QuadrantTitle string   `json:"quadrant_title"`
		} `json:"points"`
		Crosshair struct {
			Importance  float64 `json:"importance"`
			Performance float64 `json:"performance"`
		} `json:"crosshair"`
		Respondents int `json:"respondents"`
	}
	decodeInto(t, c.API("/api/v1/reports/ipa", apiKey).OK(t), &ipa)
	if ipa.Respondents != 1 || len(ipa.Points) == 0 || ipa.Crosshair.Performance != 4 {
		t.Fatalf("ipa %+v", ipa)
	}
	for _, p := range ipa.Points {
		switch p.Quality {
		case "responsiveness":
			if p.Importance != 1 || p.Performance == nil || *p.Performance != 5 || p.Quadrant != "keep_up_the_good_work" || p.QuadrantTitle != "Keep up the good work" {
				t.Errorf("responsiveness %+v", p)
			}
		case "expertise":
			if p.Performance == nil || *p.Performance != 3 || p.Quadrant != "low_priority" {
				t.Errorf("expertise %+v", p)
			}
		default:
			if p.Performance != nil || p.Quadrant != "" || p.Responses != 0 {
				t.Errorf("unrated %+v", p)
			}
		}
	}

	// The scores: one NPS answer of 10.
	var scores struct {
		Overall struct {
			Responses int      `json:"responses"`
			NPS       *float64 `json:"nps"`
			Ratings   int      `json:"ratings"`
			CSAT      *float64 `json:"csat"`
		} `json:"overall"`
		Monthly []struct {
			Month     string   `json:"month"`
			Responses int      `json:"responses"`
			NPS       *float64 `json:"nps"`
		} `json:"monthly"`
	}
	decodeInto(t, c.API("/api/v1/reports/scores", apiKey).OK(t), &scores)
	o := scores.Overall
	if o.Responses != 1 || o.NPS == nil || *o.NPS != 100 || o.Ratings != 2 || o.CSAT == nil || *o.CSAT != 50 || len(scores.Monthly) == 0 {
		t.Fatalf("scores %+v", scores)
	}
	last := scores.Monthly[len(scores.Monthly)-1]
	if last.Month != time.Now().UTC().Format("2006-01") || last.Responses != 1 {
		t.Errorf("this month %+v", last)
	}
	if first := scores.Monthly[0]; len(scores.Monthly) > 1 && first.NPS != nil {
		t.Errorf("an empty month has an NPS: %+v", first)
	}

	// The CSV downloads.
	for name, header := range map[string]string{
		"funnel":  "stage,orders,rate",
		"ipa":     "quality,label,importance,performance,responses,quadrant",
		"scores":  "month,responses,nps,csat",
		"returns": "reason,returns,refunds,exchanges,share",
	} {
		r := c.API("/api/v1/reports/"+name+".csv?from=2026-01-01&product=Launch+Course", apiKey)
		wantCSV(t, r, header, "aftersale-"+name+"-2026-01-01.csv")
	}
	r := c.API("/api/v1/reports/ipa.csv", apiKey)
	wantCSV(t, r, "quality,label,importance,performance,responses,quadrant", "aftersale-ipa.csv")
	if !strings.Contains(r.Text, "\nresponsiveness,") || !strings.Contains(r.Text, ",keep_up_the_good_work") {
		t.Errorf("ipa.csv:\n%s", r.Text)
	}
	c.API("/api/v1/reports/nope", apiKey).Want(t, http.StatusNotFound)
}

// wantCSV fails the test unless r is a CSV download named file whose
// first line is header.
func wantCSV(t *testing.T, r reply, header, file string) {
	t.Helper()
	r.Want(t, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("%s: Content-Type %q", r.Request.URL.Path, ct)
	}
	if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename=`+file {
		t.Errorf("%s: Content-Disposition %q", r.Request.URL.Path, cd)
	}
	if first, _, _ := strings.Cut(r.Text, "\n"); first != header {
		t.Errorf("%s: header %q, want %q\n%s", r.Request.URL.Path, first, header, r.Text)
	}
}

func TestDashboard(t *testing.T) {
	t.Parallel()
	e := reportEnv(t)
	ana := e.member(t, "ana@shop.example", aftersale.RoleAssistant)

	anon := e.client(t)
	r := anon.Get("/admin/dashboard?from=2026-01-01")
	r.Want(t, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/admin/login?next=%2Fadmin%2Fdashboard%3Ffrom%3D2026-01-01" {
		t.Errorf("Location %q", loc)
	}
	anon.Get("/admin/dashboard/ipa.csv").Want(t, http.StatusSeeOther)

	c := e.client(t)
	c.Login(ana.Email, password)
	r = c.Get("/admin/dashboard")
	r.Want(t, http.StatusOK,
		`<a href="/admin/dashboard" aria-current="page">Dashboard</a>`,
		`<form method="get" action="/admin/dashboard"`, `name="from" type="date"`, `name="to" type="date"`,
		`<option value="Launch Course">Launch Course</option>`,
		`<option value="ana@shop.example">ana (ana@shop.example)</option>`,
		"Funnel: from transaction to customer", "Orders and follow-up", "Survey results", "Importance–performance analysis",
		"Refund rate", "Repeat-purchase rate", "Median time to first human touch", "Overdue tasks",
		`href="/admin?tab=overdue"`, `<span class="tile-value">1</span>`,
		"<svg", `aria-label="Funnel from transaction to customer"`, `aria-label="Net Promoter Score by month"`,
		`aria-label="Importance–performance analysis"`,
		`<td data-label="Stage">Purchased</td>`,
		`<span class="tile-value">100</span>`, // NPS
		`<span class="tile-value">50%</span>`, // CSAT
		`<span class="quad quad-keep_up_the_good_work">Keep up the good work</span>`,
		`href="/admin/dashboard/funnel.csv"`, `href="/admin/dashboard/ipa.csv"`, `href="/admin/dashboard/scores.csv"`)
	if n := strings.Count(r.Text, "Download CSV"); n != 4 {
		t.Errorf("%d Download CSV links, want 4", n)
	}
	if strings.Contains(r.Text, "<script>") || strings.Contains(r.Text, "style=") {
		t.Error("the page has inline script or style, which the CSP blocks")
	}

	// The filter is kept in the form and in the CSV links.
	r = c.Get("/admin/dashboard?from=2026-01-01&to=2026-12-31&product=Launch+Course&member=ANA@shop.example")
	r.Want(t, http.StatusOK, `value="2026-01-01"`, `value="2026-12-31"`,
		`<option value="Launch Course" selected>`, `<option value="ana@shop.example" selected>`,
		`href="/admin/dashboard/ipa.csv?from=2026-01-01&amp;member=ana%40shop.example&amp;product=Launch&#43;Course&amp;to=2026-12-31"`,
		"how ana performs")

	// A bad filter is shown on the form.
	r = c.Get("/admin/dashboard?from=2026-13-01&product=Launch+Course")
	r.Want(t, http.StatusBadRequest, `aria-invalid="true"`, "is not a date", `value="2026-13-01"`, `<option value="Launch Course" selected>`)
	if strings.Contains(r.Text, "Survey results") {
		t.Error("reports shown for a bad filter")
	}

	// The CSV downloads of the dashboard.
	for name, header := range map[string]string{
		"funnel":  "stage,orders,rate",
		"ipa":     "quality,label,importance,performance,responses,quadrant",
		"scores":  "month,responses,nps,csat",
		"returns": "reason,returns,refunds,exchanges,share",
	} {
		wantCSV(t, c.Get("/admin/dashboard/"+name+".csv?to=2026-12-31"), header, "aftersale-"+name+"-2026-12-31.csv")
	}
	c.Get("/admin/dashboard/ipa.csv?to=2026-02-30").Want(t, http.StatusBadRequest, "is not a date")
}
