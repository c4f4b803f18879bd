// Package report turns survey answers into the numbers and charts of the
// satisfaction report: the importance–performance analysis (IPA), NPS and
// CSAT, overall and month by month, rendered as SVG or CSV.
//
// The package is pure: it computes over answers the caller has loaded (for
// instance with Queries.SurveyAnswerList) and does no I/O of its own other
// than writing to the io.Writer it is given.
package report

import (
	"maps"
	"slices"
	"strings"

	"github.com/aftersale/aftersale"
)

// Quadrant is the IPA quadrant a quality falls in.
type Quadrant string

// The quadrants. "High" means at or above the crosshair.
const (
	// ConcentrateHere: high importance, low performance.
	ConcentrateHere Quadrant = "concentrate_here"
	// KeepUpTheGoodWork: high importance, high performance.
	KeepUpTheGoodWork Quadrant = "keep_up_the_good_work"
	// LowPriority: low importance, low performance.
	LowPriority Quadrant = "low_priority"
	// PossibleOverkill: low importance, high performance.
	PossibleOverkill Quadrant = "possible_overkill"
)

// Title is the quadrant's name for people, e.g. "Concentrate here"; ""
// for the empty quadrant of a quality that is not plotted.
func (q Quadrant) Title() string {
	switch q {
	case ConcentrateHere:
		return "Concentrate here"
	case KeepUpTheGoodWork:
		return "Keep up the good work"
	case LowPriority:
		return "Low priority"
	case PossibleOverkill:
		return "Possible overkill"
	}
	return ""
}

// Point is one quality in the IPA chart.
type Point struct {
	Quality aftersale.Quality
	// Importance is the mean rank weight of the quality over the
	// respondents of step one, 0 to 1 (see IPA).
	Importance float64
	// Performance is the mean performance rating, 1 to 5, of the quality
	// for the subject; 0 when Responses is 0.
	Performance float64
	// Responses is the number of performance ratings counted.
	Responses int
	// Quadrant is where the point falls; "" when Responses is 0 (the
	// quality is not plotted).
	Quadrant Quadrant
}

// Crosshair is the pair of grand means that splits the IPA chart into its
// quadrants.
type Crosshair struct {
	Importance, Performance float64
}

// IPAOptions selects the answers IPA counts.
type IPAOptions struct {
	// Subject is whose performance is analysed: "" for the company, or a
	// team member's email (compared in any case, as the store does).
	Subject string
	// Orders, when not nil, restricts the analysis to the answers of these
	// orders (those mapped to true), e.g. the orders of one product; nil
	// counts every order.
	Orders map[int64]bool
}

// eps absorbs rounding when a value is compared with a mean, so that a
// value equal to the mean counts as high whatever the order of the sums.
const eps = 1e-9

// IPA computes the importance–performance analysis of the qualities, in
// their order (a key named twice is kept once), over the answers.
//
// Importance. A respondent is an order with at least one importance
// answer (step one). If the respondent chose k qualities, the quality it
// ranked r weighs (k - r + 1) / k: rank 1 of 3 weighs 1, rank 2 of 3 weighs
// 2/3, rank 3 of 3 weighs 1/3; a quality not chosen weighs 0. Importance
// is the mean weight over all the respondents, so it lies in 0..1: 1 when
// every respondent ranked the quality first, 0 when nobody chose it. The
// rank r is the quality's place among the respondent's choices,
// 1 + the number of its choices with a strictly lower Value: with ranks
// 1..k this is the Value itself, gaps are closed, ties share the better
// rank, and choices left unranked (all the same Value) all weigh 1. A
// Value of 0 or less is a withdrawn choice and does not count. Every
// chosen key counts in k, even one no longer in the catalogue. Importance
// is what customers value, so it does not depend on Subject; to weigh only
// the customers a member served, pass their orders in opt.Orders.
//
// Performance is the mean of the quality's performance ratings (values
// 1..5; others are ignored) whose subject is opt.Subject.
//
// The crosshair is the mean Importance and the mean Performance over the
// qualities with at least one performance rating; it is zero when there
// is none. Each such quality gets the quadrant of its side of the
// crosshair, a value at or above the mean counting as high. Qualities
// with no rating are returned with Responses 0 and Quadrant "".
func IPA(qualities []aftersale.Quality, answers []*aftersale.SurveyAnswer, opt IPAOptions) ([]Point, Crosshair) {
	subject := strings.ToLower(strings.TrimSpace(opt.Subject))
	counted := func(a *aftersale.SurveyAnswer) bool {
		return a != nil && a.Quality != "" && (opt.Orders == nil || opt.Orders[a.OrderID])
	}

	// Step one: each order's choices, the lowest Value per quality.
	choices := map[int64]map[string]int{}
	// Step two: the sum and count of the subject's ratings per quality.
	sum, n := map[string]int{}, map[string]int{}
	for _, a := range answers {
		if !counted(a) {
			continue
		}
		switch a.Kind {
		case aftersale.AnswerImportance:
			if a.Value <= 0 {
				continue // a choice the customer withdrew
			}
			c := choices[a.OrderID]
			if c == nil {
				c = map[string]int{}
				choices[a.OrderID] = c
			}
			if v, ok := c[a.Quality]; !ok || a.Value < v {
				c[a.Quality] = a.Value
			}
		case aftersale.AnswerPerformance:
			if a.Value >= 1 && a.Value <= 5 && strings.ToLower(a.Subject) == subject {
				sum[a.Quality] += a.Value
				n[a.Quality]++
			}
		}
	}

	// Sum in order-ID order, so that the floats are the same every run.
	weight := map[string]float64{}
	for _, id := range slices.Sorted(maps.Keys(choices)) {
		c := choices[id]
		k := float64(len(c))
		for q, v := range c {
			r := 1
			for _, other := range c {
				if other < v {
					r++
				}
			}
			weight[q] += (k - float64(r) + 1) / k
		}
	}

	var points []Point
	var c Crosshair
	plotted := 0
	seen := map[string]bool{}
	for _, q := range qualities {
		if seen[q.Key] {
			continue
		}
		seen[q.Key] = true
		p := Point{Quality: q, Responses: n[q.Key]}
		if len(choices) > 0 {
			p.Importance = weight[q.Key] / float64(len(choices))
		}
		if p.Responses > 0 {
			p.Performance = float64(sum[q.Key]) / float64(p.Responses)
			c.Importance += p.Importance
			c.Performance += p.Performance
			plotted++
		}
		points = append(points, p)
	}
	if plotted == 0 {
		return points, Crosshair{}
	}
	c.Importance /= float64(plotted)
	c.Performance /= float64(plotted)
	for i := range points {
		if points[i].Responses > 0 {
			points[i].Quadrant = c.quadrant(points[i])
		}
	}
	return points, c
}

// quadrant is the quadrant p falls in.
func (c Crosshair) quadrant(p Point) Quadrant {
	highImp := p.Importance >= c.Importance-eps
	highPerf := p.Performance >= c.Performance-eps
	switch {
	case highImp && !highPerf:
		return ConcentrateHere
	case highImp:
		return KeepUpTheGoodWork
	case !highPerf:
		return LowPriority
	default:
		return PossibleOverkill
	}
}
