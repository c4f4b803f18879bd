package engine

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/aftersale/aftersale"
)

// StepsArgs is the durable job that executes a group of steps falling due
// within one jobBucket window (the at-once steps of a purchase, or orders'
// day-30 emails due milliseconds apart). Grouping keeps the number of
// jobs, and so the queue's per-row cost and the job's reads, well below the
// number of steps.
type StepsArgs struct {
	StepIDs []int64 `json:"step_ids"`
	// DueAt is when the first of the steps falls due; a job inserted
	// available before then (see nearFuture) waits for it in the worker,
	// and ExecuteSteps waits for each later step's own due time.
	DueAt time.Time `json:"due_at"`
}

// nearFuture is River's scheduler look-ahead: it promotes scheduled jobs in
// passes every five seconds, each taking the jobs due within the next five
// seconds, so a job inserted due sooner than that right after a pass could
// wait up to five seconds too long. Such jobs are inserted available and
// wait for their due time in the worker instead. (This matters for time-scaled
// runs, where a day can be a second; real journeys wait hours or days.)
const nearFuture = 5 * time.Second

// availableAhead is how far ahead of now a job is still inserted available,
// to wait for its due time in the worker: nearFuture, or, on a manual clock,
// always. River schedules in the database's real time, which a manual
// clock does not follow, so there every job waits on the clock (Sleep),
// which Advance wakes.
func availableAhead(c *aftersale.Clock) time.Duration {
	if c.Manual() {
		return math.MaxInt64
	}
	return nearFuture
}

// maxStepsPerJob caps the steps one job carries, so that the steps of many
// orders due together (a batch of events) still spread over the workers and
// a job stays well inside its timeout.
const maxStepsPerJob = 16

// Kind names the job kind in River.
func (StepsArgs) Kind() string { return "aftersale_steps" }

// InsertOpts sets the job defaults for steps.
func (StepsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: MaxAttempts, Queue: river.QueueDefault}
}

// MaxAttempts is how often a step job is tried before its remaining steps
// are recorded as failed; with the backoff of retryPolicy that is about two
// days of retrying.
const MaxAttempts = 60

type stepsWorker struct {
	river.WorkerDefaults[StepsArgs]
	svc *Service
}

func (w *stepsWorker) Work(ctx context.Context, job *river.Job[StepsArgs]) error {
	clock := w.svc.cfg.Clock
	if wait := job.Args.DueAt.Sub(clock.RealNow()); wait > 0 && wait <= availableAhead(clock) {
		if !clock.Sleep(ctx, wait) {
			return ctx.Err()
		}
	}
	return w.svc.ExecuteSteps(ctx, job.Args.StepIDs, job.Attempt >= job.MaxAttempts)
}

// retryPolicy backs off exponentially from one second, doubling per
// attempt, up to an hour between attempts. It reckons in the time of the
// job queue, the real one: a retry is about a server that is down, and
// River compares its times with the database's clock, not with a manual
// one.
type retryPolicy struct{}

func (retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	n := len(job.Errors)
	d := time.Duration(math.Min(math.Pow(2, float64(n)), 3600)) * time.Second
	return time.Now().UTC().Add(d)
}

// RunnerConfig tunes the job runner.
type RunnerConfig struct {
	// Workers is how many jobs run at once; default 50.
	Workers int
	// FetchCooldown is the shortest pause between job fetches; default 20ms.
	FetchCooldown time.Duration
	// FetchPollInterval is how often the queue is polled when no
	// notification arrives; default 200ms.
	FetchPollInterval time.Duration
	// Logger gets River's own logs; default the Service's logger.
	Logger *slog.Logger
	// Jobs are the feature packages' own jobs (a broadcast's sending,
	// say): their workers, periodic jobs and hooks (see Jobs).
	Jobs []Jobs
}

// Runner runs River for a Service: migrations, workers and enqueueing.
type Runner interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

type riverRunner[TTx any] struct {
	client *river.Client[TTx]
	// driverTx is the driver transaction under a store transaction, the
	// one the jobs go in (sqlite.DriverTx, postgres.DriverTx).
	driverTx func(aftersale.Tx) (TTx, error)
	svc      *Service
	clock    *aftersale.Clock
	proc     *processor
	jobs     []Jobs // the feature packages'
	unhook   func()
}

// Start starts the workers and the event processor. On a manual clock it
// also hooks the dispatcher to the clock: each Advance dispatches the steps
// due by the new time (and runs the features' Jobs.OnAdvance: the
// broadcasts due start), before Advance returns.
func (r *riverRunner[TTx]) Start(ctx context.Context) error {
	if err := r.client.Start(ctx); err != nil {
		return err
	}
	r.proc.start(ctx)
	r.unhook = r.clock.OnAdvance(func() { r.svc.onAdvance(ctx, r.jobs) })
	return nil
}

// Stop stops the event processor after its batch in hand, then the
// workers after their jobs in hand.
func (r *riverRunner[TTx]) Stop(ctx context.Context) error {
	if r.unhook != nil {
		r.unhook()
	}
	r.proc.stop()
	for _, j := range r.jobs {
		if j.Stop != nil {
			j.Stop()
		}
	}
	if r.clock.Manual() {
		// A job waiting on a manual clock waits for an Advance that will
		// not come: cancel it (its steps stay pending, to be retried).
		return r.client.StopAndCancel(ctx)
	}
	return r.client.Stop(ctx)
}

