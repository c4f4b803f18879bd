package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/sqlstore"
)

// InboxAppendReturn stores the return.requested event in the inbox if
// check allows it; see aftersale.Store. The lock is the inbox file's write
// lock, taken at BEGIN (_txlock=immediate): it is wider than the order's
// returns (other events wait to be received meanwhile, for as long as
// check reads), and holds across processes. check reads the main file
// through the pool (a read there waits for no writer, in WAL mode); the
// processor cannot delete from the inbox meanwhile, so an event read as
// pending that it applies meanwhile is found among the returns as well.
func (db *DB) InboxAppendReturn(ctx context.Context, orderRef string, ev *aftersale.StoredEvent,
	check func(ctx context.Context, q aftersale.Queries, pending []*aftersale.StoredEvent) error) (bool, error) {
	var isNew bool
	var checkErr error
	err := inboxTx(ctx, db.inbox, func(tx *sql.Tx) error {
		known, err := db.knownInTx(ctx, tx, ev.ID)
		if err != nil || known {
			return err
		}
		pending, err := listRows(ctx, tx, scanInbox, `
			SELECT id, type, source, occurred_at, received_at, payload FROM inbox
			WHERE type = ? ORDER BY received_at, rowid`, string(aftersale.EventReturnRequested))
		if err != nil {
			return err
		}
		if pending, err = db.unprocessed(ctx, pending); err != nil {
			return err
		}
		if checkErr = check(ctx, db, pending); checkErr != nil {
			return checkErr
		}
		payload := ev.Payload
		if payload == nil {
			payload = []byte{}
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO inbox (id, type, source, occurred_at, received_at, payload)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			ev.ID, string(ev.Type), ev.Source, micro(ev.OccurredAt), micro(ev.ReceivedAt), payload)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		isNew = n == 1
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

// knownInTx reports whether an event with the ID is in the inbox or set
// aside (read in tx, of the inbox file) or processed (in the main file).
func (db *DB) knownInTx(ctx context.Context, tx *sql.Tx, id string) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, `
		SELECT 1 FROM inbox WHERE id = ? UNION ALL SELECT 1 FROM dead_events WHERE id = ? LIMIT 1`, id, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		err = db.seen.QueryRowContext(ctx, `SELECT 1 FROM events WHERE id = ?`, id).Scan(&one)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// unprocessed drops from evs the events among the processed ones: the
// processor deletes them from the inbox after its transaction commits.
func (db *DB) unprocessed(ctx context.Context, evs []*aftersale.StoredEvent) ([]*aftersale.StoredEvent, error) {
	if len(evs) == 0 {
		return evs, nil
	}
	ids := make([]string, len(evs))
	for i, ev := range evs {
		ids[i] = ev.ID
	}
	done := map[string]bool{}
	for start := 0; start < len(ids); start += sqlstore.InChunk {
		marks, args := sqlstore.InList(ids[start:min(start+sqlstore.InChunk, len(ids))])
		rows, err := db.seen.QueryContext(ctx, `SELECT id FROM events WHERE id IN (`+marks+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			done[id] = true
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	out := evs[:0:0]
	for _, ev := range evs {
		if !done[ev.ID] {
			out = append(out, ev)
		}
	}
	return out, nil
}
