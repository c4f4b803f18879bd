package feedback

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
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

// template is the template an email was made from.
func template(e *aftersale.Email) string {
	for _, h := range e.Headers {
		if h.Name == "X-Aftersale-Template" {
			return h.Value
		}
	}
	return ""
}

// templates lists the templates of the mail sent to addr, in order.
func (m *captured) templates(addr string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, e := range m.msgs {
		if e.To.Email == addr {
			out = append(out, template(e))
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
		if e.To.Email == addr && template(e) == tmpl {
			last = e
		}
	}
	return last
}

// harness is a running pipeline (workers and all) on a manual clock, with
// feedback's survey steps and jobs wired in as app wires them.
type harness struct {
	svc   *engine.Service
	fb    *Service
	st    aftersale.Store
	fst   Store // the store feedback was given
	clock *aftersale.Clock
	mail  *captured
}

// running starts the pipeline and feedback with the default journeys on
// each database (a SQLite file and PostgreSQL) and runs f for each in a
// subtest. wrap, when not nil, wraps the store feedback is given.
func running(t *testing.T, f func(t *testing.T, h *harness), wrap func(Store) Store) {
	t.Helper()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f(t, startHarness(t, name, wrap))
		})
	}
}

// startHarness makes the services on db ("sqlite" or "postgres") and
// starts the job runner.
func startHarness(t *testing.T, db string, wrap func(Store) Store) *harness {
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
	h := &harness{clock: clock, mail: &captured{}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	links := &aftersale.LinkSigner{Key: []byte("0123456789abcdef0123456789abcdef"), Clock: clock}
	business := email.Business{Name: "Shop"}
	var newRunner func(svc *engine.Service, rc engine.RunnerConfig) (engine.Runner, error)
	switch db {
	case "sqlite":
		lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "aftersale.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { lite.Close() })
		h.st = lite
		newRunner = func(svc *engine.Service, rc engine.RunnerConfig) (engine.Runner, error) {
			return engine.NewRunner(ctx, riversqlite.New(lite.SQL()), svc, rc)
		}
	default:
		pg, err := postgres.Open(ctx, pgtest.Database(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pg.Close() })
		h.st = pg
		newRunner = func(svc *engine.Service, rc engine.RunnerConfig) (engine.Runner, error) {
			return engine.NewRunner(ctx, riverpgxv5.New(pg.Pool()), svc, rc)
		}
	}
	var fst Store = h.st
	if wrap != nil {
		fst = wrap(fst)
	}
	h.fst = fst
	h.fb, err = New(Config{Store: fst, Links: links, Clock: clock, BaseURL: "https://after.example", Business: business, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	cfg := engine.Config{
		Store: h.st, Journeys: js, Renderer: r, Mailer: h.mail, Clock: clock,
		Schedule: &journey.Schedule{Clock: clock, QuietStart: "21:00", QuietEnd: "08:00"},
		From:     aftersale.Address{Name: "Shop", Email: "hello@shop.example"}, BaseURL: "https://after.example",
		Business: business, Links: links, Logger: log,
		StepHandlers: map[aftersale.StepType]engine.StepHandler{aftersale.StepSurvey: h.fb.HandleSurvey},
		RefundRisk:   h.fb,
	}
	if db != "sqlite" {
		cfg.IngestCommitters = 4
	}
	if h.svc, err = engine.NewService(cfg); err != nil {
		t.Fatal(err)
	}
	run, err := newRunner(h.svc, engine.RunnerConfig{Logger: log, Jobs: []engine.Jobs{h.fb.Jobs()}})
	if err != nil {
		t.Fatal(err)
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

// tasks lists the tasks of addr with the status.
func (h *harness) tasks(t *testing.T, status, addr string) []engine.TaskView {
	t.Helper()
	ts, err := h.svc.Tasks(context.Background(), status, addr)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// risk scores the order with the shop's id, as the customer view does.
func (h *harness) risk(t *testing.T, orderID string) engine.Risk {
	t.Helper()
	ctx := context.Background()
	o, err := h.st.OrderGetByExternalID(ctx, orderID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := h.st.CustomerGet(ctx, o.CustomerID)
	if err != nil {
		t.Fatal(err)
	}
	r, err := h.svc.RefundRisk(ctx, o, c) // through engine.Config.RefundRisk
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// surveyLink is the token of the survey link in the last email of the
// template to addr.
func (h *harness) surveyLink(t *testing.T, addr, tmpl string) string {
	t.Helper()
	e := h.mail.lastTo(addr, tmpl)
	if e == nil {
		t.Fatalf("no %s email to %s: %v", tmpl, addr, h.mail.templates(addr))
	}
	const prefix = "https://after.example/s/"
	i := strings.Index(e.Text, prefix)
	if i < 0 {
		t.Fatalf("the %s email has no survey link:\n%s", tmpl, e.Text)
	}
	tok := e.Text[i+len(prefix):]
	if j := strings.IndexAny(tok, "?)> \n\""); j >= 0 {
		tok = tok[:j]
	}
	return tok
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}
