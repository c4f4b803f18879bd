package auth_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftersale/aftersale/auth"
)

var cheap = auth.Params{Memory: 64, Time: 1, Threads: 1}

// TestPoolBoundsConcurrentHashes holds every worker busy and shows that the
// next hashes wait in the queue, the ones after are refused with ErrBusy
// at once, and no more than Workers ever run together.
func TestPoolBoundsConcurrentHashes(t *testing.T) {
	hold := make(chan struct{})
	var started atomic.Int64
	var maxRunning atomic.Int64
	startedSig := make(chan struct{}, 100)
	p := auth.NewPool(auth.PoolConfig{Workers: 2, Queue: 3, MaxWait: time.Hour, Params: cheap,
		Hook: func(running int) {
			started.Add(1)
			for {
				m := maxRunning.Load()
				if int64(running) <= m || maxRunning.CompareAndSwap(m, int64(running)) {
					break
				}
			}
			startedSig <- struct{}{}
			<-hold
		}})
	hash, err := auth.Hash("correct horse battery", cheap)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const n = 20
	errs := make(chan error, n)
	var wg sync.WaitGroup
	// Two run (and wait in the hook), three queue, fifteen are refused.
	for range n {
		wg.Go(func() { errs <- p.Verify(ctx, hash, "wrong password!") })
	}
	<-startedSig
	<-startedSig
	busy := 0
	for busy < n-2-3 {
		if err := <-errs; !errors.Is(err, auth.ErrBusy) {
			t.Fatalf("a hash beyond workers and queue: %v, want ErrBusy", err)
		}
		busy++
	}
	close(hold)
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, auth.ErrMismatch) {
			t.Errorf("a queued check: %v, want ErrMismatch", err)
		}
	}
	if got := started.Load(); got != 5 {
		t.Errorf("%d hashes ran, want 5 (2 workers + 3 queued)", got)
	}
	if got := maxRunning.Load(); got > 2 {
		t.Errorf("%d hashes ran at once, want at most 2", got)
	}
}

// TestPoolWaitEnds shows that a queued hash gives up with ErrBusy after
// MaxWait, and with the context's error when it ends first.
func TestPoolWaitEnds(t *testing.T) {
	hold, running := make(chan struct{}), make(chan struct{})
	p := auth.NewPool(auth.PoolConfig{Workers: 1, Queue: 1, MaxWait: time.Millisecond, Params: cheap,
		Hook: func(int) { running <- struct{}{}; <-hold }})
	done := make(chan error)
	go func() { _, err := p.Hash(context.Background(), "long enough password"); done <- err }()
	<-running
	if _, err := p.Hash(context.Background(), "long enough password"); !errors.Is(err, auth.ErrBusy) {
		t.Errorf("a hash that waited MaxWait: %v, want ErrBusy", err)
	}
	p2 := auth.NewPool(auth.PoolConfig{Workers: 1, Queue: 1, MaxWait: time.Hour, Params: cheap,
		Hook: func(int) { running <- struct{}{}; <-hold }})
	go func() { _, err := p2.Hash(context.Background(), "long enough password"); done <- err }()
	<-running
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p2.Verify(ctx, "x", "y"); !errors.Is(err, context.Canceled) {
		t.Errorf("a queued check whose context ended: %v, want context.Canceled", err)
	}
	close(hold)
	for range 2 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestPoolHashAndVerify checks that the pool's hashes verify, a short
// password is refused before any hash, and the dummy check of an unknown
// account does one hash and never matches.
func TestPoolHashAndVerify(t *testing.T) {
	var hashes atomic.Int64
	p := auth.NewPool(auth.PoolConfig{Params: cheap, Hook: func(int) { hashes.Add(1) }})
	if p.Workers() < 2 {
		t.Errorf("default workers %d, want at least 2", p.Workers())
	}
	ctx := context.Background()
	if _, err := p.Hash(ctx, "short"); err == nil || hashes.Load() != 0 {
		t.Errorf("a short password: %v after %d hashes", err, hashes.Load())
	}
	h, err := p.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Verify(ctx, h, "correct horse battery"); err != nil {
		t.Errorf("the right password: %v", err)
	}
	if err := p.Verify(ctx, h, "wrong horse battery"); !errors.Is(err, auth.ErrMismatch) {
		t.Errorf("a wrong password: %v", err)
	}
	for _, pw := range []string{"", "not a real password, only for timing", "correct horse battery"} {
		if err := p.VerifyDummy(ctx, pw); !errors.Is(err, auth.ErrMismatch) {
			t.Errorf("VerifyDummy(%q): %v, want ErrMismatch", pw, err)
		}
	}
	if got := hashes.Load(); got != 6 {
		t.Errorf("%d hashes, want 6 (one per Hash, Verify and VerifyDummy)", got)
	}
}
