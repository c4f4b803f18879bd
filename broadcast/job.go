package broadcast

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/engine"
)

const (
	// runFor is how long one run of a broadcast job sends before
	// it hands over to the next run (a snooze): well inside the job timeout
	// and River's rescue of stuck jobs, so that no run is ever rescued, and
	// so run twice at once, while it still works.
	runFor = 20 * time.Second
	// broadcastSenders is how many messages of a broadcast are handed to
	// the mailer at once (the SMTP pool has 4 connections by default).
	broadcastSenders = 4
	// maxBroadcastPage is the most recipients begun and recorded in one
	// transaction.
	maxBroadcastPage = 500
	// dueEvery is how often scheduled broadcasts are looked for.
	dueEvery = 5 * time.Second
)

// Args is the durable job that sends a broadcast.
type Args struct {
	BroadcastID int64 `json:"broadcast_id"`
}

// Kind names the job kind in River.
func (Args) Kind() string { return "aftersale_broadcast" }

// InsertOpts keeps one job per broadcast.
func (Args) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: engine.MaxAttempts, Queue: river.QueueDefault, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// DueArgs is the periodic job that starts the scheduled
// broadcasts whose time has come.
type DueArgs struct{}

// Kind names the job kind in River.
func (DueArgs) Kind() string { return "aftersale_broadcast_due" }

// InsertOpts keeps at most one look a period, across nodes.
func (DueArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: dueEvery}}
}

type dueWorker struct {
	river.WorkerDefaults[DueArgs]
	svc *Service
}

func (w *dueWorker) Work(ctx context.Context, _ *river.Job[DueArgs]) error {
	_, err := w.svc.StartDue(ctx)
	return err
}

// Jobs is what the pipeline's job runner needs for broadcasts
// (engine.RunnerConfig.Jobs): the worker that sends them, the periodic
// job that starts the scheduled ones when their time comes (on a manual
// clock, each Advance), and, as the runner stops, the word to the
// broadcasts running to stop after the messages in hand. Each runner
// needs its own.
func (s *Service) Jobs() engine.Jobs {
	w := newWorker(s)
	return engine.Jobs{
		Register: func(ws *river.Workers) error {
			if err := river.AddWorkerSafely(ws, w); err != nil {
				return err
			}
			return river.AddWorkerSafely(ws, &dueWorker{svc: s})
		},
		Periodic: []*river.PeriodicJob{river.NewPeriodicJob(
			river.PeriodicInterval(dueEvery),
			func() (river.JobArgs, *river.InsertOpts) { return DueArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true},
		)},
		OnAdvance: func(ctx context.Context) {
			if _, err := s.StartDue(ctx); err != nil && ctx.Err() == nil {
				s.log.ErrorContext(ctx, "broadcasts after the clock advanced", "err", aftersale.Redact(err))
			}
		},
		Stop: w.halt,
	}
}

// worker sends broadcasts, runFor at a time: a run that
// is not done snoozes, and the next run goes on where it stopped. It
// remembers, per broadcast, the audience cursor its last run reached, so
// a long broadcast does not read its whole audience again every run; a
// new process (after a crash) starts from the top, where the recipients'
// records make it pass over those done.
type worker struct {
	river.WorkerDefaults[Args]
	svc *Service

	stopOnce sync.Once
	stop     chan struct{} // closed when the runner stops

	mu      sync.Mutex
	cursors map[int64]int64
}

func newWorker(svc *Service) *worker {
	return &worker{svc: svc, stop: make(chan struct{}), cursors: map[int64]int64{}}
}

// halt makes running broadcasts stop after the messages in hand, so that
// a shutdown does not wait for a whole run.
func (w *worker) halt() { w.stopOnce.Do(func() { close(w.stop) }) }

// Timeout leaves room for the last messages of a run to be sent and
// recorded.
func (w *worker) Timeout(*river.Job[Args]) time.Duration {
	return runFor + 15*time.Second
}

func (w *worker) Work(ctx context.Context, job *river.Job[Args]) error {
	id := job.Args.BroadcastID
	w.mu.Lock()
	after := w.cursors[id]
	w.mu.Unlock()
	done, next, err := w.svc.run(ctx, id, run{
		after: after, until: time.Now().Add(runFor), stop: w.stop, final: job.Attempt >= job.MaxAttempts,
	})
	w.mu.Lock()
	if done {
		delete(w.cursors, id)
	} else {
		w.cursors[id] = next
	}
	w.mu.Unlock()
	switch {
	case err != nil && ctx.Err() == nil:
		return err
	case !done:
		return river.JobSnooze(0) // go on at once (or at the next start)
	}
	return nil
}

