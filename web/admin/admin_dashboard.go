package admin

// The dashboard: the funnel from transaction to customer, the order
// rates, overdue tasks, the survey scores, the importance–performance
// analysis and why customers send things back, for a period, a product
// and (for the IPA) a team member. The filter is a plain GET form, the
// charts are server-rendered SVG inlined in the page, and every table can
// be downloaded as CSV. (The return reasons read only the period.)

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/report"
	"github.com/aftersale/aftersale/team"
	"github.com/aftersale/aftersale/web"
)

// dashboardPage is the data of the dashboard.
type dashboardPage struct {
	Filter   dashboardFilter
	Products []string
	Members  []team.MemberView
	Alert    alert
	Field    string // the filter field in error
	Shown    bool   // the filter is valid and the reports are computed
	// Deliverability warns of a rise of blocks and spam-policy bounces.
	Deliverability string

	// CSV are the download links of the tables, with the filter.
	CSV map[string]string

	Funnel      []funnelRow
	FunnelChart template.HTML
	Orders      int
	Refunded    int
	RefundRate  string
	// PartlyRefunded orders had part refunded; RefundedShare is the share
	// of revenue paid back.
	PartlyRefunded int
	RefundedShare  string
	RepeatRate     string
	Touched        int
	FirstTouch     string
	Overdue        int
	Open           int

	Score      scoreView
	Monthly    []periodRow
	TrendChart template.HTML

	IPA         []ipaRow
	IPAChart    template.HTML
	Crosshair   string
	Respondents int
	Subject     string // whose performance the IPA rates

	Reasons      []reasonRow // why customers send things back
	ReturnsTotal int

	Insiders *insidersView // offer codes and referrals
}

type reasonRow struct {
	Reason                      string
	Returns, Refunds, Exchanges int
	Share                       string
}

// dashboardFilter is the filter as typed.
type dashboardFilter struct {
	From, To, Product, Member string
}

// query is the filter as URL query values, without the empty ones.
func (f dashboardFilter) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"from": f.From, "to": f.To, "product": f.Product, "member": f.Member} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

type funnelRow struct {
	Name, Count, Rate string
}

type scoreView struct {
	Responses, Ratings int
	NPS, CSAT          string
}

type periodRow struct {
	Month string
	scoreView
}

type ipaRow struct {
	Quality, Key, Importance, Performance string
	Responses                             int
	Quadrant, QuadrantTitle               string
}

