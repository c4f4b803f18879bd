package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// The main file's migrations share PostgreSQL's version numbers: a version
// is the same change on both databases (PostgreSQL's 00002_inbox and
// 00013_dead_events are empty here: SQLite's inbox and events set aside are
// in the inbox file). Before that, SQLite numbered its own migrations 1 to
// 12, without those two. renumber brings the version table of a file
// migrated under that old numbering to the shared one, once, before goose
// runs.

// sharedNumbering is the PRAGMA user_version of a main file whose version
// table uses the shared numbering: set on a new file before its first
// migration, and on an old one in the transaction that renumbers it.
const sharedNumbering = 1

// lastOldVersion is the newest version of the old numbering
// (00012_task_retry_of, now 00014).
const lastOldVersion = 12

// The versions that are empty on the main file: PostgreSQL's inbox and
// dead_events tables.
const (
	inboxVersion      = 2
	deadEventsVersion = 13
)

// sharedVersion returns the version, in the shared numbering, of the change
// that was version old in the old numbering (0 to 12).
func sharedVersion(old int64) int64 {
	switch {
	case old < inboxVersion:
		return old // 0 (goose's own) and 00001_initial
	case old < lastOldVersion:
		return old + 1 // 00002_team … 00011_member_sessions: 00003 … 00012
	default:
		return old + 2 // 00012_task_retry_of: 00014
	}
}

// oldMark returns a table (and a column of it, or "") that the migration
// of version v (1 to 12) of the old numbering created: the schema of a file
// whose newest version is v has it under the old numbering, and has not
// under the shared one (whose version v is the old v-1, or empty).
func oldMark(v int64) (table, column string) {
	switch v {
	case 1:
		return "customers", ""
	case 2:
		return "members", ""
	case 3:
		return "survey_answers", ""
	case 4:
		return "success_plans", ""
	case 5:
		return "messages", "opened_at"
	case 6:
		return "returns", ""
	case 7:
		return "coupons", ""
	case 8:
		return "broadcasts", ""
	case 9:
		return "step_plans", ""
	case 10:
		return "orders", "refunded_amount"
	case 11:
		return "settings", ""
	default:
		return "tasks", "retry_of"
	}
}

// renumber rewrites the version table of a main file migrated under the
// old numbering to the shared one, in one write transaction, and marks the
// file (PRAGMA user_version) so that it is looked at once. A file is taken
// for an old one when it is not marked, its applied versions are 0 to n
// with n at most 12, and its schema has what the old migration n created;
// it is taken for one of the shared numbering (marked, not rewritten) when
// n is past 12 or its schema has what the shared migration n created. A
// table that matches neither is refused rather than guessed at.
func renumber(ctx context.Context, pool *sql.DB) error {
	tx, err := pool.BeginTx(ctx, nil) // BEGIN IMMEDIATE: one process renumbers
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var mark int64
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&mark); err != nil {
		return err
	}
	if mark == sharedNumbering {
		return nil
	}
	old, err := oldNumbering(ctx, tx)
	if err != nil {
		return err
	}
	if old {
		if err := rewriteVersions(ctx, tx); err != nil {
			return err
		}
		// The empty versions count as applied where a later one is.
		for _, v := range []int64{inboxVersion, deadEventsVersion} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO `+MigrationTable+` (version_id, is_applied)
				SELECT ?, 1 WHERE EXISTS (SELECT 1 FROM `+MigrationTable+` WHERE is_applied AND version_id > ?)`,
				v, v); err != nil {
				return err
			}
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, sharedNumbering)); err != nil {
		return err
	}
	return tx.Commit()
}

// rewriteVersions gives each row of the version table the version of its
// change in the shared numbering.
func rewriteVersions(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, version_id FROM `+MigrationTable)
	if err != nil {
		return err
	}
	versions := map[int64]int64{} // by id
	for rows.Next() {
		var id, v int64
		if err := rows.Scan(&id, &v); err != nil {
			rows.Close()
			return err
		}
		versions[id] = v
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for id, v := range versions {
		if _, err := tx.ExecContext(ctx, `UPDATE `+MigrationTable+` SET version_id = ? WHERE id = ?`,
			sharedVersion(v), id); err != nil {
			return err
		}
	}
	return nil
}

// oldNumbering reports whether the unmarked file's version table is of the
// old numbering (see renumber).
func oldNumbering(ctx context.Context, tx *sql.Tx) (bool, error) {
	found, err := has(ctx, tx, MigrationTable, "")
	if err != nil || !found {
		return false, err // a new file
	}
	var n, versions int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version_id), 0), count(DISTINCT version_id)
		FROM `+MigrationTable+` WHERE is_applied`).Scan(&n, &versions); err != nil {
		return false, err
	}
	if n > lastOldVersion {
		return false, nil
	}
	if versions != n+1 {
		return false, fmt.Errorf("the version table %s has %d applied versions up to %d; want 0 to %d, each once",
			MigrationTable, versions, n, n)
	}
	if n <= 1 {
		return false, nil // the same in both numberings
	}
	table, column := oldMark(n)
	if found, err := has(ctx, tx, table, column); err != nil || found {
		return found, err
	}
	// The shared version n is the old n-1 (2 is empty: the old 1).
	prevTable, prevColumn := oldMark(n - 1)
	if found, err := has(ctx, tx, prevTable, prevColumn); err != nil || found {
		return false, err
	}
	return false, fmt.Errorf("the version table %s says version %d, but the schema lacks what that version created (%s %s) under either numbering",
		MigrationTable, n, table, column)
}

// has reports whether the table exists and, when column is not "", has
// that column.
func has(ctx context.Context, tx *sql.Tx, table, column string) (bool, error) {
	var n int
	var err error
	if column == "" {
		err = tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, table).Scan(&n)
	} else {
		err = tx.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info(?) WHERE name = ?`, table, column).Scan(&n)
	}
	return n > 0, err
}
