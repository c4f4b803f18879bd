package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/aftersale/aftersale"
)

// InboxAppendReturn stores the return.requested event in the inbox if
// check allows it, holding a transaction-level advisory lock of the
// order's returns (per schema, like EventLockProcessing's); see
// aftersale.Store. A transaction that waited for the lock reads, statement
// by statement (READ COMMITTED), what the one before it committed.
func (db *DB) InboxAppendReturn(ctx context.Context, orderRef string, ev *aftersale.StoredEvent,
	check func(ctx context.Context, q aftersale.Queries, pending []*aftersale.StoredEvent) error) (bool, error) {
	var isNew bool
	var checkErr error
	err := runTx(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx,
			`SELECT pg_advisory_xact_lock(hashtextextended('aftersale returns ' || current_schema() || ' ' || $1, 0))`,
			orderRef); err != nil {
			return err
		}
		var known bool
		if err := tx.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM inbox WHERE id = $1)
			    OR EXISTS (SELECT 1 FROM events WHERE id = $1)
			    OR EXISTS (SELECT 1 FROM dead_events WHERE id = $1)`, ev.ID).Scan(&known); err != nil {
			return err
		}
		if known {
			return nil
		}
		pending, err := listRows(ctx, tx, scanInbox, `
			SELECT i.id, i.type, i.source, i.occurred_at, i.received_at, i.payload FROM inbox i
			WHERE i.type = $1 AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = i.id)
			ORDER BY i.received_at, i.id`, string(aftersale.EventReturnRequested))
		if err != nil {
			return err
		}
		tq := db.txQueries(tx)
		if checkErr = check(ctx, &tq, pending); checkErr != nil {
			return checkErr
		}
		payload := ev.Payload
		if payload == nil {
			payload = []byte{}
		}
		tag, err := tx.Exec(ctx, `
			INSERT INTO inbox (id, type, source, occurred_at, received_at, payload)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (id) DO NOTHING`,
			ev.ID, string(ev.Type), ev.Source, ev.OccurredAt, ev.ReceivedAt, payload)
		isNew = err == nil && tag.RowsAffected() == 1
		return err
	})
	if checkErr != nil {
		return false, checkErr
	}
	if err != nil {
		return false, wrap("inbox append return", err)
	}
	return isNew, nil
}
