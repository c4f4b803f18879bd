package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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
