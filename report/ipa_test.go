package report

import (
	"math"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

var day = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func imp(order int64, quality string, rank int) *aftersale.SurveyAnswer {
	return &aftersale.SurveyAnswer{OrderID: order, Kind: aftersale.AnswerImportance, Quality: quality, Value: rank, CreatedAt: day}
}

func perf(order int64, quality, subject string, value int) *aftersale.SurveyAnswer {
	return &aftersale.SurveyAnswer{OrderID: order, Kind: aftersale.AnswerPerformance, Quality: quality, Subject: subject, Value: value, CreatedAt: day}
}

func nps(value int, at time.Time) *aftersale.SurveyAnswer {
	return &aftersale.SurveyAnswer{Kind: aftersale.AnswerNPS, Value: value, CreatedAt: at}
}

var qualities = []aftersale.Quality{
	{Key: "a", Label: "Alpha"},
	{Key: "b", Label: "Beta"},
	{Key: "c", Label: "Gamma"},
	{Key: "d", Label: "Delta"},
	{Key: "e", Label: "Epsilon"},
}

// handAnswers is the hand-worked example: 4 respondents (orders 1-4), who
// each rate exactly the qualities they chose; nobody chooses or rates e.
//
//	order  chosen (rank)          k  weights                     company ratings
//	1      a(1) b(2) c(3)         3  a 1, b 2/3, c 1/3           a 2, b 4, c 4
//	2      a(1) d(2)              2  a 1, d 1/2                  a 3, d 3
//	3      b(1)                   1  b 1                         b 5
//	4      c(1) a(2) b(3) d(4)    4  c 1, a 3/4, b 1/2, d 1/4    a 1, b 3, c 5, d 2
//
//	quality  importance (sum/4)             performance (mean)  n
//	a        (1+1+0+3/4)/4   = 0.6875       (2+3+1)/3 = 2       3
//	b        (2/3+0+1+1/2)/4 = 13/24        (4+5+3)/3 = 4       3
//	         = 0.541666...
//	c        (1/3+0+0+1)/4   = 1/3          (4+5)/2   = 4.5     2
//	d        (0+1/2+0+1/4)/4 = 0.1875       (3+2)/2   = 2.5     2
//	e        0                              -                   0
//
// Crosshair over a-d (e has no rating):
// importance (0.6875 + 13/24 + 1/3 + 0.1875)/4 = 1.75/4 = 0.4375,
// performance (2 + 4 + 4.5 + 2.5)/4 = 13/4 = 3.25.
//
//	a  0.6875 >= 0.4375 high, 2   < 3.25 low   concentrate_here
//	b  0.5417 >= 0.4375 high, 4   >= 3.25 high keep_up_the_good_work
//	c  0.3333 <  0.4375 low,  4.5 >= 3.25 high possible_overkill
//	d  0.1875 <  0.4375 low,  2.5 < 3.25 low   low_priority
//	e  not plotted
//
// Member ann@example.com, who served order 1, is rated a 5 and b 1; the
// noise answers must not count.
func handAnswers() []*aftersale.SurveyAnswer {
	return []*aftersale.SurveyAnswer{
		imp(1, "a", 1), imp(1, "b", 2), imp(1, "c", 3),
		imp(2, "a", 1), imp(2, "d", 2),
		imp(3, "b", 1),
		imp(4, "c", 1), imp(4, "a", 2), imp(4, "b", 3), imp(4, "d", 4),
		perf(1, "a", "", 2), perf(1, "b", "", 4), perf(1, "c", "", 4),
		perf(2, "a", "", 3), perf(2, "d", "", 3),
		perf(3, "b", "", 5),
		perf(4, "a", "", 1), perf(4, "b", "", 3), perf(4, "c", "", 5), perf(4, "d", "", 2),
		perf(1, "a", "ann@example.com", 5), perf(1, "b", "ann@example.com", 1),
		// Noise: out of range, unknown quality, other kinds, nil.
		perf(2, "a", "", 0), perf(2, "b", "", 6), perf(3, "zzz", "", 5),
		nps(10, day), {OrderID: 1, Kind: aftersale.AnswerComment, Comment: "hi"}, nil,
	}
}

type want struct {
	imp, perf float64
	n         int
	q         Quadrant
}

func checkIPA(t *testing.T, points []Point, c Crosshair, wantC Crosshair, wants map[string]want) {
	t.Helper()
	if len(points) != len(qualities) {
		t.Fatalf("got %d points, want %d", len(points), len(qualities))
	}
	if !near(c.Importance, wantC.Importance) || !near(c.Performance, wantC.Performance) {
		t.Errorf("crosshair = %+v, want %+v", c, wantC)
	}
	for i, p := range points {
		if p.Quality != qualities[i] {
			t.Errorf("point %d is %v, want %v", i, p.Quality, qualities[i])
		}
		w := wants[p.Quality.Key]
		if !near(p.Importance, w.imp) || !near(p.Performance, w.perf) || p.Responses != w.n || p.Quadrant != w.q {
			t.Errorf("%s: got importance %v performance %v responses %d quadrant %q, want %+v",
				p.Quality.Key, p.Importance, p.Performance, p.Responses, p.Quadrant, w)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestIPAHandWorked(t *testing.T) {
	points, c := IPA(qualities, handAnswers(), IPAOptions{})
	checkIPA(t, points, c, Crosshair{0.4375, 3.25}, map[string]want{
		"a": {0.6875, 2, 3, ConcentrateHere},
		"b": {13.0 / 24, 4, 3, KeepUpTheGoodWork},
		"c": {1.0 / 3, 4.5, 2, PossibleOverkill},
		"d": {0.1875, 2.5, 2, LowPriority},
		"e": {0, 0, 0, ""},
	})
}

// The subject filter: only ann's ratings count; importance is the same.
//
//	quality  importance  performance  n
//	a        0.6875      5            1
//	b        13/24       1            1
//	c, d, e  as before   -            0
//
// Crosshair over a and b: importance (0.6875 + 13/24)/2 = 59/96 =
// 0.614583..., performance (5 + 1)/2 = 3. a: high, high; b: low, low.
func TestIPASubject(t *testing.T) {
	points, c := IPA(qualities, handAnswers(), IPAOptions{Subject: " Ann@Example.COM"})
	checkIPA(t, points, c, Crosshair{59.0 / 96, 3}, map[string]want{
		"a": {0.6875, 5, 1, KeepUpTheGoodWork},
		"b": {13.0 / 24, 1, 1, LowPriority},
		"c": {1.0 / 3, 0, 0, ""},
		"d": {0.1875, 0, 0, ""},
		"e": {0, 0, 0, ""},
	})
}

// The orders filter: orders 1 and 3 only (2 respondents).
//
//	quality  importance        performance      n
//	a        (1+0)/2 = 0.5     2                1
//	b        (2/3+1)/2 = 5/6   (4+5)/2 = 4.5    2
//	c        (1/3+0)/2 = 1/6   4                1
//	d        0                 -                0
//
// Crosshair over a-c: importance (1/2 + 5/6 + 1/6)/3 = 0.5, performance
// (2 + 4.5 + 4)/3 = 3.5. a sits exactly on the importance mean, which
// counts as high: concentrate_here.
func TestIPAOrders(t *testing.T) {
	points, c := IPA(qualities, handAnswers(), IPAOptions{Orders: map[int64]bool{1: true, 3: true, 2: false}})
	checkIPA(t, points, c, Crosshair{0.5, 3.5}, map[string]want{
		"a": {0.5, 2, 1, ConcentrateHere},
		"b": {5.0 / 6, 4.5, 2, KeepUpTheGoodWork},
		"c": {1.0 / 6, 4, 1, PossibleOverkill},
		"d": {0, 0, 0, ""},
		"e": {0, 0, 0, ""},
	})

	// An empty, non-nil filter selects nothing.
	points, c = IPA(qualities, handAnswers(), IPAOptions{Orders: map[int64]bool{}})
	for _, p := range points {
		if p.Importance != 0 || p.Responses != 0 || p.Quadrant != "" {
			t.Errorf("empty orders filter: %+v", p)
		}
	}
	if c != (Crosshair{}) {
		t.Errorf("empty orders filter: crosshair %+v", c)
	}
}

// Ranks are the place among the respondent's choices: gaps are closed,
// ties share the better rank, unranked choices all weigh 1, and a chosen
// key outside the catalogue still counts in k.
//
//	order  values             ranks       k  weights
//	1      a 2, b 5           1, 2        2  a 1, b 1/2
//	2      a 7, b 7, c 7      1, 1, 1     3  a 1, b 1, c 1
//	3      a 1, b 1, zzz 3    1, 1, 3     3  a 1, b 1, (zzz 1/3)
//	4      c 3, c 1 (twice)   1           1  c 1
//	5      a 0 (withdrawn)    -           0  not a respondent
//
// Importance: a 3/4, b (1/2+1+1)/4 = 5/8, c 2/4, d and e 0.
func TestIPARanks(t *testing.T) {
	answers := []*aftersale.SurveyAnswer{
		imp(1, "a", 2), imp(1, "b", 5),
		imp(2, "a", 7), imp(2, "b", 7), imp(2, "c", 7),
		imp(3, "a", 1), imp(3, "b", 1), imp(3, "zzz", 3),
		imp(4, "c", 3), imp(4, "c", 1),
		imp(5, "a", 0),
	}
	points, c := IPA(append(append([]aftersale.Quality{}, qualities...), qualities[0]), answers, IPAOptions{})
	wantImp := map[string]float64{"a": 0.75, "b": 0.625, "c": 0.5}
	if len(points) != len(qualities) {
		t.Errorf("a key named twice gave %d points", len(points))
	}
	for _, p := range points {
		if !near(p.Importance, wantImp[p.Quality.Key]) || p.Responses != 0 || p.Quadrant != "" {
			t.Errorf("%s: %+v, want importance %v", p.Quality.Key, p, wantImp[p.Quality.Key])
		}
	}
	if c != (Crosshair{}) {
		t.Errorf("no ratings: crosshair %+v", c)
	}
}

func TestQuadrantTitle(t *testing.T) {
	for q, want := range map[Quadrant]string{
		ConcentrateHere: "Concentrate here", KeepUpTheGoodWork: "Keep up the good work",
		LowPriority: "Low priority", PossibleOverkill: "Possible overkill", "": "",
	} {
		if got := q.Title(); got != want {
			t.Errorf("%q.Title() = %q, want %q", q, got, want)
		}
	}
}
