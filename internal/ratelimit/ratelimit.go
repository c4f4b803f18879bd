// Package ratelimit counts attempts by key within a sliding window and
// blocks a key that made too many: the admin UI's failed logins (per
// account, device and client address) and the public returns page's order
// lookups. The counts are kept in memory, per node: with several nodes
// behind a load balancer, each node allows that many.
package ratelimit

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// MaxKeys is the number of keys of one kind (accounts, addresses) a
// Limiter holds at most: it bounds the memory an attacker can take.
const MaxKeys = 100_000

// Limiter counts recent attempts by key ("email:..." and "ip:...") and
// blocks a key that reached max attempts within the window.
//
// The memory is bounded per kind of key (the part before the first ":"):
// at most budget keys of each, so that a flood of one kind (many client
// addresses) cannot push out the keys of another (the accounts it aims
// at). When a new key would pass its kind's budget, makeRoom forgets, of
// that kind, first the keys whose attempts are all older than the window,
// then the keys below the limit that saw no attempt for the longest, and
// only when every key of the kind is at the limit, those whose block ends
// soonest.
type Limiter struct {
	max    int
	window time.Duration
	budget int // keys of one kind at most (MaxKeys)
	mu     sync.Mutex
	fails  map[string][]time.Time
	kinds  map[string]int // the number of keys in fails, by keyKind
	now    func() time.Time
}

// New returns a Limiter that blocks a key after max attempts within
// window.
func New(max int, window time.Duration) *Limiter {
	return &Limiter{max: max, window: window, budget: MaxKeys,
		fails: map[string][]time.Time{}, kinds: map[string]int{}, now: time.Now}
}

// keyKind is the kind of a key: "email" for "email:a@x", "" for a key
// without a colon.
func keyKind(key string) string {
	if i := strings.IndexByte(key, ':'); i >= 0 {
		return key[:i]
	}
	return ""
}

// set stores the attempts of key, counting a new key in its kind; l.mu is
// held.
func (l *Limiter) set(key string, list []time.Time) {
	if _, ok := l.fails[key]; !ok {
		l.kinds[keyKind(key)]++
	}
	l.fails[key] = list
}

// forget drops key and its attempts; l.mu is held.
func (l *Limiter) forget(key string) {
	if _, ok := l.fails[key]; !ok {
		return
	}
	delete(l.fails, key)
	kind := keyKind(key)
	if l.kinds[kind]--; l.kinds[kind] <= 0 {
		delete(l.kinds, kind)
	}
}

// makeRoom makes room for one more key of kind when the kind is at its
// budget, by forgetting a tenth of the budget at once (so that a flood
// pays for a sweep once per many new keys, not for each): first the keys
// with no attempt left within the window (all of them), then the keys
// below the limit whose last attempt is the oldest, then, only when that
// is not enough, the keys at the limit whose block ends soonest. The keys
// in keep (those of the attempt being recorded) stay. l.mu is held.
func (l *Limiter) makeRoom(kind string, keep []string, now time.Time) {
	if l.kinds[kind] < l.budget {
		return
	}
	type entry struct {
		key string
		at  time.Time // the last attempt (open), or the end of the block (locked)
	}
	var open, locked []entry
	for k := range l.fails {
		if keyKind(k) != kind || slices.Contains(keep, k) {
			continue
		}
		list := l.recent(k, now) // forgets k when all its attempts are old
		switch {
		case list == nil:
		case len(list) >= l.max:
			locked = append(locked, entry{k, list[len(list)-l.max].Add(l.window)})
		default:
			open = append(open, entry{k, list[len(list)-1]})
		}
	}
	excess := l.kinds[kind] - (l.budget - max(1, l.budget/10))
	for _, group := range [][]entry{open, locked} {
		if excess <= 0 {
			return
		}
		slices.SortFunc(group, func(a, b entry) int { return a.at.Compare(b.at) })
		for _, e := range group[:min(excess, len(group))] {
			l.forget(e.key)
			excess--
		}
	}
}

// recent returns the attempts of key within the window; l.mu is held.
func (l *Limiter) recent(key string, now time.Time) []time.Time {
	list := l.fails[key]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= l.window {
		i++
	}
	if i == len(list) {
		l.forget(key)
		return nil
	}
	if i > 0 {
		list = list[i:]
		l.fails[key] = list
	}
	return list
}

// Blocked says whether any key has reached the limit, and for how long it
// stays blocked.
func (l *Limiter) Blocked(keys []string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.blockedLocked(keys, l.now())
}

func (l *Limiter) blockedLocked(keys []string, now time.Time) (time.Duration, bool) {
	var wait time.Duration
	for _, k := range keys {
		if list := l.recent(k, now); len(list) >= l.max {
			wait = max(wait, list[len(list)-l.max].Add(l.window).Sub(now))
		}
	}
	return wait, wait > 0
}

// Fail records an attempt under every key.
func (l *Limiter) Fail(keys []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failLocked(keys, l.now())
}

func (l *Limiter) failLocked(keys []string, now time.Time) {
	for _, k := range keys {
		list := l.recent(k, now)
		if list == nil {
			l.makeRoom(keyKind(k), keys, now)
		}
		if len(list) >= l.max*2 {
			list = list[1:] // enough to block; keep it short
		}
		l.set(k, append(list, now))
	}
}

// Allow records an attempt under every key unless one of them has reached
// the limit already; then it records nothing and reports how long to wait.
func (l *Limiter) Allow(keys []string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if wait, blocked := l.blockedLocked(keys, now); blocked {
		return wait, false
	}
	l.failLocked(keys, now)
	return 0, true
}

// Reset forgets the attempts of key (the email, after a successful login).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.forget(key)
}

// Reserve records an attempt under every key unless one of them has
// reached the limit already, as Allow does, in one step: concurrent
// attempts cannot all pass a check made before any is recorded. It returns
// the time the attempt was recorded at, for Refund.
func (l *Limiter) Reserve(keys []string) (at time.Time, wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if wait, blocked := l.blockedLocked(keys, now); blocked {
		return time.Time{}, wait, false
	}
	l.failLocked(keys, now)
	return now, 0, true
}

// Refund takes back an attempt that Reserve recorded at at under the keys
// (one each): a login that succeeded, or one that was not checked.
func (l *Limiter) Refund(keys []string, at time.Time) {
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
			l.forget(k)
		} else {
			l.fails[k] = list
		}
	}
}
