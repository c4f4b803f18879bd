// Package app wires aftersale together: configuration, storage, the job
// runner, mail and the HTTP server. cmd/aftersale is a thin shell around it,
// and end-to-end tests boot it in-process.
package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/auth"
	"github.com/aftersale/aftersale/broadcast"
	"github.com/aftersale/aftersale/config"
	"github.com/aftersale/aftersale/contact"
	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/feedback"
	"github.com/aftersale/aftersale/inbound"
	"github.com/aftersale/aftersale/insiders"
	"github.com/aftersale/aftersale/journey"
	"github.com/aftersale/aftersale/outbox"
	"github.com/aftersale/aftersale/privacy"
	"github.com/aftersale/aftersale/returns"
	"github.com/aftersale/aftersale/smtp"
	"github.com/aftersale/aftersale/team"
	"github.com/aftersale/aftersale/web"
	"github.com/aftersale/aftersale/web/admin"
)

// Config is what New needs: the install's settings (cmd/aftersale builds
// them with config.Load and the AFTERSALE_* overrides; the zero value is
// the built-in defaults, see config.Settings.Normalize) and the hooks of
// tests.
type Config struct {
	config.Settings
	// Clock replaces the clock built from TimeScale (tests give a manual
	// one, aftersale.NewManualClock, and move it with Advance).
	Clock  *aftersale.Clock
	Logger *slog.Logger
	// PasswordParams are the argon2id costs of new passwords (nil:
	// auth.DefaultParams; tests lower them).
	PasswordParams *auth.Params
	// PlanAhead is the planning horizon (engine.Config.PlanAhead): steps
	// due later get their rows when they come within it; 0 means an hour.
	// Tests shorten it.
	PlanAhead time.Duration

	// Listener, when set, is used instead of listening on Addr (tests pass
	// one on port 0); Addr and the default BaseURL follow it.
	Listener net.Listener
}

