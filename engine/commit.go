package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aftersale/aftersale"
)

// maxBatch caps the requests of one group commit.
const maxBatch = 256

// errClosed is returned after Close.
var errClosed = errors.New("engine: the service is shutting down")

// batcher runs the writes of concurrent callers together (group commit).
// Each of its goroutines takes the first waiting request, then every request
// queued behind it (up to maxBatch), and hands them all to run, which
// writes them in one transaction: under load, one disk flush serves many
// requests; alone, a request is written at once, with no added wait
// (unless the batcher lingers, see newCommitter).
type batcher[In, Out any] struct {
	// run writes the batch and returns one result per request, in order.
	run func(ctx context.Context, in []In) []result[Out]
	// linger, when positive, is how long a batch waits for more requests
	// after its first (see newCommitter).
	linger time.Duration
	queue  chan *batchReq[In, Out]
	stop   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
}

type result[Out any] struct {
	out Out
	err error
}

type batchReq[In, Out any] struct {
	in   In
	done chan result[Out]
}

func newBatcher[In, Out any](n int, linger time.Duration, run func(ctx context.Context, in []In) []result[Out]) *batcher[In, Out] {
	if n <= 0 {
		n = 1
	}
	b := &batcher[In, Out]{run: run, linger: linger, queue: make(chan *batchReq[In, Out], maxBatch), stop: make(chan struct{})}
	for i := 0; i < n; i++ {
		b.wg.Add(1)
		go b.loop()
	}
	return b
}

// do writes in with the others waiting and returns once that is committed
// (or failed). If ctx ends first, in may still be committed.
func (b *batcher[In, Out]) do(ctx context.Context, in In) (Out, error) {
	return b.submit(ctx, in)(ctx)
}

// submit queues in to be written with the others waiting (ctx bounds the
// wait for room in the queue) and returns at once a function that waits
// for the commit (or failure) and returns its result, so that the caller
// can go on meanwhile. A result already there is returned whatever the
// context given to that function; if it ends first, in may still be
// committed.
func (b *batcher[In, Out]) submit(ctx context.Context, in In) func(context.Context) (Out, error) {
	var zero Out
	failed := func(err error) func(context.Context) (Out, error) {
		return func(context.Context) (Out, error) { return zero, err }
	}
	r := &batchReq[In, Out]{in: in, done: make(chan result[Out], 1)}
	select {
	case <-b.stop:
		return failed(errClosed)
	default:
	}
	select {
	case b.queue <- r:
	case <-b.stop:
		return failed(errClosed)
	case <-ctx.Done():
		return failed(ctx.Err())
	}
	return func(ctx context.Context) (Out, error) {
		select {
		case res := <-r.done:
			return res.out, res.err
		default:
		}
		select {
		case res := <-r.done:
			return res.out, res.err
		case <-ctx.Done():
			return zero, ctx.Err()
		}
	}
}

func (b *batcher[In, Out]) loop() {
	defer b.wg.Done()
	for {
		var first *batchReq[In, Out]
		select {
		case first = <-b.queue:
		case <-b.stop:
			b.drain()
			return
		}
		batch := []*batchReq[In, Out]{first}
	gather:
		for len(batch) < maxBatch {
			select {
			case r := <-b.queue:
				batch = append(batch, r)
			default:
				break gather
			}
		}
		if b.linger > 0 && len(batch) < maxBatch {
			t := time.NewTimer(b.linger)
		linger:
			for len(batch) < maxBatch {
				select {
				case r := <-b.queue:
					batch = append(batch, r)
				case <-t.C:
					break linger
				}
			}
			t.Stop()
		}
		in := make([]In, len(batch))
		for i, r := range batch {
			in[i] = r.in
		}
		res := b.run(context.Background(), in)
		for i, r := range batch {
			r.done <- res[i]
		}
	}
}

