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
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/auth"
	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/inbound"
	"github.com/aftersale/aftersale/journey"
	"github.com/aftersale/aftersale/outbox"
	"github.com/aftersale/aftersale/phone"
	"github.com/aftersale/aftersale/smtp"
	"github.com/aftersale/aftersale/web"
)

// Config is the whole configuration; cmd/aftersale fills it from flags and
// AFTERSALE_* environment variables. Defaults are applied by Normalize.
type Config struct {
	Addr        string  // listen address; default 127.0.0.1:8080
	DataDir     string  // default ./aftersale-data
	DatabaseURL string  // postgres://... switches storage and jobs to PostgreSQL
	BaseURL     string  // public URL for links; default http://Addr
	SMTPURL     string  // smtp://[user:pass@]host:port; empty writes to the outbox
	From        string  // sender, "Name <addr>"; default "aftersale <aftersale@localhost>"
	APIKey      string  // Bearer key of /api
	Journeys    string  // file or folder replacing the built-in journeys
	TimeScale   float64 // divides every journey delay; default 1
	// Clock replaces the clock built from TimeScale (tests give a manual
	// one, aftersale.NewManualClock, and move it with Advance).
	Clock      *aftersale.Clock
	Timezone   string // default customer time zone; default UTC
	QuietHours string // "21:00-08:00"; "off" disables
	Business   email.Business
	Logger     *slog.Logger
	// Deliverability: DKIM signing (all three or none), the envelope
	// sender that bounces go to, the inbound listener for bounce and
	// complaint reports ("" disables it), and per-domain rate limits.
	DKIMDomain, DKIMSelector, DKIMKeyFile string
	BounceAddress                         string
	BounceListen                          string
	SendRate                              int            // messages a minute per recipient domain; 0 = no limit
	SendRateDomains                       map[string]int // per-domain overrides
	// The team: the first admin (an owner, created at start when no member
	// has the email), how long after its due time an open task counts as
	// overdue, the region of phone numbers written without a country code,
	// and the argon2id costs of new passwords (nil: auth.DefaultParams;
	// tests lower them).
	AdminEmail, AdminPassword string
	TaskSLA                   time.Duration
	// Surveys: the service qualities (aftersale.ParseQualities; "" for
	// the default catalogue) and the recommendation score below which a
	// recovery call is created (0: 7).
	Qualities      string
	RecoveryBelow  int
	PhoneRegion    string
	PasswordParams *auth.Params
	// Shop platforms: the secrets that sign their webhooks (each set one
	// enables its /webhooks/ route) and the rules giving their order lines
	// a kind (aftersale.ParseKindRules).
	ShopifySecret, StripeSecret, WooCommerceSecret string
	ItemKinds                                      string
	// SMTPConnections is how many connections to the SMTP server may carry
	// messages at once; 0 means 8.
	SMTPConnections int
	// Shipping: tracking URL templates and usual transit days per carrier
	// (aftersale.ParseCarriers), and the days past those before a package
	// counts as late (0: 3).
	TrackingURLs, CarrierDays string
	DeliveryMarginDays        int
	// Returns: the return address, a prepaid label URL, the business days
	// until the money is back (0: 5), the return window in days (0: none)
	// and the reasons offered (aftersale.ParseReturnReasons; "": defaults).
	ReturnAddress, ReturnLabelURL string
	ReturnRefundDays              int
	ReturnWindowDays              int
	ReturnReasons                 string
	// Insiders: the shop's front page (offers and referral links lead
	// there), the referrer's reward (percent off, 0: none; valid days, 0:
	// 60) and the next-level rules (aftersale.ParseNextLevel).
	ShopURL                                   string
	ReferralRewardPercent, ReferralRewardDays int
	NextLevel                                 string
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
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.DataDir == "" {
		c.DataDir = "./aftersale-data"
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		return fmt.Errorf("AFTERSALE_BASE_URL: %q must start with http:// or https://", c.BaseURL)
	}
	if c.From == "" {
		c.From = "aftersale <aftersale@localhost>"
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("AFTERSALE_FROM: %q is not an address like \"Shop <hello@shop.example>\"", c.From)
	}
	if c.TimeScale == 0 {
		c.TimeScale = 1
	}
	if c.TimeScale < 1 {
		return fmt.Errorf("AFTERSALE_TIME_SCALE: %v must be 1 or more", c.TimeScale)
	}
	if c.Timezone == "" {
		c.Timezone = "UTC"
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		return fmt.Errorf("AFTERSALE_TIMEZONE: unknown time zone %q", c.Timezone)
	}
	if c.QuietHours == "" {
		c.QuietHours = "21:00-08:00"
	}
	if c.PhoneRegion == "" {
		c.PhoneRegion = phone.DefaultRegion
	}
	if c.PhoneRegion = strings.ToUpper(strings.TrimSpace(c.PhoneRegion)); !phone.KnownRegion(c.PhoneRegion) {
		return fmt.Errorf("AFTERSALE_PHONE_REGION: %q is not a region with a phone numbering plan (an ISO 3166 code like US, GB or DE)", c.PhoneRegion)
	}
	if c.Business.PhoneRegion == "" {
		c.Business.PhoneRegion = c.PhoneRegion // journeys' has_phone reads numbers in it
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.BounceAddress != "" {
		if a, err := mail.ParseAddress(c.BounceAddress); err != nil || a.Address != c.BounceAddress {
			return fmt.Errorf("AFTERSALE_BOUNCE_ADDRESS: %q is not a bare address like bounces@mail.shop.example", c.BounceAddress)
		}
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return fmt.Errorf("AFTERSALE_DATABASE_URL: want a postgres:// URL")
	}
	if c.Business.Name == "" {
		a, _ := mail.ParseAddress(c.From)
		c.Business.Name = a.Name
		if c.Business.Name == "" {
			c.Business.Name = a.Address[strings.LastIndexByte(a.Address, '@')+1:]
		}
	}
	if c.Business.SupportEmail == "" {
		a, _ := mail.ParseAddress(c.From)
		c.Business.SupportEmail = a.Address
	}
	return nil
}

// ParseRates reads per-domain rate limits written "gmail.com=300,yahoo.com=120".
func ParseRates(s string) (map[string]int, error) {
	out := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		domain, n, ok := strings.Cut(part, "=")
		v, err := strconv.Atoi(strings.TrimSpace(n))
		if !ok || err != nil || v < 0 || strings.TrimSpace(domain) == "" {
			return nil, fmt.Errorf("AFTERSALE_SEND_RATE_DOMAINS: %q is not like gmail.com=300", part)
		}
		out[strings.ToLower(strings.TrimSpace(domain))] = v
	}
	return out, nil
}

