package report

import (
	"bytes"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

func TestWriteIPACSV(t *testing.T) {
	points, _ := IPA(qualities, handAnswers(), IPAOptions{})
	points[1].Quality.Label = `Beta, "the second"`
	var buf bytes.Buffer
	if err := WriteIPACSV(&buf, points); err != nil {
		t.Fatal(err)
	}
	want := `quality,label,importance,performance,responses,quadrant
a,Alpha,0.688,2.000,3,concentrate_here
b,"Beta, ""the second""",0.542,4.000,3,keep_up_the_good_work
c,Gamma,0.333,4.500,2,possible_overkill
d,Delta,0.188,2.500,2,low_priority
e,Epsilon,0.000,,0,
`
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestWritePeriodsCSV(t *testing.T) {
	periods := []Period{
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Score{Responses: 3, NPS: 100.0 / 3, Ratings: 3, CSAT: 200.0 / 3}},
		{time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), Score{}},
		{time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Score{Responses: 2, NPS: -50}},
		{time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), Score{Ratings: 1, CSAT: 0}},
		{time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), Score{Responses: 3, NPS: -0.0001, Ratings: 1, CSAT: 100}},
	}
	var buf bytes.Buffer
	if err := WritePeriodsCSV(&buf, periods); err != nil {
		t.Fatal(err)
	}
	want := `month,responses,nps,csat
2026-01,3,33.333,66.667
2026-02,0,,
2026-03,2,-50.000,
2026-04,0,,0.000
2026-05,3,0.000,100.000
`
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestF3(t *testing.T) {
	for v, want := range map[float64]string{0: "0.000", 1.23456: "1.235", -0.0004: "0.000", -1: "-1.000",
		math.NaN(): "", math.Inf(1): ""} {
		if got := f3(v); got != want {
			t.Errorf("f3(%v) = %q, want %q", v, got, want)
		}
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	points := []Point{{Quality: aftersale.Quality{Key: "a"}}}
	periods := []Period{{Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}
	for name, err := range map[string]error{
		"WriteIPACSV":     WriteIPACSV(failWriter{}, points),
		"WritePeriodsCSV": WritePeriodsCSV(failWriter{}, periods),
		"IPAChart":        IPAChart(points, Crosshair{}, failWriter{}),
		"TrendChart":      TrendChart(periods, failWriter{}),
	} {
		if err == nil {
			t.Errorf("%s: no error on a failing writer", name)
		}
	}
}
