package web_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestReturnsCSVFormula: a return reason that a spreadsheet would run as a
// formula reaches returns.csv as text ('=HYPERLINK(...)), and the numeric
// columns stay numbers.
func TestReturnsCSVFormula(t *testing.T) {
	t.Parallel()
	e := returnsEnv(t)
	c := e.client(t)
	placeOrder(t, e, "7101", "csv@example.com")
	placeOrder(t, e, "7102", "csv2@example.com")
	formula := `=HYPERLINK("http://x","y")`
	for i, reason := range []string{formula, "-2 sizes too small"} {
		body := fmt.Sprintf(`{"id":"evt-csv-%d","type":"return.requested","occurred_at":%q,"return":{"order_id":"710%d","reason":%q}}`,
			i, time.Now().UTC().Format(time.RFC3339), i+1, reason)
		c.APIPost("/api/v1/events", apiKey, body).Want(t, http.StatusAccepted)
	}
	e.settle(t)
	r := c.API("/api/v1/reports/returns.csv", apiKey).OK(t)
	rows, err := csv.NewReader(strings.NewReader(r.Text)).ReadAll()
	if err != nil {
		t.Fatalf("returns.csv: %v\n%s", err, r.Text)
	}
	got := map[string][]string{}
	for _, row := range rows[1:] {
		got[row[0]] = row
	}
	for _, want := range []string{"'" + formula, "'-2 sizes too small"} {
		row, ok := got[want]
		if !ok {
			t.Fatalf("returns.csv has no reason %q:\n%s", want, r.Text)
		}
		if row[1] != "1" || row[4] != "0.500" {
			t.Errorf("row %q: the numbers became %v", want, row[1:])
		}
	}
}
