package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/aftersale/aftersale"
)

// The store's health (aftersale.StoreHealth) is one per Service: the HTTP
// handlers (through StoreHealth), the event processor, the group commits
// and the jobs (through River's error handler) report the writes the
// store refused for want of room, and /healthz fails while they last. It
// is cleared by its probe (probeStore), which /healthz runs while the
// store is down, not by the next write that commits: whether a write
// needed room is a property of each of them (a duplicate event, a delete,
// an update in place commit on a full disk), while the probe is one write
// that needs fresh pages.
const (
	// probeSetting is the setting the probe writes and empties again.
	probeSetting = "store_probe"
	// probeBytes is the size of what the probe writes: more than a
	// database page (4 KiB), so that it needs pages of its own, free or
	// new, as an event or an order of a few lines does.
	probeBytes = 16 << 10
	// probeTimeout bounds a probe, which a health check waits for.
	probeTimeout = 5 * time.Second
)

// StoreHealth returns the health of the store, which the HTTP server
// reports into and answers /healthz from.
func (s *Service) StoreHealth() *aftersale.StoreHealth { return s.health }

// probeStore writes probeBytes of random text (which no database
// compresses away) to a setting and empties it again, in one committed
// transaction: on a full disk it fails with EUNAVAILABLE. Emptying it
// makes the next probe write fresh pages, not overwrite its last ones in
// place.
func (s *Service) probeStore(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	b := make([]byte, probeBytes/2)
	rand.Read(b)
	v := hex.EncodeToString(b)
	err := s.cfg.Store.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		if err := tx.SettingSet(ctx, probeSetting, v); err != nil {
			return err
		}
		return tx.SettingSet(ctx, probeSetting, "")
	})
	switch code := aftersale.ErrorCode(err); {
	case err == nil:
		s.log.InfoContext(ctx, "the store takes writes again")
	case code != aftersale.EUNAVAILABLE:
		s.log.WarnContext(ctx, "store probe failed", "err", aftersale.Redact(err))
	}
	return err
}

// jobErrors is River's error handler: a job that failed because the
// store refused a write for want of room marks the store down. The job
// is retried as usual.
type jobErrors struct{ health *aftersale.StoreHealth }

// HandleError implements river.ErrorHandler.
func (h jobErrors) HandleError(_ context.Context, _ *rivertype.JobRow, err error) *river.ErrorHandlerResult {
	h.health.Note(err)
	return nil
}

// HandlePanic implements river.ErrorHandler.
func (jobErrors) HandlePanic(context.Context, *rivertype.JobRow, any, string) *river.ErrorHandlerResult {
	return nil
}
