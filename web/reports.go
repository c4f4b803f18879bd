package web

// The reports, as JSON and CSV: under /api/v1/reports/ with the API key,
// and as CSV downloads of the admin dashboard. Both read the same filter
// (from, to, product, member; see report.ParseFilter); the returns
// report reads only from and to (when the returns were started).

import (
	"bytes"
	"context"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/feedback"
	"github.com/aftersale/aftersale/report"
	"github.com/aftersale/aftersale/returns"
)

// The reports, by the name of their route.
const (
	reportFunnel = "funnel"
	reportIPA    = "ipa"
	reportScores = "scores"
	// reportReturns is why customers send things back.
	reportReturns = "returns"
	// reportInsiders is how the insider offers and referrals did.
	reportInsiders = "insiders"
)

// reportNames are every report, in the order the dashboard shows them.
var reportNames = []string{reportFunnel, reportIPA, reportScores, reportReturns, reportInsiders}

// funnelJSON is the funnel report as the API shows it. Rates are 0..1;
// the median time to the first human touch is in seconds, null when no
// order was touched.
type funnelJSON struct {
	Stages                  []funnelStageJSON `json:"stages"`
	Orders                  int               `json:"orders"`
	Refunded                int               `json:"refunded"`
	RefundRate              float64           `json:"refund_rate"`
	PartlyRefunded          int               `json:"partly_refunded"`
	Revenue                 string            `json:"revenue"`
	RefundedRevenue         string            `json:"refunded_revenue"`
	RefundedShare           float64           `json:"refunded_share"`
	RepeatRate              float64           `json:"repeat_rate"`
	Touched                 int               `json:"touched"`
	MedianFirstTouchSeconds *float64          `json:"median_first_touch_seconds"`
}

type funnelStageJSON struct {
	Name  string  `json:"name"`
	Count int     `json:"count"`
	Rate  float64 `json:"rate"` // of the previous stage, 0..1
}

func newFunnelJSON(f *report.Funnel) funnelJSON {
	out := funnelJSON{Stages: []funnelStageJSON{}, Orders: f.Orders, Refunded: f.Refunded,
		RefundRate: finite(f.RefundRate), RepeatRate: finite(f.RepeatRate), Touched: f.Touched,
		PartlyRefunded: f.PartlyRefunded, Revenue: f.Revenue, RefundedRevenue: f.RefundedRevenue, RefundedShare: finite(f.RefundedShare)}
	for _, st := range f.Stages {
		out.Stages = append(out.Stages, funnelStageJSON{Name: st.Name, Count: st.Count, Rate: finite(st.Rate)})
	}
	if f.Touched > 0 {
		secs := f.MedianFirstTouch.Seconds()
		out.MedianFirstTouchSeconds = &secs
	}
	return out
}

// ipaJSON is the IPA report as the API shows it: importance 0..1,
// performance 1..5 (null for a quality nobody rated, which has no
// quadrant).
type ipaJSON struct {
	Points      []ipaPointJSON `json:"points"`
	Crosshair   crosshairJSON  `json:"crosshair"`
	Respondents int            `json:"respondents"`
}

type ipaPointJSON struct {
	Quality       string   `json:"quality"`
	Label         string   `json:"label"`
	Importance    float64  `json:"importance"`
	Performance   *float64 `json:"performance"`
	Responses     int      `json:"responses"`
	Quadrant      string   `json:"quadrant"`
	QuadrantTitle string   `json:"quadrant_title"`
}

type crosshairJSON struct {
	Importance  float64 `json:"importance"`
	Performance float64 `json:"performance"`
}

func newIPAJSON(r *feedback.IPAReport) ipaJSON {
	out := ipaJSON{Points: []ipaPointJSON{}, Respondents: r.Respondents,
		Crosshair: crosshairJSON{Importance: finite(r.Crosshair.Importance), Performance: finite(r.Crosshair.Performance)}}
	for _, p := range r.Points {
		v := ipaPointJSON{Quality: p.Quality.Key, Label: p.Quality.Label, Importance: finite(p.Importance),
			Responses: p.Responses, Quadrant: string(p.Quadrant), QuadrantTitle: p.Quadrant.Title()}
		if p.Responses > 0 {
			perf := finite(p.Performance)
			v.Performance = &perf
		}
		out.Points = append(out.Points, v)
	}
	return out
}

// scoresJSON is the score report as the API shows it: NPS -100..100 (null
// without NPS answers), CSAT 0..100 (null without ratings).
type scoresJSON struct {
	Overall scoreJSON    `json:"overall"`
	Monthly []periodJSON `json:"monthly"`
}

type scoreJSON struct {
	Responses int      `json:"responses"`
	NPS       *float64 `json:"nps"`
	Ratings   int      `json:"ratings"`
	CSAT      *float64 `json:"csat"`
}

type periodJSON struct {
	Month string    `json:"month"` // YYYY-MM
	Start time.Time `json:"start"`
	scoreJSON
}

func newScoreJSON(s report.Score) scoreJSON {
	out := scoreJSON{Responses: s.Responses, Ratings: s.Ratings}
	if s.Responses > 0 {
		nps := finite(s.NPS)
		out.NPS = &nps
	}
	if s.Ratings > 0 {
		csat := finite(s.CSAT)
		out.CSAT = &csat
	}
	return out
}

func newScoresJSON(r *feedback.ScoreReport) scoresJSON {
	out := scoresJSON{Overall: newScoreJSON(r.Overall), Monthly: []periodJSON{}}
	for _, p := range r.Monthly {
		out.Monthly = append(out.Monthly, periodJSON{Month: p.Start.UTC().Format("2006-01"), Start: p.Start.UTC(), scoreJSON: newScoreJSON(p.Score)})
	}
	return out
}

