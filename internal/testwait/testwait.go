// Package testwait is how tests wait for the service: on its idleness, or
// on a condition, never for a stretch of time, and each wait bounded by one
// hang guard that says what it awaited when it fires.
package testwait

import (
	"context"
	"testing"
	"time"
)

// HangGuard bounds every wait: many times what the slowest wait takes on a
// busy machine, so reaching it means a hang, not slowness.
const HangGuard = 2 * time.Minute

// Idler is what Settle waits on: engine.Service (an interface, so that the
// engine's own tests can use it).
type Idler interface {
	WaitIdle(ctx context.Context) error
}

// Settle waits until s has done everything due by its clock's now (events
// processed, due steps run), and fails t with what was still waiting when
// the hang guard ends first.
func Settle(t testing.TB, s Idler) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), HangGuard)
	defer cancel()
	if err := s.WaitIdle(ctx); err != nil {
		t.Fatalf("the service did not settle within %v: %v", HangGuard, err)
	}
}