// run says where a run of a broadcast starts and when it stops.
type run struct {
	after int64           // the audience cursor: customers above this ID are left
	until time.Time       // hand over after this time (zero: never)
	stop  <-chan struct{} // hand over when closed (nil: never)
	final bool            // the job's last attempt: record temporary failures as failed
}

func (r run) stopped() bool {
	select {
	case <-r.stop:
		return true
	default:
		return !r.until.IsZero() && time.Now().After(r.until)
	}
}

// Run sends a broadcast that is sending, from the top of its
// audience, for at most budget (0: until done), and says whether it is
// done. It is what the broadcast job runs; each recipient with a final
// record is passed over, so running it again (after a crash, or while it
// is running elsewhere) sends nobody a second message.
func (s *Service) Run(ctx context.Context, id int64, budget time.Duration) (done bool, err error) {
	r := run{}
	if budget > 0 {
		r.until = time.Now().Add(budget)
	}
	done, _, err = s.run(ctx, id, r)
	return done, err
}

// run sends the broadcast page by page, a page being about a
// second of messages at the broadcast's rate: it begins the page's
// recipients in one transaction (those with a final record are passed
// over), sends to each after checking them again (consent, unsubscribe,
// suppression: a change since the page was read counts), paced to the
// rate, recording each message handed over as the Mailer returns, and
// records the other outcomes in one transaction. A temporary delivery
// failure ends the run with an error after recording the rest, so the job
// is retried later; those recipients are still "sending" and get their
// message then, with the same Message-ID. It returns whether the broadcast
// is done (sent, cancelled or gone) and the cursor reached.
func (s *Service) run(ctx context.Context, id int64, r run) (done bool, next int64, err error) {
	next = r.after
	st := s.cfg.Store
	b, err := st.BroadcastGet(ctx, id)
	if aftersale.IsNotFound(err) {
		return true, next, nil
	} else if err != nil {
		return false, next, err
	}
	if b.Status != aftersale.BroadcastSending {
		return true, next, nil
	}
	t, err := email.ParseBroadcast(b.Subject, b.Body)
	if err != nil {
		// It parsed when it was saved; only a change of aftersale itself
		// could break it. Sending nothing is better than sending it wrong.
		s.log.ErrorContext(ctx, "broadcast does not parse: cancelled", "broadcast_id", id, "err", err)
		err := st.BroadcastSetStatus(ctx, id, aftersale.BroadcastSending, aftersale.BroadcastCancelled, s.cfg.Clock.RealNow())
		return err == nil, next, err
	}
	seg := b.Segment
	if b.FirstLook {
		seg.CustomersOnly = true
	}
	rate := min(max(b.Rate, 1), MaxRate)
	pageSize := min(rate, maxBroadcastPage)
	p := newPacer(rate)
	for {
		if r.stopped() || ctx.Err() != nil {
			return false, next, ctx.Err()
		}
		page, cursor, more, err := s.audiencePage(ctx, seg, next, pageSize)
		if err != nil {
			return false, next, err
		}
		if len(page) > 0 {
			complete, err := s.sendPage(ctx, b, t, page, p, r)
			if err != nil || !complete {
				return false, next, err
			}
		}
		next = cursor
		if !more {
			break
		}
		// Cancelled meanwhile?
		cur, err := st.BroadcastGet(ctx, id)
		if err != nil {
			return false, next, err
		}
		if cur.Status != aftersale.BroadcastSending {
			s.log.InfoContext(ctx, "broadcast stopped", "broadcast_id", id, "status", cur.Status)
			return true, next, nil
		}
	}
	err = st.BroadcastSetStatus(ctx, id, aftersale.BroadcastSending, aftersale.BroadcastSent, s.cfg.Clock.RealNow())
	if aftersale.ErrorCode(err) == aftersale.ECONFLICT {
		return true, next, nil // cancelled at the last moment
	} else if err != nil {
		return false, next, err
	}
	if fin, err := st.BroadcastGet(ctx, id); err == nil {
		s.log.InfoContext(ctx, "broadcast sent", "broadcast_id", id, "sent", fin.Sent, "skipped", fin.Skipped, "failed", fin.Failed)
	}
	return true, next, nil
}

