package smtp

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/aftersale/aftersale"
)

// maxRateWait is the longest Send waits for its recipient domain's rate
// limit. A longer wait fails with a temporary error instead, so that the job
// is retried later and does not hold a worker.
const maxRateWait = 30 * time.Second

// pruneAt is the number of domains above which idle buckets are forgotten.
const pruneAt = 1024

// limiter is a token bucket per recipient domain. Each bucket fills at its
// domain's rate per minute up to burst tokens; a message takes one. A
// message that finds no token reserves the next one and waits for it, so
// messages to a domain go out in the order they asked.
type limiter struct {
	perMinute int            // for domains without an override; <= 0: no limit
	overrides map[string]int // lower-cased domain → per minute; <= 0: no limit
	maxWait   time.Duration
	now       func() time.Time
	// sleep waits for d or until ctx ends; swapped in tests.
	sleep func(ctx context.Context, d time.Duration) error

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// A domain's bucket is a golang.org/x/time/rate token bucket: perMinute
// tokens a minute, holding a tenth of a minute's worth (at least one).

// newLimiter returns a limiter; domains in overrides must already be
// normalised with normDomain.
func newLimiter(perMinute int, overrides map[string]int) *limiter {
	return &limiter{
		perMinute: perMinute,
		overrides: overrides,
		maxWait:   maxRateWait,
		now:       time.Now,
		sleep:     sleepCtx,
		buckets:   map[string]*rate.Limiter{},
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// burstOf is how many messages may go at once after a quiet spell: a tenth
// of a minute's allowance, at least one.
func burstOf(perMinute int) int { return max(1, perMinute/10) }

// reserve takes a token from domain's bucket and returns how long to wait
// before it may be used. When that would be longer than maxWait it takes
// nothing and returns the wait with ok false.
func (l *limiter) reserve(domain string) (wait time.Duration, ok bool) {
	r, wait, ok := l.reservation(domain)
	if r != nil && !ok {
		r.CancelAt(l.now())
	}
	return wait, ok
}

// reservation takes a token of domain's bucket: the wait until it is there
// (0: at once) and the reservation, to cancel when the message does not go
// after all; nil for a domain without a limit. Not ok: the wait would be
// longer than maxWait (the caller cancels the reservation).
func (l *limiter) reservation(domain string) (r *rate.Reservation, wait time.Duration, ok bool) {
	perMinute, limited := l.perMinute, l.perMinute > 0
	if o, has := l.overrides[domain]; has {
		perMinute, limited = o, o > 0
	}
	if !limited {
		return nil, 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[domain]
	if b == nil {
		if len(l.buckets) >= pruneAt {
			l.prune(now)
		}
		b = rate.NewLimiter(rate.Limit(float64(perMinute)/60), burstOf(perMinute))
		b.SetLimitAt(now, b.Limit()) // starts full at now, on the limiter's clock
		l.buckets[domain] = b
	}
	r = b.ReserveN(now, 1)
	wait = r.DelayFrom(now)
	return r, wait, wait <= l.maxWait
}

// prune forgets the buckets that are full again: a new bucket starts full,
// so nothing changes for their domains. The caller holds l.mu.
func (l *limiter) prune(now time.Time) {
	for d, b := range l.buckets {
		if b.TokensAt(now) >= float64(b.Burst()) {
			delete(l.buckets, d)
		}
	}
}

// wait blocks until a message to domain may go, or returns a temporary
// *aftersale.DeliveryError when ctx ends first or the wait would be longer
// than maxWait.
func (l *limiter) wait(ctx context.Context, domain string) error {
	r, d, ok := l.reservation(domain)
	if !ok {
		r.CancelAt(l.now())
		return &aftersale.DeliveryError{Temporary: true, Err: fmt.Errorf(
			"smtp: the sending rate for %s is used up; the next message may go in %v", domain, d.Round(time.Second))}
	}
	if d <= 0 {
		return nil
	}
	if err := l.sleep(ctx, d); err != nil {
		r.CancelAt(l.now()) // the message does not go: its token comes back
		return &aftersale.DeliveryError{Temporary: true, Err: fmt.Errorf("smtp: waiting for the sending rate for %s: %w", domain, err)}
	}
	return nil
}

// normDomain lower-cases a domain and drops a trailing dot.
func normDomain(d string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
}

// domainOf returns the normalised domain of an email address.
func domainOf(addr string) string {
	return normDomain(addr[strings.LastIndexByte(addr, '@')+1:])
}
