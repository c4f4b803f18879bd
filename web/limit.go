package web

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Login rate limits: at most loginMaxFailures failed logins per account
// (the email, trimmed and lower-cased) and per client IP address within
// loginWindow. Each attempt is counted before its password is checked
// (limiter.reserve) and given back when it succeeds, so concurrent
// attempts cannot pass the limit. The counts are kept in memory, per node:
// with several nodes behind a load balancer, each node allows that many.
const (
	loginMaxFailures = 5
	loginWindow      = 15 * time.Minute
	limiterMaxKeys   = 100_000 // bounds the memory an attacker can take
)

// Returns lookup rate limits: at most returnsMaxTries order lookups of the
// public returns page per client IP address within returnsWindow, found or
// not, so that nobody can guess order numbers.
const (
	returnsMaxTries = 10
	returnsWindow   = 15 * time.Minute
)

// limiter counts recent attempts by key ("email:..." and "ip:...") and
// blocks a key that reached max attempts within the window.
type limiter struct {
	max    int
	window time.Duration
	mu     sync.Mutex
	fails  map[string][]time.Time
	now    func() time.Time
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, fails: map[string][]time.Time{}, now: time.Now}
}

// newLoginLimiter counts failed logins.
func newLoginLimiter() *limiter { return newLimiter(loginMaxFailures, loginWindow) }

// clientIP is the address of the client of r (the peer: aftersale does
// not trust forwarding headers).
func clientIP(r *http.Request) string {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return ip
}

// limitKeys returns the keys a login attempt is counted under.
func limitKeys(r *http.Request, email string) []string {
	return []string{"email:" + strings.ToLower(strings.TrimSpace(email)), "ip:" + clientIP(r)}
}

// recent returns the attempts of key within the window; l.mu is held.
func (l *limiter) recent(key string, now time.Time) []time.Time {
	list := l.fails[key]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= l.window {
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
func (l *limiter) blocked(keys []string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.blockedLocked(keys, l.now())
}

func (l *limiter) blockedLocked(keys []string, now time.Time) (time.Duration, bool) {
	var wait time.Duration
	for _, k := range keys {
		if list := l.recent(k, now); len(list) >= l.max {
			wait = max(wait, list[len(list)-l.max].Add(l.window).Sub(now))
		}
	}
	return wait, wait > 0
}

// fail records an attempt under every key.
func (l *limiter) fail(keys []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failLocked(keys, l.now())
}

func (l *limiter) failLocked(keys []string, now time.Time) {
	if len(l.fails) >= limiterMaxKeys {
		for k := range l.fails {
			l.recent(k, now)
		}
		if len(l.fails) >= limiterMaxKeys {
			clear(l.fails) // under a flood, forget rather than grow
		}
	}
	for _, k := range keys {
		list := l.recent(k, now)
		if len(list) >= l.max*2 {
			list = list[1:] // enough to block; keep it short
		}
		l.fails[k] = append(list, now)
	}
}

// allow records an attempt under every key unless one of them has reached
// the limit already; then it records nothing and reports how long to wait.
func (l *limiter) allow(keys []string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if wait, blocked := l.blockedLocked(keys, now); blocked {
		return wait, false
	}
	l.failLocked(keys, now)
	return 0, true
}

// reset forgets the attempts of key (the email, after a successful login).
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}

// reserve records an attempt under every key unless one of them has
// reached the limit already, as allow does, in one step: concurrent
// attempts cannot all pass a check made before any is recorded. It returns
// the time the attempt was recorded at, for refund.
func (l *limiter) reserve(keys []string) (at time.Time, wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if wait, blocked := l.blockedLocked(keys, now); blocked {
		return time.Time{}, wait, false
	}
	l.failLocked(keys, now)
	return now, 0, true
}

// refund takes back an attempt that reserve recorded at at under the keys
// (one each): a login that succeeded, or one that was not checked.
func (l *limiter) refund(keys []string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		list := l.fails[k]
		for i := len(list) - 1; i >= 0; i-- {
			if list[i].Equal(at) {
				list = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(l.fails, k)
		} else {
			l.fails[k] = list
		}
	}
}
