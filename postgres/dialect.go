package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aftersale/aftersale/sqlstore"
)

// dialect is PostgreSQL's sqlstore.Dialect: the one place where the shared
// queries of package sqlstore meet PostgreSQL. Placeholders become $n
// (rewritten once per query, then cached), times are timestamptz passed
// as time.Time (see ts), lists are one array argument, and SELECTs take
// row locks.
type dialect struct {
	dollar *sqlstore.Dollar
}

var _ sqlstore.Dialect = dialect{}

func newDialect() dialect { return dialect{dollar: new(sqlstore.Dollar)} }

func (dialect) Name() string                 { return "postgres" }
func (d dialect) Rebind(query string) string { return d.dollar.Rebind(query) }
func (dialect) Time(t time.Time) any         { return t }
func (dialect) NullTime(t time.Time) any     { return nullTime(t) }
func (dialect) ScanTime(t *time.Time) any    { return ts(t) }
func (dialect) Arrays() bool                 { return true }
func (dialect) NoRows(err error) bool        { return noRows(err) }
func (dialect) Unavailable(err error) error  { return unavailable(err) }

// Lock returns the locking clause of l.
func (dialect) Lock(l sqlstore.Lock) string {
	switch l {
	case sqlstore.LockKeyShare:
		return " FOR KEY SHARE"
	case sqlstore.LockUpdate:
		return " FOR UPDATE"
	case sqlstore.LockUpdateSkipLocked:
		return " FOR UPDATE SKIP LOCKED"
	case sqlstore.LockNoKeyUpdate:
		return " FOR NO KEY UPDATE"
	}
	return ""
}

// Unique reports whether err is a unique_violation (SQLSTATE 23505).
func (dialect) Unique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// executor is the sqlstore.Executor of a pool or a pgx.Tx: pgx itself, no
// database/sql, so that River's riverpgxv5 inserts jobs through the same
// pgx.Tx.
type executor struct{ q querier }

// Exec implements sqlstore.Executor.
func (x executor) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	return affected(x.q.Exec(ctx, query, args...))
}

// Query implements sqlstore.Executor.
func (x executor) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := x.q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgRows{rows}, nil
}

// QueryRow implements sqlstore.Executor.
func (x executor) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return x.q.QueryRow(ctx, query, args...)
}

// pgRows is pgx.Rows with the Close of sqlstore.Rows.
type pgRows struct{ pgx.Rows }

// Close implements sqlstore.Rows.
func (r pgRows) Close() error {
	r.Rows.Close()
	return r.Rows.Err()
}

// LockOf returns the locking clause of l on the rows of table only.
func (dialect) LockOf(l sqlstore.Lock, table string) string {
	switch l {
	case sqlstore.LockKeyShare:
		return " FOR KEY SHARE OF " + table
	case sqlstore.LockUpdate:
		return " FOR UPDATE OF " + table
	case sqlstore.LockUpdateSkipLocked:
		return " FOR UPDATE OF " + table + " SKIP LOCKED"
	case sqlstore.LockNoKeyUpdate:
		return " FOR NO KEY UPDATE OF " + table
	}
	return ""
}

// InTx implements sqlstore.InTxer on the pool: fn runs in a new
// transaction of it (runTx).
func (x executor) InTx(ctx context.Context, fn func(x sqlstore.Executor) error) error {
	pool, ok := x.q.(*pgxpool.Pool)
	if !ok {
		return errors.New("postgres: a transaction inside a transaction")
	}
	return runTx(ctx, pool, func(tx pgx.Tx) error { return fn(executor{tx}) })
}

// Bool implements sqlstore.Dialect.
func (dialect) Bool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// OneOf implements sqlstore.Dialect: the values are one text[] argument.
func (dialect) OneOf(col string, vals []string) (string, any) {
	return col + " = ANY(?)", vals
}

// ArrayAgg implements sqlstore.Dialect: array_agg results scan into
// slices.
func (dialect) ArrayAgg() bool { return true }

// Mentions implements sqlstore.Dialect: the bytea payload and the quoted
// argument are compared in the 'escape' text form of bytea, which does
// not need the payload to be valid UTF-8.
func (dialect) Mentions(col string) string {
	return `strpos(lower(encode(` + col + `, 'escape')), encode(convert_to('"' || ?::text || '"', 'UTF8'), 'escape')) > 0`
}
