package aftersale

import (
	"context"
	"sync"
	"time"
)

// How long a refusal of the store counts, and how often StoreHealth.Check
// probes while it does.
const (
	// StoreDownFor is how long the store counts as down after it last
	// refused a write, unless a probe succeeds first.
	StoreDownFor = time.Minute
	// StoreProbeEvery is how long a refusal is believed before Check
	// probes the store, and the least time between two probes.
	StoreProbeEvery = 10 * time.Second
)

// StoreHealth tells whether the store takes writes, for readiness
// (/healthz). Every part that writes — the HTTP handlers, the event
// processor, the group commits, the jobs — reports a write refused for
// want of room (an EUNAVAILABLE error: a full disk) with Note. The store
// then counts as down until Probe, a small write of fresh pages that
// Check runs while it is down, commits; or, when no probe tells either
// way, until StoreDownFor passes without a refusal. A write of a request
// or a job that commits does not clear it: a duplicate, a delete or an
// update in place commits on a full disk too.
//
// Times are read on Clock. A nil *StoreHealth takes reports and is never
// down.
type StoreHealth struct {
	clock *Clock
	probe func(ctx context.Context) error

	mu      sync.Mutex
	at      time.Time // of the last refusal; zero when none or cleared
	msg     string    // its safe message
	seq     uint64    // counts the refusals, so a probe clears none newer than itself
	probed  time.Time // when the last probe started
	probing bool
}

// NewStoreHealth returns a StoreHealth reading time on clock (nil: the
// real time) and probing the store with probe (nil: none), which must
// commit a small real write and return its error.
func NewStoreHealth(clock *Clock, probe func(ctx context.Context) error) *StoreHealth {
	return &StoreHealth{clock: clock, probe: probe}
}

// Note records err when it is an EUNAVAILABLE error (the store refused a
// write for want of room) and reports whether it was; other errors, and
// nil, are left alone.
func (h *StoreHealth) Note(err error) bool {
	if err == nil || ErrorCode(err) != EUNAVAILABLE {
		return false
	}
	h.Failed(ErrorMessage(err))
	return true
}

// Failed records that the store refused a write now, with msg, a message
// safe to show.
func (h *StoreHealth) Failed(msg string) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.at, h.msg = h.clock.RealNow(), msg
	h.seq++
}

// OK records that the store takes writes again.
func (h *StoreHealth) OK() {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.at, h.msg = time.Time{}, ""
}

// Down returns the message of a refusal less than StoreDownFor ago, as it
// stands, without probing.
func (h *StoreHealth) Down() (msg string, down bool) {
	if h == nil {
		return "", false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.downLocked(h.clock.RealNow())
}

func (h *StoreHealth) downLocked(now time.Time) (string, bool) {
	if h.at.IsZero() || now.Sub(h.at) >= StoreDownFor {
		return "", false
	}
	return h.msg, true
}

// Check is Down after probing the store, when it is down, its last
// refusal and last probe are at least StoreProbeEvery old, and no other
// probe runs: a probe that commits clears the refusals made before it
// started; one refused for want of room is a refusal; another failure
// (the database does not answer) changes nothing.
func (h *StoreHealth) Check(ctx context.Context) (msg string, down bool) {
	if h == nil {
		return "", false
	}
	h.mu.Lock()
	now := h.clock.RealNow()
	msg, down = h.downLocked(now)
	if !down || h.probe == nil || h.probing || now.Sub(h.at) < StoreProbeEvery || now.Sub(h.probed) < StoreProbeEvery {
		h.mu.Unlock()
		return msg, down
	}
	h.probing, h.probed = true, now
	seq := h.seq
	h.mu.Unlock()

	err := h.probe(ctx)
	if !h.Note(err) {
		h.mu.Lock()
		if err == nil && h.seq == seq {
			h.at, h.msg = time.Time{}, ""
		}
		h.mu.Unlock()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.probing = false
	return h.downLocked(h.clock.RealNow())
}