// recipientOutcome is what happened to one recipient's message.
type recipientOutcome struct {
	customerID int64
	status     string // sent, skipped or failed; "" when it is to be tried again
	messageID  string
	errText    string
	at         time.Time
	retry      error // a temporary failure
	// recorded: the outcome was committed as the message was handed
	// over (recordHandedOver), so the page's record passes it.
	recorded bool
}

// sendPage sends the broadcast to the customers of one page and
// records the outcomes. complete is false when the run must stop before
// the page was done (a stop, the context, a temporary failure, which is
// returned as the error).
//
// A message handed to the Mailer holds a hand-off slot (handover.go),
// shared with the journey steps' emails, until its outcome is committed,
// as soon as the Mailer returns; the page's record writes the others (the
// recipients skipped, and any early record that failed). A crash (kill
// -9) so resends at most Config.HandOvers messages of all the broadcasts
// and steps running, not a page.
func (s *Service) sendPage(ctx context.Context, b *aftersale.Broadcast, t *email.Broadcast, page []*aftersale.Customer,
	p *pacer, r run) (complete bool, err error) {
	now := s.cfg.Clock.RealNow()
	var todo []*aftersale.Customer
	err = s.cfg.Store.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		todo = todo[:0]
		for _, c := range page {
			rec, _, err := tx.BroadcastRecipientBegin(ctx, &aftersale.BroadcastRecipient{
				BroadcastID: b.ID, CustomerID: c.ID, Status: aftersale.RecipientSending,
				MessageID: s.messageID(b.ID, c.ID), At: now,
			})
			if err != nil {
				return err
			}
			if rec.Status == aftersale.RecipientSending {
				todo = append(todo, c)
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}

	// Messages handed over finish even when the job's context ends, so
	// that they are recorded (or they would be sent again).
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	outcomes := make([]*recipientOutcome, len(todo))
	var wg sync.WaitGroup
	var records sync.WaitGroup // the outcomes committed as they are handed over
	var failing, cut atomic.Bool
	sem := make(chan struct{}, broadcastSenders)
	complete = true
	for i, c := range todo {
		if failing.Load() || !p.wait(ctx, r.stop) {
			complete = false
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			o := s.sendOne(ctx, sendCtx, b, t, c.ID, r.final, &records)
			switch {
			case o == nil:
				cut.Store(true)
			case o.retry != nil:
				failing.Store(true)
			}
			outcomes[i] = o
		}()
	}
	wg.Wait()
	records.Wait()
	if cut.Load() {
		complete = false
	}

	var retry error
	recCtx, cancelRec := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancelRec()
	err = s.cfg.Store.Update(recCtx, func(ctx context.Context, tx aftersale.Tx) error {
		for _, o := range outcomes {
			if o == nil || o.status == "" || o.recorded {
				continue
			}
			if err := tx.BroadcastRecipientFinish(ctx, b.ID, o.customerID, o.status, o.messageID, o.errText, o.at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	for _, o := range outcomes {
		if o == nil {
			continue
		}
		if o.retry != nil {
			retry = o.retry
			continue
		}
		if m := s.cfg.Metrics; m != nil {
			status := o.status
			if status == aftersale.RecipientSkipped {
				status = string(aftersale.MessageSuppressed)
			}
			m.Emails.WithLabelValues(status, string(aftersale.CategoryMarketing)).Inc()
		}
	}
	if retry != nil {
		if m := s.cfg.Metrics; m != nil {
			m.Emails.WithLabelValues("deferred", string(aftersale.CategoryMarketing)).Inc()
		}
		return false, retry
	}
	return complete, nil
}

// sendOne sends the broadcast to one customer, read again now: without
// marketing consent, unsubscribed or suppressed they are skipped. ctx
// bounds the wait for a hand-off slot (the pipeline's, shared with the
// journey steps' emails): when it ends first, nothing is sent and the
// outcome is nil (the recipient stays "sending"). sendCtx is for the rest.
// A message handed over is recorded at once (recordHandedOver), records
// being told when that is done; the erase gate is held until then.
func (s *Service) sendOne(ctx, sendCtx context.Context, b *aftersale.Broadcast, t *email.Broadcast, customerID int64,
	final bool, records *sync.WaitGroup) *recipientOutcome {
	leave := s.cfg.Pipeline.HoldErase()
	handed := false // then the early record leaves the gate
	defer func() {
		if !handed {
			leave()
		}
	}()
	o := &recipientOutcome{customerID: customerID, messageID: s.messageID(b.ID, customerID)}
	finish := func(status, errText string) *recipientOutcome {
		o.status, o.errText, o.at = status, errText, s.cfg.Clock.RealNow()
		return o
	}
	c, err := s.cfg.Store.CustomerGet(sendCtx, customerID)
	if aftersale.IsNotFound(err) {
		return finish(aftersale.RecipientSkipped, "no such customer any more")
	} else if err != nil {
		o.retry = err
		return o
	}
	// Consent is checked here, at send time, so an unsubscribe honours a
	// broadcast that is already going out.
	if why := engine.Suppressed(aftersale.CategoryMarketing, c); why != "" {
		return finish(aftersale.RecipientSkipped, why)
	}
	m, err := s.compose(b, t, c, o.messageID)
	if err != nil {
		s.log.ErrorContext(sendCtx, "broadcast render failed", "broadcast_id", b.ID, "customer_id", c.ID, "err", aftersale.Redact(err))
		return finish(aftersale.RecipientFailed, "render: "+err.Error())
	}
	slot, err := s.cfg.Pipeline.TakeHandOff(ctx)
	if err != nil {
		return nil
	}
	if err := slot.Send(sendCtx, m); err != nil {
		if aftersale.IsTemporary(err) && !final {
			slot.Release() // nothing was handed over
			s.log.WarnContext(sendCtx, "broadcast delivery deferred", "broadcast_id", b.ID, "message_id", o.messageID, "err", aftersale.Redact(err))
			o.retry = fmt.Errorf("%w: %v", engine.ErrRetry, aftersale.Redact(err)) // River keeps it: no address
			return o
		}
		s.log.ErrorContext(sendCtx, "broadcast delivery failed", "broadcast_id", b.ID, "message_id", o.messageID, "err", aftersale.Redact(err))
		s.noteMalformed(sendCtx, err, b.ID, o.messageID)
		finish(aftersale.RecipientFailed, err.Error())
	} else {
		finish(aftersale.RecipientSent, "")
	}
	handed = true
	records.Add(1)
	s.recordHandedOver(sendCtx, b.ID, o, slot, func() {
		leave()
		records.Done()
	})
	return o
}

// recordHandedOver commits o, the outcome of a broadcast message just
// handed to the Mailer, at once (engine.HandOff.Record), which frees the
// message's slot, then calls done. It does not wait. o.recorded says,
// once done is called, whether the commit succeeded; if not, the page's
// record writes o.
func (s *Service) recordHandedOver(ctx context.Context, broadcastID int64, o *recipientOutcome, slot *engine.HandOff, done func()) {
	slot.Record(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		return tx.BroadcastRecipientFinish(ctx, broadcastID, o.customerID, o.status, o.messageID, o.errText, o.at)
	}, func(ctx context.Context, err error) {
		defer done()
		if err != nil {
			s.log.WarnContext(ctx, "early record of a broadcast message failed; the page's record keeps it",
				"broadcast_id", broadcastID, "message_id", o.messageID, "err", aftersale.Redact(err))
			return
		}
		o.recorded = true
	})
}

// pacer spaces messages evenly at a rate a second. It keeps no credit:
// after a pause it does not send a burst to catch up.
type pacer struct {
	every time.Duration
	mu    sync.Mutex
	next  time.Time
}

func newPacer(perSecond int) *pacer {
	return &pacer{every: time.Second / time.Duration(max(perSecond, 1))}
}

// wait waits for the next slot and reports true, or false when ctx ends or
// stop is closed first.
func (p *pacer) wait(ctx context.Context, stop <-chan struct{}) bool {
	p.mu.Lock()
	now := time.Now()
	if p.next.Before(now) {
		p.next = now
	}
	at := p.next
	p.next = p.next.Add(p.every)
	p.mu.Unlock()
	select {
	case <-stop:
		return false
	case <-ctx.Done():
		return false
	default:
	}
	d := time.Until(at)
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-stop:
		return false
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// noteMalformed logs loudly, and counts in aftersale_emails_malformed_total,
// a message that failed because the message itself was at fault
// (aftersale.IsMalformed), as the pipeline does for its own: that is a bug
// in aftersale, not a lost customer. It does nothing for any other error.
func (s *Service) noteMalformed(ctx context.Context, err error, broadcastID int64, messageID string) {
	if !aftersale.IsMalformed(err) {
		return
	}
	s.log.ErrorContext(ctx, "message rejected as malformed; this is a bug in aftersale",
		"broadcast_id", broadcastID, "message_id", messageID, "err", aftersale.Redact(err))
	if m := s.cfg.Metrics; m != nil {
		m.EmailsMalformed.Inc()
	}
}
