package engine

import (
	"context"
	"sync"
	"testing"
	"time"
)

// doubler is a batcher run function that doubles every request and notes
// the size of each batch.
func doubler(mu *sync.Mutex, sizes *[]int) func(context.Context, []int) []result[int] {
	return func(_ context.Context, in []int) []result[int] {
		mu.Lock()
		*sizes = append(*sizes, len(in))
		mu.Unlock()
		out := make([]result[int], len(in))
		for i, v := range in {
			out[i].out = 2 * v
		}
		return out
	}
}

// A lingering batcher gathers the requests that arrive within its linger
// into one batch, and each caller gets its own result.
func TestBatcherLingerGathers(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	b := newBatcher(1, 500*time.Millisecond, doubler(&mu, &sizes))
	defer b.close()
	ctx := context.Background()
	var waits []func(context.Context) (int, error)
	for i := range 5 {
		waits = append(waits, b.submit(ctx, i))
	}
	for i, w := range waits {
		if v, err := w(ctx); err != nil || v != 2*i {
			t.Errorf("request %d: %d, %v; want %d", i, v, err, 2*i)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sizes) != 1 || sizes[0] != 5 {
		t.Errorf("batch sizes %v, want [5]", sizes)
	}
}

// A result already committed is returned even when the waiter's context
// has ended: a record that was written must not be reported as failed.
func TestBatcherResultBeatsEndedContext(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	const n = 20
	ran := make(chan struct{}) // closed when run has seen all n requests
	run := doubler(&mu, &sizes)
	done := 0
	b := newBatcher(1, 0, func(ctx context.Context, in []int) []result[int] {
		out := run(ctx, in)
		if done += len(in); done == n {
			close(ran)
		}
		return out
	})
	defer b.close()
	var waits []func(context.Context) (int, error)
	for i := range n {
		waits = append(waits, b.submit(context.Background(), i))
	}
	guard, stop := context.WithTimeout(context.Background(), time.Minute)
	defer stop()
	select {
	case <-ran:
	case <-guard.Done():
		t.Fatal("the batches did not run within a minute (hang guard)")
	}
	// The results are sent right after run returns; close returns once the
	// batcher's goroutine has sent them and stopped.
	b.close()
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	// Were the select left to choose between the result and the ended
	// context, it would pick either at random.
	for i, w := range waits {
		if v, err := w(ended); err != nil || v != 2*i {
			t.Errorf("request %d: %d, %v; want %d despite the ended context", i, v, err, 2*i)
		}
	}
}
