package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is what one scenario measured.
type Result struct {
	Scenario string         `json:"scenario"`
	DB       string         `json:"db"`
	Nodes    int            `json:"nodes"`
	Params   map[string]any `json:"params"`
	Figures  []*Figure      `json:"figures"`
	Notes    []string       `json:"notes,omitempty"`
}

// Figure is one measured quantity next to its baseline.
type Figure struct {
	Name      string   `json:"name"`
	Unit      string   `json:"unit"` // "/s", "ms", "s", "MB", or "" for a count
	Aftersale float64  `json:"aftersale"`
	Baseline  *float64 `json:"baseline,omitempty"`
	Ratio     *float64 `json:"ratio,omitempty"` // aftersale / baseline
	Target    string   `json:"target,omitempty"`
	Pass      *bool    `json:"pass,omitempty"`
	// BaselineName says what the baseline is, e.g. "trivial handler".
	BaselineName string `json:"baseline_name,omitempty"`
	// Text, when set, is shown instead of the value (e.g. "not within 30m").
	Text string `json:"text,omitempty"`
}

// fig makes a figure without baseline.
func fig(name, unit string, v float64) *Figure {
	return &Figure{Name: name, Unit: unit, Aftersale: v}
}

// vs adds the baseline and the ratio.
func (f *Figure) vs(base float64, what string) *Figure {
	f.Baseline = &base
	f.BaselineName = what
	if base != 0 && !math.IsNaN(base) && !math.IsNaN(f.Aftersale) {
		r := f.Aftersale / base
		f.Ratio = &r
	}
	return f
}

// target records the target and whether it is met.
func (f *Figure) target(text string, ok bool) *Figure {
	f.Target = text
	f.Pass = &ok
	return f
}

// ratioAtLeast sets a target on the ratio to the baseline.
func (f *Figure) ratioAtLeast(min float64, text string) *Figure {
	if f.Ratio == nil {
		f.Target = text
		return f
	}
	return f.target(text, *f.Ratio >= min)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
func secs(d time.Duration) float64 {
	return d.Seconds()
}

// format shows a value in its unit.
func format(v float64, unit string) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	if math.IsInf(v, 1) {
		return "never"
	}
	switch unit {
	case "/s":
		if v < 100 {
			return fmt.Sprintf("%.1f/s", v)
		}
		return fmt.Sprintf("%.0f/s", v)
	case "ms":
		if v >= 10000 {
			return fmt.Sprintf("%.1f s", v/1000)
		}
		if v < 10 {
			return fmt.Sprintf("%.2f ms", v)
		}
		return fmt.Sprintf("%.1f ms", v)
	case "s":
		return fmt.Sprintf("%.2f s", v)
	case "MB":
		return fmt.Sprintf("%.1f MB", v)
	case "":
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3g %s", v, unit)
}

// Print writes the result as a table.
func (r *Result) Print(w io.Writer) {
	fmt.Fprintf(w, "\n== %s (%s, %d node%s) ==\n", r.Scenario, r.DB, r.Nodes, plural(r.Nodes))
	var params []string
	for _, k := range sortedKeys(r.Params) {
		params = append(params, fmt.Sprintf("%s=%v", k, r.Params[k]))
	}
	if len(params) > 0 {
		fmt.Fprintf(w, "parameters: %s\n", strings.Join(params, " "))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\taftersale\tbaseline\tratio\ttarget\t")
	fmt.Fprintln(tw, "------\t---------\t--------\t-----\t------\t")
	for _, f := range r.Figures {
		base, ratio := "", ""
		if f.Baseline != nil {
			base = format(*f.Baseline, f.Unit)
			if f.BaselineName != "" {
				base += " (" + f.BaselineName + ")"
			}
		}
		if f.Ratio != nil {
			ratio = fmt.Sprintf("%.2f", *f.Ratio)
			if r := math.Abs(*f.Ratio); r > 0 && r < 0.1 {
				ratio = fmt.Sprintf("%.3f", *f.Ratio)
			}
		}
		target := f.Target
		if f.Pass != nil {
			if *f.Pass {
				target += "  ok"
			} else {
				target += "  MISSED"
			}
		}
		value := format(f.Aftersale, f.Unit)
		if f.Text != "" {
			value = f.Text
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", f.Name, value, base, ratio, target)
	}
	tw.Flush()
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// printJSON prints every result and the machine as one line.
func printJSON(w io.Writer, m Machine, results []*Result) error {
	m.LoadEnd = loadAvg()
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	for _, r := range results {
		for _, f := range r.Figures {
			if bad(f.Aftersale) {
				f.Aftersale, f.Text = -1, "n/a"
			}
			if f.Baseline != nil && bad(*f.Baseline) {
				f.Baseline = nil
			}
			if f.Ratio != nil && bad(*f.Ratio) {
				f.Ratio = nil
			}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		Machine Machine   `json:"machine"`
		Results []*Result `json:"results"`
	}{m, results})
}
