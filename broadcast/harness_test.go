package broadcast

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/internal/pgtest"
	"github.com/aftersale/aftersale/internal/testwait"
	"github.com/aftersale/aftersale/journey"
	"github.com/aftersale/aftersale/postgres"
	"github.com/aftersale/aftersale/sqlite"
)

// harnessStart is 09:00 UTC on last week's Monday: the weekday and the
// hour are the same whatever day the test runs.
func harnessStart() time.Time {
	now := time.Now().UTC()
	d := time.Date(now.Year(), now.Month(), now.Day(), 9, 0, 0, 0, time.UTC)
	back := (int(d.Weekday()) + 6) % 7 // days since Monday
	return d.AddDate(0, 0, -back-7)
}

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
		if e.To.Email == addr {
			out = append(out, header(e, "X-Aftersale-Template"))
		}
	}
	return out
}

// lastTo is the last email sent to addr with the template.
func (m *captured) lastTo(addr, tmpl string) *aftersale.Email {
	m.mu.Lock()
	defer m.mu.Unlock()
	var last *aftersale.Email
	for _, e := range m.msgs {
		if e.To.Email == addr && header(e, "X-Aftersale-Template") == tmpl {
			last = e
		}
	}
	return last
}

// header is the value of the named header of e.
func header(e *aftersale.Email, name string) string {
	for _, h := range e.Headers {
		if h.Name == name {
			return h.Value
		}
	}
	return ""
}

// harness is the engine Service (the default journeys, its job runner
// attached with the broadcasts' jobs) and the broadcast Service over it,
// on one database, on a manual clock.
type harness struct {
	svc   *engine.Service
	bc    *Service
	cfg   engine.Config // what svc was made with
	st    aftersale.Store
	clock *aftersale.Clock
	mail  *captured
	log   *slog.Logger
}

// harnessOpt changes the engine's Config before the Service is made.
type harnessOpt func(*engine.Config)

// running starts the services on each database (a SQLite file and
// PostgreSQL) and runs f for each in a subtest.
func running(t *testing.T, f func(t *testing.T, h *harness)) {
	t.Helper()
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			f(t, startHarness(t, db, nil, true))
		})
	}
}

// startHarness makes the services on db ("sqlite" or "postgres") with the
// River runner; start says whether the runner (workers, event processor,
// the dispatcher and the due broadcasts on each Advance) runs. mailer nil
// is h.mail.
func startHarness(t *testing.T, db string, mailer aftersale.Mailer, start bool, opts ...harnessOpt) *harness {
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
	clock := aftersale.NewManualClock(harnessStart())
	h := &harness{clock: clock, mail: &captured{}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if mailer == nil {
		mailer = h.mail
	}
	cfg := engine.Config{
		Journeys: js, Renderer: r, Mailer: mailer, Clock: clock,
		Schedule: &journey.Schedule{Clock: clock, QuietStart: "21:00", QuietEnd: "08:00"},
		From:     aftersale.Address{Name: "Shop", Email: "hello@shop.example"}, BaseURL: "https://after.example",
		Business: email.Business{Name: "Shop"}, Links: &aftersale.LinkSigner{Key: []byte("0123456789abcdef0123456789abcdef"), Clock: clock},
		Logger: h.log,
	}
	for _, o := range opts {
		o(&cfg)
	}
	var newRunner func() (engine.Runner, error)
	switch db {
	case "sqlite":
		lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "aftersale.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { lite.Close() })
		cfg.Store = lite
		newRunner = func() (engine.Runner, error) {
			return engine.NewRunner(ctx, riversqlite.New(lite.SQL()), h.svc, engine.RunnerConfig{Logger: h.log, Jobs: []engine.Jobs{h.bc.Jobs()}})
		}
	default:
		pg, err := postgres.Open(ctx, pgtest.Database(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pg.Close() })
		cfg.Store, cfg.IngestCommitters = pg, 4
		newRunner = func() (engine.Runner, error) {
			return engine.NewRunner(ctx, riverpgxv5.New(pg.Pool()), h.svc, engine.RunnerConfig{Logger: h.log, Jobs: []engine.Jobs{h.bc.Jobs()}})
		}
	}
	h.cfg, h.st = cfg, cfg.Store
	if h.svc, err = engine.NewService(cfg); err != nil {
		t.Fatal(err)
	}
	h.bc = h.broadcasts(t, h.svc, mailer)
	run, err := newRunner()
	if err != nil {
		t.Fatal(err)
	}
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

// broadcasts is a broadcast Service over svc (made with h.cfg) sending
// through mailer, as app wires it.
func (h *harness) broadcasts(t *testing.T, svc *engine.Service, mailer aftersale.Mailer) *Service {
	t.Helper()
	bc, err := New(Config{
		Store: h.cfg.Store, Pipeline: svc, Renderer: h.cfg.Renderer, Mailer: mailer, Clock: h.cfg.Clock,
		From: h.cfg.From, ReturnPath: h.cfg.ReturnPath, BaseURL: h.cfg.BaseURL, Business: h.cfg.Business, Logger: h.log,
	})
	if err != nil {
		t.Fatal(err)
	}
	return bc
}

// hang is the hang guard of the waits (testwait.HangGuard).
const hang = testwait.HangGuard

// settle waits until the service has nothing left to do by the clock's now.
func (h *harness) settle(t *testing.T) {
	t.Helper()
	testwait.Settle(t, h.svc)
}

// ingest stores ev and settles.
func (h *harness) ingest(t *testing.T, ev *aftersale.Event) {
	t.Helper()
	if ev.OccurredAt.IsZero() {
		ev.OccurredAt = h.clock.RealNow()
	}
	if _, err := h.svc.Ingest(context.Background(), ev); err != nil {
		t.Fatalf("ingest %s: %v", ev.ID, err)
	}
	h.settle(t)
}

// order is an order.placed event for addr, of one item of kind.
func order(id, addr, orderID string, kind aftersale.ItemKind) *aftersale.Event {
	yes := true
	return &aftersale.Event{ID: id, Type: aftersale.EventOrderPlaced,
		Customer: &aftersale.Contact{Email: addr, Name: "Ana Lima", Phone: "+15551234567", Timezone: "UTC", MarketingConsent: &yes},
		Order: &aftersale.OrderFacts{ID: orderID, Currency: "USD", Total: "49.00", Items: []aftersale.Item{
			{SKU: "sku-1", Name: "Launch Course", Kind: kind, Quantity: 1, Price: "49.00", AccessURL: "https://shop.example/access/abc"}}}}
}

func has(list []string, s string) bool { return slices.Contains(list, s) }

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}
