package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/sqlite"
	"github.com/aftersale/aftersale/storetest"
)

// open opens a new database in a temporary directory, closed at the end of t.
func open(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) aftersale.Store {
		return open(t, filepath.Join(t.TempDir(), "aftersale.db"))
	})
}

func TestOpenSettings(t *testing.T) {
	// The directory is created.
	path := filepath.Join(t.TempDir(), "data", "nested", "aftersale.db")
	db := open(t, path)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
	if db.Dialect() != "sqlite" {
		t.Errorf("Dialect() = %q", db.Dialect())
	}

	// Every connection of the pool has the settings, not just the first,
	// also after lazy updates (synchronous=NORMAL for their commit): hold
	// several at once.
	ctx := t.Context()
	var lazy sync.WaitGroup
	for range 8 {
		lazy.Go(func() {
			if err := db.UpdateLazy(ctx, func(context.Context, aftersale.Tx) error { return nil }); err != nil {
				t.Error(err)
			}
		})
	}
	lazy.Wait()
	var conns []*sql.Conn
	for range 3 {
		c, err := db.SQL().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		for pragma, want := range map[string]string{
			"journal_mode": "wal",
			"synchronous":  "2", // FULL
			"foreign_keys": "1",
			"busy_timeout": "10000",
		} {
			var got string
			if err := c.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if strings.ToLower(got) != want {
				t.Errorf("connection %d: PRAGMA %s = %q, want %q", i, pragma, got, want)
			}
		}
		c.Close()
	}
}

func TestOpenBadPath(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:x.db"} {
		if db, err := sqlite.Open(t.Context(), path); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", path)
		}
	}
	// A path under a file cannot be created.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if db, err := sqlite.Open(t.Context(), filepath.Join(file, "aftersale.db")); err == nil {
		db.Close()
		t.Error("Open under a regular file succeeded")
	}
}

func TestOpenSpecialCharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a dir?x=1#frag%20", "after sale.db")
	db := open(t, path)
	if _, err := db.EventInsert(t.Context(), &aftersale.StoredEvent{ID: "e", Type: aftersale.EventOrderPlaced,
		Payload: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file not at the given path: %v", err)
	}
}

func TestReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "aftersale.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var cust *aftersale.Customer
	err = db.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		if _, err := tx.EventInsert(ctx, &aftersale.StoredEvent{ID: "evt_1", Type: aftersale.EventOrderPlaced,
			OccurredAt: time.Unix(1700000000, 0), ReceivedAt: time.Unix(1700000001, 0),
			CustomerEmail: "ann@example.com", Payload: []byte(`{"id":"evt_1"}`)}); err != nil {
			return err
		}
		var err error
		cust, err = tx.CustomerUpsert(ctx, &aftersale.Contact{Email: "ann@example.com", Name: "Ann"}, time.Unix(1700000000, 0))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	key, err := db.SecretGet(ctx, "k", func() []byte { return []byte("secret") })
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopening runs the migrations again, as a no-op.
	db = open(t, path)
	ev, err := db.EventGet(ctx, "evt_1")
	if err != nil {
		t.Fatal(err)
	}
	if string(ev.Payload) != `{"id":"evt_1"}` || !ev.OccurredAt.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("event after reopen: %+v", ev)
	}
	got, err := db.CustomerGet(ctx, cust.ID)
	if err != nil {
		t.Fatal(err)
	}
	if *got != *cust {
		t.Errorf("customer after reopen: %+v, want %+v", got, cust)
	}
	key2, err := db.SecretGet(ctx, "k", func() []byte { return []byte("other") })
	if err != nil {
		t.Fatal(err)
	}
	if string(key2) != string(key) {
		t.Errorf("secret after reopen = %q, want %q", key2, key)
	}

	var versions, applied int
	err = db.SQL().QueryRowContext(ctx,
		"SELECT count(*), coalesce(sum(is_applied), 0) FROM "+sqlite.MigrationTable+" WHERE version_id > 0").
		Scan(&versions, &applied)
	if err != nil {
		t.Fatal(err)
	}
	if want := migrationFiles(t); versions != want || applied != want {
		t.Errorf("migration table has %d version rows, %d applied; want each migration recorded once", versions, applied)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Errorf("Migrate on an up-to-date database: %v", err)
	}
}

func TestUpdateDriver(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "aftersale.db"))
	ctx := t.Context()
	// A job engine inserts its rows through the *sql.Tx; they commit or roll
	// back with ours.
	if _, err := db.SQL().ExecContext(ctx, "CREATE TABLE jobs (name TEXT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	for _, fail := range []bool{false, true} {
		err := db.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
			sqlTx, err := sqlite.DriverTx(tx)
			if err != nil || sqlTx == nil {
				t.Fatalf("DriverTx = %v, %v; want the *sql.Tx", sqlTx, err)
			}
			if _, err := sqlTx.ExecContext(ctx, "INSERT INTO jobs (name) VALUES (?)", "follow-up"); err != nil {
				return err
			}
			if fail {
				return boom
			}
			return nil
		})
		if fail != errors.Is(err, boom) {
			t.Fatalf("fail=%v: Update returned %v", fail, err)
		}
	}
	var n int
	if err := db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM jobs").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d jobs stored, want the 1 committed", n)
	}
}

// wrappedTx is a transaction that is not this package's own, as a store
// decorator's is.
type wrappedTx struct{ aftersale.Tx }

func TestDriverTxForeign(t *testing.T) {
	// A transaction that is not a SQLite store's has no *sql.Tx to give:
	// an error, not a panic or a nil transaction.
	db := open(t, filepath.Join(t.TempDir(), "aftersale.db"))
	err := db.Update(t.Context(), func(ctx context.Context, tx aftersale.Tx) error {
		if got, err := sqlite.DriverTx(wrappedTx{tx}); err == nil || got != nil {
			t.Errorf("DriverTx(wrapped) = %v, %v; want an error", got, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentWriters(t *testing.T) {
	// Writers on several connections queue on the write lock instead of
	// failing with SQLITE_BUSY, even when they read before they write.
	db := open(t, filepath.Join(t.TempDir(), "aftersale.db"))
	ctx := t.Context()
	c, err := db.CustomerUpsert(ctx, &aftersale.Contact{Email: "ann@example.com"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 10
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				errs[w] = db.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
					if _, err := tx.OrderListByCustomer(ctx, c.ID); err != nil {
						return err
					}
					_, err := tx.OrderUpsert(ctx, &aftersale.Order{
						ExternalID: fmt.Sprintf("%d-%d", w, i), CustomerID: c.ID, PlacedAt: time.Now(),
					})
					return err
				})
				if errs[w] != nil {
					return
				}
			}
		})
	}
	// Plain reads and single-statement writes run alongside.
	wg.Go(func() {
		for i := range each {
			if _, err := db.OrderListByCustomer(ctx, c.ID); err != nil {
				t.Error(err)
				return
			}
			if _, err := db.CustomerUpsert(ctx, &aftersale.Contact{Email: "ann@example.com", Name: fmt.Sprint(i)}, time.Now()); err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", w, err)
		}
	}
	list, err := db.OrderListByCustomer(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != writers*each {
		t.Errorf("%d orders stored, want %d", len(list), writers*each)
	}
}

// migrationFiles counts the package's migration files.
func migrationFiles(t *testing.T) int {
	t.Helper()
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migration files found (%v)", err)
	}
	return len(files)
}
