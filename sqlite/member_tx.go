package sqlite

import (
	"context"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/sqlstore"
)

// MemberLockOwners returns the active owners, oldest first, locked until
// the transaction ends (aftersale.Tx); see sqlstore.MemberLockOwners:
// SQLite runs one write transaction at a time, so a plain read is enough.
func (tx *Tx) MemberLockOwners(ctx context.Context) ([]*aftersale.Member, error) {
	return sqlstore.MemberLockOwners(ctx, tx.Queries)
}
