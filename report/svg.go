package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/aftersale/aftersale"
)

// The charts are drawn in a 640x480 viewBox and scale to the width of
// their container. They use presentation attributes only (no <style>, no
// script, no external asset), so they can be inlined in a page under a
// strict Content-Security-Policy.
const (
	svgWidth, svgHeight = 640, 480
	textColor           = "#212121"
	mutedColor          = "#757575"
	gridColor           = "#e0e0e0"
)

// quadrants are the quadrants in drawing order.
var quadrants = []Quadrant{ConcentrateHere, KeepUpTheGoodWork, LowPriority, PossibleOverkill}

// quadrantStyle is how a quadrant is drawn: its background, the colour of
// its dots and the corner its name goes in.
var quadrantStyle = map[Quadrant]struct {
	fill, dot   string
	right, high bool // the corner: right (high performance), top (high importance)
}{
	ConcentrateHere:   {"#fdecea", "#d32f2f", false, true},
	KeepUpTheGoodWork: {"#e8f5e9", "#388e3c", true, true},
	LowPriority:       {"#f5f5f5", "#757575", false, false},
	PossibleOverkill:  {"#fff8e1", "#f9a825", true, false},
}

// IPAChart writes the importance–performance chart of the points as an
// SVG document: performance 1 to 5 across, importance up from 0 (the axis
// stops at the first tenth above the highest point), the crosshair c
// splitting the four quadrants, whose names sit in the corners, and one
// dot per point with a response, in its quadrant's colour. A dot is
// labelled with the quality's label, cut at its first ": " and shortened
// to 24 characters; the full label and the numbers are in the dot's
// tooltip. Points with no response are not drawn.
func IPAChart(points []Point, c Crosshair, w io.Writer) error {
	const left, right, top, bottom = 70.0, 620.0, 40.0, 410.0
	var plotted []Point
	yMax := 0.1
	for _, p := range points {
		if p.Responses > 0 && finite(p.Importance) && finite(p.Performance) {
			plotted = append(plotted, p)
			yMax = max(yMax, p.Importance)
		}
	}
	cross := len(plotted) > 0 && finite(c.Importance) && finite(c.Performance)
	if cross {
		yMax = max(yMax, c.Importance)
	}
	yMax = min(1, math.Ceil(yMax*1.1*10-eps)/10)
	x := func(perf float64) float64 { return left + (clamp(perf, 1, 5)-1)/4*(right-left) }
	y := func(imp float64) float64 { return bottom - clamp(imp, 0, yMax)/yMax*(bottom-top) }

	var b svgBuilder
	b.open("Importance–performance analysis")
	if cross {
		cx, cy := x(c.Performance), y(c.Importance)
		for _, q := range quadrants {
			s := quadrantStyle[q]
			x0, x1, y0, y1 := left, cx, cy, bottom
			if s.right {
				x0, x1 = cx, right
			}
			if s.high {
				y0, y1 = top, cy
			}
			b.f(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s</title></rect>`+"\n",
				num(x0), num(y0), num(x1-x0), num(y1-y0), s.fill, esc(q.Title()))
		}
	}
	for perf := 1; perf <= 5; perf++ {
		px := x(float64(perf))
		b.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`+"\n", num(px), num(top), num(px), num(bottom), gridColor)
		b.f(`<text x="%s" y="%s" text-anchor="middle" fill="%s">%d</text>`+"\n", num(px), num(bottom+18), mutedColor, perf)
	}
	step := 0.2
	if yMax <= 0.2+eps {
		step = 0.05
	} else if yMax <= 0.5+eps {
		step = 0.1
	}
	for i := 0; float64(i)*step <= yMax+eps; i++ {
		py := y(float64(i) * step)
		b.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`+"\n", num(left), num(py), num(right), num(py), gridColor)
		b.f(`<text x="%s" y="%s" text-anchor="end" fill="%s">%.0f%%</text>`+"\n", num(left-8), num(py+4), mutedColor, float64(i)*step*100)
	}
	b.f(`<rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#9e9e9e"/>`+"\n",
		num(left), num(top), num(right-left), num(bottom-top))
	b.f(`<text x="%s" y="%s" text-anchor="middle" fill="%s">%s</text>`+"\n", num((left+right)/2), num(bottom+45), textColor, esc("Performance (1–5)"))
	b.f(`<text transform="translate(20 %s) rotate(-90)" text-anchor="middle" fill="%s">Importance</text>`+"\n", num((top+bottom)/2), textColor)

	if len(plotted) == 0 {
		b.f(`<text x="%s" y="%s" text-anchor="middle" fill="%s">No performance ratings yet</text>`+"\n", num((left+right)/2), num((top+bottom)/2), mutedColor)
		return b.close(w)
	}
	var reserved []label // the quadrant names
	if cross {
		cx, cy := x(c.Performance), y(c.Importance)
		b.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#616161" stroke-width="1.5" stroke-dasharray="6 4"/>`+"\n", num(cx), num(top), num(cx), num(bottom))
		b.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#616161" stroke-width="1.5" stroke-dasharray="6 4"/>`+"\n", num(left), num(cy), num(right), num(cy))
		for _, q := range quadrants {
			s := quadrantStyle[q]
			width := 7.5 * float64(len(q.Title()))
			tx, ty, anchor := left+8, bottom-8, "start"
			box := label{x0: tx, x1: tx + width}
			if s.right {
				tx, anchor = right-8, "end"
				box = label{x0: tx - width, x1: tx}
			}
			if s.high {
				ty = top + 18
			}
			box.y = ty
			reserved = append(reserved, box)
			b.f(`<text x="%s" y="%s" text-anchor="%s" font-weight="bold" fill="%s">%s</text>`+"\n", num(tx), num(ty), anchor, mutedColor, esc(q.Title()))
		}
	}

	labels := placeLabels(plotted, x, y, right, top, bottom, reserved)
	for i, p := range plotted {
		dot := textColor
		if s, ok := quadrantStyle[p.Quadrant]; ok {
			dot = s.dot
		}
		l := labels[i]
		b.f("<g>\n<title>%s — importance %.0f%%, performance %.2f (%d %s)</title>\n",
			esc(fullLabel(p.Quality)), p.Importance*100, p.Performance, p.Responses, plural(p.Responses, "rating"))
		b.f(`<circle cx="%s" cy="%s" r="6" fill="%s" stroke="#fff" stroke-width="1.5"/>`+"\n", num(x(p.Performance)), num(y(p.Importance)), dot)
		b.f(`<text x="%s" y="%s" text-anchor="%s" font-size="11" fill="%s">%s</text>`+"\n</g>\n", num(l.x), num(l.y), l.anchor, textColor, esc(l.text))
	}
	return b.close(w)
}

// label is where a dot's label is drawn.
type label struct {
	text, anchor string
	x, y         float64 // the anchor and the baseline
	x0, x1       float64 // the estimated extent across
}

// placeLabels places the label of each point beside its dot, on the left
// when it would cross the right edge, and moves it up or down a line or a
// few when it would overlap a label placed before (the points are placed
// top to bottom) or one of the reserved boxes, keeping it between top and
// bottom.
func placeLabels(points []Point, x, y func(float64) float64, right, top, bottom float64, reserved []label) []label {
	const charWidth, lineHeight = 6.2, 13.0
	labels := make([]label, len(points))
	order := make([]int, len(points))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		if a, b := points[i].Importance, points[j].Importance; a != b {
			if a > b {
				return -1
			}
			return 1
		}
		return 0
	})
	placed := reserved
	for _, i := range order {
		text := shortLabel(points[i].Quality)
		width := charWidth * float64(len([]rune(text)))
		cx, cy := x(points[i].Performance), y(points[i].Importance)
		l := label{text: text, anchor: "start", x: cx + 10, x0: cx + 10, x1: cx + 10 + width, y: cy + 4}
		if l.x1 > right-2 {
			l = label{text: text, anchor: "end", x: cx - 10, x0: cx - 10 - width, x1: cx - 10, y: cy + 4}
		}
		for _, dy := range []float64{0, 1, -1, 2, -2, 3, -3} {
			try := l
			try.y += dy * lineHeight
			if try.y-lineHeight < top || try.y > bottom-2 {
				continue
			}
			if !slices.ContainsFunc(placed, func(o label) bool {
				return try.x0 < o.x1 && o.x0 < try.x1 && math.Abs(try.y-o.y) < lineHeight
			}) {
				l = try
				break
			}
		}
		labels[i] = l
		placed = append(placed, l)
	}
	return labels
}

