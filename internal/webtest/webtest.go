// Package webtest builds a real aftersale for the tests of the web Server
// and the admin UI (web, web/admin): a SQLite store in a temp dir, the
// engine Service with the built-in journeys and the feature services
// beside it, a real SMTP server, and the web Server with the admin UI
// registered on it, over HTTP, as app wires them.
package webtest

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/auth"
	"github.com/aftersale/aftersale/broadcast"
	"github.com/aftersale/aftersale/contact"
	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/feedback"
	"github.com/aftersale/aftersale/insiders"
	"github.com/aftersale/aftersale/journey"
	"github.com/aftersale/aftersale/privacy"
	"github.com/aftersale/aftersale/returns"
	"github.com/aftersale/aftersale/smtp"
	"github.com/aftersale/aftersale/smtptest"
	"github.com/aftersale/aftersale/sqlite"
	"github.com/aftersale/aftersale/team"
	"github.com/aftersale/aftersale/web"
	"github.com/aftersale/aftersale/web/admin"
)

// Env is the aftersale New built.
type Env struct {
	Store      aftersale.Store
	Service    *engine.Service
	Privacy    *privacy.Service
	Contact    *contact.Service
	Broadcasts *broadcast.Service
	Team       *team.Service
	Insiders   *insiders.Service
	Feedback   *feedback.Service
	Returns    *returns.Service
	SMTP       *smtptest.Server
	// Server serves the web Server with the admin UI registered on it.
	Server *httptest.Server
	// Logs are every service's logs, at debug level.
	Logs *LogBuffer
	// Links signs the customer links, as the engine does.
	Links *aftersale.LinkSigner
}

// Options change what New builds.
type Options struct {
	// Engine changes the engine's configuration.
	Engine func(*engine.Config)
	// Team changes the team's configuration (made after the engine's, on
	// its store and clock).
	Team func(*team.Config)
	// Insiders changes the insiders' configuration (made before the
	// engine's, whose offer steps, order hook, stories and view part it
	// is).
	Insiders func(*insiders.Config)
	// Jobs attaches and starts the job runner (River on the same SQLite
	// database), so that events are processed and emails sent.
	Jobs bool
	// Web changes the web Server's configuration.
	Web func(*web.Config)
	// Admin changes the admin UI's configuration.
	Admin func(*admin.Config)
}

