package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pressly/goose/v3"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/sqlstore"
)

// The inbox is a database file of its own next to the main one (see
// inbox_migrations): SQLite has one writer per file, and receiving events
// must not wait behind the transactions that process them.

// InboxMigrationTable is the table in which goose records the applied
// versions of the inbox schema, in the inbox file.
const InboxMigrationTable = "aftersale_inbox_migrations"

// inboxConns is the size of the inbox's pool: one writer (the API's group
// commit) and a reader for the processor.
const inboxConns = 2

// inboxChunk is how many events one INSERT statement carries.
const inboxChunk = 64

//go:embed inbox_migrations/*.sql
var inboxMigrations embed.FS

// InboxPath returns the path of the inbox file of the database at path:
// aftersale.db → aftersale-inbox.db.
func InboxPath(path string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "-inbox" + ext
}

// openSeen opens a small read-only pool on the main file for InboxAppend's
// check of processed events, so that receiving never queues for a
// connection of the main pool behind the workers.
func openSeen(ctx context.Context, abs string) (*sql.DB, error) {
	pool, err := sql.Open("sqlite", dsn(abs)+"&_pragma=query_only(1)")
	if err != nil {
		return nil, err
	}
	pool.SetMaxOpenConns(inboxConns)
	pool.SetMaxIdleConns(inboxConns)
	pool.SetConnMaxLifetime(0)
	pool.SetConnMaxIdleTime(0)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// openInbox opens (creating it if needed) the inbox file and migrates it.
func openInbox(ctx context.Context, abs string) (*sql.DB, error) {
	pool, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, err
	}
	pool.SetMaxOpenConns(inboxConns)
	pool.SetMaxIdleConns(inboxConns)
	pool.SetConnMaxLifetime(0)
	pool.SetConnMaxIdleTime(0)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	fsys, err := fs.Sub(inboxMigrations, "inbox_migrations")
	if err == nil {
		var p *goose.Provider
		p, err = goose.NewProvider(goose.DialectSQLite3, pool, fsys,
			goose.WithTableName(InboxMigrationTable), goose.WithDisableGlobalRegistry(true))
		if err == nil {
			_, err = p.Up(ctx)
		}
	}
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return pool, nil
}

// InboxAppend stores the new events in the inbox in one transaction; see
// aftersale.Store.
func (db *DB) InboxAppend(ctx context.Context, evs []*aftersale.StoredEvent) ([]bool, error) {
	isNew := make([]bool, len(evs))
	if len(evs) == 0 {
		return isNew, nil
	}
	// Processed already (the inbox forgets them once processed)?
	ids := make([]any, len(evs))
	for i, ev := range evs {
		ids[i] = ev.ID
	}
	seen := map[string]bool{}
	for chunk := range slices.Chunk(ids, sqlstore.InChunk) {
		marks, args := sqlstore.InList(chunk)
		rows, err := db.seen.QueryContext(ctx, `SELECT id FROM events WHERE id IN (`+marks+`)`, args...)
		if err != nil {
			return nil, wrap("inbox append", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, wrap("inbox append", err)
			}
			seen[id] = true
		}
		if err := rows.Close(); err != nil {
			return nil, wrap("inbox append", err)
		}
	}
	var todo []int // indexes into evs
	for i, ev := range evs {
		if !seen[ev.ID] {
			todo = append(todo, i)
		}
	}
	if len(todo) == 0 {
		return isNew, nil
	}
	inserted := map[string]bool{}
	err := inboxTx(ctx, db.inbox, func(tx *sql.Tx) error {
		for chunk := range slices.Chunk(todo, inboxChunk) {
			var sb strings.Builder
			// An event set aside (dead_events, in this file) is known too:
			// a repeat of it is a duplicate, not a new event.
			sb.WriteString(`INSERT INTO inbox (id, type, source, occurred_at, received_at, payload) SELECT * FROM (VALUES `)
			args := make([]any, 0, len(chunk)*6)
			for n, i := range chunk {
				if n > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString("(?, ?, ?, ?, ?, ?)")
				ev := evs[i]
				payload := ev.Payload
				if payload == nil {
					payload = []byte{}
				}
				args = append(args, ev.ID, string(ev.Type), ev.Source, micro(ev.OccurredAt), micro(ev.ReceivedAt), payload)
			}
			sb.WriteString(") WHERE column1 NOT IN (SELECT id FROM dead_events) ON CONFLICT (id) DO NOTHING RETURNING id")
			rows, err := tx.QueryContext(ctx, sb.String(), args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				inserted[id] = true
			}
			if err := rows.Close(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("inbox append", err)
	}
	for _, i := range todo {
		// The first of the same ID twice in one call is the new one.
		if id := evs[i].ID; inserted[id] {
			isNew[i] = true
			delete(inserted, id)
		}
	}
	return isNew, nil
}

// InboxList returns up to limit events of the inbox, oldest first.
func (db *DB) InboxList(ctx context.Context, limit int) ([]*aftersale.StoredEvent, error) {
	list, err := listRows(ctx, db.inbox, scanInbox, `
		SELECT id, type, source, occurred_at, received_at, payload FROM inbox
		ORDER BY received_at, rowid LIMIT ?`, limit)
	return list, wrap("inbox list", err)
}

func scanInbox(s scanner) (*aftersale.StoredEvent, error) {
	var ev aftersale.StoredEvent
	if err := s.Scan(&ev.ID, &ev.Type, &ev.Source, ts(&ev.OccurredAt), ts(&ev.ReceivedAt), &ev.Payload); err != nil {
		return nil, err
	}
	return &ev, nil
}

// InboxDelete removes the events from the inbox.
func (db *DB) InboxDelete(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	err := inboxTx(ctx, db.inbox, func(tx *sql.Tx) error {
		for chunk := range slices.Chunk(ids, sqlstore.InChunk) {
			args := make([]any, len(chunk))
			for i, id := range chunk {
				args[i] = id
			}
			if _, err := tx.ExecContext(ctx,
				`DELETE FROM inbox WHERE id IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, args...); err != nil {
				return err
			}
		}
		return nil
	})
	return wrap("inbox delete", err)
}

// inboxTx runs fn in a write transaction of the inbox.
func inboxTx(ctx context.Context, pool *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
