package report

import (
	"net/url"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// TestParseFilter reads the reports' filter from a query: "to" includes
// its day, the member is lower-cased, and a bad or reversed date is a
// field error.
func TestParseFilter(t *testing.T) {
	t.Parallel()
	from, last := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC)
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	f, err := ParseFilter(url.Values{"from": {day(from)}, "to": {" " + day(last) + " "}, "product": {" Course "}, "member": {"Ada@Shop.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if !f.From.Equal(from) {
		t.Errorf("from %v, want %v", f.From, from)
	}
	if want := last.AddDate(0, 0, 1); !f.To.Equal(want) {
		t.Errorf("to %v, want %v (the day included)", f.To, want)
	}
	if f.Product != "Course" || f.Member != "ada@shop.example" {
		t.Errorf("product %q, member %q", f.Product, f.Member)
	}
	if f, err := ParseFilter(url.Values{}); err != nil || !f.From.IsZero() || !f.To.IsZero() {
		t.Errorf("no filter: %+v, %v", f, err)
	}
	for _, q := range []url.Values{{"from": {"March"}}, {"from": {day(from.AddDate(0, 0, 1))}, "to": {day(from)}}} {
		if _, err := ParseFilter(q); aftersale.ErrorCode(err) != aftersale.EINVALID {
			t.Errorf("%v: %v, want a field error", q, err)
		}
	}
}
