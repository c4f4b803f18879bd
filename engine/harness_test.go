package engine

import (
	"context"
	"fmt"
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
	"github.com/aftersale/aftersale/internal/pgtest"
	"github.com/aftersale/aftersale/internal/testwait"
	"github.com/aftersale/aftersale/journey"
	"github.com/aftersale/aftersale/postgres"
	"github.com/aftersale/aftersale/sqlite"
)

// harnessStart is 09:00 UTC on last week's Monday: the weekday and the hour
// are the same whatever day the test runs.
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
	var run Runner
	switch db {
	case "sqlite":
		lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "aftersale.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { lite.Close() })
		cfg.Store = lite
		h.svc, err = NewService(cfg)
		if err != nil {
			t.Fatal(err)
		}
		run, err = NewRunner(ctx, riversqlite.New(lite.SQL()), h.svc, RunnerConfig{Logger: log})
		if err != nil {
			t.Fatal(err)
		}
	default:
		pg, err := postgres.Open(ctx, pgtest.Database(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pg.Close() })
		cfg.Store = pg
		cfg.IngestCommitters = 4
		h.svc, err = NewService(cfg)
		if err != nil {
			t.Fatal(err)
		}
		run, err = NewRunner(ctx, riverpgxv5.New(pg.Pool()), h.svc, RunnerConfig{Logger: log})
		if err != nil {
			t.Fatal(err)
		}
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
	for range n * 24 {
		h.clock.Advance(time.Hour)
		h.settle(t)
	}
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

// customer returns the stored customer of addr.
func (h *harness) customer(t *testing.T, addr string) *aftersale.Customer {
	t.Helper()
	c, err := h.st.CustomerGetByEmail(context.Background(), addr)
	if err != nil {
		t.Fatalf("customer %s: %v", addr, err)
	}
	return c
}

// sent lists the templates of the messages recorded as sent to addr.
func (h *harness) sent(t *testing.T, addr string) []string {
	t.Helper()
	msgs, err := h.st.MessageListByCustomer(context.Background(), h.customer(t, addr).ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		if m.Status == aftersale.MessageSent {
			out = append(out, m.Template)
		}
	}
	slices.Sort(out)
	return out
}

// tasks lists the open tasks of addr as kind:title.
func (h *harness) tasks(t *testing.T, status, addr string) []TaskView {
	t.Helper()
	ts, err := h.svc.Tasks(context.Background(), status, addr)
	if err != nil {
		t.Fatal(err)
	}
	return ts
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
