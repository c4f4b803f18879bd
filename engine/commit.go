package engine

import (
	"context"
	"errors"
	"sync"

	"github.com/aftersale/aftersale"
)

// maxBatch caps the events of one group-commit transaction.
const maxBatch = 256

// errClosed is returned by Ingest after Close.
var errClosed = errors.New("engine: the service is shutting down")

// ingestReq is one event waiting for its transaction.
type ingestReq struct {
	ev      *aftersale.Event
	payload []byte
	res     ingestRes
	done    chan error
}

// ingestRes is what the transaction decided about the event.
type ingestRes struct {
	duplicate bool
	planned   int
}

// committer stores concurrent events in shared transactions. Each
// committer goroutine takes the first waiting event, then every event that
// queued behind it (up to maxBatch), and commits them in one transaction:
// under load, one disk flush acknowledges many events; alone, an event is
// committed at once, with no added wait. If a shared transaction fails, its
// events are retried one transaction each, so one bad event cannot fail the
// others.
type committer struct {
	svc   *Service
	queue chan *ingestReq
	stop  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
}

func newCommitter(svc *Service, n int) *committer {
	if n <= 0 {
		n = 1
	}
	c := &committer{svc: svc, queue: make(chan *ingestReq, maxBatch), stop: make(chan struct{})}
	for i := 0; i < n; i++ {
		c.wg.Add(1)
		go c.loop()
	}
	return c
}

// submit queues r and waits for its transaction to commit. If ctx ends
// first the event may still be committed; a retry then finds it stored.
func (c *committer) submit(ctx context.Context, r *ingestReq) (ingestRes, error) {
	r.done = make(chan error, 1)
	select {
	case <-c.stop:
		return ingestRes{}, errClosed
	default:
	}
	select {
	case c.queue <- r:
	case <-c.stop:
		return ingestRes{}, errClosed
	case <-ctx.Done():
		return ingestRes{}, ctx.Err()
	}
	select {
	case err := <-r.done:
		return r.res, err
	case <-ctx.Done():
		return ingestRes{}, ctx.Err()
	}
}

func (c *committer) loop() {
	defer c.wg.Done()
	for {
		var first *ingestReq
		select {
		case first = <-c.queue:
		case <-c.stop:
			c.drain()
			return
		}
		batch := []*ingestReq{first}
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

// commit stores the batch in one transaction, or, if that fails and the
// batch has more than one event, each event in its own.
func (c *committer) commit(batch []*ingestReq) {
	ctx := context.Background()
	err := c.commitTx(ctx, batch)
	if err == nil || len(batch) == 1 {
		for _, r := range batch {
			r.done <- err
		}
		return
	}
	for _, r := range batch {
		r.res = ingestRes{}
		r.done <- c.commitTx(ctx, []*ingestReq{r})
	}
}

func (c *committer) commitTx(ctx context.Context, batch []*ingestReq) error {
	s := c.svc
	now := s.cfg.Clock.RealNow()
	return s.cfg.Store.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		var soon []*aftersale.Step
		for _, r := range batch {
			r.res = ingestRes{}
			planned, err := s.ingestOne(ctx, tx, r, now)
			if err != nil {
				return err
			}
			for _, st := range planned {
				if st.Enqueued {
					soon = append(soon, st)
				}
			}
		}
		if len(soon) == 0 {
			return nil
		}
		return s.enqueuer.EnqueueSteps(ctx, tx, soon)
	})
}

// close stops the committers after the events they hold.
func (c *committer) close() {
	c.once.Do(func() {
		close(c.stop)
		c.wg.Wait()
	})
}