// Normalize applies defaults and checks the configuration.
func (c *Config) Normalize() error {
	if c.Listener != nil {
		c.Addr = c.Listener.Addr().String()
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c.Settings.Normalize()
}

// App is a running aftersale: store, job runner, mailer and HTTP server.
type App struct {
	cfg      Config
	log      *slog.Logger
	store    aftersale.Store
	service  *engine.Service
	privacy  *privacy.Service
	contact  *contact.Service
	bcasts   *broadcast.Service
	returns  *returns.Service
	insiders *insiders.Service
	feedback *feedback.Service
	team     *team.Service
	runner   engine.Runner
	server   *web.Server
	mailer   aftersale.Mailer
	closers  []func() error
	ready    atomic.Bool
	listener net.Listener
	inbound  *inbound.Server
	Registry *prometheus.Registry
}

// LoadJourneys returns the journeys of path, or the built-in ones.
func LoadJourneys(path string) (*journey.Set, error) {
	if path == "" {
		return journey.Default()
	}
	return journey.Load(path)
}

// LoadRenderer returns the email renderer with the templates/ folder beside
// the journeys (if any) overriding the built-in templates.
func LoadRenderer(journeysPath string) (*email.Renderer, error) {
	if journeysPath == "" {
		return email.NewRenderer(nil)
	}
	dir := journeysPath
	if fi, err := os.Stat(journeysPath); err == nil && !fi.IsDir() {
		dir = filepath.Dir(journeysPath)
	}
	tdir := filepath.Join(dir, "templates")
	if fi, err := os.Stat(tdir); err == nil && fi.IsDir() {
		return email.NewRenderer(os.DirFS(tdir))
	}
	return email.NewRenderer(nil)
}

// New opens storage and builds every part; Start runs them.
func New(ctx context.Context, cfg Config) (_ *App, err error) {
	if err := cfg.Normalize(); err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: cfg.Logger, Registry: prometheus.NewRegistry(), listener: cfg.Listener}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	journeys, err := LoadJourneys(cfg.Journeys)
	if err != nil {
		return nil, err
	}
	renderer, err := LoadRenderer(cfg.Journeys)
	if err != nil {
		return nil, err
	}
	stg, err := openStorage(ctx, cfg.DataDir, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	db := stg.store
	a.store = db
	a.closers = append(a.closers, db.Close)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}

	var dkim *smtp.DKIMConfig
	if m := cfg.Mail; m.DKIMKeyFile != "" { // Normalize saw all three or none
		key, err := smtp.LoadDKIMKey(m.DKIMKeyFile)
		if err != nil {
			return nil, fmt.Errorf("mail.dkim_key_file (AFTERSALE_DKIM_KEY_FILE): %w", err)
		}
		dkim = &smtp.DKIMConfig{Domain: m.DKIMDomain, Selector: m.DKIMSelector, Signer: key}
	}
	// What a crash can send twice: one email per SMTP connection.
	handOvers := engine.DefaultHandOvers
	if cfg.SMTPURL != "" {
		opts := []smtp.Option{smtp.WithDomainRate(cfg.Mail.SendRate, cfg.Mail.SendRateDomains)}
		if dkim != nil {
			opts = append(opts, smtp.WithDKIM(*dkim))
		}
		conns := cfg.Mail.SMTPConnections // 1 to 100 (Normalize)
		handOvers = conns
		s, err := smtp.NewPool(cfg.SMTPURL, conns, opts...)
		if err != nil {
			return nil, fmt.Errorf("AFTERSALE_SMTP_URL: %w", err)
		}
		a.mailer = s
		a.closers = append(a.closers, s.Close)
	} else {
		var opts []outbox.Option
		if dkim != nil {
			opts = append(opts, outbox.WithDKIM(*dkim))
		}
		ob, err := outbox.New(filepath.Join(cfg.DataDir, "outbox"), opts...)
		if err != nil {
			return nil, err
		}
		a.mailer = ob
		a.log.Info("no AFTERSALE_SMTP_URL: email goes to the local outbox", "dir", filepath.Join(cfg.DataDir, "outbox"))
	}

	key, err := db.SecretGet(ctx, "link-signing-key", func() []byte {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		return b
	})
	if err != nil {
		return nil, err
	}
	clock := cfg.Clock
	if clock == nil {
		clock = &aftersale.Clock{Scale: cfg.TimeScale, Origin: time.Now().UTC()}
	}
	sched := &journey.Schedule{Clock: clock, DefaultTimezone: cfg.Timezone}
	sched.QuietStart, sched.QuietEnd, _ = cfg.Quiet() // "", "" when off
	from, _ := mail.ParseAddress(cfg.Sender.From)
	a.insiders, err = insiders.New(insiders.Config{Store: db, Clock: clock, Logger: a.log, BaseURL: cfg.BaseURL, ShopURL: cfg.Insiders.ShopURL,
		DefaultTimezone: cfg.Timezone, ReferralRewardPercent: cfg.Insiders.ReferralRewardPercent,
		ReferralRewardDays: cfg.Insiders.ReferralRewardDays, NextLevel: cfg.Insiders.Rules(), Journeys: journeys})
	if err != nil {
		return nil, err
	}
	links, metrics := &aftersale.LinkSigner{Key: key, Clock: clock}, engine.NewMetrics(a.Registry, db, clock)
	a.feedback, err = feedback.New(feedback.Config{Store: db, Links: links, Clock: clock, BaseURL: cfg.BaseURL, Business: cfg.Business(),
		Qualities: cfg.Surveys.Catalogue(), RecoveryBelow: cfg.Surveys.RecoveryBelow, Metrics: metrics, Logger: a.log})
	if err != nil {
		return nil, err
	}
	a.service, err = engine.NewService(engine.Config{
		Store: db, Journeys: journeys, Renderer: renderer, Mailer: a.mailer, Clock: clock, Schedule: sched,
		From: aftersale.Address{Name: from.Name, Email: from.Address}, ReturnPath: cfg.Mail.BounceAddress,
		BaseURL: cfg.BaseURL, Business: cfg.Business(),
		Links: links, Logger: a.log,
		Metrics:            metrics,
		IngestCommitters:   map[string]int{"sqlite": 1, "postgres": 4}[db.Dialect()],
		PlanAhead:          cfg.PlanAhead,
		HandOvers:          handOvers,
		OutboxDir:          filepath.Join(cfg.DataDir, "outbox"),
		RefundRisk:         a.feedback,
		Carriers:           cfg.Shipping.Carriers(),
		DeliveryMarginDays: cfg.Shipping.DeliveryMarginDays,
		Returns:            cfg.Returns.Policy(),
		ReturnDoor:         returns.Door{},
		OrderPlaced:        a.insiders, Stories: a.insiders, ViewParts: []engine.ViewPart{a.insiders},
		StepHandlers: map[aftersale.StepType]engine.StepHandler{aftersale.StepOffer: a.insiders.HandleOffer,
			aftersale.StepSurvey: a.feedback.HandleSurvey},
	})
	if err != nil {
		return nil, err
	}
	a.team, err = team.New(team.Config{Store: db, Clock: clock, Logger: a.log, PasswordParams: cfg.PasswordParams, MemberMailer: memberMailer(dkim, a.log),
		Pipeline: a.service, Mailer: a.mailer, From: aftersale.Address{Name: from.Name, Email: from.Address}, ReturnPath: cfg.Mail.BounceAddress,
		BaseURL: cfg.BaseURL, TaskSLA: cfg.Tasks.SLA, Schedule: sched, Metrics: metrics})
	if err != nil {
		return nil, err
	}
	if err := a.team.EnsureFirstAdmin(ctx, cfg.AdminEmail, cfg.AdminPassword); err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func() error { a.service.Close(); return nil })
	a.contact, err = contact.New(contact.Config{Store: db, Links: links, Clock: clock, Metrics: metrics, Logger: a.log})
	if err != nil {
		return nil, err
	}
	a.returns, err = returns.New(returns.Config{Store: db, Pipeline: a.service, Links: links, Clock: clock, Logger: a.log})
	if err != nil {
		return nil, err
	}
	a.privacy, err = privacy.New(privacy.Config{Store: db, Pipeline: a.service, Clock: clock, OutboxDir: filepath.Join(cfg.DataDir, "outbox"), Logger: a.log})
	if err != nil {
		return nil, err
	}
	a.bcasts, err = broadcast.New(broadcast.Config{Store: db, Pipeline: a.service, Renderer: renderer, Mailer: a.mailer, Clock: clock,
		From: aftersale.Address{Name: from.Name, Email: from.Address}, ReturnPath: cfg.Mail.BounceAddress,
		BaseURL: cfg.BaseURL, Business: cfg.Business(), Metrics: metrics, Logger: a.log})
	if err != nil {
		return nil, err
	}
	a.runner, err = stg.runner(ctx, a.service, engine.RunnerConfig{Jobs: []engine.Jobs{a.feedback.Jobs(), a.bcasts.Jobs(), a.team.Jobs()}})
	if err != nil {
		return nil, err
	}
	if cfg.Mail.BounceListen != "" {
		domain := ""
		if at := strings.LastIndexByte(cfg.Mail.BounceAddress, '@'); at >= 0 {
			domain = cfg.Mail.BounceAddress[at+1:]
		}
		a.inbound, err = inbound.New(inbound.Config{
			Addr: cfg.Mail.BounceListen, Domain: domain, Handle: a.contact.HandleReport, Logger: a.log,
		})
		if err != nil {
			return nil, fmt.Errorf("AFTERSALE_BOUNCE_LISTEN: %w", err)
		}
	}
	hooks, err := webhooks(cfg)
	if err != nil {
		return nil, err
	}
	a.server = web.NewServer(web.Config{
		Privacy:  a.privacy,
		Contact:  a.contact,
		Team:     a.team,
		Insiders: a.insiders,
		Feedback: a.feedback,
		Returns:  a.returns,
		Service:  a.service, APIKey: cfg.APIKey, Gatherer: a.Registry, Logger: a.log, BusinessName: cfg.Sender.BusinessName,
		Webhooks: hooks,
	}, a.ready.Load)
	ui, err := admin.New(admin.Config{Service: a.service, Web: a.server, Team: a.team, Privacy: a.privacy, Contact: a.contact,
		Insiders: a.insiders, Feedback: a.feedback, Broadcasts: a.bcasts, Returns: a.returns, Logger: a.log,
		PhoneRegion: cfg.PhoneRegion, SecureCookies: strings.HasPrefix(cfg.BaseURL, "https://")})
	if err != nil {
		return nil, err
	}
	ui.Register(a.server) // the admin UI under /admin
	return a, nil
}

