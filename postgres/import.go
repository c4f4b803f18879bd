package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersale/aftersale"
)

// sqliteSchemaVersion is the version of the SQLite schema (its goose
// version in aftersale_migrations) whose tables ImportSQLite knows. A newer
// SQLite database may have columns this version would drop, so it is
// refused. Both databases number their migrations alike, so it is the
// newest of migrations/ (00014_task_retry_of); sqlite.Open renumbers a
// file of SQLite's old numbering (which ended at 12) before the import
// reads it.
const sqliteSchemaVersion = 14

// progressEvery is how many rows of a table ImportSQLite copies between
// two reports of its progress.
const progressEvery = 10000

// ImportSQLite copies the aftersale tables of an SQLite database (opened
// with package sqlite, read here through database/sql) into this database,
// which must hold no aftersale data: customers with their consent and
// suppression, events, orders with their items, shipments, bookings,
// journey runs, steps, messages, tasks, team members, survey answers,
// success plans with their check-ins, returns, coupons, referral codes and
// referrals, client stories and whom they went to, broadcasts with their
// recipients, settings, and secrets. Ids are kept, and the identity sequences are
// moved past them.
// Login sessions are not copied: people log in again. Everything is copied
// in one transaction (and read in one SQLite read transaction), so a failed
// import leaves nothing behind. The job queue's tables (river_*) and the
// version tables are not copied; the caller enqueues the pending steps
// again.
//
// A target that has any aftersale rows is refused with ECONFLICT, except
// for secrets (which a first start creates): a secret of the source
// replaces the target's of the same name, since it signed the links that
// customers hold. A source with another schema version is refused with
// EINVALID.
//
// progress, when not nil, is called during each table every 10,000 rows
// and once at its end, with the number of rows copied so far; the last call
// for a table gives its total.
func (db *DB) ImportSQLite(ctx context.Context, src *sql.DB, progress func(table string, rows int)) error {
	// The tables in foreign-key order.
	tables := []string{"customers", "events", "orders", "order_items", "shipments", "bookings",
		"journey_runs", "steps", "step_plans", "messages", "tasks", "members", "survey_answers", "success_plans", "check_ins", "returns",
		"coupons", "referral_codes", "referrals", "stories", "story_sends", "broadcasts", "broadcast_recipients", "settings", "secrets"}
	if progress == nil {
		progress = func(string, int) {}
	}

	var version int64
	err := src.QueryRowContext(ctx,
		`SELECT coalesce(max(version_id), 0) FROM `+MigrationTable+` WHERE is_applied`).Scan(&version)
	if err != nil {
		return aftersale.Errorf(aftersale.EINVALID, "the source is not an aftersale SQLite database (%v)", err)
	}
	if version != sqliteSchemaVersion {
		return aftersale.Errorf(aftersale.EINVALID,
			"the SQLite database has schema version %d; this version of aftersale imports version %d", version, sqliteSchemaVersion)
	}
	stx, err := src.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("postgres: import: read sqlite: %w", err)
	}
	defer stx.Rollback()

	return runTx(ctx, db.pool, func(tx pgx.Tx) error {
		// Writers wait until the copy is committed (readers do not).
		if _, err := tx.Exec(ctx, `LOCK TABLE `+strings.Join(tables, ", ")+` IN EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("postgres: import: %w", err)
		}
		for _, table := range tables {
			if table == "secrets" {
				continue
			}
			var used bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+`)`).Scan(&used); err != nil {
				return fmt.Errorf("postgres: import: %w", err)
			}
			if used {
				return aftersale.Errorf(aftersale.ECONFLICT,
					"the PostgreSQL database has %s already; import only into a new, empty one", strings.ReplaceAll(table, "_", " "))
			}
		}
		for _, table := range tables {
			n, err := importTable(ctx, stx, tx, table, progress)
			if err != nil {
				return wrap("import "+table, err)
			}
			progress(table, n)
		}
		if err := resetIdentities(ctx, tx, tables); err != nil {
			return fmt.Errorf("postgres: import: %w", err)
		}
		return nil
	})
}

// importTable copies one table from src to tx and returns how many rows it
// copied. The columns are those of the PostgreSQL table, and their types say
// how to convert the SQLite values.
func importTable(ctx context.Context, src *sql.Tx, tx pgx.Tx, table string, progress func(string, int)) (int, error) {
	cols, types, err := tableColumns(ctx, tx, table)
	if err != nil {
		return 0, err
	}
	rows, err := src.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+table)
	if err != nil {
		return 0, fmt.Errorf("read sqlite: %w", err)
	}
	defer rows.Close()
	source := &sqliteRows{rows: rows, table: table, cols: cols, types: types, progress: progress}
	if table == "secrets" {
		return source.upsertSecrets(ctx, tx)
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, source)
	return int(n), err
}

// tableColumns returns the column names and data types of a table of the
// current schema, in order.
func tableColumns(ctx context.Context, tx pgx.Tx, table string) (cols, types []string, err error) {
	rows, err := tx.Query(ctx, `
		SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1
		ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var col, typ string
		if err := rows.Scan(&col, &typ); err != nil {
			return nil, nil, err
		}
		cols, types = append(cols, col), append(types, typ)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if len(cols) == 0 {
		return nil, nil, fmt.Errorf("table %s not found", table)
	}
	return cols, types, nil
}

// resetIdentities moves the identity sequence of every table past its
// highest id, so that the next insert does not reuse a copied one.
func resetIdentities(ctx context.Context, tx pgx.Tx, tables []string) error {
	rows, err := tx.Query(ctx, `
		SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_identity = 'YES' AND table_name = ANY($1)
		ORDER BY table_name`, tables)
	if err != nil {
		return err
	}
	type identity struct{ table, col string }
	var ids []identity
	for rows.Next() {
		var id identity
		if err := rows.Scan(&id.table, &id.col); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		// Names from the catalog, quoted; pg_get_serial_sequence takes a
		// table name that may be quoted.
		table, col := pgx.Identifier{id.table}.Sanitize(), pgx.Identifier{id.col}.Sanitize()
		_, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2),
			coalesce((SELECT max(`+col+`) FROM `+table+`), 0) + 1, false)`, table, id.col)
		if err != nil {
			return fmt.Errorf("reset the identity of %s: %w", id.table, err)
		}
	}
	return nil
}

// sqliteRows reads the rows of one SQLite table as a pgx.CopyFromSource,
// converting each value to the type of its PostgreSQL column.
type sqliteRows struct {
	rows     *sql.Rows
	table    string
	cols     []string
	types    []string // information_schema data types, one per column
	progress func(string, int)

	raw []any // the values of the current row as SQLite gave them
	n   int   // rows read so far
	err error
}

// Next implements pgx.CopyFromSource.
func (s *sqliteRows) Next() bool {
	if s.err != nil || !s.rows.Next() {
		return false
	}
	if s.raw == nil {
		s.raw = make([]any, len(s.cols))
	}
	ptrs := make([]any, len(s.raw))
	for i := range s.raw {
		ptrs[i] = &s.raw[i]
	}
	if err := s.rows.Scan(ptrs...); err != nil {
		s.err = fmt.Errorf("read sqlite: %w", err)
		return false
	}
	s.n++
	if s.n%progressEvery == 0 {
		s.progress(s.table, s.n)
	}
	return true
}

// Values implements pgx.CopyFromSource.
func (s *sqliteRows) Values() ([]any, error) {
	vals := make([]any, len(s.raw))
	for i, v := range s.raw {
		c, err := convert(v, s.types[i])
		if err != nil {
			return nil, aftersale.Errorf(aftersale.EINVALID, "sqlite table %s, row %d, column %s: %v", s.table, s.n, s.cols[i], err)
		}
		vals[i] = c
	}
	return vals, nil
}

// Err implements pgx.CopyFromSource.
func (s *sqliteRows) Err() error {
	if s.err != nil {
		return s.err
	}
	if err := s.rows.Err(); err != nil {
		return fmt.Errorf("read sqlite: %w", err)
	}
	return nil
}

// upsertSecrets stores the rows of the secrets table, replacing a secret of
// the same name, and returns how many it stored.
func (s *sqliteRows) upsertSecrets(ctx context.Context, tx pgx.Tx) (int, error) {
	for s.Next() {
		vals, err := s.Values()
		if err != nil {
			return s.n, err
		}
		row := map[string]any{}
		for i, col := range s.cols {
			row[col] = vals[i]
		}
		if _, err := tx.Exec(ctx, `INSERT INTO secrets (name, value) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, row["name"], row["value"]); err != nil {
			return s.n, err
		}
	}
	return s.n, s.Err()
}

// convert turns a value read from SQLite (int64, float64, string, []byte or
// nil) into the Go value for a PostgreSQL column of the data type: INTEGER
// microseconds into a UTC time for timestamptz, 0/1 into a boolean.
func convert(v any, dataType string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch dataType {
	case "timestamp with time zone":
		if n, ok := v.(int64); ok {
			return time.UnixMicro(n).UTC(), nil
		}
	case "boolean":
		if n, ok := v.(int64); ok && (n == 0 || n == 1) {
			return n == 1, nil
		}
	case "bigint", "integer", "smallint":
		if n, ok := v.(int64); ok {
			return n, nil
		}
	case "text":
		switch v := v.(type) {
		case string:
			return v, nil
		case []byte:
			return string(v), nil
		}
	case "bytea":
		switch v := v.(type) {
		case []byte:
			return v, nil
		case string:
			return []byte(v), nil
		}
	default:
		return nil, fmt.Errorf("no conversion to the PostgreSQL type %s", dataType)
	}
	return nil, fmt.Errorf("%T value %v does not fit the PostgreSQL type %s", v, v, dataType)
}