// TrendChart writes the NPS of the periods as an SVG line chart: one
// column per month, oldest on the left, NPS from -100 to 100 up, with a
// dot per month that has NPS answers (its tooltip gives the numbers) and
// a line joining consecutive such months; a month without answers leaves
// a gap. Months are labelled "Jan 2006", every few months when there are
// more than 8.
func TrendChart(periods []Period, w io.Writer) error {
	const left, right, top, bottom = 70.0, 620.0, 30.0, 410.0
	y := func(nps float64) float64 { return top + (100-clamp(nps, -100, 100))/200*(bottom-top) }
	var b svgBuilder
	b.open("Net Promoter Score by month")
	for nps := -100; nps <= 100; nps += 50 {
		stroke := gridColor
		if nps == 0 {
			stroke = "#9e9e9e"
		}
		py := y(float64(nps))
		b.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`+"\n", num(left), num(py), num(right), num(py), stroke)
		b.f(`<text x="%s" y="%s" text-anchor="end" fill="%s">%d</text>`+"\n", num(left-8), num(py+4), mutedColor, nps)
	}
	b.f(`<text transform="translate(20 %s) rotate(-90)" text-anchor="middle" fill="%s">NPS (−100 to 100)</text>`+"\n", num((top+bottom)/2), textColor)

	n := len(periods)
	if n == 0 || !slices.ContainsFunc(periods, func(p Period) bool { return p.Score.Responses > 0 }) {
		b.f(`<text x="%s" y="%s" text-anchor="middle" fill="%s">No NPS answers yet</text>`+"\n", num((left+right)/2), num(y(50)), mutedColor)
	}
	band := (right - left) / float64(max(n, 1))
	x := func(i int) float64 { return left + (float64(i)+0.5)*band }
	every := (n + 7) / 8
	var path strings.Builder
	for i, p := range periods {
		px := x(i)
		b.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#9e9e9e"/>`+"\n", num(px), num(bottom), num(px), num(bottom+5))
		if i%every == 0 {
			b.f(`<text x="%s" y="%s" text-anchor="middle" fill="%s">%s</text>`+"\n", num(px), num(bottom+20), mutedColor, p.Start.UTC().Format("Jan 2006"))
		}
		if p.Score.Responses == 0 || !finite(p.Score.NPS) {
			continue
		}
		cmd := "M"
		if i > 0 && periods[i-1].Score.Responses > 0 && finite(periods[i-1].Score.NPS) {
			cmd = "L"
		}
		fmt.Fprintf(&path, "%s%s %s ", cmd, num(px), num(y(p.Score.NPS)))
	}
	if d := strings.TrimSpace(path.String()); d != "" {
		b.f(`<path d="%s" fill="none" stroke="#1976d2" stroke-width="2" stroke-linejoin="round"/>`+"\n", d)
	}
	for i, p := range periods {
		if p.Score.Responses == 0 || !finite(p.Score.NPS) {
			continue
		}
		b.f("<g>\n<title>%s: NPS %s, %d %s</title>\n", p.Start.UTC().Format("January 2006"),
			strconv.FormatFloat(math.Round(p.Score.NPS*10)/10, 'f', -1, 64), p.Score.Responses, plural(p.Score.Responses, "response"))
		b.f(`<circle cx="%s" cy="%s" r="4" fill="#1976d2" stroke="#fff" stroke-width="1.5"/>`+"\n</g>\n", num(x(i)), num(y(p.Score.NPS)))
	}
	return b.close(w)
}

