package sqlite

import (
	"context"
	"database/sql"
	"errors"
)

// EventPayload returns the payload of the event ID from the inbox or the
// events set aside (both in the inbox file), or else from the processed
// events (the main file); see aftersale.Store. The inbox is read first:
// the processor records an event among the events before it deletes it
// from the inbox, so an event on its way is found in one or the other.
func (db *DB) EventPayload(ctx context.Context, id string) ([]byte, bool, error) {
	var payload []byte
	err := db.inbox.QueryRowContext(ctx, `
		SELECT payload FROM inbox WHERE id = ?
		UNION ALL SELECT payload FROM dead_events WHERE id = ?
		LIMIT 1`, id, id).Scan(&payload)
	if errors.Is(err, sql.ErrNoRows) {
		err = db.seen.QueryRowContext(ctx, `SELECT payload FROM events WHERE id = ?`, id).Scan(&payload)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, wrap("event payload", err)
	}
	return payload, true, nil
}