// App is a running aftersale: store, job runner, mailer and HTTP server.
type App struct {
	cfg      Config
	log      *slog.Logger
	store    aftersale.Store
	service  *engine.Service
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
	if cfg.DKIMDomain != "" || cfg.DKIMSelector != "" || cfg.DKIMKeyFile != "" {
		if cfg.DKIMDomain == "" || cfg.DKIMSelector == "" || cfg.DKIMKeyFile == "" {
			return nil, errors.New("DKIM needs all of AFTERSALE_DKIM_DOMAIN, AFTERSALE_DKIM_SELECTOR and AFTERSALE_DKIM_KEY_FILE")
		}
		key, err := smtp.LoadDKIMKey(cfg.DKIMKeyFile)
		if err != nil {
			return nil, fmt.Errorf("AFTERSALE_DKIM_KEY_FILE: %w", err)
		}
		dkim = &smtp.DKIMConfig{Domain: cfg.DKIMDomain, Selector: cfg.DKIMSelector, Signer: key}
	}
	// What a crash can send twice: one email per SMTP connection.
	handOvers := engine.DefaultHandOvers
	if cfg.SMTPURL != "" {
		opts := []smtp.Option{smtp.WithDomainRate(cfg.SendRate, cfg.SendRateDomains)}
		if dkim != nil {
			opts = append(opts, smtp.WithDKIM(*dkim))
		}
		conns := cfg.SMTPConnections
		if conns == 0 {
			conns = 8
		}
		if conns < 0 || conns > 100 {
			return nil, fmt.Errorf("AFTERSALE_SMTP_CONNECTIONS is %d; want 1 to 100", conns)
		}
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
	if cfg.QuietHours != "off" {
		start, end, ok := strings.Cut(cfg.QuietHours, "-")
		if !ok {
			return nil, fmt.Errorf("AFTERSALE_QUIET_HOURS: %q is not like 21:00-08:00 (or off)", cfg.QuietHours)
		}
		sched.QuietStart, sched.QuietEnd = strings.TrimSpace(start), strings.TrimSpace(end)
	}
	from, _ := mail.ParseAddress(cfg.From)
	qualities, err := aftersale.ParseQualities(cfg.Qualities)
	if err != nil {
		return nil, fmt.Errorf("AFTERSALE_QUALITIES: %w", err)
	}
	if cfg.RecoveryBelow < 0 || cfg.RecoveryBelow > 11 {
		return nil, fmt.Errorf("AFTERSALE_SURVEY_RECOVERY_BELOW is %d; want 0 to 11", cfg.RecoveryBelow)
	}
	carriers, err := aftersale.ParseCarriers(cfg.TrackingURLs, cfg.CarrierDays)
	if err != nil {
		return nil, fmt.Errorf("AFTERSALE_TRACKING_URLS / AFTERSALE_CARRIER_DAYS: %w", err)
	}
	reasons, err := aftersale.ParseReturnReasons(cfg.ReturnReasons)
	if err != nil {
		return nil, fmt.Errorf("AFTERSALE_RETURN_REASONS: %w", err)
	}
	if cfg.ReturnLabelURL != "" && !strings.HasPrefix(cfg.ReturnLabelURL, "https://") && !strings.HasPrefix(cfg.ReturnLabelURL, "http://") {
		return nil, fmt.Errorf("AFTERSALE_RETURN_LABEL_URL: %q is not an http(s) URL", cfg.ReturnLabelURL)
	}
	nextLevel, err := aftersale.ParseNextLevel(cfg.NextLevel)
	if err != nil {
		return nil, fmt.Errorf("AFTERSALE_NEXT_LEVEL: %w", err)
	}
	if cfg.ShopURL != "" && !strings.HasPrefix(cfg.ShopURL, "https://") && !strings.HasPrefix(cfg.ShopURL, "http://") {
		return nil, fmt.Errorf("AFTERSALE_SHOP_URL: %q is not an http(s) URL", cfg.ShopURL)
	}
	if cfg.ReferralRewardPercent < 0 || cfg.ReferralRewardPercent > 100 || cfg.ReferralRewardDays < 0 {
		return nil, fmt.Errorf("AFTERSALE_REFERRAL_REWARD_PERCENT must be 0 to 100 and AFTERSALE_REFERRAL_REWARD_DAYS not negative")
	}
	if cfg.ReturnRefundDays < 0 || cfg.ReturnWindowDays < 0 || cfg.DeliveryMarginDays < 0 {
		return nil, fmt.Errorf("AFTERSALE_RETURN_REFUND_DAYS, AFTERSALE_RETURN_WINDOW_DAYS and AFTERSALE_DELIVERY_MARGIN_DAYS must not be negative")
	}
	a.service, err = engine.NewService(engine.Config{
		Store: db, Journeys: journeys, Renderer: renderer, Mailer: a.mailer, Clock: clock, Schedule: sched,
		From: aftersale.Address{Name: from.Name, Email: from.Address}, ReturnPath: cfg.BounceAddress,
		BaseURL: cfg.BaseURL, Business: cfg.Business,
		Links: &aftersale.LinkSigner{Key: key, Clock: clock}, Logger: a.log,
		Metrics:            engine.NewMetrics(a.Registry, db, clock),
		IngestCommitters:   map[string]int{"sqlite": 1, "postgres": 4}[db.Dialect()],
		MemberMailer:       memberMailer(dkim, a.log),
		PasswordParams:     cfg.PasswordParams,
		TaskSLA:            cfg.TaskSLA,
		Qualities:          qualities,
		RecoveryBelow:      cfg.RecoveryBelow,
		Carriers:           carriers,
		DeliveryMarginDays: cfg.DeliveryMarginDays,
		PlanAhead:          cfg.PlanAhead,
		HandOvers:          handOvers,
		ShopURL:            strings.TrimRight(cfg.ShopURL, "/"), ReferralRewardPercent: cfg.ReferralRewardPercent,
		ReferralRewardDays: cfg.ReferralRewardDays, NextLevel: nextLevel, OutboxDir: filepath.Join(cfg.DataDir, "outbox"),
		Returns: aftersale.ReturnPolicy{
			Address: strings.ReplaceAll(cfg.ReturnAddress, `\n`, "\n"), LabelURL: cfg.ReturnLabelURL,
			RefundDays: cfg.ReturnRefundDays, WindowDays: cfg.ReturnWindowDays, Reasons: reasons,
		},
	})
	if err != nil {
		return nil, err
	}
	if err := a.service.EnsureFirstAdmin(ctx, cfg.AdminEmail, cfg.AdminPassword); err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func() error { a.service.Close(); return nil })
	a.runner, err = stg.runner(ctx, a.service, engine.RunnerConfig{})
	if err != nil {
		return nil, err
	}
	if cfg.BounceListen != "" {
		domain := ""
		if at := strings.LastIndexByte(cfg.BounceAddress, '@'); at >= 0 {
			domain = cfg.BounceAddress[at+1:]
		}
		a.inbound, err = inbound.New(inbound.Config{
			Addr: cfg.BounceListen, Domain: domain, Handle: a.service.HandleReport, Logger: a.log,
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
		Service: a.service, APIKey: cfg.APIKey, Gatherer: a.Registry, Logger: a.log, BusinessName: cfg.Business.Name,
		Webhooks: hooks, PhoneRegion: cfg.PhoneRegion, SecureCookies: strings.HasPrefix(cfg.BaseURL, "https://"),
	}, a.ready.Load)
	return a, nil
}

// Service returns the application core.
func (a *App) Service() *engine.Service { return a.service }

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
	if ms, err := a.service.Members(ctx); err == nil && len(ms) == 0 {
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