// Service returns the application core.
func (a *App) Service() *engine.Service { return a.service }

// Privacy returns the export and erase of customers.
func (a *App) Privacy() *privacy.Service { return a.privacy }

// Broadcasts returns the broadcasts: writing, scheduling and sending them.
func (a *App) Broadcasts() *broadcast.Service { return a.bcasts }

// Insiders returns the insiders programme: offer codes and their pools,
// referrals, the stories and the insiders report.
func (a *App) Insiders() *insiders.Service { return a.insiders }

// Team returns the team administration: members and their logins.
func (a *App) Team() *team.Service { return a.team }

// Feedback returns the surveys, success plans, refund risk and reports.
func (a *App) Feedback() *feedback.Service { return a.feedback }

// Returns returns the returns: the returns pages, staff's handling of
// returns and the returns report.
func (a *App) Returns() *returns.Service { return a.returns }

// Store returns the store.
func (a *App) Store() aftersale.Store { return a.store }

// Addr returns the address the server listens on once Run has started.
func (a *App) Addr() string {
	if a.listener == nil {
		return a.cfg.Addr
	}
	return a.listener.Addr().String()
}

// Listen opens the HTTP listener (port 0 picks a free port).
func (a *App) Listen() error {
	l, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.cfg.Addr, err)
	}
	a.listener = l
	return nil
}

