// Package postgres is the PostgreSQL implementation of aftersale.Store,
// built on github.com/jackc/pgx/v5 and its pool. The job engine (River,
// through riverpgxv5) shares the pool returned by (*DB).Pool, and inserts
// its jobs in our transactions through the pgx.Tx that Tx.Driver returns.
//
// The tables live in the first schema of the connection's search_path,
// which a URL can set (postgres://host/db?search_path=aftersale); nothing
// names a schema. Several processes may Open the same database at once: the
// schema migrations run under an advisory lock of that schema.
//
// Times are timestamptz (microsecond precision) and returned in UTC. Where
// the domain says a time is zero until something happens (ClosedAt,
// FinishedAt, SentAt, ...) the zero time is stored as NULL. Transactions run
// at PostgreSQL's default isolation, READ COMMITTED; every query is written
// for it (upserts use ON CONFLICT, so concurrent first inserts of the same
// key agree instead of failing).
//
// Inside Update, a call that fails in the database (not a domain error such
// as ENOTFOUND or ECONFLICT, which are decided without failing a statement)
// aborts the transaction: later calls fail too, and fn should return the
// error.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/sqlstore"
)

// MigrationTable is the table in which goose records the applied versions of
// the aftersale schema (the same name as in SQLite). It has its own name so
// that it does not clash with the job engine's migrations.
const MigrationTable = "aftersale_migrations"

// DefaultLimit is the number of rows StepListDue, StepListPending,
// TaskList and MessageListRecent return when their limit is 0 (the 500 of
// aftersale.TaskFilter).
const DefaultLimit = 500

// migrationLockTimeout bounds the wait for another process's migration:
// the lock is tried every second, this many times.
const migrationLockTimeout = 300

//go:embed migrations/*.sql
var migrations embed.FS

// DB is an open aftersale database. It implements aftersale.Store; its
// Queries each run in their own statement or transaction.
type DB struct {
	queries
	*sqlstore.Store // the store-wide methods written once, see package sqlstore
	pool            *pgxpool.Pool
}

var _ aftersale.Store = (*DB)(nil)

// Open connects to the database at url (a postgres:// URL or a keyword/value
// connection string; pgxpool settings such as pool_max_conns and runtime
// parameters such as search_path may be given in it) and brings its schema
// up to date.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The error may quote the URL, password included.
		return nil, errors.New("postgres: open: the database URL is not valid")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	d := newDialect()
	db := &DB{queries: poolQueries(pool, d), Store: sqlstore.NewStore(executor{pool}, d, nil, nil), pool: pool}
	if err := db.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Migrate applies the schema migrations that are not applied yet. Open
// calls it; running it again is a no-op. Processes migrating the same
// schema at once take turns on an advisory lock of the schema, so each
// migration runs once.
func (db *DB) Migrate(ctx context.Context) error {
	var schema *string
	if err := db.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	if schema == nil {
		return errors.New("postgres: migrate: no schema of the search_path exists; create it first")
	}
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(migrationLockID(*schema)),
		lock.WithLockTimeout(1, migrationLockTimeout),
	)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	// The *sql.DB borrows connections from the pool; closing it does not
	// close the pool.
	sqlDB := stdlib.OpenDBFromPool(db.pool)
	defer sqlDB.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, fsys,
		goose.WithTableName(MigrationTable),
		goose.WithDisableGlobalRegistry(true),
		goose.WithSessionLocker(locker),
	)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// migrationLockID is the advisory lock taken while migrating the schema:
// one per schema, so that the installs in the schemas of one database do
// not wait for each other.
func migrationLockID(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte(MigrationTable + "\x00" + schema))
	return int64(h.Sum64())
}

// Pool returns the connection pool, for the job engine, which shares the
// database: jobs inserted through the pgx.Tx of an Update commit with it.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Dialect returns "postgres".
func (db *DB) Dialect() string { return "postgres" }

// Close closes the pool, waiting for the connections in use to be
// returned. Nothing may use the DB, or the pool returned by Pool,
// afterwards.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Update runs fn in one transaction, committed when fn returns nil and
// rolled back when it returns an error (which Update returns as it is) or
// panics. fn must use only tx.
func (db *DB) Update(ctx context.Context, fn func(ctx context.Context, tx aftersale.Tx) error) error {
	return runTx(ctx, db.pool, func(tx pgx.Tx) error {
		return fn(ctx, &Tx{queries: db.txQueries(tx), tx: tx})
	})
}

// UpdateLazy is Update with synchronous_commit off for the transaction:
// the commit returns before its WAL reaches the disk; see
// aftersale.Store.
func (db *DB) UpdateLazy(ctx context.Context, fn func(ctx context.Context, tx aftersale.Tx) error) error {
	return runTx(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return wrap("lazy commit", err)
		}
		return fn(ctx, &Tx{queries: db.txQueries(tx), tx: tx})
	})
}

// Tx is the transaction given to the function run by (*DB).Update. It
// implements aftersale.Tx.
type Tx struct {
	queries
	tx pgx.Tx
}

var _ aftersale.Tx = (*Tx)(nil)

// DriverTx returns the pgx.Tx underneath tx, a transaction of
// (*DB).Update, for inserting jobs (River's riverpgxv5) in the same
// transaction; an error when tx is not this package's.
func DriverTx(tx aftersale.Tx) (pgx.Tx, error) {
	t, ok := tx.(*Tx)
	if !ok {
		return nil, fmt.Errorf("postgres: transaction %T is not a PostgreSQL store's", tx)
	}
	return t.tx, nil
}