// adminDashboard shows the reports for the filter of the query.
func (s *UI) adminDashboard(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	ctx := r.Context()
	q := r.URL.Query()
	p := dashboardPage{Filter: dashboardFilter{From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		Product: strings.TrimSpace(q.Get("product")), Member: strings.TrimSpace(q.Get("member"))}}
	var err error
	if p.Products, err = s.cfg.Feedback.Products(ctx); err != nil {
		s.adminError(w, r, m, err)
		return
	}
	if p.Filter.Product != "" && !slices.Contains(p.Products, p.Filter.Product) {
		p.Products = append(p.Products, p.Filter.Product) // keep the choice shown
	}
	if p.Members, err = s.cfg.Team.Members(ctx); err != nil {
		s.adminError(w, r, m, err)
		return
	}
	if i := slices.IndexFunc(p.Members, func(mv team.MemberView) bool { return strings.EqualFold(mv.Email, p.Filter.Member) }); i >= 0 {
		p.Filter.Member = p.Members[i].Email
	} else if p.Filter.Member != "" {
		p.Members = append(p.Members, team.MemberView{Email: p.Filter.Member}) // keep the choice shown
	}
	f, err := report.ParseFilter(q)
	if err != nil {
		if aftersale.ErrorCode(err) != aftersale.EINVALID {
			s.adminError(w, r, m, err)
			return
		}
		p.Alert.Error, p.Field = aftersale.ErrorMessage(err), errField(err)
		s.adminPage(w, r, http.StatusBadRequest, m, "dashboard.html", "Dashboard", p)
		return
	}
	p.Shown = true
	p.Deliverability = deliverabilityNote(s.cfg.Contact.DeliverabilityWarning())
	qs := p.Filter.query().Encode()
	p.CSV = map[string]string{}
	for _, name := range web.ReportNames() {
		p.CSV[name] = "/admin/dashboard/" + name + ".csv"
		if qs != "" {
			p.CSV[name] += "?" + qs
		}
	}

	funnel, err := s.cfg.Feedback.FunnelReport(ctx, f)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	for i, st := range funnel.Stages {
		row := funnelRow{Name: label(st.Name), Count: thousands(st.Count), Rate: "—"}
		if i > 0 {
			row.Rate = percent(st.Rate)
		}
		p.Funnel = append(p.Funnel, row)
	}
	p.FunnelChart = funnelChart(funnel.Stages)
	p.Orders, p.Refunded, p.Touched = funnel.Orders, funnel.Refunded, funnel.Touched
	p.RefundRate, p.RepeatRate, p.FirstTouch, p.RefundedShare = "—", "—", "—", "—"
	p.PartlyRefunded = funnel.PartlyRefunded
	if funnel.Orders > 0 {
		p.RefundRate, p.RepeatRate = percent(funnel.RefundRate), percent(funnel.RepeatRate)
	}
	if aftersale.CompareMoney(funnel.Revenue, "0") > 0 {
		p.RefundedShare = percent(funnel.RefundedShare)
	}
	if funnel.Touched > 0 {
		p.FirstTouch = humanDuration(funnel.MedianFirstTouch)
	}

	tasks, err := s.cfg.Team.Tasks(ctx, string(aftersale.TaskOpen), "")
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	p.Open = len(tasks)
	for _, t := range tasks {
		if s.cfg.Team.Overdue(t) {
			p.Overdue++
		}
	}

	scores, err := s.cfg.Feedback.ScoreReport(ctx, f)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	p.Score = newScoreView(scores.Overall)
	for _, pr := range scores.Monthly {
		p.Monthly = append(p.Monthly, periodRow{Month: pr.Start.UTC().Format("Jan 2006"), scoreView: newScoreView(pr.Score)})
	}
	if p.TrendChart, err = svgOf(func(b *bytes.Buffer) error { return report.TrendChart(scores.Monthly, b) }); err != nil {
		s.adminError(w, r, m, err)
		return
	}

	ipa, err := s.cfg.Feedback.IPAReport(ctx, f)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	p.Respondents = ipa.Respondents
	for _, pt := range ipa.Points {
		row := ipaRow{Quality: pt.Quality.Label, Key: pt.Quality.Key, Importance: percent(pt.Importance), Performance: "—",
			Responses: pt.Responses, Quadrant: string(pt.Quadrant), QuadrantTitle: pt.Quadrant.Title()}
		if row.Quality == "" {
			row.Quality = pt.Quality.Key
		}
		if pt.Responses > 0 {
			row.Performance = strconv.FormatFloat(pt.Performance, 'f', 2, 64)
		}
		p.IPA = append(p.IPA, row)
	}
	if slices.ContainsFunc(ipa.Points, func(pt report.Point) bool { return pt.Responses > 0 }) {
		p.Crosshair = fmt.Sprintf("importance %s, performance %.2f", percent(ipa.Crosshair.Importance), ipa.Crosshair.Performance)
	}
	if p.IPAChart, err = svgOf(func(b *bytes.Buffer) error { return report.IPAChart(ipa.Points, ipa.Crosshair, b) }); err != nil {
		s.adminError(w, r, m, err)
		return
	}
	reasons, err := s.cfg.Returns.Reasons(ctx, f.From, f.To)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	for _, rr := range reasons {
		p.Reasons = append(p.Reasons, reasonRow{Reason: rr.Reason, Returns: rr.Returns, Refunds: rr.Refunds, Exchanges: rr.Exchanges, Share: percent(rr.Share)})
		p.ReturnsTotal += rr.Returns
	}
	insiders, err := s.cfg.Insiders.Report(ctx, f.From, f.To)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	p.Insiders = newInsidersView(insiders)
	p.Subject = "the company"
	if f.Member != "" {
		p.Subject = f.Member
		for _, mv := range p.Members {
			if strings.EqualFold(mv.Email, f.Member) && mv.Name != "" {
				p.Subject = mv.Name
			}
		}
	}
	s.adminPage(w, r, http.StatusOK, m, "dashboard.html", "Dashboard", p)
}