// Run starts the workers and serves HTTP until ctx is done, then shuts down
// gracefully: no new requests, requests in flight finish, running jobs
// finish (or are left to be retried), the database closes.
func (a *App) Run(ctx context.Context) error {
	if a.listener == nil {
		if err := a.Listen(); err != nil {
			return err
		}
	}
	// River's jobs take their context from Start's: a signal must not
	// cancel running jobs mid-step; Stop below lets them finish.
	if err := a.runner.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start workers: %w", err)
	}
	errc := make(chan error, 2)
	go func() { errc <- a.server.Serve(a.listener) }()
	if a.inbound != nil {
		go func() {
			if err := a.inbound.ListenAndServe(ctx); err != nil {
				errc <- err
			}
		}()
	}
	a.ready.Store(true)
	a.log.Info("aftersale is serving", "addr", a.listener.Addr().String(), "base_url", a.cfg.BaseURL,
		"admin", a.cfg.BaseURL+"/admin", "time_scale", a.cfg.TimeScale, "storage", a.store.Dialect())
	if ms, err := a.team.Members(ctx); err == nil && len(ms) == 0 {
		a.log.Warn("no team member can log in to the admin yet: restart with AFTERSALE_ADMIN_EMAIL and AFTERSALE_ADMIN_PASSWORD set, or run 'aftersale user add --email you@shop.example --role owner'",
			"admin", a.cfg.BaseURL+"/admin")
	}

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	a.ready.Store(false)
	a.log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if a.inbound != nil {
		a.inbound.Close()
	}
	if err := a.server.Shutdown(shutdownCtx); err != nil {
		a.log.Warn("http shutdown", "err", err)
	}
	if err := a.runner.Stop(shutdownCtx); err != nil {
		a.log.Warn("worker shutdown", "err", err)
	}
	a.service.Close() // after the workers: they record what they sent through it
	return serveErr
}

// Close releases what New opened.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}
