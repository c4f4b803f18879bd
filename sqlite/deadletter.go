package sqlite

import (
	"context"
	"database/sql"

	"github.com/aftersale/aftersale"
)

// Events set aside (aftersale.DeadEvent) are kept in the inbox file, next
// to the inbox (inbox_migrations/00002), so that moving one between the
// two is one transaction of one file.

// DeadEventPut stores ev among the events set aside and removes it from
// the inbox, in one transaction of the inbox file; see aftersale.Store.
func (db *DB) DeadEventPut(ctx context.Context, ev *aftersale.DeadEvent) error {
	e := &ev.Event
	payload := e.Payload
	if payload == nil {
		payload = []byte{}
	}
	err := inboxTx(ctx, db.inbox, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO dead_events (id, type, source, occurred_at, received_at, payload, error, attempts, failed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET payload = excluded.payload, error = excluded.error,
				attempts = dead_events.attempts + excluded.attempts, failed_at = excluded.failed_at`,
			e.ID, string(e.Type), e.Source, micro(e.OccurredAt), micro(e.ReceivedAt), payload,
			ev.Error, max(ev.Attempts, 1), micro(ev.FailedAt)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM inbox WHERE id = ?`, e.ID)
		return err
	})
	return wrap("dead event put", err)
}

// DeadEventList returns up to limit events set aside, the latest failure
// first.
func (db *DB) DeadEventList(ctx context.Context, limit int) ([]*aftersale.DeadEvent, error) {
	list, err := listRows(ctx, db.inbox, scanDeadEvent, `
		SELECT id, type, source, occurred_at, received_at, payload, error, attempts, failed_at
		FROM dead_events ORDER BY failed_at DESC, id LIMIT ?`, limit)
	return list, wrap("dead event list", err)
}

func scanDeadEvent(s scanner) (*aftersale.DeadEvent, error) {
	var d aftersale.DeadEvent
	e := &d.Event
	if err := s.Scan(&e.ID, &e.Type, &e.Source, ts(&e.OccurredAt), ts(&e.ReceivedAt), &e.Payload,
		&d.Error, &d.Attempts, ts(&d.FailedAt)); err != nil {
		return nil, err
	}
	return &d, nil
}

// DeadEventCount counts the events set aside.
func (db *DB) DeadEventCount(ctx context.Context) (int, error) {
	var n int
	err := db.inbox.QueryRowContext(ctx, `SELECT count(*) FROM dead_events`).Scan(&n)
	return n, wrap("dead event count", err)
}

// DeadEventRetry moves the event set aside back into the inbox, in one
// transaction of the inbox file.
func (db *DB) DeadEventRetry(ctx context.Context, id string) error {
	err := inboxTx(ctx, db.inbox, func(tx *sql.Tx) error {
		// An event with its ID in the inbox already (posted again since)
		// stays as it is.
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO inbox (id, type, source, occurred_at, received_at, payload)
			SELECT id, type, source, occurred_at, received_at, payload FROM dead_events WHERE id = ?
			ON CONFLICT (id) DO NOTHING`, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM dead_events WHERE id = ?`, id)
		if err != nil {
			return err
		}
		return deadDeleted(res, id)
	})
	return wrap("dead event retry", err)
}

// DeadEventDiscard deletes the event set aside.
func (db *DB) DeadEventDiscard(ctx context.Context, id string) error {
	res, err := db.inbox.ExecContext(ctx, `DELETE FROM dead_events WHERE id = ?`, id)
	if err == nil {
		err = deadDeleted(res, id)
	}
	return wrap("dead event discard", err)
}

// deadDeleted is ENOTFOUND when res deleted no dead event.
func deadDeleted(res sql.Result, id string) error {
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		err = notFound("dead event", id)
	}
	return err
}
