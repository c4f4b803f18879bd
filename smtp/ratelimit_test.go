package smtp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/smtptest"
)

// fakeClock is a clock that moves only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func testLimiter(perMinute int, overrides map[string]int) (*limiter, *fakeClock) {
	clock := &fakeClock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	l := newLimiter(perMinute, overrides)
	l.now = clock.now
	return l, clock
}

// step is one message asked for: after advancing the clock by after, a
// message to domain must wait want (ok false: more than the cap).
type step struct {
	after  time.Duration
	domain string
	want   time.Duration
	ok     bool
}

func TestLimiterReserve(t *testing.T) {
	t.Parallel()
	s := time.Second
	tests := []struct {
		name      string
		perMinute int
		overrides map[string]int
		steps     []step
	}{
		{"burst of a tenth of a minute, then even spacing", 60, nil, []step{
			{0, "gmail.com", 0, true}, {0, "gmail.com", 0, true}, {0, "gmail.com", 0, true},
			{0, "gmail.com", 0, true}, {0, "gmail.com", 0, true}, {0, "gmail.com", 0, true},
			{0, "gmail.com", 1 * s, true}, {0, "gmail.com", 2 * s, true}, {0, "gmail.com", 3 * s, true},
		}},
		{"domains have their own buckets", 6, nil, []step{
			{0, "gmail.com", 0, true}, {0, "gmail.com", 10 * s, true},
			{0, "yahoo.com", 0, true}, {0, "yahoo.com", 10 * s, true},
		}},
		{"tokens come back with time", 6, nil, []step{
			{0, "gmail.com", 0, true}, {0, "gmail.com", 10 * s, true},
			{25 * s, "gmail.com", 0, true}, {0, "gmail.com", 10 * s, true},
			{15 * s, "gmail.com", 5 * s, true},
			{time.Hour, "gmail.com", 0, true}, {0, "gmail.com", 10 * s, true}, // the bucket holds one at most
		}},
		{"a wait past the cap is refused and takes nothing", 1, nil, []step{
			{0, "gmail.com", 0, true}, {0, "gmail.com", 60 * s, false},
			{0, "gmail.com", 60 * s, false}, {45 * s, "gmail.com", 15 * s, true},
		}},
		{"up to the cap is a wait", 2, nil, []step{
			{0, "gmail.com", 0, true}, {0, "gmail.com", 30 * s, true}, {0, "gmail.com", 60 * s, false},
		}},
		{"overrides", 600, map[string]int{"yahoo.com": 6, "aol.com": 0}, []step{
			{0, "yahoo.com", 0, true}, {0, "yahoo.com", 10 * s, true},
			{0, "gmail.com", 0, true},
			{0, "aol.com", 0, true}, {0, "aol.com", 0, true}, {0, "aol.com", 0, true},
		}},
		{"no default limit: only the overrides are limited", 0, map[string]int{"yahoo.com": 1}, []step{
			{0, "gmail.com", 0, true}, {0, "gmail.com", 0, true}, {0, "gmail.com", 0, true},
			{0, "yahoo.com", 0, true}, {0, "yahoo.com", 60 * s, false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, clock := testLimiter(tt.perMinute, tt.overrides)
			for i, st := range tt.steps {
				clock.advance(st.after)
				got, ok := l.reserve(st.domain)
				if ok != st.ok || (got-st.want).Abs() > time.Millisecond {
					t.Errorf("step %d (%s): wait %v ok %v, want %v ok %v", i, st.domain, got, ok, st.want, st.ok)
				}
			}
		})
	}
}

func TestLimiterWait(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l, _ := testLimiter(6, nil)
	var slept []time.Duration
	l.sleep = func(ctx context.Context, d time.Duration) error {
		slept = append(slept, d)
		return ctx.Err()
	}
	for range 2 {
		if err := l.wait(ctx, "gmail.com"); err != nil {
			t.Fatal(err)
		}
	}
	if len(slept) != 1 || slept[0] != 10*time.Second {
		t.Errorf("slept %v, want [10s]", slept)
	}

	// A cancelled wait gives its token back: the next message waits as
	// long as the cancelled one would have.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	err := l.wait(cancelled, "gmail.com")
	var d *aftersale.DeliveryError
	if !errors.As(err, &d) || !d.Temporary || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want a temporary DeliveryError", err)
	}
	if got, _ := l.reserve("gmail.com"); got != 20*time.Second {
		t.Errorf("after a cancelled wait: %v, want 20s", got)
	}

	// Past the cap: no sleeping at all.
	if got, ok := l.reserve("gmail.com"); got != 30*time.Second || !ok {
		t.Errorf("up to the cap: %v %v, want 30s", got, ok)
	}
	slept = nil
	err = l.wait(ctx, "gmail.com")
	if !errors.As(err, &d) || !d.Temporary || !strings.Contains(err.Error(), "gmail.com") || len(slept) != 0 {
		t.Errorf("past the cap: %v after sleeping %v", err, slept)
	}
}

