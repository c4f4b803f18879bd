package admin

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/aftersale/aftersale"
)

// sessionStore keeps scs sessions in aftersale's own database, through the
// Store's Session* methods. It implements scs.Store and scs.CtxStore.
// Expired sessions are purged at most once an hour, on a commit.
type sessionStore struct {
	st        aftersale.SessionQueries
	lastPurge atomic.Int64 // unix seconds
}

const sessionPurgeEvery = time.Hour

// Find returns the data of an unexpired session.
func (s *sessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit stores a session.
func (s *sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete removes a session.
func (s *sessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// FindCtx returns the data of an unexpired session.
func (s *sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	return s.st.SessionFind(ctx, token, time.Now().UTC())
}

// CommitCtx stores (or replaces) a session.
func (s *sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if err := s.st.SessionCommit(ctx, &aftersale.Session{Token: token, Data: b, Expiry: expiry.UTC()}); err != nil {
		return err
	}
	now := time.Now().UTC()
	if last := s.lastPurge.Load(); now.Unix()-last >= int64(sessionPurgeEvery/time.Second) &&
		s.lastPurge.CompareAndSwap(last, now.Unix()) {
		if _, err := s.st.SessionPurge(ctx, now); err != nil {
			return fmt.Errorf("purge expired sessions: %w", err)
		}
	}
	return nil
}

// DeleteCtx removes a session.
func (s *sessionStore) DeleteCtx(ctx context.Context, token string) error {
	return s.st.SessionDelete(ctx, token)
}
