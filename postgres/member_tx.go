package postgres

import (
	"context"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/sqlstore"
)

// MemberLockOwners returns the active owners, oldest first, locked until
// the transaction ends (aftersale.Tx); see sqlstore.MemberLockOwners: the
// rows are locked FOR UPDATE, in the same order in every transaction.
func (tx *Tx) MemberLockOwners(ctx context.Context) ([]*aftersale.Member, error) {
	return sqlstore.MemberLockOwners(ctx, tx.Queries)
}
