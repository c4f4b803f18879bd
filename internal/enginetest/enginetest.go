// Package enginetest runs the pipeline for the feature packages' tests: an
// engine.Service and its job runner on a real SQLite file or PostgreSQL
// database (pgtest.Database), the built-in journeys, a manual clock and a
// capturing Mailer, with the feature's step handlers, hooks and jobs wired
// in as app wires them (Configure, Jobs). It is a normal package used only
// by tests.
package enginetest

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/internal/enginetest/fixture"
	"github.com/aftersale/aftersale/internal/testwait"
	"github.com/aftersale/aftersale/journey"
	"github.com/aftersale/aftersale/postgres"
	"github.com/aftersale/aftersale/sqlite"
)

// Harness is a Service (workers and all, unless Stopped) on one database,
// on a manual clock.
type Harness struct {
	// DB is "sqlite" or "postgres".
	DB    string
	Svc   *engine.Service
	Store aftersale.Store
	Clock *aftersale.Clock
	// Mail keeps what the Service sends, unless WithMailer gave another.
	Mail *fixture.Mailer
	// Config is what Svc was made with (a test may make a second Service
	// on the same store from it).
	Config engine.Config
	Log    *slog.Logger
}

// options are what the Options set.
type options struct {
	mailer    aftersale.Mailer
	stopped   bool
	configure []func(*engine.Config)
	jobs      []func(*Harness) engine.Jobs
}

// An Option changes how New makes the harness.
type Option func(*options)

// WithMailer sends through m instead of Harness.Mail.
func WithMailer(m aftersale.Mailer) Option {
	return func(o *options) { o.mailer = m }
}

// Stopped makes the runner but does not start it: no workers, no event
// processor, no dispatch on Advance. Ingested events wait in the inbox.
func Stopped() Option {
	return func(o *options) { o.stopped = true }
}

// Configure changes the engine's Config before the Service is made, in
// the order given. The Config has its Store, Clock, Mailer, Links and
// Logger set, so f may make the feature's service and add its step
// handlers (StepHandlers) and hooks.
func Configure(f func(c *engine.Config)) Option {
	return func(o *options) { o.configure = append(o.configure, f) }
}

// Jobs adds the jobs f returns to the runner. f is called once the
// Service is made (h.Svc is set), before the runner is.
func Jobs(f func(h *Harness) engine.Jobs) Option {
	return func(o *options) { o.jobs = append(o.jobs, f) }
}

// Each runs f in a parallel subtest on each database: a SQLite file and
// PostgreSQL.
func Each(t *testing.T, f func(t *testing.T, db string)) {
	t.Helper()
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			f(t, db)
		})
	}
}

// New makes the Service with the built-in journeys on db ("sqlite" or
// "postgres") with its River runner, started unless Stopped. Both stop
// when the test ends.
func New(t *testing.T, db string, opts ...Option) *Harness {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	ctx := context.Background()
	js, err := journey.Default()
	if err != nil {
		t.Fatal(err)
	}
	r, err := email.NewRenderer(nil)
	if err != nil {
		t.Fatal(err)
	}
	clock := aftersale.NewManualClock(fixture.Start())
	h := &Harness{DB: db, Clock: clock, Mail: &fixture.Mailer{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	mailer := o.mailer
	if mailer == nil {
		mailer = h.Mail
	}
	cfg := engine.Config{
		Journeys: js, Renderer: r, Mailer: mailer, Clock: clock,
		Schedule: &journey.Schedule{Clock: clock, QuietStart: "21:00", QuietEnd: "08:00"},
		From:     aftersale.Address{Name: "Shop", Email: "hello@shop.example"}, BaseURL: "https://after.example",
		Business: email.Business{Name: "Shop"}, Links: &aftersale.LinkSigner{Key: []byte("0123456789abcdef0123456789abcdef"), Clock: clock},
		Logger: h.Log,
	}
	opened := fixture.Open(t, db)
	cfg.Store = opened
	if db == "postgres" {
		cfg.IngestCommitters = 4
	}
	for _, f := range o.configure {
		f(&cfg)
	}
	h.Config, h.Store = cfg, cfg.Store
	if h.Svc, err = engine.NewService(cfg); err != nil {
		t.Fatal(err)
	}
	rc := engine.RunnerConfig{Logger: h.Log}
	for _, f := range o.jobs {
		rc.Jobs = append(rc.Jobs, f(h))
	}
	var run engine.Runner
	switch st := opened.(type) { // the database, whatever store Configure gave the Service
	case *sqlite.DB:
		run, err = engine.NewRunner(ctx, riversqlite.New(st.SQL()), sqlite.DriverTx, h.Svc, rc)
	case *postgres.DB:
		run, err = engine.NewRunner(ctx, riverpgxv5.New(st.Pool()), postgres.DriverTx, h.Svc, rc)
	}
	if err != nil {
		t.Fatal(err)
	}
	if o.stopped {
		t.Cleanup(h.Svc.Close)
		return h
	}
	if err := run.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = run.Stop(stop)
		h.Svc.Close()
	})
	return h
}

// Settle waits until the Service has nothing left to do by the clock's
// now.
func (h *Harness) Settle(t *testing.T) {
	t.Helper()
	testwait.Settle(t, h.Svc)
}

// Pass lets n steps of d pass on the clock, settling after each.
func (h *Harness) Pass(t *testing.T, n int, d time.Duration) {
	t.Helper()
	fixture.Pass(t, h.Svc, h.Clock, n, d)
}

// Days lets n days pass, an hour at a time, settling after each.
func (h *Harness) Days(t *testing.T, n int) {
	t.Helper()
	fixture.Pass(t, h.Svc, h.Clock, n*24, time.Hour)
}

// Put stores ev (occurred now when it has no time) without waiting for
// it to be processed.
func (h *Harness) Put(t *testing.T, ev *aftersale.Event) {
	t.Helper()
	fixture.Put(t, h.Svc, h.Clock, ev)
}

// Ingest stores ev (as Put) and settles: it is processed and its steps
// due now are done.
func (h *Harness) Ingest(t *testing.T, ev *aftersale.Event) {
	t.Helper()
	fixture.Ingest(t, h.Svc, h.Clock, ev)
}

// Customer returns the stored customer of addr.
func (h *Harness) Customer(t *testing.T, addr string) *aftersale.Customer {
	t.Helper()
	return fixture.Customer(t, h.Store, addr)
}

// Sent lists the templates of the messages recorded as sent to addr,
// sorted.
func (h *Harness) Sent(t *testing.T, addr string) []string {
	t.Helper()
	return fixture.Sent(t, h.Store, addr)
}
