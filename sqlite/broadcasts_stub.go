package sqlite

// Stubs, replaced by the implementation of the broadcasts store methods.

import (
	"context"
	"time"

	"github.com/aftersale/aftersale"
)

var _ = time.Time{}

func (q *queries) CustomerSetConsent(ctx context.Context, id int64, consent bool, at time.Time) error {
	return errNotYet("CustomerSetConsent")
}

func (q *queries) CustomerErase(ctx context.Context, id int64, at time.Time) error {
	return errNotYet("CustomerErase")
}

func (q *queries) BroadcastCreate(ctx context.Context, b *aftersale.Broadcast) (*aftersale.Broadcast, error) {
	return nil, errNotYet("BroadcastCreate")
}

func (q *queries) BroadcastUpdate(ctx context.Context, b *aftersale.Broadcast) error {
	return errNotYet("BroadcastUpdate")
}

func (q *queries) BroadcastGet(ctx context.Context, id int64) (*aftersale.Broadcast, error) {
	return nil, errNotYet("BroadcastGet")
}

func (q *queries) BroadcastList(ctx context.Context, limit int) ([]*aftersale.Broadcast, error) {
	return nil, errNotYet("BroadcastList")
}

func (q *queries) BroadcastSetStatus(ctx context.Context, id int64, from, to string, at time.Time) error {
	return errNotYet("BroadcastSetStatus")
}

func (q *queries) BroadcastListDue(ctx context.Context, now time.Time) ([]*aftersale.Broadcast, error) {
	return nil, errNotYet("BroadcastListDue")
}

func (q *queries) BroadcastAudience(ctx context.Context, seg aftersale.Segment, afterID int64, limit int) ([]*aftersale.Customer, error) {
	return nil, errNotYet("BroadcastAudience")
}

func (q *queries) BroadcastRecipientBegin(ctx context.Context, r *aftersale.BroadcastRecipient) (rec *aftersale.BroadcastRecipient, created bool, err error) {
	return nil, false, errNotYet("BroadcastRecipientBegin")
}

func (q *queries) BroadcastRecipientFinish(ctx context.Context, broadcastID, customerID int64, status, messageID, errText string, at time.Time) error {
	return errNotYet("BroadcastRecipientFinish")
}

func (q *queries) BroadcastRecipientList(ctx context.Context, customerID int64) ([]*aftersale.BroadcastRecipient, error) {
	return nil, errNotYet("BroadcastRecipientList")
}

// Scrub is a stub.
func (db *DB) Scrub(ctx context.Context) error { return errNotYet("Scrub") }
