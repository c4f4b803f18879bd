package postgres

import (
	"context"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/aftersale/aftersale"
)

// InboxAppend stores the new events in the inbox in one transaction; see
// aftersale.Store. On PostgreSQL the inbox is a table (migrations/00002).
func (db *DB) InboxAppend(ctx context.Context, evs []*aftersale.StoredEvent) ([]bool, error) {
	isNew := make([]bool, len(evs))
	if len(evs) == 0 {
		return isNew, nil
	}
	// In ID order, so that two transactions with some of the same IDs wait
	// for each other instead of deadlocking.
	order := make([]int, len(evs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(evs[a].ID, evs[b].ID) })
	err := runTx(ctx, db.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, i := range order {
			ev := evs[i]
			payload := ev.Payload
			if payload == nil {
				payload = []byte{}
			}
			b.Queue(`
				INSERT INTO inbox (id, type, source, occurred_at, received_at, payload)
				SELECT $1, $2, $3, $4, $5, $6
				WHERE NOT EXISTS (SELECT 1 FROM events WHERE id = $1)
				  AND NOT EXISTS (SELECT 1 FROM dead_events WHERE id = $1)
				ON CONFLICT (id) DO NOTHING`,
				ev.ID, string(ev.Type), ev.Source, ev.OccurredAt, ev.ReceivedAt, payload)
		}
		res := tx.SendBatch(ctx, b)
		for _, i := range order {
			tag, err := res.Exec()
			if err != nil {
				res.Close()
				return err
			}
			isNew[i] = tag.RowsAffected() == 1
		}
		if err := res.Close(); err != nil {
			return err
		}
		return dropSetAside(ctx, tx, evs, isNew)
	})
	if err != nil {
		return nil, wrap("inbox append", err)
	}
	return isNew, nil
}

// InboxList returns up to limit events of the inbox, oldest first.
func (db *DB) InboxList(ctx context.Context, limit int) ([]*aftersale.StoredEvent, error) {
	list, err := listRows(ctx, db.pool, scanInbox, `
		SELECT id, type, source, occurred_at, received_at, payload FROM inbox
		ORDER BY received_at, id LIMIT $1`, limit)
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
	_, err := db.pool.Exec(ctx, `DELETE FROM inbox WHERE id = ANY($1)`, ids)
	return wrap("inbox delete", err)
}

// dropSetAside undoes the appends of events set aside meanwhile. An insert
// that met the inbox row of an event being set aside (DeadEventPut moves
// it to dead_events and deletes it from the inbox in one transaction)
// waited for that transaction, then went in: its check of dead_events saw
// the snapshot from before the commit. This statement's snapshot is taken
// after, so it finds the set-aside copy, and such an ID is known, not new.
func dropSetAside(ctx context.Context, tx pgx.Tx, evs []*aftersale.StoredEvent, isNew []bool) error {
	var ids []string
	for i, ev := range evs {
		if isNew[i] {
			ids = append(ids, ev.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `
		DELETE FROM inbox i WHERE i.id = ANY($1)
		  AND EXISTS (SELECT 1 FROM dead_events d WHERE d.id = i.id)
		RETURNING i.id`, ids)
	if err != nil {
		return err
	}
	dropped, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, id := range dropped {
		for i, ev := range evs {
			if ev.ID == id {
				isNew[i] = false
			}
		}
	}
	return nil
}
