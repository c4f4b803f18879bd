package report

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// wellFormed parses the SVG with encoding/xml, checks its root and
// returns its character data.
func wellFormed(t *testing.T, svg string) string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	var text strings.Builder
	depth, root := 0, ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				root = tok.Name.Space + " " + tok.Name.Local
				attrs := map[string]string{}
				for _, a := range tok.Attr {
					attrs[a.Name.Local] = a.Value
				}
				if attrs["viewBox"] != "0 0 640 480" || attrs["width"] != "100%" {
					t.Errorf("root attributes %v", attrs)
				}
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			text.Write(tok)
		}
	}
	if root != "http://www.w3.org/2000/svg svg" {
		t.Errorf("root element %q", root)
	}
	return text.String()
}

func TestIPAChart(t *testing.T) {
	qs := []aftersale.Quality{
		{Key: "a", Label: "Tom & Jerry <&> \"quoted\""},
		{Key: "b", Label: "Beta: the second one"},
		{Key: "c", Label: "A very long label that goes on and on and on"},
		{Key: "d", Label: "Delta\x01"},
		{Key: "e", Label: "Never rated"},
	}
	points, c := IPA(qs, handAnswers(), IPAOptions{})
	var buf bytes.Buffer
	if err := IPAChart(points, c, &buf); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	text := wellFormed(t, svg)
	for _, s := range []string{"Performance (1–5)", "Importance", "Concentrate here", "Keep up the good work",
		"Low priority", "Possible overkill", `Tom & Jerry <&> "quoted"`, "Beta: the second one", "A very long label that goes on and on and on"} {
		if !strings.Contains(text, s) {
			t.Errorf("the chart does not say %q", s)
		}
	}
	if !strings.Contains(svg, "Tom &amp; Jerry &lt;&amp;&gt; &#34;quoted&#34;") || strings.Contains(svg, "<&>") {
		t.Errorf("the label is not escaped:\n%s", svg)
	}
	if strings.Contains(text, "Never rated") {
		t.Error("a quality with no rating is drawn")
	}
	if got := strings.Count(svg, "<circle"); got != 4 {
		t.Errorf("%d dots, want 4", got)
	}
	// Dots are labelled with the short label.
	for _, s := range []string{">Beta</text>", ">A very long label that …</text>"} {
		if !strings.Contains(svg, s) {
			t.Errorf("no label %q", s)
		}
	}

	// No rating at all: an empty, still well-formed chart.
	points, c = IPA(qs, nil, IPAOptions{})
	buf.Reset()
	if err := IPAChart(points, c, &buf); err != nil {
		t.Fatal(err)
	}
	if text := wellFormed(t, buf.String()); !strings.Contains(text, "No performance ratings yet") {
		t.Error("the empty chart does not say so")
	}
}

func TestTrendChart(t *testing.T) {
	var answers []*aftersale.SurveyAnswer
	for m, values := range map[time.Month][]int{1: {10, 9, 0}, 2: {5}, 4: {9}, 5: {8, 10}} {
		for _, v := range values {
			answers = append(answers, nps(v, time.Date(2026, m, 3, 0, 0, 0, 0, time.UTC)))
		}
	}
	periods := Monthly(answers, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	var buf bytes.Buffer
	if err := TrendChart(periods, &buf); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	text := wellFormed(t, svg)
	for _, s := range []string{"Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "May 2026",
		"January 2026: NPS 33.3, 3 responses", "February 2026: NPS -100, 1 response", "May 2026: NPS 50, 2 responses"} {
		if !strings.Contains(text, s) {
			t.Errorf("the chart does not say %q", s)
		}
	}
	if strings.Contains(text, "March 2026:") {
		t.Error("an empty month has a dot")
	}
	if got := strings.Count(svg, "<circle"); got != 4 {
		t.Errorf("%d dots, want 4", got)
	}
	// January to February joined, a gap in March, April to May joined.
	_, d, _ := strings.Cut(svg, `<path d="`)
	d, _, _ = strings.Cut(d, `"`)
	cmds := strings.Map(func(r rune) rune {
		if r == 'M' || r == 'L' {
			return r
		}
		return -1
	}, d)
	if cmds != "MLML" {
		t.Errorf("the line %q is not broken at the empty month", d)
	}

	// Two years of months: labelled every 3 months.
	buf.Reset()
	periods = Monthly(answers, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if err := TrendChart(periods, &buf); err != nil {
		t.Fatal(err)
	}
	text = wellFormed(t, buf.String())
	if !strings.Contains(text, "Jan 2025") || !strings.Contains(text, "Apr 2025") || strings.Contains(text, "Feb 2025") {
		t.Error("24 months are not labelled every 3")
	}

	for _, periods := range [][]Period{nil, Monthly(nil, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))} {
		buf.Reset()
		if err := TrendChart(periods, &buf); err != nil {
			t.Fatal(err)
		}
		if text := wellFormed(t, buf.String()); !strings.Contains(text, "No NPS answers yet") {
			t.Errorf("the empty chart of %d months does not say so", len(periods))
		}
	}
}