// EnqueueSteps inserts the jobs for steps in the store transaction tx, one
// job per due-time window (jobBucket), at most maxStepsPerJob steps each.
func (r *riverRunner[TTx]) EnqueueSteps(ctx context.Context, tx aftersale.Tx, steps []*aftersale.Step) error {
	driverTx, err := r.driverTx(tx)
	if err != nil {
		return fmt.Errorf("engine: job transaction: %w", err)
	}
	_, err = r.client.InsertManyTx(ctx, driverTx, jobsFor(steps, r.clock.RealNow(), availableAhead(r.clock)))
	return err
}

// jobBucket is the width of the due-time windows whose steps share jobs:
// steps due within one window (orders' day-30 emails falling due a few
// milliseconds apart, say) go in the same jobs, and the job waits for each
// step's own due time before running it (ExecuteSteps), so no step runs
// early. One job per distinct due time had made a job, and its reads, per
// step whenever due times were spread.
const jobBucket = 250 * time.Millisecond

// jobsFor groups steps by due-time window (jobBucket) into insert
// parameters, at most maxStepsPerJob steps per job, in due order; steps
// already due form one group. A job is due with the first of its steps.
// Jobs due now or within ahead (nearFuture, see availableAhead) are inserted
// available, so they run at the next fetch instead of waiting for River's
// scheduler to promote them.
func jobsFor(steps []*aftersale.Step, now time.Time, ahead time.Duration) []river.InsertManyParams {
	type dueStep struct {
		id  int64
		due time.Time
	}
	groups := map[time.Time][]dueStep{}
	now = now.Truncate(time.Millisecond)
	for _, s := range steps {
		due := s.DueAt.Truncate(time.Millisecond)
		if due.Before(now) {
			due = now
		}
		w := due.Truncate(jobBucket)
		if !due.After(now) {
			w = now
		}
		groups[w] = append(groups[w], dueStep{s.ID, due})
	}
	windows := make([]time.Time, 0, len(groups))
	for w := range groups {
		windows = append(windows, w)
	}
	sort.Slice(windows, func(i, j int) bool { return windows[i].Before(windows[j]) })
	params := make([]river.InsertManyParams, 0, len(windows))
	for _, w := range windows {
		g := groups[w]
		sort.SliceStable(g, func(i, j int) bool { return g[i].due.Before(g[j].due) })
		for chunk := range slices.Chunk(g, maxStepsPerJob) {
			due := chunk[0].due
			opts := &river.InsertOpts{}
			if due.After(now.Add(ahead)) {
				opts.ScheduledAt = due
			}
			ids := make([]int64, len(chunk))
			for i, st := range chunk {
				ids[i] = st.id
			}
			params = append(params, river.InsertManyParams{Args: StepsArgs{StepIDs: ids, DueAt: due}, InsertOpts: opts})
		}
	}
	return params
}

// NewRunner migrates River's tables with the driver, creates the River
// client that works step jobs for svc, and attaches it to svc for enqueueing.
// driverTx gives the driver's transaction under a store transaction of
// svc's Store, for inserting jobs in it: sqlite.DriverTx with riversqlite,
// postgres.DriverTx with riverpgxv5.
func NewRunner[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], driverTx func(aftersale.Tx) (TTx, error), svc *Service, cfg RunnerConfig) (Runner, error) {
	if driverTx == nil {
		return nil, fmt.Errorf("engine: NewRunner needs the driver transaction function")
	}
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: quiet(cfg.Logger, svc.log)})
	if err != nil {
		return nil, fmt.Errorf("job queue migrations: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("job queue migrations: %w", err)
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &stepsWorker{svc: svc}); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, &dispatchWorker{svc: svc}); err != nil {
		return nil, err
	}
	periodic := []*river.PeriodicJob{
		river.NewPeriodicJob(
			river.PeriodicInterval(dispatchEvery),
			func() (river.JobArgs, *river.InsertOpts) { return DispatchArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true},
		),
	}
	for _, j := range cfg.Jobs {
		if j.Register != nil {
			if err := j.Register(workers); err != nil {
				return nil, err
			}
		}
		periodic = append(periodic, j.Periodic...)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 50
	}
	if cfg.FetchCooldown <= 0 {
		cfg.FetchCooldown = 20 * time.Millisecond
	}
	if cfg.FetchPollInterval <= 0 {
		cfg.FetchPollInterval = 200 * time.Millisecond
	}
	client, err := river.NewClient(driver, &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:              workers,
		FetchCooldown:        cfg.FetchCooldown,
		FetchPollInterval:    cfg.FetchPollInterval,
		JobTimeout:           30 * time.Second,
		RescueStuckJobsAfter: 45 * time.Second,
		MaxAttempts:          MaxAttempts,
		RetryPolicy:          retryPolicy{},
		ErrorHandler:         jobErrors{svc.health}, // a full disk marks the store down (health.go)
		Logger:               quiet(cfg.Logger, svc.log),
		PeriodicJobs:         periodic,
	})
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	r := &riverRunner[TTx]{client: client, driverTx: driverTx, svc: svc, clock: svc.cfg.Clock, proc: svc.proc, jobs: cfg.Jobs}
	svc.enqueuer = r
	return r, nil
}

// quiet returns l, or the fallback raised to warnings only: River logs
// every maintenance run at info level. Either way River's complaints
// about its own cancelled context, as it stops, are lowered to info
// (stopQuiet).
func quiet(l, fallback *slog.Logger) *slog.Logger {
	if l != nil {
		return slog.New(stopQuiet{l.Handler()})
	}
	return slog.New(stopQuiet{levelFilter{fallback.Handler(), slog.LevelWarn}})
}

type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.Handler.Enabled(ctx, l)
}

func (f levelFilter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelFilter{f.Handler.WithAttrs(attrs), f.min}
}

func (f levelFilter) WithGroup(name string) slog.Handler {
	return levelFilter{f.Handler.WithGroup(name), f.min}
}
