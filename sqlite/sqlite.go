// Package sqlite is the embedded SQLite implementation of aftersale.Store,
// built on modernc.org/sqlite (pure Go, no cgo) and database/sql.
//
// The database runs in WAL mode with synchronous=FULL, so an acknowledged
// write survives a crash or power loss, and write transactions take the
// write lock at BEGIN (_txlock=immediate), so that two writers never
// deadlock upgrading a read lock. The job engine shares the pool returned
// by (*DB).SQL and the file.
//
// Times are stored as INTEGER microseconds since the Unix epoch and returned
// in UTC. Where the domain says a time is zero until something happens
// (ClosedAt, FinishedAt, SentAt, ...) the zero time is stored as NULL.
//
// Open does not guard against two processes migrating a new file at the same
// moment (goose has no SQLite lock); start one process first.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/sqlstore"
)

// MigrationTable is the table in which goose records the applied versions of
// the aftersale schema. It has its own name so that it does not clash with
// the job engine's migrations in the same file.
const MigrationTable = "aftersale_migrations"

// DefaultLimit is the number of rows StepListDue, TaskList and
// MessageListRecent return when their limit is 0 (the 500 of
// aftersale.TaskFilter).
const DefaultLimit = 500

// maxConns is the size of the connection pool. WAL lets readers run next to
// the one writer, busy_timeout makes a writer wait (up to 10s) for the lock
// instead of failing, and _txlock=immediate makes every write transaction
// take that lock at BEGIN, so no transaction can deadlock by upgrading a
// read lock. A few connections therefore let the web server's reads proceed
// while a job or an event writes. More would only add writers queueing on
// the same lock (SQLite has one writer however many connections), and a
// queued writer polls with SQLite's busy backoff (sleeps of up to 100ms),
// which is not first come, first served: the fewer waiting writers, the
// shorter the tail latency. One connection (riversqlite's advice) would
// queue fairly in database/sql but make every read wait behind writes.
const maxConns = 4

//go:embed migrations/*.sql
var migrations embed.FS

// DB is an open aftersale database. It implements aftersale.Store; its
// Queries each run in their own statement or transaction.
type DB struct {
	queries
	*sqlstore.Store // the store-wide methods written once, see package sqlstore
	pool            *sql.DB
	inbox           *sql.DB // the inbox file's pool, see inbox.go
	seen            *sql.DB // read-only on the main file, for InboxAppend
	path            string
	stmts           *stmtCache
}

var _ aftersale.Store = (*DB)(nil)

// Open opens (creating it and its directory if needed) the database file at
// path, and brings its schema up to date.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: open %q: need the path of a database file", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	pool, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	pool.SetMaxOpenConns(maxConns)
	pool.SetMaxIdleConns(maxConns)
	pool.SetConnMaxLifetime(0)
	pool.SetConnMaxIdleTime(0)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	stmts := newStmtCache(pool)
	db := &DB{queries: poolQueries(pool, stmts), pool: pool, path: abs, stmts: stmts}
	if db.inbox, err = openInbox(ctx, InboxPath(abs)); err != nil {
		pool.Close()
		return nil, fmt.Errorf("sqlite: open the inbox %q: %w", InboxPath(abs), err)
	}
	db.queries.inbox = db.inbox
	if err := db.Migrate(ctx); err != nil {
		db.inbox.Close()
		pool.Close()
		return nil, err
	}
	if db.seen, err = openSeen(ctx, abs); err != nil {
		db.inbox.Close()
		pool.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	db.Store = sqlstore.NewStore(db.queries.q.(cachedQuerier), dialect{}, cachedQuerier{base: db.inbox}, cachedQuerier{base: db.seen})
	return db, nil
}

// dsn returns the modernc.org/sqlite data source name for the file: a URI
// with the per-connection settings. The _pragma values are run on every new
// connection of the pool (busy_timeout first, then in name order).
func dsn(abs string) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive letter: file:/C:/...
	}
	// In a URI filename, '%' starts an escape and '?' and '#' end the path.
	p = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
	return "file:" + p +
		"?_pragma=busy_timeout(10000)" +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(FULL)" +
		"&_pragma=foreign_keys(1)" +
		// Statement journals (an INSERT … ON CONFLICT inside a transaction
		// needs one) and temporary b-trees in memory, not in temp files:
		// they were a third of the cost of planning steps.
		"&_pragma=temp_store(MEMORY)" +
		// Deleted content is overwritten with zeros, not only unlinked, so
		// that an erased customer's data does not linger in free pages
		// (see Scrub).
		"&_pragma=secure_delete(1)" +
		"&_txlock=immediate"
}

