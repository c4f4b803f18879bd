package postgres_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/postgres"
	"github.com/aftersale/aftersale/storetest"
)

// testDatabaseURL is the PostgreSQL server the tests use; CI runs one there.
func testDatabaseURL() string {
	if u := os.Getenv("AFTERSALE_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test"
}

// redacted is the test URL without its password, for messages.
func redacted() string {
	u, err := url.Parse(testDatabaseURL())
	if err != nil || u.Scheme == "" {
		return "AFTERSALE_TEST_DATABASE_URL"
	}
	return u.Redacted()
}

// admin connects to the test server. An unreachable server fails the test:
// PostgreSQL is part of CI, and a skipped suite would pass silently.
func admin(t *testing.T) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, testDatabaseURL())
	if err != nil {
		t.Fatalf("PostgreSQL at %s is not reachable (start it, or set AFTERSALE_TEST_DATABASE_URL): %v", redacted(), err)
	}
	return conn
}

// newSchema creates an empty schema with a random name, dropped with
// everything in it at the end of t, and returns a URL whose connections use
// it (search_path) with at most four connections per pool.
func newSchema(t *testing.T) string {
	t.Helper()
	conn := admin(t)
	defer conn.Close(context.Background())
	name := "aftersale_test_" + strings.ToLower(rand.Text()[:12])
	if _, err := conn.Exec(t.Context(), "CREATE SCHEMA "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn := admin(t)
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+name+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	return withParams(t, testDatabaseURL(), map[string]string{"search_path": name, "pool_max_conns": "4"})
}

// withParams adds parameters to a postgres:// URL or a keyword/value
// connection string.
func withParams(t *testing.T, base string, params map[string]string) string {
	t.Helper()
	if !strings.HasPrefix(base, "postgres://") && !strings.HasPrefix(base, "postgresql://") {
		for k, v := range params {
			base += " " + k + "=" + v
		}
		return base
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("AFTERSALE_TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	for k, v := range params {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// open opens the store at url, closed at the end of t.
func open(t *testing.T, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(t.Context(), url)
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
	// At most this many stores are open at once, so that the suite stays
	// well below the server's connection limit on machines with many CPUs.
	slots := make(chan struct{}, 12)
	storetest.Run(t, func(t *testing.T) aftersale.Store {
		slots <- struct{}{}
		t.Cleanup(func() { <-slots })
		return open(t, newSchema(t))
	})
}

func TestOpen(t *testing.T) {
	ctx := t.Context()
	u := newSchema(t)
	db := open(t, u)
	if db.Dialect() != "postgres" {
		t.Errorf("Dialect() = %q", db.Dialect())
	}
	// The tables are in the schema of the search_path, not in public.
	var schema string
	var tables int
	err := db.Pool().QueryRow(ctx, `
		SELECT current_schema(), count(*) FROM pg_tables
		WHERE schemaname = current_schema() AND tablename IN ('customers', 'steps', 'aftersale_migrations')`).
		Scan(&schema, &tables)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(schema, "aftersale_test_") || tables != 3 {
		t.Errorf("current schema %q holds %d of the 3 tables looked for", schema, tables)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := t.Context()
	// A search_path naming no existing schema has nowhere to put the tables.
	missing := withParams(t, testDatabaseURL(), map[string]string{"search_path": "aftersale_no_such_schema"})
	if db, err := postgres.Open(ctx, missing); err == nil {
		db.Close()
		t.Error("Open with a search_path of a missing schema succeeded")
	} else if !strings.Contains(err.Error(), "schema") {
		t.Errorf("Open with a missing schema: %v", err)
	}
	// A malformed URL does not show its password.
	if db, err := postgres.Open(ctx, "postgres://user:s3cret@host:notaport/db"); err == nil {
		db.Close()
		t.Error("Open of a malformed URL succeeded")
	} else if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("the error shows the password: %v", err)
	}
}

func TestReopen(t *testing.T) {
	ctx := t.Context()
	u := newSchema(t)
	db, err := postgres.Open(ctx, u)
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
	db = open(t, u)
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
	checkMigrated(t, db)
	if err := db.Migrate(ctx); err != nil {
		t.Errorf("Migrate on an up-to-date database: %v", err)
	}
	checkMigrated(t, db)
}

// checkMigrated fails the test unless each migration is recorded once.
func checkMigrated(t *testing.T, db *postgres.DB) {
	t.Helper()
	var versions, applied int
	err := db.Pool().QueryRow(t.Context(),
		"SELECT count(*), count(*) FILTER (WHERE is_applied) FROM "+postgres.MigrationTable+" WHERE version_id > 0").
		Scan(&versions, &applied)
	if err != nil {
		t.Fatal(err)
	}
	if want := migrationFiles(t); versions != want || applied != want {
		t.Errorf("migration table has %d version rows, %d applied; want each migration recorded once", versions, applied)
	}
}

func TestConcurrentMigrate(t *testing.T) {
	// Nodes starting at once on a new schema take turns migrating it.
	u := newSchema(t)
	const nodes = 3
	dbs := make([]*postgres.DB, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range nodes {
		wg.Go(func() {
			<-start
			dbs[i], errs[i] = postgres.Open(t.Context(), u)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
			continue
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	if t.Failed() {
		return
	}
	checkMigrated(t, dbs[0])
	// Every node works on the same tables.
	c, err := dbs[1].CustomerUpsert(t.Context(), &aftersale.Contact{Email: "ann@example.com"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dbs[2].CustomerGet(t.Context(), c.ID); err != nil {
		t.Fatal(err)
	}
}

func TestMigrateWaitsForLock(t *testing.T) {
	// While another session holds the schema's migration lock (another
	// node migrating), Open waits, and migrates once the lock is free.
	ctx := t.Context()
	u := newSchema(t)
	conn := admin(t)
	defer conn.Close(context.Background())
	schema := schemaOf(t, u)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, postgres.MigrationLockID(schema)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		db, err := postgres.Open(ctx, u)
		if err == nil {
			t.Cleanup(func() { db.Close() })
		}
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Open returned while another session held the migration lock: %v", err)
	case <-time.After(1500 * time.Millisecond):
	}
	var tables int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = 'customers'`,
		schema).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Fatal("the schema was migrated while another session held the lock")
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, postgres.MigrationLockID(schema)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Open did not finish after the lock was released")
	}
}

// schemaOf returns the search_path of a URL made by newSchema.
func schemaOf(t *testing.T, u string) string {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil || parsed.Query().Get("search_path") == "" {
		for _, kv := range strings.Fields(u) {
			if v, ok := strings.CutPrefix(kv, "search_path="); ok {
				return v
			}
		}
		t.Fatalf("no search_path in the test URL")
	}
	return parsed.Query().Get("search_path")
}

// wrappedTx is a transaction that is not this package's own, as a store
// decorator's is.
type wrappedTx struct{ aftersale.Tx }

func TestDriverTxForeign(t *testing.T) {
	// A transaction that is not a PostgreSQL store's has no pgx.Tx to give:
	// an error, not a panic or a nil transaction.
	db := open(t, newSchema(t))
	err := db.Update(t.Context(), func(ctx context.Context, tx aftersale.Tx) error {
		if got, err := postgres.DriverTx(wrappedTx{tx}); err == nil || got != nil {
			t.Errorf("DriverTx(wrapped) = %v, %v; want an error", got, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestUpdateDriver(t *testing.T) {
	db := open(t, newSchema(t))
	ctx := t.Context()
	// A job engine inserts its rows through the pgx.Tx; they commit or roll
	// back with ours.
	if _, err := db.Pool().Exec(ctx, "CREATE TABLE jobs (name text NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	for _, fail := range []bool{false, true} {
		email := fmt.Sprintf("fail-%v@example.com", fail)
		err := db.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
			pgTx, err := postgres.DriverTx(tx)
			if err != nil || pgTx == nil {
				t.Fatalf("DriverTx = %v, %v; want the pgx.Tx", pgTx, err)
			}
			if _, err := tx.CustomerUpsert(ctx, &aftersale.Contact{Email: email}, time.Now()); err != nil {
				return err
			}
			if _, err := pgTx.Exec(ctx, "INSERT INTO jobs (name) VALUES ($1)", email); err != nil {
				return err
			}
			// The job is invisible outside the transaction until it commits.
			var n int
			if err := db.Pool().QueryRow(ctx, "SELECT count(*) FROM jobs WHERE name = $1", email).Scan(&n); err != nil {
				return err
			}
			if n != 0 {
				t.Errorf("fail=%v: the job is visible before the commit", fail)
			}
			if fail {
				return boom
			}
			return nil
		})
		if fail != errors.Is(err, boom) {
			t.Fatalf("fail=%v: Update returned %v", fail, err)
		}
		var n int
		if err := db.Pool().QueryRow(ctx, "SELECT count(*) FROM jobs WHERE name = $1", email).Scan(&n); err != nil {
			t.Fatal(err)
		}
		_, err = db.CustomerGetByEmail(ctx, email)
		if fail && (n != 0 || !aftersale.IsNotFound(err)) {
			t.Errorf("rolled back: %d jobs, customer error %v", n, err)
		}
		if !fail && (n != 1 || err != nil) {
			t.Errorf("committed: %d jobs, customer error %v", n, err)
		}
	}
}

func TestUpdateAbortedByDatabaseError(t *testing.T) {
	// A call that fails in the database fails the rest of the transaction,
	// and the error fn returns rolls it back.
	db := open(t, newSchema(t))
	ctx := t.Context()
	err := db.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		if _, err := tx.CustomerUpsert(ctx, &aftersale.Contact{Email: "ann@example.com"}, time.Now()); err != nil {
			return err
		}
		err := tx.OrderSetUser(ctx, 1_000_000, 1) // no such order: ENOTFOUND, no database error
		if !aftersale.IsNotFound(err) {
			t.Errorf("OrderSetUser of a missing order: %v", err)
		}
		if _, err := tx.CustomerGet(ctx, 1_000_000); !aftersale.IsNotFound(err) {
			t.Errorf("CustomerGet of a missing customer: %v", err)
		}
		// A missing customer as buyer violates a foreign key.
		_, err = tx.OrderUpsert(ctx, &aftersale.Order{ExternalID: "x", CustomerID: 1_000_000, PlacedAt: time.Now()})
		if aftersale.ErrorCode(err) != aftersale.EINTERNAL {
			t.Errorf("OrderUpsert of a missing buyer: %v", err)
		}
		return err
	})
	if aftersale.ErrorCode(err) != aftersale.EINTERNAL {
		t.Fatalf("Update: %v", err)
	}
	if _, err := db.CustomerGetByEmail(ctx, "ann@example.com"); !aftersale.IsNotFound(err) {
		t.Fatalf("the customer of the failed transaction is stored (err %v)", err)
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
