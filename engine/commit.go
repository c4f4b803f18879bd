package engine

import (
	"context"
	"errors"
	"sync"

	"github.com/aftersale/aftersale"
)

// maxBatch caps the requests of one group-commit transaction.
const maxBatch = 256

// errClosed is returned after Close.
var errClosed = errors.New("engine: the service is shutting down")

// txFunc is one request's share of a shared transaction. It may run twice
// (see committer), so it must set its results afresh each time.
type txFunc func(ctx context.Context, tx aftersale.Tx) error

type txReq struct {
	fn   txFunc
	done chan error
}

// committer runs the writes of concurrent callers in shared transactions
// (group commit). Each committer goroutine takes the first waiting request,
// then every request queued behind it (up to maxBatch), and runs them all
// in one transaction: under load, one disk flush serves many events and
// many sent emails; alone, a request is committed at once, with no added
// wait. If a shared transaction fails, its requests are run again one
// transaction each, so one bad request cannot fail the others.
type committer struct {
	store aftersale.Store
	queue chan *txReq
	stop  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
}

func newCommitter(store aftersale.Store, n int) *committer {
	if n <= 0 {
		n = 1
	}
	c := &committer{store: store, queue: make(chan *txReq, maxBatch), stop: make(chan struct{})}
	for i := 0; i < n; i++ {
		c.wg.Add(1)
		go c.loop()
	}
	return c
}

// do runs fn in a shared transaction and returns once it has committed
// (or failed). If ctx ends first, fn may still be committed.
func (c *committer) do(ctx context.Context, fn txFunc) error {
	r := &txReq{fn: fn, done: make(chan error, 1)}
	select {
	case <-c.stop:
		return errClosed
	default:
	}
	select {
	case c.queue <- r:
	case <-c.stop:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *committer) loop() {
	defer c.wg.Done()
	for {
		var first *txReq
		select {
		case first = <-c.queue:
		case <-c.stop:
			c.drain()
			return
		}
		batch := []*txReq{first}
	gather:
		for len(batch) < maxBatch {
			select {
			case r := <-c.queue:
				batch = append(batch, r)
			default:
				break gather
			}
		}
		c.commit(batch)
	}
}

// drain answers what is still queued at close.
func (c *committer) drain() {
	for {
		select {
		case r := <-c.queue:
			r.done <- errClosed
		default:
			return
		}
	}
}

// commit runs the batch in one transaction, or, if that fails and the
// batch has more than one request, each in its own.
func (c *committer) commit(batch []*txReq) {
	ctx := context.Background()
	err := c.store.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		for _, r := range batch {
			if err := r.fn(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil || len(batch) == 1 {
		for _, r := range batch {
			r.done <- err
		}
		return
	}
	for _, r := range batch {
		r.done <- c.store.Update(ctx, r.fn)
	}
}

// close stops the committers after the requests they hold.
func (c *committer) close() {
	c.once.Do(func() {
		close(c.stop)
		c.wg.Wait()
	})
}
