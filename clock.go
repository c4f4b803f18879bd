package aftersale

import (
	"context"
	"sync"
	"time"
)

// Clock tells the time. With a Scale above 1 it also keeps a virtual clock
// that runs Scale times faster than the real one from Origin on: journey
// delays, time zones, quiet hours and business days are all reckoned in
// virtual time, and converted back to real time for scheduling.
//
// A manual clock (NewManualClock) stands still until Advance moves it; tests
// use it to say "a day passes" instead of waiting for one.
type Clock struct {
	// Now returns the real time; nil means time.Now.
	Now func() time.Time
	// Scale divides every delay; values below 1 count as 1.
	Scale float64
	// Origin is the real instant at which virtual and real time agree.
	Origin time.Time

	manual *manualTime
}

// manualTime is the state of a manual clock: its time, the sleepers
// waiting for it to pass a point, and what to call after it moved.
type manualTime struct {
	mu       sync.Mutex
	now      time.Time
	sleepers map[*sleeper]struct{}
	hooks    map[int]func()
	nextHook int
}

type sleeper struct {
	until time.Time
	done  chan struct{}
}

// NewManualClock returns a clock that stands at start until Advance moves
// it. Its scale is 1: virtual and real time are the same.
func NewManualClock(start time.Time) *Clock {
	m := &manualTime{now: start.UTC(), sleepers: map[*sleeper]struct{}{}, hooks: map[int]func(){}}
	return &Clock{Now: m.read, manual: m}
}

func (m *manualTime) read() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Manual reports whether c is a manual clock.
func (c *Clock) Manual() bool { return c != nil && c.manual != nil }

// Advance moves a manual clock forward by d, wakes every Sleep that ends by
// the new time, then calls the OnAdvance hooks in turn and returns when
// they have returned (the engine's dispatcher is one: when Advance returns,
// the steps due by then have their jobs). It panics on a clock that is not
// manual: a test that advances the calendar is a mistake to hear about.
func (c *Clock) Advance(d time.Duration) {
	if !c.Manual() {
		panic("aftersale: Advance on a clock that is not manual")
	}
	m := c.manual
	m.mu.Lock()
	if d > 0 {
		m.now = m.now.Add(d)
	}
	for s := range m.sleepers {
		if !s.until.After(m.now) {
			close(s.done)
			delete(m.sleepers, s)
		}
	}
	hooks := make([]func(), 0, len(m.hooks))
	for i := range m.nextHook {
		if h, ok := m.hooks[i]; ok {
			hooks = append(hooks, h)
		}
	}
	m.mu.Unlock()
	for _, h := range hooks {
		h()
	}
}

// OnAdvance registers f to be called after each Advance of a manual clock
// and returns the function that removes it; on other clocks it does
// nothing.
func (c *Clock) OnAdvance(f func()) (remove func()) {
	if !c.Manual() {
		return func() {}
	}
	m := c.manual
	m.mu.Lock()
	defer m.mu.Unlock()
	id := m.nextHook
	m.nextHook++
	m.hooks[id] = f
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		delete(m.hooks, id)
	}
}

// Sleep waits until d has passed on the clock, or ctx ends, and reports
// whether d passed. On a manual clock only Advance makes time pass.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	if !c.Manual() {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		}
	}
	m := c.manual
	m.mu.Lock()
	s := &sleeper{until: m.now.Add(d), done: make(chan struct{})}
	m.sleepers[s] = struct{}{}
	m.mu.Unlock()
	select {
	case <-ctx.Done():
		m.mu.Lock()
		delete(m.sleepers, s)
		m.mu.Unlock()
		return false
	case <-s.done:
		return true
	}
}

// RealNow returns the real current time in UTC.
func (c *Clock) RealNow() time.Time {
	if c == nil || c.Now == nil {
		return time.Now().UTC()
	}
	return c.Now().UTC()
}

func (c *Clock) scale() float64 {
	if c == nil || c.Scale < 1 {
		return 1
	}
	return c.Scale
}

// VirtualNow returns the current virtual time.
func (c *Clock) VirtualNow() time.Time { return c.ToVirtual(c.RealNow()) }

// ToVirtual converts a real instant to virtual time.
func (c *Clock) ToVirtual(real time.Time) time.Time {
	s := c.scale()
	if s == 1 {
		return real.UTC()
	}
	return c.Origin.Add(time.Duration(float64(real.Sub(c.Origin)) * s)).UTC()
}

// ToReal converts a virtual instant to real time.
func (c *Clock) ToReal(virtual time.Time) time.Time {
	s := c.scale()
	if s == 1 {
		return virtual.UTC()
	}
	return c.Origin.Add(time.Duration(float64(virtual.Sub(c.Origin)) / s)).UTC()
}
