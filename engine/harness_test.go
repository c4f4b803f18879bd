package engine

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/internal/enginetest/fixture"
	"github.com/aftersale/aftersale/internal/testwait"
	"github.com/aftersale/aftersale/journey"
	"github.com/aftersale/aftersale/postgres"
	"github.com/aftersale/aftersale/sqlite"
)

// harnessStart is 09:00 UTC on last week's Monday (fixture.Start).
func harnessStart() time.Time { return fixture.Start() }

// captured is a Mailer that keeps what it is given.
type captured struct {
	mu   sync.Mutex
	msgs []*aftersale.Email
}

func (m *captured) Send(_ context.Context, e *aftersale.Email) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, e)
	return nil
}

// templates lists the templates of the mail sent to addr, in order.
func (m *captured) templates(addr string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, e := range m.msgs {
		if e.To.Email != addr {
			continue
		}
		for _, h := range e.Headers {
			if h.Name == "X-Aftersale-Template" {
				out = append(out, h.Value)
			}
		}
	}
	return out
}

// harness is a running Service (workers and all) on a manual clock.
type harness struct {
	svc   *Service
	st    aftersale.Store
	clock *aftersale.Clock
	mail  *captured
}

// harnessOpt changes the Config before the Service is made.
type harnessOpt func(*Config)

// running starts a Service with the default journeys on each database
// (a SQLite file and PostgreSQL) and runs f for each in a subtest.
func running(t *testing.T, f func(t *testing.T, h *harness), opts ...harnessOpt) {
	t.Helper()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f(t, startHarness(t, name, aftersale.NewManualClock(harnessStart()), nil, true, opts...))
		})
	}
}

// startHarness makes the service on db ("sqlite" or "postgres") with its
// River runner; start says whether the runner (workers, event processor,
// the dispatcher on each Advance) runs.
func startHarness(t *testing.T, db string, clock *aftersale.Clock, mailer aftersale.Mailer, start bool, opts ...harnessOpt) *harness {
	t.Helper()
	ctx := context.Background()
	js, err := journey.Default()
	if err != nil {
		t.Fatal(err)
	}
	r, err := email.NewRenderer(nil)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{clock: clock, mail: &captured{}}
	if mailer == nil {
		mailer = h.mail
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := Config{
		Journeys: js, Renderer: r, Mailer: mailer, Clock: clock,
		Schedule: &journey.Schedule{Clock: clock, QuietStart: "21:00", QuietEnd: "08:00"},
		From:     aftersale.Address{Name: "Shop", Email: "hello@shop.example"}, BaseURL: "https://after.example",
		Business: email.Business{Name: "Shop"}, Links: &aftersale.LinkSigner{Key: []byte("0123456789abcdef0123456789abcdef"), Clock: clock},
		Logger: log,
	}
	for _, o := range opts {
		o(&cfg)
	}
	st := fixture.Open(t, db)
	cfg.Store = st
	if db == "postgres" {
		cfg.IngestCommitters = 4
	}
	if h.svc, err = NewService(cfg); err != nil {
		t.Fatal(err)
	}
	var run Runner
	switch st := st.(type) {
	case *sqlite.DB:
		run, err = NewRunner(ctx, riversqlite.New(st.SQL()), unfaulted(sqlite.DriverTx), h.svc, RunnerConfig{Logger: log})
	case *postgres.DB:
		run, err = NewRunner(ctx, riverpgxv5.New(st.Pool()), unfaulted(postgres.DriverTx), h.svc, RunnerConfig{Logger: log})
	}
	if err != nil {
		t.Fatal(err)
	}
	h.st = cfg.Store
	if !start {
		t.Cleanup(h.svc.Close)
		return h
	}
	if err := run.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = run.Stop(stop)
		h.svc.Close()
	})
	return h
}

// unfaulted is driverTx seeing through the faultTx that a faultStore's
// Update hands on (deadHarness): the jobs go in the store's own
// transaction underneath.
func unfaulted[TTx any](driverTx func(aftersale.Tx) (TTx, error)) func(aftersale.Tx) (TTx, error) {
	return func(tx aftersale.Tx) (TTx, error) {
		if f, ok := tx.(*faultTx); ok {
			tx = f.Tx
		}
		return driverTx(tx)
	}
}

// hang is the hang guard of the waits (testwait.HangGuard).
const hang = testwait.HangGuard

// settle waits until the service has nothing left to do by the clock's now.
func (h *harness) settle(t *testing.T) {
	t.Helper()
	testwait.Settle(t, h.svc)
}

// days lets n days pass, an hour at a time, settling after each.
func (h *harness) days(t *testing.T, n int) {
	t.Helper()
	fixture.Pass(t, h.svc, h.clock, n*24, time.Hour)
}

// ingest stores ev and settles.
func (h *harness) ingest(t *testing.T, ev *aftersale.Event) {
	t.Helper()
	fixture.Ingest(t, h.svc, h.clock, ev)
}

// order is an order.placed event for addr, of one item of kind
// (fixture.Order).
func order(id, addr, orderID string, kind aftersale.ItemKind) *aftersale.Event {
	return fixture.Order(id, addr, orderID, kind)
}

// customer returns the stored customer of addr.
func (h *harness) customer(t *testing.T, addr string) *aftersale.Customer {
	t.Helper()
	return fixture.Customer(t, h.st, addr)
}

// sent lists the templates of the messages recorded as sent to addr.
func (h *harness) sent(t *testing.T, addr string) []string {
	t.Helper()
	return fixture.Sent(t, h.st, addr)
}

// tasks lists the tasks of status ("" for all) of addr ("" for everyone),
// read from the store (package team lists them for the team).
func (h *harness) tasks(t *testing.T, status, addr string) []TaskView {
	t.Helper()
	return listTasks(t, h.st, status, addr)
}

func has(list []string, s string) bool { return slices.Contains(list, s) }

func count(list []string, s string) int { return fixture.Count(list, s) }

// withJourneys runs the service on the journeys of the YAML documents
// instead of the default ones.
func withJourneys(t *testing.T, docs ...string) harnessOpt {
	t.Helper()
	var all []*journey.Journey
	for i, d := range docs {
		js, err := journey.Parse(fmt.Sprintf("test%d.yaml", i), []byte(d))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, js...)
	}
	set, err := journey.NewSet(all...)
	if err != nil {
		t.Fatal(err)
	}
	return func(c *Config) { c.Journeys = set }
}