// returnsReportJSON is why customers send things back, as the API shows
// it: the returns started in the period (cancelled ones left out) by
// reason, most frequent first; share is 0..1 of all of them.
type returnsReportJSON struct {
	Rows  []reasonRowJSON `json:"rows"`
	Total int             `json:"total"`
}

type reasonRowJSON struct {
	Reason    string  `json:"reason"`
	Returns   int     `json:"returns"`
	Refunds   int     `json:"refunds"`
	Exchanges int     `json:"exchanges"`
	Share     float64 `json:"share"`
}

func newReturnsReportJSON(rows []returns.ReasonRow) returnsReportJSON {
	out := returnsReportJSON{Rows: []reasonRowJSON{}}
	for _, r := range rows {
		out.Rows = append(out.Rows, reasonRowJSON{Reason: r.Reason, Returns: r.Returns, Refunds: r.Refunds, Exchanges: r.Exchanges, Share: finite(r.Share)})
		out.Total += r.Returns
	}
	return out
}

// writeReasonsCSV writes the return reasons as CSV with the header
// reason,returns,refunds,exchanges,share (share 0..1, 3 decimals).
func writeReasonsCSV(w io.Writer, rows []returns.ReasonRow) error {
	cw := report.NewCSVWriter(w)
	_ = cw.Write([]string{"reason", "returns", "refunds", "exchanges", "share"})
	for _, r := range rows {
		_ = cw.Write([]string{r.Reason, strconv.Itoa(r.Returns), strconv.Itoa(r.Refunds), strconv.Itoa(r.Exchanges),
			strconv.FormatFloat(finite(r.Share), 'f', 3, 64)})
	}
	cw.Flush()
	return cw.Error()
}

// finite is v, or 0 when v is NaN or infinite (which JSON cannot carry).
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

// reportJSON computes the named report as its JSON view.
func (s *Server) reportJSON(ctx context.Context, name string, f report.Filter) (any, error) {
	switch name {
	case reportFunnel:
		r, err := s.cfg.Feedback.FunnelReport(ctx, f)
		if err != nil {
			return nil, err
		}
		return newFunnelJSON(r), nil
	case reportIPA:
		r, err := s.cfg.Feedback.IPAReport(ctx, f)
		if err != nil {
			return nil, err
		}
		return newIPAJSON(r), nil
	case reportScores:
		r, err := s.cfg.Feedback.ScoreReport(ctx, f)
		if err != nil {
			return nil, err
		}
		return newScoresJSON(r), nil
	case reportReturns:
		rows, err := s.cfg.Returns.Reasons(ctx, f.From, f.To)
		if err != nil {
			return nil, err
		}
		return newReturnsReportJSON(rows), nil
	case reportInsiders:
		r, err := s.cfg.Insiders.Report(ctx, f.From, f.To)
		if err != nil {
			return nil, err
		}
		return newInsidersJSON(r), nil
	}
	return nil, aftersale.Errorf(aftersale.ENOTFOUND, "no report %q", name)
}

// reportCSV computes the named report as CSV: the funnel's stages, the IPA
// points, the scores month by month, the return reasons, or the insiders'
// figures.
func (s *Server) reportCSV(ctx context.Context, name string, f report.Filter) ([]byte, error) {
	var buf bytes.Buffer
	switch name {
	case reportFunnel:
		r, err := s.cfg.Feedback.FunnelReport(ctx, f)
		if err != nil {
			return nil, err
		}
		err = report.WriteFunnelCSV(&buf, r)
		return buf.Bytes(), err
	case reportIPA:
		r, err := s.cfg.Feedback.IPAReport(ctx, f)
		if err != nil {
			return nil, err
		}
		err = report.WriteIPACSV(&buf, r.Points)
		return buf.Bytes(), err
	case reportScores:
		r, err := s.cfg.Feedback.ScoreReport(ctx, f)
		if err != nil {
			return nil, err
		}
		err = report.WritePeriodsCSV(&buf, r.Monthly)
		return buf.Bytes(), err
	case reportReturns:
		rows, err := s.cfg.Returns.Reasons(ctx, f.From, f.To)
		if err != nil {
			return nil, err
		}
		err = writeReasonsCSV(&buf, rows)
		return buf.Bytes(), err
	case reportInsiders:
		r, err := s.cfg.Insiders.Report(ctx, f.From, f.To)
		if err != nil {
			return nil, err
		}
		err = writeInsidersCSV(&buf, r)
		return buf.Bytes(), err
	}
	return nil, aftersale.Errorf(aftersale.ENOTFOUND, "no report %q", name)
}

// writeCSV sends a CSV download, named after the report and the dates of
// the filter, e.g. aftersale-ipa-2026-01-01-2026-03-31.csv.
func writeCSV(w http.ResponseWriter, r *http.Request, name string, body []byte) {
	file := "aftersale-" + name
	q := r.URL.Query()
	for _, k := range []string{"from", "to"} {
		if d := dateOnly(q.Get(k)); d != "" {
			file += "-" + d
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": file + ".csv"}))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// dateOnly is s when it looks like YYYY-MM-DD, else "".
func dateOnly(s string) string {
	s = strings.TrimSpace(s)
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return ""
	}
	return s
}

// handleReport answers GET /api/v1/reports/{name} with the report as
// JSON; a bad filter is a 400 naming the field.
func (s *Server) handleReport(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, err := report.ParseFilter(r.URL.Query())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		v, err := s.reportJSON(r.Context(), name, f)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

// handleReportCSV answers GET /api/v1/reports/{name}.csv with the report
// as a CSV download.
func (s *Server) handleReportCSV(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, err := report.ParseFilter(r.URL.Query())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		body, err := s.reportCSV(r.Context(), name, f)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeCSV(w, r, name, body)
	}
}
