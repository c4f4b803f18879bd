package app_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/app"
	"github.com/aftersale/aftersale/internal/testwait"
)

// The tests' time. A test that follows a journey runs the service on a
// manual clock (setupClock) and says "a day passes" (b.days) instead of
// waiting for one; event fixtures take their times from that clock
// (b.orderEvent, b.stamp), never from the calendar, so a test means the same
// on any day and on a slow machine. What a test waits for it waits for on a
// signal (an email arriving, the service falling idle), with a hang guard
// far above the usual time that says what was awaited.

// hangGuard bounds every wait for the service (testwait.HangGuard).
const hangGuard = testwait.HangGuard

// clockStart is where a test's manual clock starts: 09:00 UTC of the Monday
// of the week before now. It is near the real time (River and the sessions
// keep real time), and the weekday and hour, which business days and quiet
// hours depend on, are the same whatever the day the tests run.
func clockStart() time.Time {
	now := time.Now().UTC()
	d := time.Date(now.Year(), now.Month(), now.Day(), 9, 0, 0, 0, time.UTC)
	d = d.AddDate(0, 0, -((int(d.Weekday())+6)%7)-7) // last week's Monday
	return d
}

// withClock runs the service on c.
func withClock(c *aftersale.Clock) func(*app.Config) {
	return func(cfg *app.Config) { cfg.Clock = c }
}

// setupClock boots the service like setup, on a manual clock that starts
// at clockStart; b.clock moves it.
func setupClock(t *testing.T, opts ...func(*app.Config)) *bundle {
	t.Helper()
	c := aftersale.NewManualClock(clockStart())
	b := setup(t, 1, append([]func(*app.Config){withClock(c)}, opts...)...)
	b.clock = c
	return b
}

// now is the service's time: the manual clock's, or the real one.
func (b *bundle) now() time.Time {
	if b.clock != nil {
		return b.clock.RealNow()
	}
	return time.Now().UTC()
}

// stamp is the service's time moved by d, as an event's occurred_at.
func (b *bundle) stamp(d time.Duration) string { return b.now().Add(d).Format(time.RFC3339) }

// orderEvent is orderEvent placed now on the service's clock.
func (b *bundle) orderEvent(id, email, orderID, kind, extra string) string {
	return orderEventAt(b.now(), id, email, orderID, kind, extra)
}

// settle waits until the service has done everything due by its clock's
// now: the events posted are processed and the due steps have run.
func (b *bundle) settle(t testing.TB) {
	t.Helper()
	testwait.Settle(t, b.app.Service())
}

// advance moves the manual clock by d and settles.
func (b *bundle) advance(t testing.TB, d time.Duration) {
	t.Helper()
	if b.clock == nil {
		t.Fatal("advance needs a bundle from setupClock")
	}
	b.settle(t)
	b.clock.Advance(d)
	b.settle(t)
}

// days lets n days pass, one at a time, settling after each, as a real
// month would go by.
func (b *bundle) days(t testing.TB, n int) {
	t.Helper()
	for range n {
		b.advance(t, 24*time.Hour)
	}
}

// describe is for failure messages: what the bundle's clock says.
func (b *bundle) describe() string { return fmt.Sprintf("clock at %s", b.now().Format(time.RFC3339)) }