// drain answers what is still queued at close.
func (b *batcher[In, Out]) drain() {
	for {
		select {
		case r := <-b.queue:
			r.done <- result[Out]{err: errClosed}
		default:
			return
		}
	}
}

// close stops the goroutines after the requests they hold.
func (b *batcher[In, Out]) close() {
	b.once.Do(func() {
		close(b.stop)
		b.wg.Wait()
	})
}

// txFunc is one request's share of a shared transaction. It may run twice
// (see updateAll), so it must set its results afresh each time.
type txFunc func(ctx context.Context, tx aftersale.Tx) error

// recordLinger is how long a commit of step outcomes waits for more to
// share it. Sending, the steps of a job go on while their outcomes commit
// (recordLater), so the wait delays only the end of the job; without it a
// commit carried one or two outcomes at 2,000 emails/s, and the commits
// (WAL frames and an fsync each) took a third of the node's CPU on SQLite
// (bench/README.md).
const recordLinger = 2 * time.Millisecond

// newCommitter returns a batcher that runs txFuncs in shared Update
// transactions, each waiting recordLinger for company; a commit refused
// for want of room is noted in health.
func newCommitter(store aftersale.Store, n int, health *aftersale.StoreHealth) *batcher[txFunc, struct{}] {
	return newBatcher(n, recordLinger, func(ctx context.Context, fns []txFunc) []result[struct{}] {
		return noted(health, updateAll(ctx, store.Update, fns))
	})
}

// newLazyCommitter returns a batcher that runs txFuncs in shared
// UpdateLazy transactions, at once (no linger): for the records of emails
// just handed over (handover.go), which a hand-off slot waits for, and
// which must survive a crash of the process, not of the machine. A
// commit refused for want of room is noted in health.
func newLazyCommitter(store aftersale.Store, n int, health *aftersale.StoreHealth) *batcher[txFunc, struct{}] {
	return newBatcher(n, 0, func(ctx context.Context, fns []txFunc) []result[struct{}] {
		return noted(health, updateAll(ctx, store.UpdateLazy, fns))
	})
}

// noted notes in health the results refused for want of room, and
// returns them.
func noted[Out any](health *aftersale.StoreHealth, res []result[Out]) []result[Out] {
	for _, r := range res {
		if health.Note(r.err) {
			break // one refusal says it
		}
	}
	return res
}

// updateAll runs fns in one transaction of update (the store's Update or
// UpdateLazy), or, if that fails and there is more than one, each in its
// own, so one bad request cannot fail the others.
func updateAll(ctx context.Context, update func(context.Context, func(context.Context, aftersale.Tx) error) error, fns []txFunc) []result[struct{}] {
	res := make([]result[struct{}], len(fns))
	err := update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		for _, fn := range fns {
			if err := fn(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil || len(fns) == 1 {
		for i := range res {
			res[i].err = err
		}
		return res
	}
	for i, fn := range fns {
		res[i].err = update(ctx, fn)
	}
	return res
}

// newInbox returns a batcher that appends events to the store's inbox,
// many per transaction; its result says whether each event was new. An
// append refused for want of room is noted in health.
func newInbox(store aftersale.Store, n int, health *aftersale.StoreHealth) *batcher[*aftersale.StoredEvent, bool] {
	return newBatcher(n, 0, func(ctx context.Context, evs []*aftersale.StoredEvent) (res []result[bool]) {
		defer func() { noted(health, res) }()
		res = make([]result[bool], len(evs))
		isNew, err := store.InboxAppend(ctx, evs)
		if err == nil {
			for i := range res {
				res[i].out = isNew[i]
			}
			return res
		}
		if len(evs) == 1 {
			res[0].err = err
			return res
		}
		for i, ev := range evs {
			isNew, err := store.InboxAppend(ctx, []*aftersale.StoredEvent{ev})
			res[i].err = err
			if err == nil {
				res[i].out = isNew[0]
			}
		}
		return res
	})
}
