package privacy_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
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
	"github.com/aftersale/aftersale/privacy"
	"github.com/aftersale/aftersale/sqlite"
)

// The engine is the pipeline of an install's privacy Service.
var _ privacy.Pipeline = (*engine.Service)(nil)

// harness is the engine Service (with the built-in journeys, its job
// runner attached) and the privacy Service over it, on one database, on a
// manual clock, with a local outbox folder.
type harness struct {
	svc    *engine.Service
	priv   *privacy.Service
	st     aftersale.Store
	clock  *aftersale.Clock
	outbox string
}

// harnessStart is 09:00 UTC on last week's Monday: the weekday and the
// hour are the same whatever day the test runs.
func harnessStart() time.Time {
	now := time.Now().UTC()
	d := time.Date(now.Year(), now.Month(), now.Day(), 9, 0, 0, 0, time.UTC)
	back := (int(d.Weekday()) + 6) % 7 // days since Monday
	return d.AddDate(0, 0, -back-7)
}

// onBoth runs f in a subtest on each database (a SQLite file and
// PostgreSQL) with the job runner started.
func onBoth(t *testing.T, f func(t *testing.T, h *harness)) {
	t.Helper()
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			f(t, startHarness(t, db, true))
		})
	}
}

// discard is a Mailer that sends nowhere.
type discard struct{}

func (discard) Send(context.Context, *aftersale.Email) error { return nil }

// startHarness makes the services on db ("sqlite" or "postgres"); start
// says whether the job runner (workers, event processor) runs. Without
// it, ingested events wait in the inbox.
func startHarness(t *testing.T, db string, start bool) *harness {
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
	h := &harness{clock: clock, outbox: filepath.Join(t.TempDir(), "outbox")}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := engine.Config{
		Journeys: js, Renderer: r, Mailer: discard{}, Clock: clock,
		Schedule: &journey.Schedule{Clock: clock, QuietStart: "21:00", QuietEnd: "08:00"},
		From:     aftersale.Address{Name: "Shop", Email: "hello@shop.example"}, BaseURL: "https://after.example",
		Business: email.Business{Name: "Shop"}, Links: &aftersale.LinkSigner{Key: []byte("0123456789abcdef0123456789abcdef"), Clock: clock},
		Logger: log,
	}
	var run engine.Runner
	switch db {
	case "sqlite":
		lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "aftersale.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { lite.Close() })
		cfg.Store = lite
		if h.svc, err = engine.NewService(cfg); err != nil {
			t.Fatal(err)
		}
		run, err = engine.NewRunner(ctx, riversqlite.New(lite.SQL()), h.svc, engine.RunnerConfig{Logger: log})
		if err != nil {
			t.Fatal(err)
		}
	default:
		pg, err := postgres.Open(ctx, pgtest.Database(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pg.Close() })
		cfg.Store, cfg.IngestCommitters = pg, 4
		if h.svc, err = engine.NewService(cfg); err != nil {
			t.Fatal(err)
		}
		run, err = engine.NewRunner(ctx, riverpgxv5.New(pg.Pool()), h.svc, engine.RunnerConfig{Logger: log})
		if err != nil {
			t.Fatal(err)
		}
	}
	h.st = cfg.Store
	h.priv, err = privacy.New(privacy.Config{Store: h.st, Pipeline: h.svc, Clock: clock, OutboxDir: h.outbox, Logger: log})
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

// ingest stores ev (occurred now) and, when the runner runs, waits until
// it is processed and its steps due now are done.
func (h *harness) ingest(t *testing.T, ev *aftersale.Event, settle bool) {
	t.Helper()
	ev.OccurredAt = h.clock.RealNow()
	if _, err := h.svc.Ingest(context.Background(), ev); err != nil {
		t.Fatalf("ingest %s: %v", ev.ID, err)
	}
	if settle {
		testwait.Settle(t, h.svc)
	}
}

// order is an order.placed event for addr, of one digital item.
func order(id, addr, orderID string) *aftersale.Event {
	yes := true
	return &aftersale.Event{ID: id, Type: aftersale.EventOrderPlaced,
		Customer: &aftersale.Contact{Email: addr, Name: "Ana Lima", Phone: "+15551234567", Timezone: "UTC", MarketingConsent: &yes},
		Order: &aftersale.OrderFacts{ID: orderID, Currency: "USD", Total: "49.00", Items: []aftersale.Item{
			{SKU: "sku-1", Name: "Launch Course", Kind: aftersale.KindDigital, Quantity: 1, Price: "49.00", AccessURL: "https://shop.example/access/abc"}}}}
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
