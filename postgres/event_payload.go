package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// EventPayload returns the payload of the event ID from the inbox, the
// events set aside or the processed events; see aftersale.Store. One
// statement reads the three tables from one snapshot, so an event moving
// from one to another is found in one of them.
func (db *DB) EventPayload(ctx context.Context, id string) ([]byte, bool, error) {
	var payload []byte
	err := db.pool.QueryRow(ctx, `
		SELECT payload FROM inbox WHERE id = $1
		UNION ALL SELECT payload FROM dead_events WHERE id = $1
		UNION ALL SELECT payload FROM events WHERE id = $1
		LIMIT 1`, id).Scan(&payload)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, wrap("event payload", err)
	}
	return payload, true, nil
}
