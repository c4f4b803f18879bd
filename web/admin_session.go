package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aftersale/aftersale"
)

// sessionStore keeps scs sessions in aftersale's own database, through the
// Store's Session* methods. It implements scs.Store and scs.CtxStore.
// Expired sessions are purged at most once an hour, on a commit.
type sessionStore struct {
	st        aftersale.Store
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

// Login rate limits: at most loginMaxFailures failed logins per email and
// per client IP address within loginWindow. The counts are kept in memory,
// per node: with several nodes behind a load balancer, each node allows
// that many.
const (
	loginMaxFailures = 5
	loginWindow      = 15 * time.Minute
	loginMaxKeys     = 100_000 // bounds the memory an attacker can take
)

// loginLimiter counts recent failed logins by key ("email:..." and
// "ip:...").
type loginLimiter struct {
	mu    sync.Mutex
	fails map[string][]time.Time
	now   func() time.Time
}

func newLoginLimiter() *loginLimiter {
	return &loginLimiter{fails: map[string][]time.Time{}, now: time.Now}
}

// limitKeys returns the keys a login attempt is counted under.
func limitKeys(r *http.Request, email string) []string {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return []string{"email:" + strings.ToLower(strings.TrimSpace(email)), "ip:" + ip}
}

// recent returns the failures of key within the window; l.mu is held.
func (l *loginLimiter) recent(key string, now time.Time) []time.Time {
	list := l.fails[key]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= loginWindow {
		i++
	}
	if i == len(list) {
		delete(l.fails, key)
		return nil
	}
	if i > 0 {
		list = list[i:]
		l.fails[key] = list
	}
	return list
}

// blocked says whether any key has reached the limit, and for how long it
// stays blocked.
func (l *loginLimiter) blocked(keys []string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	for _, k := range keys {
		if list := l.recent(k, now); len(list) >= loginMaxFailures {
			wait = max(wait, list[len(list)-loginMaxFailures].Add(loginWindow).Sub(now))
		}
	}
	return wait, wait > 0
}

// fail records a failed login under every key.
func (l *loginLimiter) fail(keys []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.fails) >= loginMaxKeys {
		for k := range l.fails {
			l.recent(k, now)
		}
		if len(l.fails) >= loginMaxKeys {
			clear(l.fails) // under a flood, forget rather than grow
		}
	}
	for _, k := range keys {
		list := l.recent(k, now)
		if len(list) >= loginMaxFailures*2 {
			list = list[1:] // enough to block; keep it short
		}
		l.fails[k] = append(list, now)
	}
}

// reset forgets the failures of key (the email, after a successful login).
func (l *loginLimiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}
