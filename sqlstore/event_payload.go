package sqlstore

import "context"

// Store implements the methods of aftersale.Store that run on the
// database as a whole, outside any transaction (the Queries are promoted
// from the Queries type).
type Store struct {
	x     Executor
	d     Dialect
	inbox Executor // the inbox and dead_events tables, when apart; nil: x
	seen  Executor // reads of the processed events, when apart; nil: x
}

// NewStore returns the store-wide methods run by x, a pool, in dialect d.
// inbox is where the inbox and the events set aside live when that is not
// x's database (SQLite's inbox file), nil otherwise; seen, when not nil,
// reads the processed events instead of x (SQLite's read-only pool of the
// main file, which does not wait behind the writers' connections).
func NewStore(x Executor, d Dialect, inbox, seen Executor) *Store {
	return &Store{x: x, d: d, inbox: inbox, seen: seen}
}

// EventPayload returns the payload of the event ID from the inbox, the
// events set aside or the processed events; see aftersale.Store. In one
// database, one statement reads the three tables from one snapshot, so an
// event moving from one to another is found in one of them. With the
// inbox apart, the inbox is read first: the processor records an event
// among the events before it deletes it from the inbox, so an event on its
// way is found in one or the other.
func (s *Store) EventPayload(ctx context.Context, id string) ([]byte, bool, error) {
	var payload []byte
	var err error
	if s.inbox == nil {
		err = s.x.QueryRow(ctx, s.d.Rebind(`
			SELECT payload FROM inbox WHERE id = ?
			UNION ALL SELECT payload FROM dead_events WHERE id = ?
			UNION ALL SELECT payload FROM events WHERE id = ?
			LIMIT 1`), id, id, id).Scan(&payload)
	} else {
		err = s.inbox.QueryRow(ctx, s.d.Rebind(`
			SELECT payload FROM inbox WHERE id = ?
			UNION ALL SELECT payload FROM dead_events WHERE id = ?
			LIMIT 1`), id, id).Scan(&payload)
		if s.d.NoRows(err) {
			seen := s.seen
			if seen == nil {
				seen = s.x
			}
			err = seen.QueryRow(ctx, s.d.Rebind(`SELECT payload FROM events WHERE id = ?`), id).Scan(&payload)
		}
	}
	if s.d.NoRows(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, wrap(s.d, "event payload", err)
	}
	return payload, true, nil
}