// Migrate applies the schema migrations that are not applied yet. Open
// calls it; running it again is a no-op. A file migrated under SQLite's
// old numbering of the migrations is renumbered first (see migrate.go).
func (db *DB) Migrate(ctx context.Context) error {
	if err := renumber(ctx, db.pool); err != nil {
		return fmt.Errorf("sqlite: migrate: renumber the versions: %w", err)
	}
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	// No Close: it would close the pool, which belongs to db.
	p, err := goose.NewProvider(goose.DialectSQLite3, db.pool, fsys,
		goose.WithTableName(MigrationTable),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// SQL returns the connection pool, for the job engine, which shares the
// database: jobs inserted through the *sql.Tx of an Update commit with it.
func (db *DB) SQL() *sql.DB { return db.pool }

// Path returns the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// Dialect returns "sqlite".
func (db *DB) Dialect() string { return "sqlite" }

// Close closes the database. Nothing may use it, or the pool returned by
// SQL, afterwards.
func (db *DB) Close() error {
	db.stmts.close()
	ierr, serr := db.inbox.Close(), db.seen.Close()
	if err := errors.Join(db.pool.Close(), ierr, serr); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// Update runs fn in one write transaction, committed when fn returns nil
// and rolled back when it returns an error (which Update returns as it is)
// or panics. The transaction holds the database's write lock from its
// start, so fn should be quick, and must use only tx: a write through the
// DB would wait for the lock (busy_timeout) and then fail.
func (db *DB) Update(ctx context.Context, fn func(ctx context.Context, tx aftersale.Tx) error) error {
	return runTx(ctx, db.pool, db.stmts, false, func(q *queries) error {
		q.inbox = db.inbox
		return fn(ctx, &Tx{queries: *q})
	})
}

// UpdateLazy is Update committed with synchronous=NORMAL: in WAL mode the
// commit is written to the file but not synced, so it survives the
// process's crash, not necessarily a power loss; see aftersale.Store. It
// runs on a connection of its own, set back to synchronous=FULL after
// (or dropped from the pool if that fails).
func (db *DB) UpdateLazy(ctx context.Context, fn func(ctx context.Context, tx aftersale.Tx) error) (err error) {
	conn, err := db.pool.Conn(ctx)
	if err != nil {
		return unavailable(fmt.Errorf("sqlite: lazy update: %w", err))
	}
	defer func() {
		// Back to FULL even if ctx ended: the next user of the
		// connection must get a durable commit.
		_, rerr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous = FULL")
		if rerr != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn }) // drop it
			if err == nil {
				err = fmt.Errorf("sqlite: lazy update: %w", rerr)
			}
		}
		conn.Close()
	}()
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = NORMAL"); err != nil {
		return unavailable(fmt.Errorf("sqlite: lazy update: %w", err))
	}
	return runTx(ctx, conn, db.stmts, false, func(q *queries) error {
		q.inbox = db.inbox
		return fn(ctx, &Tx{queries: *q})
	})
}

// Tx is the transaction given to the function run by (*DB).Update. It
// implements aftersale.Tx.
type Tx struct {
	queries
}

var _ aftersale.Tx = (*Tx)(nil)

// DriverTx returns the *sql.Tx underneath tx, a transaction of
// (*DB).Update, for inserting jobs (River's riversqlite) in the same
// transaction; an error when tx is not this package's.
func DriverTx(tx aftersale.Tx) (*sql.Tx, error) {
	t, ok := tx.(*Tx)
	if !ok {
		return nil, fmt.Errorf("sqlite: transaction %T is not a SQLite store's", tx)
	}
	cq, ok := t.q.(cachedQuerier)
	if !ok || cq.tx == nil {
		return nil, fmt.Errorf("sqlite: transaction has no *sql.Tx")
	}
	return cq.tx, nil
}

// EventLockProcessing always holds: SQLite runs one write transaction at a
// time, and Update's transactions write from their start.
func (tx *Tx) EventLockProcessing(context.Context) (bool, error) { return true, nil }

