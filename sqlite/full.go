package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/aftersale/aftersale"
)

// errFull is what a write that found the disk (or the file's page limit)
// full becomes: the caller may retry once there is room again.
var errFull = aftersale.Errorf(aftersale.EUNAVAILABLE, "the database is full (no space left on its disk); try again later")

// unavailable turns SQLITE_FULL ("database or disk is full") into an
// EUNAVAILABLE error, keeping the driver error in the chain; any other
// error is returned as it is.
func unavailable(err error) error {
	var de *aftersale.Error
	if err == nil || errors.As(err, &de) {
		return err // none, or a domain error (mapped already)
	}
	var e *msqlite.Error
	if !errors.As(err, &e) || e.Code()&0xff != sqlite3.SQLITE_FULL {
		return err
	}
	return fmt.Errorf("%w (%w)", errFull, err)
}

// noPageLimit is SQLite's largest max_page_count: no limit.
const noPageLimit = 4294967294

// LimitPages sets SQLite's max_page_count on every connection to the
// database and inbox files, so that a write that would grow either file
// past n pages (or past its present size, when that is larger) fails with
// SQLITE_FULL, as it does on a full disk; n <= 0 lifts the limit. It waits
// for connections in use. It is for tests of a full disk: the service
// never calls it.
func (db *DB) LimitPages(ctx context.Context, n int64) error {
	if n <= 0 {
		n = noPageLimit
	}
	for _, p := range []struct {
		pool  *sql.DB
		conns int
	}{{db.pool, maxConns}, {db.inbox, inboxConns}} {
		// Hold every connection of the pool at once, so that each gets it.
		held := make([]*sql.Conn, 0, p.conns)
		var err error
		for range p.conns {
			var c *sql.Conn
			if c, err = p.pool.Conn(ctx); err != nil {
				break
			}
			held = append(held, c)
			if _, err = c.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", n)); err != nil {
				break
			}
		}
		for _, c := range held {
			c.Close()
		}
		if err != nil {
			return fmt.Errorf("sqlite: limit pages: %w", err)
		}
	}
	return nil
}