// LogBuffer collects the logs, so that a test can check them for PII.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write adds to the logs.
func (s *LogBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String is the logs so far.
func (s *LogBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// FastHash keeps the tests quick: argon2id with 64 KiB and one pass.
var FastHash = &auth.Params{Memory: 64, Time: 1, Threads: 1}

// New builds the Env; everything is closed when the test ends.
func New(t testing.TB, o Options) *Env {
	t.Helper()
	ctx := context.Background()
	e := &Env{SMTP: smtptest.Start(t), Logs: &LogBuffer{}}
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "aftersale.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.Store = db
	journeys, err := journey.Default()
	if err != nil {
		t.Fatal(err)
	}
	renderer, err := email.NewRenderer(nil)
	if err != nil {
		t.Fatal(err)
	}
	mailer, err := smtp.New(e.SMTP.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mailer.Close() })
	log := slog.New(slog.NewTextHandler(e.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.Links = &aftersale.LinkSigner{Key: []byte("0123456789abcdef0123456789abcdef")}
	ecfg := engine.Config{
		Store: db, Journeys: journeys, Renderer: renderer, Mailer: mailer, Clock: &aftersale.Clock{},
		From:  aftersale.Address{Name: "Shop", Email: "hello@shop.example"},
		Links: e.Links, Logger: log,
		BaseURL: "http://shop.example",
	}
	ecfg.ReturnDoor = returns.Door{}
	icfg := insiders.Config{Store: db, Clock: ecfg.Clock, Logger: log, BaseURL: ecfg.BaseURL, Journeys: journeys}
	if o.Insiders != nil {
		o.Insiders(&icfg)
	}
	if e.Insiders, err = insiders.New(icfg); err != nil {
		t.Fatal(err)
	}
	ecfg.OrderPlaced, ecfg.Stories, ecfg.ViewParts = e.Insiders, e.Insiders, append(ecfg.ViewParts, e.Insiders)
	if ecfg.StepHandlers == nil {
		ecfg.StepHandlers = map[aftersale.StepType]engine.StepHandler{}
	}
	ecfg.StepHandlers[aftersale.StepOffer] = e.Insiders.HandleOffer
	if o.Engine != nil {
		o.Engine(&ecfg)
	}
	// Feedback follows the engine's options (store, clock, links).
	if e.Feedback, err = feedback.New(feedback.Config{Store: ecfg.Store, Links: ecfg.Links, Clock: ecfg.Clock, BaseURL: ecfg.BaseURL,
		Business: ecfg.Business, Metrics: ecfg.Metrics, Logger: log}); err != nil {
		t.Fatal(err)
	}
	ecfg.StepHandlers[aftersale.StepSurvey], ecfg.RefundRisk = e.Feedback.HandleSurvey, e.Feedback
	e.Service, err = engine.NewService(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Service.Close)
	if e.Contact, err = contact.New(contact.Config{Store: ecfg.Store, Links: ecfg.Links, Clock: ecfg.Clock, Metrics: ecfg.Metrics, Logger: log}); err != nil {
		t.Fatal(err)
	}
	e.Broadcasts, err = broadcast.New(broadcast.Config{Store: db, Pipeline: e.Service, Renderer: renderer, Mailer: ecfg.Mailer, Clock: ecfg.Clock,
		From: ecfg.From, BaseURL: ecfg.BaseURL, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if o.Jobs {
		runner, err := engine.NewRunner(ctx, riversqlite.New(db.SQL()), sqlite.DriverTx, e.Service, engine.RunnerConfig{Workers: 4,
			Jobs: []engine.Jobs{e.Broadcasts.Jobs(), e.Feedback.Jobs()}})
		if err != nil {
			t.Fatal(err)
		}
		if err := runner.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = runner.Stop(stop)
		})
	}
	e.Privacy, err = privacy.New(privacy.Config{Store: db, Pipeline: e.Service, Clock: ecfg.Clock, OutboxDir: ecfg.OutboxDir, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if e.Returns, err = returns.New(returns.Config{Store: ecfg.Store, Pipeline: e.Service, Links: ecfg.Links, Clock: ecfg.Clock, Logger: log}); err != nil {
		t.Fatal(err)
	}
	tcfg := team.Config{Store: ecfg.Store, Clock: ecfg.Clock, Logger: log, PasswordParams: FastHash,
		Pipeline: e.Service, Mailer: mailer, From: ecfg.From, BaseURL: ecfg.BaseURL}
	if o.Team != nil {
		o.Team(&tcfg)
	}
	if e.Team, err = team.New(tcfg); err != nil {
		t.Fatal(err)
	}

	cfg := web.Config{Service: e.Service, Logger: log, BusinessName: "Shop"}
	cfg.Returns = e.Returns
	cfg.Privacy = e.Privacy
	cfg.Contact = e.Contact
	cfg.Insiders = e.Insiders
	cfg.Feedback = e.Feedback
	if o.Web != nil {
		o.Web(&cfg)
	}
	srv := web.NewServer(cfg, func() bool { return true })
	acfg := admin.Config{Service: e.Service, Web: srv, Team: e.Team, Privacy: e.Privacy, Contact: e.Contact, Insiders: e.Insiders,
		Feedback: e.Feedback, Broadcasts: e.Broadcasts, Returns: e.Returns, Logger: log}
	if o.Admin != nil {
		o.Admin(&acfg)
	}
	ui, err := admin.New(acfg)
	if err != nil {
		t.Fatal(err)
	}
	ui.Register(srv)
	e.Server = httptest.NewServer(srv)
	t.Cleanup(e.Server.Close)
	return e
}