// svgBuilder accumulates an SVG document.
type svgBuilder struct{ bytes.Buffer }

// f appends formatted text.
func (b *svgBuilder) f(format string, args ...any) { fmt.Fprintf(&b.Buffer, format, args...) }

// open starts the document, whose accessible name is title.
func (b *svgBuilder) open(title string) {
	b.f(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="%s" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="12">`+"\n",
		svgWidth, svgHeight, esc(title))
	b.f("<title>%s</title>\n", esc(title))
	b.f(`<rect width="%d" height="%d" fill="#fff"/>`+"\n", svgWidth, svgHeight)
}

// close ends the document and writes it to w.
func (b *svgBuilder) close(w io.Writer) error {
	b.f("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// esc escapes s for XML text and attribute values; characters XML does not
// allow become U+FFFD.
func esc(s string) string {
	var sb strings.Builder
	xml.EscapeText(&sb, []byte(s))
	return sb.String()
}

// num formats a coordinate.
func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// clamp limits v to [lo, hi].
func clamp(v, lo, hi float64) float64 { return max(lo, min(hi, v)) }

// plural is word, with an "s" unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// fullLabel is the quality's label, or its key when it has none.
func fullLabel(q aftersale.Quality) string {
	if s := strings.TrimSpace(q.Label); s != "" {
		return s
	}
	return q.Key
}

// shortLabel is the label drawn beside a dot: the full label up to its
// first ": ", cut to 24 characters.
func shortLabel(q aftersale.Quality) string {
	s := fullLabel(q)
	if i := strings.Index(s, ": "); i > 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > 24 {
		s = string(r[:23]) + "…"
	}
	return s
}
