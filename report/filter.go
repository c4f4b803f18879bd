package report

import (
	"net/url"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

// Filter narrows every report.
type Filter struct {
	From, To time.Time // orders placed / answers given in [From, To); zero: no bound
	Product  string    // only orders with an item whose SKU or name is this ("" = all)
	Member   string    // IPA only: rate this member (email) instead of the company
}

// ParseFilter reads from and to (YYYY-MM-DD, UTC; "to" includes its day),
// product and member from URL query values.
func ParseFilter(q url.Values) (Filter, error) {
	var f Filter
	for _, p := range []struct {
		name string
		t    *time.Time
		add  int
	}{{"from", &f.From, 0}, {"to", &f.To, 1}} {
		v := strings.TrimSpace(q.Get(p.name))
		if v == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			return f, aftersale.FieldError(p.name, "%q is not a date: want YYYY-MM-DD", v)
		}
		*p.t = t.AddDate(0, 0, p.add)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return f, aftersale.FieldError("to", "must not be before from")
	}
	f.Product = strings.TrimSpace(q.Get("product"))
	f.Member = strings.ToLower(strings.TrimSpace(q.Get("member")))
	return f, nil
}