// EventLockProcessing takes a transaction-level advisory lock, one per
// schema, without waiting.
func (tx *Tx) EventLockProcessing(ctx context.Context) (bool, error) {
	var ok bool
	err := tx.tx.QueryRow(ctx,
		`SELECT pg_try_advisory_xact_lock(hashtextextended('aftersale events ' || current_schema(), 0))`).Scan(&ok)
	return ok, wrap("event lock processing", err)
}

// querier is what the queries need from *pgxpool.Pool and pgx.Tx alike.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// queries implements aftersale.Queries once for the pool and for a
// transaction. Methods that need more than one statement run them through
// atomic, which opens a transaction on the pool, or just goes on in the one
// that q already is. The methods written once for both databases are
// promoted from the embedded *sqlstore.Queries, which runs on the same
// pool or transaction (through pgx) in PostgreSQL's dialect (dialect.go).
// Build a queries with poolQueries or txQueries, so that it has them.
type queries struct {
	*sqlstore.Queries
	q    querier
	pool *pgxpool.Pool // set when q is the pool, nil inside a transaction
	d    dialect
}

// poolQueries returns the queries run on the pool in dialect d.
func poolQueries(pool *pgxpool.Pool, d dialect) queries {
	begin := func(ctx context.Context, _ bool, fn func(q *sqlstore.Queries) error) error {
		return runTx(ctx, pool, func(tx pgx.Tx) error { return fn(sqlstore.New(executor{tx}, d, nil)) })
	}
	return queries{Queries: sqlstore.New(executor{pool}, d, begin), q: pool, pool: pool, d: d}
}

// txQueries returns the queries run in tx, in the dialect of q.
func (q *queries) txQueries(tx pgx.Tx) queries {
	return queries{Queries: sqlstore.New(executor{tx}, q.d, nil), q: tx, d: q.d}
}

// atomic runs fn in a transaction: a new one when q is the pool, or the
// current one.
func (q *queries) atomic(ctx context.Context, fn func(q *queries) error) error {
	if q.pool == nil {
		return fn(q)
	}
	return runTx(ctx, q.pool, func(tx pgx.Tx) error {
		tq := q.txQueries(tx)
		return fn(&tq)
	})
}

// runTx runs fn in a new transaction on pool, rolled back when fn returns
// an error or panics.
func runTx(ctx context.Context, pool *pgxpool.Pool, fn func(tx pgx.Tx) error) (err error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return unavailable(fmt.Errorf("postgres: begin: %w", err))
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback(ctx)
			panic(p)
		}
		if err != nil {
			tx.Rollback(ctx)
		}
	}()
	if err := fn(tx); err != nil {
		return unavailable(err) // a full disk is EUNAVAILABLE, however fn returned it
	}
	if err := tx.Commit(ctx); err != nil {
		return unavailable(fmt.Errorf("postgres: commit: %w", err))
	}
	return nil
}

// wrap turns a driver error into an internal error naming the operation;
// domain errors pass as they are. A missing row is ENOTFOUND where the
// methods expect one; anywhere else (a row that vanished) it is internal,
// and pgx.ErrNoRows is not kept in the chain, so that no caller takes it
// for a not-found.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *aftersale.Error
	if errors.As(err, &e) {
		return err
	}
	if noRows(err) {
		return fmt.Errorf("postgres: %s: unexpected: %v", op, err)
	}
	return unavailable(fmt.Errorf("postgres: %s: %w", op, err))
}

// notFound is the ENOTFOUND error for a missing row.
func notFound(what string, key any) error {
	return aftersale.Errorf(aftersale.ENOTFOUND, "%s %v not found", what, key)
}

// noRows reports whether err says that a query returned no row.
func noRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

// nullTime encodes a time for a nullable column: the zero time is NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// timeScanner scans a timestamptz, or NULL, into a UTC time.
type timeScanner struct{ t *time.Time }

// ts returns a scanner for a time column.
func ts(t *time.Time) timeScanner { return timeScanner{t} }

// ScanTimestamptz implements pgtype.TimestamptzScanner.
func (s timeScanner) ScanTimestamptz(v pgtype.Timestamptz) error {
	switch {
	case !v.Valid:
		*s.t = time.Time{}
	case v.InfinityModifier != pgtype.Finite:
		return errors.New("time column holds an infinite time")
	default:
		*s.t = v.Time.UTC() // the zero time comes back as the zero time
	}
	return nil
}

// scanner is a pgx.Row or pgx.Rows.
type scanner interface{ Scan(dest ...any) error }

// listRows runs a query and scans every row with scan.
func listRows[T any](ctx context.Context, q querier, scan func(scanner) (*T, error), query string, args ...any) ([]*T, error) {
	rows, err := q.Query(ctx, query, args...)
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

// exists reports whether the table has a row with the id; table is a
// constant.
func (q *queries) exists(ctx context.Context, table string, id int64) (bool, error) {
	var ok bool
	err := q.q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+` WHERE id = $1)`, id).Scan(&ok)
	return ok, err
}

// affected returns the number of rows a statement changed, or its error.
func affected(tag pgconn.CommandTag, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}
