package engine

import (
	"context"
	"testing"
)

// TestHandOffReleasesOnce: a hand-off released twice (Release after
// Release, or after Record freed it) frees its own slot only, not the slot
// another email holds.
func TestHandOffReleasesOnce(t *testing.T) {
	t.Parallel()
	s := &Service{handovers: make(chan struct{}, 2)}
	ctx := context.Background()
	other, err := s.TakeHandOff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.TakeHandOff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h.Release()
	h.Release()
	if held := len(s.handovers); held != 1 {
		t.Fatalf("after one hand-off was released twice %d slots are held, want 1 (the other's)", held)
	}
	other.Release()
	if held := len(s.handovers); held != 0 {
		t.Fatalf("%d slots held after both were released", held)
	}
	full := &Service{handovers: make(chan struct{}, 1)}
	if _, err := full.TakeHandOff(ctx); err != nil {
		t.Fatal(err)
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := full.TakeHandOff(done); err == nil {
		t.Fatal("a hand-off was taken with every slot held")
	}
}