// querier is what the queries need from *sql.DB and *sql.Tx alike.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries implements aftersale.Queries once for the pool and for a
// transaction. Methods that need more than one statement run them through
// atomic, which opens a transaction on the pool, or just goes on in the one
// that q already is. The methods written once for both databases are
// promoted from the embedded *sqlstore.Queries, which runs on the same
// executor (q) in SQLite's dialect (dialect.go).
type queries struct {
	*sqlstore.Queries
	q     querier
	pool  *sql.DB // set when q is the pool, nil inside a transaction
	stmts *stmtCache
	inbox *sql.DB // the inbox file's pool, for CustomerErase; nil inside atomic
}

// poolQueries returns the queries run on the pool, through the statement
// cache.
func poolQueries(pool *sql.DB, stmts *stmtCache) queries {
	cq := cachedQuerier{cache: stmts, base: pool}
	begin := func(ctx context.Context, readOnly bool, fn func(q *sqlstore.Queries) error) error {
		return runTx(ctx, pool, stmts, readOnly, func(q *queries) error { return fn(q.Queries) })
	}
	return queries{Queries: sqlstore.New(cq, dialect{}, begin), q: cq, pool: pool, stmts: stmts}
}

// txQueries returns the queries run in tx, through the statement cache.
func txQueries(tx *sql.Tx, stmts *stmtCache) *queries {
	cq := cachedQuerier{cache: stmts, base: tx, tx: tx}
	return &queries{Queries: sqlstore.New(cq, dialect{}, nil), q: cq, stmts: stmts}
}

// atomic runs fn in a transaction: a new one when q is the pool (a deferred
// read transaction when readOnly, so that reads see one snapshot without
// taking the write lock), or the current one.
func (q *queries) atomic(ctx context.Context, readOnly bool, fn func(q *queries) error) error {
	if q.pool == nil {
		return fn(q)
	}
	return runTx(ctx, q.pool, q.stmts, readOnly, fn)
}

// runTx runs fn in a new transaction on pool.
func runTx(ctx context.Context, pool txBeginner, stmts *stmtCache, readOnly bool, fn func(q *queries) error) (err error) {
	tx, err := pool.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		return unavailable(fmt.Errorf("sqlite: begin: %w", err))
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
		}
	}()
	if err := fn(txQueries(tx, stmts)); err != nil {
		return unavailable(err) // a full disk is EUNAVAILABLE, however fn returned it
	}
	if err := tx.Commit(); err != nil {
		return unavailable(fmt.Errorf("sqlite: commit: %w", err))
	}
	return nil
}

// txBeginner is the pool, or one connection of it (UpdateLazy).
type txBeginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// wrap turns a driver error into an internal error naming the operation;
// domain errors pass as they are.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *aftersale.Error
	if errors.As(err, &e) {
		return err
	}
	return unavailable(fmt.Errorf("sqlite: %s: %w", op, err))
}

// notFound is the ENOTFOUND error for a missing row.
func notFound(what string, key any) error {
	return aftersale.Errorf(aftersale.ENOTFOUND, "%s %v not found", what, key)
}

// micro encodes a time for a NOT NULL column.
func micro(t time.Time) int64 { return t.UnixMicro() }

// nullMicro encodes a time for a nullable column: the zero time is NULL.
func nullMicro(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// timeScanner scans an INTEGER of microseconds, or NULL, into a UTC time.
type timeScanner struct{ t *time.Time }

// ts returns a scanner for a time column.
func ts(t *time.Time) timeScanner { return timeScanner{t} }

// Scan implements sql.Scanner.
func (s timeScanner) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*s.t = time.Time{}
	case int64:
		*s.t = time.UnixMicro(v).UTC() // the zero time comes back as the zero time
	default:
		return fmt.Errorf("time column holds %T, not an integer", v)
	}
	return nil
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// listRows runs a query and scans every row with scan.
func listRows[T any](ctx context.Context, q querier, scan func(scanner) (*T, error), query string, args ...any) ([]*T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, nil
}

// exists reports whether the table has a row with the id.
func (q *queries) exists(ctx context.Context, table string, id int64) (bool, error) {
	var n int
	err := q.q.QueryRowContext(ctx, "SELECT count(*) FROM "+table+" WHERE id = ?", id).Scan(&n)
	return n > 0, err
}
