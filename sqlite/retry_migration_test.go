package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/aftersale/aftersale/sqlite"
)

// TestMigrateLinksRetries: a database of schema version 12 (the one before
// tasks.retry_of) holds a call completed with no answer and the "Call
// again" task made at that instant, plus a hand-made task with the same
// kind of title made at another instant. Migrating links the retry to the
// call (Task.RetryOf) and leaves the other task without a link.
func TestMigrateLinksRetries(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "aftersale.db")
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, raw, os.DirFS("migrations"),
		goose.WithTableName(sqlite.MigrationTable), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 12); err != nil {
		t.Fatal(err)
	}
	done := time.Date(2025, 3, 4, 10, 15, 0, 0, time.UTC).UnixMicro()
	for _, st := range []struct {
		q    string
		args []any
	}{
		{`INSERT INTO customers (id, email, email_key, created_at, updated_at) VALUES (1, 'ann@example.com', 'ann@example.com', 0, 0)`, nil},
		{`INSERT INTO tasks (id, customer_id, kind, title, status, outcome, due_at, created_at, done_at)
			VALUES (1, 1, 'call', 'Call Ann', 'done', 'no_answer', 0, 0, ?)`, []any{done}},
		{`INSERT INTO tasks (id, customer_id, kind, title, status, due_at, created_at)
			VALUES (2, 1, 'call', 'Call again: Call Ann', 'open', ?, ?)`, []any{done, done}},
		{`INSERT INTO tasks (id, customer_id, kind, title, status, due_at, created_at)
			VALUES (3, 1, 'call', 'Call again: about the invoice', 'open', ?, ?)`, []any{done, done + 1}},
	} {
		if _, err := raw.ExecContext(ctx, st.q, st.args...); err != nil {
			t.Fatalf("%s: %v", st.q, err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for id, want := range map[int64]int64{1: 0, 2: 1, 3: 0} {
		tk, err := db.TaskGet(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if tk.RetryOf != want {
			t.Errorf("task %d (%q) after migrating: RetryOf %d, want %d", id, tk.Title, tk.RetryOf, want)
		}
	}
}
