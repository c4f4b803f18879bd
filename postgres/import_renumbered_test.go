package postgres_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/sqlite"
)

// TestImportSQLiteOfOldNumbering: an SQLite file of an install that
// migrated under SQLite's old numbering of the migrations (up to 12, kept in
// sqlite/testdata/old_migrations) is renumbered when sqlite.Open opens it,
// as migrate-to-postgres does, and then imports; read raw, without Open, it
// is refused for its version.
func TestImportSQLiteOfOldNumbering(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "aftersale.db")
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	p, err := goose.NewProvider(goose.DialectSQLite3, raw,
		os.DirFS(filepath.Join("..", "sqlite", "testdata", "old_migrations")),
		goose.WithTableName(sqlite.MigrationTable), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, `INSERT INTO customers (id, email, email_key, name, created_at, updated_at)
		VALUES (7, 'ann@example.com', 'ann@example.com', 'Ann', 1, 2)`); err != nil {
		t.Fatal(err)
	}

	dst := open(t, newSchema(t))
	if err := dst.ImportSQLite(ctx, raw, nil); aftersale.ErrorCode(err) != aftersale.EINVALID {
		t.Errorf("import of the file before it was renumbered: %v, want EINVALID", err)
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	src, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := dst.ImportSQLite(ctx, src.SQL(), nil); err != nil {
		t.Fatal(err)
	}
	c, err := dst.CustomerGet(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if c.Email != "ann@example.com" || c.Name != "Ann" {
		t.Errorf("imported customer %+v", c)
	}
}
