package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/aftersale/aftersale"
)

// DeadEventPut stores ev among the events set aside (migrations/00013) and
// removes it from the inbox, in one transaction; see aftersale.Store.
func (db *DB) DeadEventPut(ctx context.Context, ev *aftersale.DeadEvent) error {
	e := &ev.Event
	payload := e.Payload
	if payload == nil {
		payload = []byte{}
	}
	err := runTx(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO dead_events (id, type, source, occurred_at, received_at, payload, error, attempts, failed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (id) DO UPDATE SET payload = excluded.payload, error = excluded.error,
				attempts = dead_events.attempts + excluded.attempts, failed_at = excluded.failed_at`,
			e.ID, string(e.Type), e.Source, e.OccurredAt, e.ReceivedAt, payload,
			ev.Error, max(ev.Attempts, 1), ev.FailedAt); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM inbox WHERE id = $1`, e.ID)
		return err
	})
	return wrap("dead event put", err)
}

// DeadEventList returns up to limit events set aside, the latest failure
// first.
func (db *DB) DeadEventList(ctx context.Context, limit int) ([]*aftersale.DeadEvent, error) {
	list, err := listRows(ctx, db.pool, scanDeadEvent, `
		SELECT id, type, source, occurred_at, received_at, payload, error, attempts, failed_at
		FROM dead_events ORDER BY failed_at DESC, id LIMIT $1`, limit)
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
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM dead_events`).Scan(&n)
	return n, wrap("dead event count", err)
}

// DeadEventRetry moves the event set aside back into the inbox, in one
// transaction.
func (db *DB) DeadEventRetry(ctx context.Context, id string) error {
	err := runTx(ctx, db.pool, func(tx pgx.Tx) error {
		// An event with its ID in the inbox already (posted again since)
		// stays as it is.
		if _, err := tx.Exec(ctx, `
			INSERT INTO inbox (id, type, source, occurred_at, received_at, payload)
			SELECT id, type, source, occurred_at, received_at, payload FROM dead_events WHERE id = $1
			ON CONFLICT (id) DO NOTHING`, id); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM dead_events WHERE id = $1`, id)
		if err != nil {
			return err
		}
		return deadDeleted(tag, id)
	})
	return wrap("dead event retry", err)
}

// DeadEventDiscard deletes the event set aside.
func (db *DB) DeadEventDiscard(ctx context.Context, id string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM dead_events WHERE id = $1`, id)
	if err == nil {
		err = deadDeleted(tag, id)
	}
	return wrap("dead event discard", err)
}

// deadDeleted is ENOTFOUND when tag deleted no dead event.
func deadDeleted(tag pgconn.CommandTag, id string) error {
	if tag.RowsAffected() == 0 {
		return notFound("dead event", id)
	}
	return nil
}
