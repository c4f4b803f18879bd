package admin

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/report"
)

func TestReportFormats(t *testing.T) {
	for v, want := range map[float64]string{0: "0%", 1: "100%", 0.425: "42.5%", 0.1234: "12.3%", -0.00001: "0%", math.NaN(): "0%"} {
		if got := percent(v); got != want {
			t.Errorf("percent(%v) = %q, want %q", v, got, want)
		}
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -12345: "-12,345"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
	for d, want := range map[time.Duration]string{
		30 * time.Second: "under a minute", 45 * time.Minute: "45m", 3*time.Hour + 20*time.Minute: "3h 20m",
		47 * time.Hour: "47h 0m", 52 * time.Hour: "2d 4h",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestFunnelChart(t *testing.T) {
	got := string(funnelChart([]report.Stage{{Name: "purchased", Count: 10, Rate: 1}, {Name: "<b>x</b>", Count: 4, Rate: 0.4}, {Name: "loyal"}}))
	for _, s := range []string{`<svg xmlns="http://www.w3.org/2000/svg"`, `width="100%"`, ">Purchased<", ">10<", "4 · 40%",
		"&lt;b&gt;x&lt;/b&gt;", `width="480.0" height="18" rx="3" fill="#2d6a4f"`, `width="192.0"`} {
		if !strings.Contains(got, s) {
			t.Errorf("no %q in\n%s", s, got)
		}
	}
	if strings.Contains(got, "<b>") || strings.Contains(got, "style") || strings.Count(got, `fill="#2d6a4f"`) != 2 {
		t.Errorf("the chart:\n%s", got)
	}
	if !strings.Contains(string(funnelChart(nil)), "No orders yet") {
		t.Error("an empty funnel says nothing")
	}
}
