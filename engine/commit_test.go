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
	b := newBatcher(1, 0, doubler(&mu, &sizes))
	defer b.close()
	const n = 20
	var waits []func(context.Context) (int, error)
	for i := range n {
		waits = append(waits, b.submit(context.Background(), i))
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		mu.Lock()
		done := 0
		for _, s := range sizes {
			done += s
		}
		mu.Unlock()
		if done == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the batches did not run")
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(10 * time.Millisecond) // the results are sent right after run returns
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
