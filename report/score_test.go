package report

import (
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// 10 NPS answers: 5 promoters (10, 9, 9, 10, 9), 3 passives (7, 8, 7) and
// 2 detractors (6, 0): NPS = 50% - 20% = 30. 5 performance ratings, of the
// company and of a member, 3 of them 4 or more: CSAT = 60.
func TestScores(t *testing.T) {
	var answers []*aftersale.SurveyAnswer
	for _, v := range []int{10, 7, 9, 6, 9, 8, 10, 0, 7, 9} {
		answers = append(answers, nps(v, day))
	}
	answers = append(answers,
		perf(1, "a", "", 5), perf(1, "b", "", 4), perf(1, "c", "", 3),
		perf(2, "a", "bob@example.com", 2), perf(2, "b", "bob@example.com", 4),
		// Ignored: out of range, other kinds, nil.
		nps(11, day), nps(-1, day), perf(3, "a", "", 0), perf(3, "a", "", 6), imp(3, "a", 1), nil,
	)
	got := Scores(answers)
	if want := (Score{Responses: 10, NPS: 30, Ratings: 5, CSAT: 60}); got != want {
		t.Errorf("Scores = %+v, want %+v", got, want)
	}

	if got := Scores(nil); got != (Score{}) {
		t.Errorf("Scores(nil) = %+v", got)
	}
	// All detractors, no rating.
	if got := Scores([]*aftersale.SurveyAnswer{nps(0, day), nps(6, day)}); got != (Score{Responses: 2, NPS: -100}) {
		t.Errorf("all detractors: %+v", got)
	}
	// 1 promoter of 3, 1 satisfied rating of 3.
	got = Scores([]*aftersale.SurveyAnswer{nps(9, day), nps(8, day), nps(7, day),
		perf(1, "a", "", 4), perf(1, "b", "", 1), perf(1, "c", "", 2)})
	if got.Responses != 3 || !near(got.NPS, 100.0/3) || got.Ratings != 3 || !near(got.CSAT, 100.0/3) {
		t.Errorf("thirds: %+v", got)
	}
}

// Monthly from 15 January to 1 May 2026: January to April, with February
// and April empty.
//
//	answer                                 month     counted
//	10 January, nps 0                      January   no, before from
//	20 January, nps 10                     January   yes
//	20 January, performance 5              January   yes
//	5 March, nps 3                         March     yes
//	1 April 01:00 +02:00 (31 March 23:00   March     yes
//	UTC), nps 9
//	1 May 00:00 UTC, nps 0                 May       no, not before to
//
// January: 1 response, NPS 100, 1 rating, CSAT 100; March: 2 responses,
// 1 promoter and 1 detractor, NPS 0.
func TestMonthly(t *testing.T) {
	utc := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 12, 0, 0, 0, time.UTC) }
	jan := perf(1, "a", "", 5)
	jan.CreatedAt = utc(time.January, 20)
	answers := []*aftersale.SurveyAnswer{
		nps(0, utc(time.January, 10)),
		nps(10, utc(time.January, 20)),
		jan,
		nps(3, utc(time.March, 5)),
		nps(9, time.Date(2026, time.April, 1, 1, 0, 0, 0, time.FixedZone("EET", 2*3600))),
		nps(0, time.Date(2026, time.May, 1, 0, 0, 0, 0, time.UTC)),
		nil,
	}
	from := time.Date(2026, time.January, 15, 9, 0, 0, 0, time.UTC)
	to := time.Date(2026, time.May, 1, 0, 0, 0, 0, time.UTC)
	got := Monthly(answers, from, to)
	want := []Period{
		{time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC), Score{Responses: 1, NPS: 100, Ratings: 1, CSAT: 100}},
		{time.Date(2026, time.February, 1, 0, 0, 0, 0, time.UTC), Score{}},
		{time.Date(2026, time.March, 1, 0, 0, 0, 0, time.UTC), Score{Responses: 2, NPS: 0}},
		{time.Date(2026, time.April, 1, 0, 0, 0, 0, time.UTC), Score{}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d periods, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !got[i].Start.Equal(want[i].Start) || got[i].Start.Location() != time.UTC || got[i].Score != want[i].Score {
			t.Errorf("period %d = %+v, want %+v", i, got[i], want[i])
		}
	}

	// Across a year end, with to inside a month: December to February.
	got = Monthly(nil, time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 1, 0, time.UTC))
	if len(got) != 3 || got[2].Start != time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC) {
		t.Errorf("year end: %+v", got)
	}
	if got := Monthly(answers, to, from); got != nil {
		t.Errorf("to before from: %+v", got)
	}
	if got := Monthly(answers, from, from); got != nil {
		t.Errorf("to equal to from: %+v", got)
	}
}
