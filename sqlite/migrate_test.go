package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/aftersale/aftersale/sqlite"
)

// oldMigrations are SQLite's migrations as they were numbered before the
// two databases shared one numbering (1 to 12, no inbox or dead_events),
// copied unchanged from the tree of that time.
func oldMigrations() fs.FS { return os.DirFS(filepath.Join("testdata", "old_migrations")) }

// gooseUpTo migrates a new file at path with goose alone, as an install of
// the migrations in fsys would have, up to version n, then runs the
// statements on it.
func gooseUpTo(t *testing.T, path string, fsys fs.FS, n int64, stmts ...string) {
	t.Helper()
	ctx := t.Context()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	p, err := goose.NewProvider(goose.DialectSQLite3, raw, fsys,
		goose.WithTableName(sqlite.MigrationTable), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, n); err != nil {
		t.Fatal(err)
	}
	for _, st := range stmts {
		if _, err := raw.ExecContext(ctx, st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
}

// appliedVersions returns the version table's applied versions, in the
// order of its rows.
func appliedVersions(t *testing.T, db *sql.DB) []int64 {
	t.Helper()
	rows, err := db.QueryContext(t.Context(),
		`SELECT version_id FROM `+sqlite.MigrationTable+` WHERE is_applied ORDER BY version_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var vs []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return vs
}

// schema returns the file's tables, indexes and triggers as SQLite keeps
// them (their CREATE statements, as changed by ALTER TABLE).
func schema(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(),
		`SELECT type, name, coalesce(sql, '') FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var typ, name, text string
		if err := rows.Scan(&typ, &name, &text); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %s: %s\n", typ, name, text)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// userVersion returns the file's PRAGMA user_version.
func userVersion(t *testing.T, db *sql.DB) int64 {
	t.Helper()
	var v int64
	if err := db.QueryRowContext(t.Context(), `PRAGMA user_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// upToDate returns the versions and schema of a new file opened with Open.
func upToDate(t *testing.T) ([]int64, string) {
	t.Helper()
	db := open(t, filepath.Join(t.TempDir(), "aftersale.db"))
	vs := appliedVersions(t, db.SQL())
	if len(vs) != migrationFiles(t)+1 || vs[0] != 0 || vs[len(vs)-1] != int64(migrationFiles(t)) {
		t.Fatalf("a new file has the versions %v; want 0 to %d", vs, migrationFiles(t))
	}
	if got := userVersion(t, db.SQL()); got != 1 {
		t.Errorf("a new file's user_version = %d, want 1 (the shared numbering)", got)
	}
	return vs, schema(t, db.SQL())
}

// TestMigrateRenumbersOldFiles: a file migrated under SQLite's old
// numbering, at each of its versions 1 to 12, and holding data, is opened:
// its version table gets the shared numbering (the versions 0 to 14, the
// empty 2 and 13 included, each once), goose then applies the rest, the
// schema is that of a new file, and the data are there. Opening it again
// changes nothing.
func TestMigrateRenumbersOldFiles(t *testing.T) {
	wantVersions, wantSchema := upToDate(t)
	for n := int64(1); n <= 12; n++ {
		t.Run(fmt.Sprintf("old_version_%d", n), func(t *testing.T) {
			ctx := t.Context()
			path := filepath.Join(t.TempDir(), "aftersale.db")
			stmts := []string{`INSERT INTO customers (id, email, email_key, name, created_at, updated_at)
				VALUES (7, 'Ann@example.com', 'ann@example.com', 'Ann', 1, 2)`}
			if n >= 2 {
				stmts = append(stmts, `INSERT INTO members (id, email, email_key, name, role, created_at)
					VALUES (3, 'bo@example.com', 'bo@example.com', 'Bo', 'owner', 1)`)
			}
			gooseUpTo(t, path, oldMigrations(), n, stmts...)

			db := open(t, path)
			if got := appliedVersions(t, db.SQL()); !slices.Equal(got, wantVersions) {
				t.Errorf("versions after opening %v, want %v", got, wantVersions)
			}
			if got := schema(t, db.SQL()); got != wantSchema {
				t.Errorf("schema after opening:\n%s\nwant that of a new file:\n%s", got, wantSchema)
			}
			if got := userVersion(t, db.SQL()); got != 1 {
				t.Errorf("user_version = %d, want 1", got)
			}
			c, err := db.CustomerGet(ctx, 7)
			if err != nil {
				t.Fatal(err)
			}
			if c.Email != "Ann@example.com" || c.Name != "Ann" {
				t.Errorf("customer after opening: %+v", c)
			}
			if n >= 2 {
				m, err := db.MemberGet(ctx, 3)
				if err != nil {
					t.Fatal(err)
				}
				if m.Name != "Bo" || m.Email != "bo@example.com" {
					t.Errorf("member after opening: %+v", m)
				}
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if got := appliedVersions(t, db.SQL()); !slices.Equal(got, wantVersions) {
				t.Errorf("versions after migrating again %v, want %v", got, wantVersions)
			}
		})
	}
}

// TestMigrateKeepsSharedNumbering: a file migrated under the shared
// numbering by goose alone (so not marked), at each version 1 to 14, is
// not taken for an old one: opening it applies the rest, and its versions
// and schema are those of a new file.
func TestMigrateKeepsSharedNumbering(t *testing.T) {
	wantVersions, wantSchema := upToDate(t)
	for n := int64(1); n <= int64(migrationFiles(t)); n++ {
		t.Run(fmt.Sprintf("version_%d", n), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "aftersale.db")
			gooseUpTo(t, path, os.DirFS("migrations"), n)
			db := open(t, path)
			if got := appliedVersions(t, db.SQL()); !slices.Equal(got, wantVersions) {
				t.Errorf("versions after opening %v, want %v", got, wantVersions)
			}
			if got := schema(t, db.SQL()); got != wantSchema {
				t.Errorf("schema after opening:\n%s\nwant that of a new file:\n%s", got, wantSchema)
			}
		})
	}
}

// TestMigrateRefusesUnknownVersions: a version table that is not 0 to n,
// or whose schema has not what version n created under either numbering,
// is refused, and left as it was.
func TestMigrateRefusesUnknownVersions(t *testing.T) {
	for name, stmts := range map[string][]string{
		// Version 5 is opened_at (old) or success_plans (shared): neither.
		"schema": {`ALTER TABLE messages DROP COLUMN opened_at`, `DROP TABLE check_ins`, `DROP TABLE success_plans`},
		"gap":    {`DELETE FROM ` + sqlite.MigrationTable + ` WHERE version_id = 3`},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "aftersale.db")
			gooseUpTo(t, path, oldMigrations(), 5, stmts...)
			raw, err := sql.Open("sqlite", "file:"+path)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			before := appliedVersions(t, raw)

			db, err := sqlite.Open(ctx, path)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), "renumber") {
				t.Errorf("Open: %v, want an error of renumbering", err)
			}
			if got := appliedVersions(t, raw); !slices.Equal(got, before) {
				t.Errorf("versions after the refusal %v, want them unchanged %v", got, before)
			}
			if got := userVersion(t, raw); got != 0 {
				t.Errorf("user_version after the refusal = %d, want 0", got)
			}
		})
	}
}