func TestLimiterForgetsIdleDomains(t *testing.T) {
	t.Parallel()
	l, clock := testLimiter(60, nil)
	for i := range pruneAt {
		l.reserve(fmt.Sprintf("d%d.example", i))
	}
	clock.advance(time.Minute)
	l.reserve("new.example")
	if n := len(l.buckets); n != 1 {
		t.Errorf("%d buckets after a quiet minute, want 1", n)
	}
}

func TestDomainOf(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"ana@GMail.COM":          "gmail.com",
		`"a@b"@Example.org.`:     "example.org",
		"no-at-sign.example.com": "no-at-sign.example.com",
	} {
		if got := domainOf(addr); got != want {
			t.Errorf("domainOf(%q) = %q, want %q", addr, got, want)
		}
	}
}

func rateEmail(id, to string) *aftersale.Email {
	return &aftersale.Email{
		MessageID: "<" + id + "@aftersale.example>",
		From:      aftersale.Address{Email: "hello@brightpath.example"},
		To:        aftersale.Address{Email: to},
		Subject:   "Hello",
		Text:      "Hello\n",
	}
}

// TestSendWaitsForTheDomainRate checks that a message waiting for its
// domain's turn holds up neither the connection nor other domains' mail,
// and that its wait ends with its context.
func TestSendWaitsForTheDomainRate(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	s, err := New(srv.URL(), WithDomainRate(0, map[string]int{"Slow.Example": 4}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	waiting := make(chan time.Duration, 1)
	s.limiter.sleep = func(ctx context.Context, d time.Duration) error {
		waiting <- d
		<-ctx.Done()
		return ctx.Err()
	}
	ctx := context.Background()
	if err := s.Send(ctx, rateEmail("slow-1", "ana@slow.example")); err != nil {
		t.Fatal(err)
	}

	waitCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Send(waitCtx, rateEmail("slow-2", "bo@SLOW.example")) }()
	if d := <-waiting; (d - 15*time.Second).Abs() > time.Second {
		t.Errorf("waits %v, want 15s", d)
	}
	// Meanwhile other domains' mail goes out over the connection.
	if err := s.Send(ctx, rateEmail("fast", "cy@fast.example")); err != nil {
		t.Fatal(err)
	}
	cancel()
	err = <-done
	if !aftersale.IsTemporary(err) || !errors.Is(err, context.Canceled) {
		t.Errorf("the waiting Send: %v, want a temporary error", err)
	}
	var ids []string
	for _, m := range srv.Messages() {
		ids = append(ids, m.Header.Get("Message-Id"))
	}
	if strings.Join(ids, " ") != "<slow-1@aftersale.example> <fast@aftersale.example>" {
		t.Errorf("sent %v", ids)
	}
}

func TestSendPastTheRateCap(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	s, err := New(srv.URL(), WithDomainRate(1, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Send(ctx, rateEmail("a", "ana@gmail.com")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = s.Send(ctx, rateEmail("b", "bo@gmail.com"))
	var d *aftersale.DeliveryError
	if !errors.As(err, &d) || !d.Temporary || d.Code != 0 || !strings.Contains(err.Error(), "rate") {
		t.Errorf("second message: %v, want a temporary rate error", err)
	}
	if time.Since(start) > time.Second {
		t.Errorf("refusing took %v; it should not wait", time.Since(start))
	}
	if err := s.Send(ctx, rateEmail("c", "cy@yahoo.com")); err != nil {
		t.Errorf("another domain: %v", err)
	}
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("%d messages, want 2", n)
	}
}

func TestDomainRateChecked(t *testing.T) {
	t.Parallel()
	for _, o := range []map[string]int{{"": 1}, {"a@b.example": 1}, {"Gmail.com": 1, "gmail.com.": 2}} {
		if _, err := New("smtp://127.0.0.1:25", WithDomainRate(1, o)); err == nil || !strings.Contains(err.Error(), "WithDomainRate") {
			t.Errorf("overrides %v: %v", o, err)
		}
	}
}
