package sqlstore

import (
	"context"
	"errors"

	"github.com/aftersale/aftersale"
)

// The events set aside (aftersale.DeadEvent) live next to the inbox, so
// that moving one between the two is one transaction of one database:
// SQLite's inbox file (inbox_migrations/00002), PostgreSQL's one database
// (migrations/00013).

// inboxQueries returns the queries run on the pool of the inbox's
// database (see NewStore).
func (s *Store) inboxQueries() *Queries {
	if s.inbox != nil {
		return New(s.inbox, s.d, nil)
	}
	return New(s.x, s.d, nil)
}

// inboxTx runs fn in one transaction of the inbox's database.
func (s *Store) inboxTx(ctx context.Context, fn func(q *Queries) error) error {
	x := s.inbox
	if x == nil {
		x = s.x
	}
	b, ok := x.(InTxer)
	if !ok {
		return errors.New("the inbox's executor runs no transaction")
	}
	return b.InTx(ctx, func(tx Executor) error { return fn(New(tx, s.d, nil)) })
}

// DeadEventPut stores ev among the events set aside and removes it from
// the inbox, in one transaction; see aftersale.Store.
func (s *Store) DeadEventPut(ctx context.Context, ev *aftersale.DeadEvent) error {
	e := &ev.Event
	payload := e.Payload
	if payload == nil {
		payload = []byte{}
	}
	err := s.inboxTx(ctx, func(q *Queries) error {
		if _, err := q.exec(ctx, `
			INSERT INTO dead_events (id, type, source, occurred_at, received_at, payload, error, attempts, failed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET payload = excluded.payload, error = excluded.error,
				attempts = dead_events.attempts + excluded.attempts, failed_at = excluded.failed_at`,
			e.ID, string(e.Type), e.Source, q.t(e.OccurredAt), q.t(e.ReceivedAt), payload,
			ev.Error, max(ev.Attempts, 1), q.t(ev.FailedAt)); err != nil {
			return err
		}
		_, err := q.exec(ctx, `DELETE FROM inbox WHERE id = ?`, e.ID)
		return err
	})
	return wrap(s.d, "dead event put", err)
}

// DeadEventList returns up to limit events set aside, the latest failure
// first.
func (s *Store) DeadEventList(ctx context.Context, limit int) ([]*aftersale.DeadEvent, error) {
	q := s.inboxQueries()
	list, err := listRows(ctx, q, q.scanDeadEvent, `
		SELECT id, type, source, occurred_at, received_at, payload, error, attempts, failed_at
		FROM dead_events ORDER BY failed_at DESC, id LIMIT ?`, limit)
	return list, q.wrap("dead event list", err)
}

func (q *Queries) scanDeadEvent(s Row) (*aftersale.DeadEvent, error) {
	var d aftersale.DeadEvent
	e := &d.Event
	if err := s.Scan(&e.ID, &e.Type, &e.Source, q.ts(&e.OccurredAt), q.ts(&e.ReceivedAt), &e.Payload,
		&d.Error, &d.Attempts, q.ts(&d.FailedAt)); err != nil {
		return nil, err
	}
	return &d, nil
}

// DeadEventCount counts the events set aside.
func (s *Store) DeadEventCount(ctx context.Context) (int, error) {
	q := s.inboxQueries()
	var n int
	err := q.row(ctx, `SELECT count(*) FROM dead_events`).Scan(&n)
	return n, q.wrap("dead event count", err)
}

// DeadEventRetry moves the event set aside back into the inbox, in one
// transaction.
func (s *Store) DeadEventRetry(ctx context.Context, id string) error {
	err := s.inboxTx(ctx, func(q *Queries) error {
		// An event with its ID in the inbox already (posted again since)
		// stays as it is.
		if _, err := q.exec(ctx, `
			INSERT INTO inbox (id, type, source, occurred_at, received_at, payload)
			SELECT id, type, source, occurred_at, received_at, payload FROM dead_events WHERE id = ?
			ON CONFLICT (id) DO NOTHING`, id); err != nil {
			return err
		}
		n, err := q.exec(ctx, `DELETE FROM dead_events WHERE id = ?`, id)
		if err == nil && n == 0 {
			err = notFound("dead event", id)
		}
		return err
	})
	return wrap(s.d, "dead event retry", err)
}

// DeadEventDiscard deletes the event set aside.
func (s *Store) DeadEventDiscard(ctx context.Context, id string) error {
	q := s.inboxQueries()
	n, err := q.exec(ctx, `DELETE FROM dead_events WHERE id = ?`, id)
	if err == nil && n == 0 {
		err = notFound("dead event", id)
	}
	return q.wrap("dead event discard", err)
}
