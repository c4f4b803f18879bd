package sqlite_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/aftersale/aftersale/sqlite"
)

// TestAudienceIndexBool checks that the audience terms spelled with
// Dialect.Bool are those of the partial index customers_audience_idx, so
// that BroadcastAudience walks it: SQLite matches a partial index's WHERE
// term for term, and "marketing_consent = true" is not "= 1" to it.
func TestAudienceIndexBool(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "aftersale.db"))
	d := sqlite.NewDialect()
	rows, err := db.SQL().QueryContext(t.Context(), `EXPLAIN QUERY PLAN
		SELECT c.id FROM customers c
		WHERE c.marketing_consent = `+d.Bool(true)+` AND c.unsubscribed = `+d.Bool(false)+`
			AND c.suppressed = '' AND c.id > ?
		ORDER BY c.id LIMIT ?`, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(plan, "\n"), "customers_audience_idx") {
		t.Errorf("the audience query does not use customers_audience_idx; plan:\n%s", strings.Join(plan, "\n"))
	}
}

// TestOneOfStatement checks that Dialect.OneOf binds any number of values
// as one argument, so that BroadcastAudience's statement, and its entry in
// the statement cache, is the same whatever the number of SKUs.
func TestOneOfStatement(t *testing.T) {
	d := sqlite.NewDialect()
	one, arg1 := d.OneOf("i.sku", []string{"C-1"})
	three, arg3 := d.OneOf("i.sku", []string{"C-1", "C-2", `B"1`})
	if one != three {
		t.Errorf("OneOf of one value is %q, of three %q", one, three)
	}
	if strings.Count(three, "?") != 1 {
		t.Errorf("OneOf = %q, want one placeholder", three)
	}
	if arg1 != `["C-1"]` || arg3 != `["C-1","C-2","B\"1"]` {
		t.Errorf("OneOf arguments %#v and %#v, want JSON arrays", arg1, arg3)
	}
}
