package sqlite

import (
	"context"
	"errors"
	"time"

	"github.com/aftersale/aftersale/sqlstore"
)

// CustomerErase is the one of package sqlstore with the inbox file: the
// events about the customer waiting there, and the events set aside, are
// read and discarded in that file (sqlstore.CustomerEraseApart). The DB and
// the transactions of Update have the inbox's pool.
func (q *queries) CustomerErase(ctx context.Context, id int64, at time.Time) error {
	if q.inbox == nil {
		return errors.New("sqlite: customer erase: no inbox to look into")
	}
	return sqlstore.CustomerEraseApart(ctx, q.Queries, cachedQuerier{base: q.inbox}, id, at)
}
