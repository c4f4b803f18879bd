package report

import (
	"io"
	"math"
	"strconv"
)

// WriteIPACSV writes the points as CSV with the header
// quality,label,importance,performance,responses,quadrant: the quality's
// key and label, the numbers with 3 decimals and the quadrant's key. The
// performance of a point with no response is left empty, as its quadrant
// is.
func WriteIPACSV(w io.Writer, points []Point) error {
	cw := NewCSVWriter(w)
	cw.Write([]string{"quality", "label", "importance", "performance", "responses", "quadrant"})
	for _, p := range points {
		perf := ""
		if p.Responses > 0 {
			perf = f3(p.Performance)
		}
		cw.Write([]string{p.Quality.Key, p.Quality.Label, f3(p.Importance), perf,
			strconv.Itoa(p.Responses), string(p.Quadrant)})
	}
	cw.Flush()
	return cw.Error()
}

// WritePeriodsCSV writes the periods as CSV with the header
// month,responses,nps,csat: the month as YYYY-MM, the number of NPS
// answers, and NPS and CSAT with 3 decimals; NPS is left empty for a month
// with no NPS answer, CSAT for a month with no performance rating.
func WritePeriodsCSV(w io.Writer, periods []Period) error {
	cw := NewCSVWriter(w)
	cw.Write([]string{"month", "responses", "nps", "csat"})
	for _, p := range periods {
		nps, csat := "", ""
		if p.Score.Responses > 0 {
			nps = f3(p.Score.NPS)
		}
		if p.Score.Ratings > 0 {
			csat = f3(p.Score.CSAT)
		}
		cw.Write([]string{p.Start.UTC().Format("2006-01"), strconv.Itoa(p.Score.Responses), nps, csat})
	}
	cw.Flush()
	return cw.Error()
}

// f3 formats v with 3 decimals, never as "-0.000"; NaN and infinities
// are left empty.
func f3(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	if s := strconv.FormatFloat(v, 'f', 3, 64); s != "-0.000" {
		return s
	}
	return "0.000"
}
