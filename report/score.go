package report

import (
	"time"

	"github.com/aftersale/aftersale"
)

// Score sums up the NPS and performance answers of a set of answers.
type Score struct {
	// Responses is the number of NPS answers (values 0..10) counted.
	Responses int
	// NPS is the Net Promoter Score, -100 to 100: the percentage of
	// promoters (9 or 10) minus the percentage of detractors (0 to 6);
	// 0 when Responses is 0.
	NPS float64
	// Ratings is the number of performance ratings (values 1..5) counted.
	Ratings int
	// CSAT is the percentage, 0 to 100, of the performance ratings that
	// are 4 or 5; 0 when Ratings is 0.
	CSAT float64
}

// Scores computes the score of the answers. It counts every NPS answer and
// every performance rating it is given, of the company and of the team
// members alike: filter the answers first to score one subject. Values out
// of range, and answers of other kinds, are ignored.
func Scores(answers []*aftersale.SurveyAnswer) Score {
	var s Score
	promoters, detractors, satisfied := 0, 0, 0
	for _, a := range answers {
		if a == nil {
			continue
		}
		switch a.Kind {
		case aftersale.AnswerNPS:
			if a.Value < 0 || a.Value > 10 {
				continue
			}
			s.Responses++
			if a.Value >= 9 {
				promoters++
			} else if a.Value <= 6 {
				detractors++
			}
		case aftersale.AnswerPerformance:
			if a.Value < 1 || a.Value > 5 {
				continue
			}
			s.Ratings++
			if a.Value >= 4 {
				satisfied++
			}
		}
	}
	if s.Responses > 0 {
		s.NPS = 100 * float64(promoters-detractors) / float64(s.Responses)
	}
	if s.Ratings > 0 {
		s.CSAT = 100 * float64(satisfied) / float64(s.Ratings)
	}
	return s
}

// Period is the score of one calendar month.
type Period struct {
	// Start is the first instant of the month, in UTC.
	Start time.Time
	Score Score
}

// Monthly scores the answers month by month (calendar months in UTC, by
// CreatedAt), oldest first. It returns one period for every month that
// overlaps [from, to), empty months included (with a zero Score), and
// counts only the answers created in [from, to): the first and last months
// may be partial. It returns nil when to is not after from.
func Monthly(answers []*aftersale.SurveyAnswer, from, to time.Time) []Period {
	from, to = from.UTC(), to.UTC()
	if !to.After(from) {
		return nil
	}
	first := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	index := func(t time.Time) int {
		return (t.Year()-first.Year())*12 + int(t.Month()) - int(first.Month())
	}
	// The month of the last instant before to.
	last := index(to.Add(-time.Nanosecond))
	buckets := make([][]*aftersale.SurveyAnswer, last+1)
	for _, a := range answers {
		if a == nil || a.CreatedAt.Before(from) || !a.CreatedAt.Before(to) {
			continue
		}
		i := index(a.CreatedAt.UTC())
		buckets[i] = append(buckets[i], a)
	}
	periods := make([]Period, len(buckets))
	for i, b := range buckets {
		periods[i] = Period{Start: first.AddDate(0, i, 0), Score: Scores(b)}
	}
	return periods
}
