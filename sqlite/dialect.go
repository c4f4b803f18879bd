package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/aftersale/aftersale/sqlstore"
)

// dialect is SQLite's sqlstore.Dialect: the one place where the shared
// queries of package sqlstore meet SQLite. Placeholders are ? already,
// times are INTEGER microseconds (see micro and ts), lists are one
// argument per value, and there are no row locks: one write transaction
// runs at a time, holding the write lock from its BEGIN.
type dialect struct{}

var _ sqlstore.Dialect = dialect{}

func (dialect) Name() string                { return "sqlite" }
func (dialect) Rebind(query string) string  { return query }
func (dialect) Time(t time.Time) any        { return micro(t) }
func (dialect) NullTime(t time.Time) any    { return nullMicro(t) }
func (dialect) ScanTime(t *time.Time) any   { return ts(t) }
func (dialect) Arrays() bool                { return false }
func (dialect) Lock(sqlstore.Lock) string   { return "" }
func (dialect) NoRows(err error) bool       { return errors.Is(err, sql.ErrNoRows) }
func (dialect) Unavailable(err error) error { return unavailable(err) }

// Unique reports whether err is the violation of a UNIQUE index or of the
// primary key.
func (dialect) Unique(err error) bool {
	var e *msqlite.Error
	return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// Exec implements sqlstore.Executor.
func (q cachedQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Query implements sqlstore.Executor.
func (q cachedQuerier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err // not a nil *sql.Rows in the interface
	}
	return rows, nil
}

// QueryRow implements sqlstore.Executor.
func (q cachedQuerier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return q.QueryRowContext(ctx, query, args...)
}

// LockOf implements sqlstore.Dialect: no row locks, as Lock.
func (dialect) LockOf(sqlstore.Lock, string) string { return "" }

// InTx implements sqlstore.InTxer on a pool (or one of its connections):
// fn runs in a new transaction of it, through the same statement cache.
func (q cachedQuerier) InTx(ctx context.Context, fn func(x sqlstore.Executor) error) error {
	pool, ok := q.base.(txBeginner)
	if !ok || q.tx != nil {
		return errors.New("sqlite: a transaction inside a transaction")
	}
	tx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(cachedQuerier{cache: q.cache, base: tx, tx: tx}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Bool implements sqlstore.Dialect: SQLite's booleans are the integers 1
// and 0, as its partial indexes spell them.
func (dialect) Bool(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// OneOf implements sqlstore.Dialect: the values are one JSON array, read
// with json_each, so that the statement (and its prepared statement in the
// cache) is the same whatever their number.
func (dialect) OneOf(col string, vals []string) (string, any) {
	b, _ := json.Marshal(vals) // a []string always marshals
	return col + " IN (SELECT value FROM json_each(?))", string(b)
}

// ArrayAgg implements sqlstore.Dialect: SQLite has no arrays; the children
// of rows come from a second statement in the same read transaction.
func (dialect) ArrayAgg() bool { return false }

// Mentions implements sqlstore.Dialect: the payload read as text,
// lower-cased, holds the quoted argument.
func (dialect) Mentions(col string) string {
	return `instr(lower(CAST(` + col + ` AS TEXT)), '"' || ? || '"') > 0`
}
