package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// scrubAttempts bounds the tries of each step of Scrub that finds the
// database busy (the job workers poll it) after busy_timeout.
const scrubAttempts = 5

// errCheckpointBusy says that a checkpoint could not finish: a reader or
// writer kept part of the WAL in use.
var errCheckpointBusy = errors.New("the WAL checkpoint could not finish: the database is busy")

// Scrub rewrites the database file and the inbox file so that deleted data
// is gone from them: a truncating WAL checkpoint (the WAL holds old page
// images), VACUUM (which rebuilds the file without its free pages), and a
// truncating checkpoint again (VACUUM writes through the WAL). Every
// connection runs with secure_delete on as well, so that deleted cells are
// zeroed as they go. VACUUM runs outside any transaction on a connection of
// its own; a step that finds the file busy is tried again a few times.
func (db *DB) Scrub(ctx context.Context) error {
	for _, f := range []struct {
		what string
		pool *sql.DB
	}{{"database", db.pool}, {"inbox", db.inbox}} {
		if err := scrubFile(ctx, f.pool); err != nil {
			return fmt.Errorf("sqlite: scrub the %s: %w", f.what, err)
		}
	}
	return nil
}

// scrubFile checkpoints, vacuums and checkpoints again the file of pool.
func scrubFile(ctx context.Context, pool *sql.DB) error {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	checkpoint := func() error {
		var busy, logPages, done int
		if err := conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logPages, &done); err != nil {
			return err
		}
		if busy != 0 {
			return errCheckpointBusy
		}
		return nil
	}
	vacuum := func() error {
		_, err := conn.ExecContext(ctx, `VACUUM`)
		return err
	}
	for _, step := range []func() error{checkpoint, vacuum, checkpoint} {
		if err := retryBusy(ctx, step); err != nil {
			return err
		}
	}
	return nil
}

// retryBusy runs fn until it does not fail for a busy database, at most
// scrubAttempts times, waiting a little longer each time.
func retryBusy(ctx context.Context, fn func() error) error {
	wait := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || attempt == scrubAttempts || !isBusy(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// isBusy reports whether err says that the database was locked by another
// connection.
func isBusy(err error) bool {
	if errors.Is(err, errCheckpointBusy) {
		return true
	}
	var e *msqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff { // the primary result code of an extended one
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}