// adminReportCSV returns the handler of a dashboard table's CSV download,
// which reads the dashboard's filter.
func adminReportCSV(name string) func(*UI, http.ResponseWriter, *http.Request, *team.MemberView) {
	return func(s *UI, w http.ResponseWriter, r *http.Request, m *team.MemberView) {
		f, err := report.ParseFilter(r.URL.Query())
		if err != nil {
			s.adminError(w, r, m, err)
			return
		}
		body, err := s.cfg.Web.ReportCSV(r.Context(), name, f)
		if err != nil {
			s.adminError(w, r, m, err)
			return
		}
		web.WriteCSV(w, r, name, body)
	}
}

func newScoreView(sc report.Score) scoreView {
	v := scoreView{Responses: sc.Responses, Ratings: sc.Ratings, NPS: "—", CSAT: "—"}
	if sc.Responses > 0 {
		v.NPS = strconv.FormatFloat(finite(sc.NPS), 'f', 0, 64)
		if v.NPS == "-0" {
			v.NPS = "0"
		}
	}
	if sc.Ratings > 0 {
		v.CSAT = strconv.FormatFloat(finite(sc.CSAT), 'f', 0, 64) + "%"
	}
	return v
}

// svgOf renders a chart of package report for inlining in a page. The
// charts escape every text they draw and carry no script or style.
func svgOf(draw func(*bytes.Buffer) error) (template.HTML, error) {
	var b bytes.Buffer
	if err := draw(&b); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil //nolint:gosec // report's SVG escapes its text
}

// funnelChart draws the funnel's stages as horizontal bars, each as long
// as its count relative to the largest stage, under the stage's name with
// its count and conversion rate. Like report's charts it scales to its
// container and uses presentation attributes only.
func funnelChart(stages []report.Stage) template.HTML {
	const width, rowH, barH, top = 480.0, 54.0, 18.0, 6.0
	height := top + rowH*float64(max(len(stages), 1))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="100%%" role="img" aria-label="Funnel from transaction to customer" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="16">`+"\n", width, height)
	b.WriteString("<title>Funnel from transaction to customer</title>\n")
	if len(stages) == 0 {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle" fill="#757575">No orders yet</text>`+"\n", width/2, top+rowH/2)
	}
	most := 0
	for _, st := range stages {
		most = max(most, st.Count)
	}
	for i, st := range stages {
		y := top + rowH*float64(i)
		value := thousands(st.Count)
		if i > 0 {
			value += " · " + percent(st.Rate)
		}
		name := template.HTMLEscapeString(label(st.Name))
		fmt.Fprintf(&b, "<g>\n<title>%s: %s</title>\n", name, template.HTMLEscapeString(value))
		fmt.Fprintf(&b, `<text x="0" y="%.1f" fill="#1f2328">%s</text>`+"\n", y+16, name)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" text-anchor="end" fill="#667">%s</text>`+"\n", width, y+16, template.HTMLEscapeString(value))
		fmt.Fprintf(&b, `<rect x="0" y="%.1f" width="%.0f" height="%.0f" rx="3" fill="#ebe9e4"/>`+"\n", y+24, width, barH)
		if st.Count > 0 && most > 0 {
			w := max(3, width*float64(st.Count)/float64(most))
			fmt.Fprintf(&b, `<rect x="0" y="%.1f" width="%.1f" height="%.0f" rx="3" fill="#2d6a4f"/>`+"\n", y+24, w, barH)
		}
		b.WriteString("</g>\n")
	}
	b.WriteString("</svg>\n")
	return template.HTML(b.String()) //nolint:gosec // every text is escaped
}

// percent shows a rate 0..1 as a percentage with one decimal, e.g. "42.5%".
func percent(v float64) string {
	s := strconv.FormatFloat(finite(v)*100, 'f', 1, 64)
	if s == "-0.0" {
		s = "0.0"
	}
	return strings.TrimSuffix(s, ".0") + "%"
}

// thousands shows n with thousands separators, e.g. "12,345".
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// humanDuration shows a duration roughly: "under a minute", "45m",
// "3h 20m", "2d 4h".
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "under a minute"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		h := int(d.Hours())
		return fmt.Sprintf("%dh %dm", h, int(d.Minutes())-60*h)
	}
	days := int(d.Hours() / 24)
	return fmt.Sprintf("%dd %dh", days, int(d.Hours())-24*days)
}
