package postgres_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/postgres"
)

// TestAudienceIndexBool checks that the audience terms spelled with
// Dialect.Bool ("marketing_consent = true") still let the planner use the
// partial index customers_audience_idx (WHERE marketing_consent AND NOT
// unsubscribed …), as BroadcastAudience needs: PostgreSQL must simplify
// them into the index's terms. Sequential scans are off, so that the plan
// shows the index whenever the index is usable.
func TestAudienceIndexBool(t *testing.T) {
	ctx := t.Context()
	url := newSchema(t)
	db := open(t, url)
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range 50 {
		consent := i%2 == 0
		_, err := db.CustomerUpsert(ctx, &aftersale.Contact{Email: fmt.Sprintf("c%d@example.com", i), MarketingConsent: &consent}, at)
		if err != nil {
			t.Fatal(err)
		}
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	d := postgres.NewDialect()
	var plan []string
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `ANALYZE customers`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, d.Rebind(`EXPLAIN
			SELECT c.id FROM customers c
			WHERE c.marketing_consent = `+d.Bool(true)+` AND c.unsubscribed = `+d.Bool(false)+`
				AND c.suppressed = '' AND c.id > ?
			ORDER BY c.id LIMIT ?`), int64(0), 10)
		if err != nil {
			return err
		}
		plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(plan, func(line string) bool { return strings.Contains(line, "customers_audience_idx") }) {
		t.Errorf("the audience query does not use customers_audience_idx; plan:\n%s", strings.Join(plan, "\n"))
	}
}

// TestOneOfStatement checks that Dialect.OneOf binds any number of values
// as one array argument, as BroadcastAudience needs.
func TestOneOfStatement(t *testing.T) {
	d := postgres.NewDialect()
	one, _ := d.OneOf("i.sku", []string{"C-1"})
	three, arg := d.OneOf("i.sku", []string{"C-1", "C-2", "B-1"})
	if one != three || strings.Count(three, "?") != 1 {
		t.Errorf("OneOf of one value is %q, of three %q; want the same, with one placeholder", one, three)
	}
	if got, ok := arg.([]string); !ok || !slices.Equal(got, []string{"C-1", "C-2", "B-1"}) {
		t.Errorf("OneOf argument %#v, want the []string", arg)
	}
}
