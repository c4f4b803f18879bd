// Command aftersale runs the aftersale service and its tools.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // served only on --pprof-addr
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kong"
	"github.com/schollz/progressbar/v3"

	"github.com/aftersale/aftersale/app"
	"github.com/aftersale/aftersale/email"
)

// CLI is the command line; every flag mirrors an AFTERSALE_* variable.
type CLI struct {
	LogLevel  string `name:"log-level" env:"AFTERSALE_LOG_LEVEL" default:"info" enum:"debug,info,warn,error" help:"Log level (debug, info, warn, error)."`
	LogFormat string `name:"log-format" env:"AFTERSALE_LOG_FORMAT" default:"json" enum:"json,text" help:"Log format (json or text)."`

	Serve             ServeCmd             `cmd:"" help:"Run everything: HTTP API and pages, workers and scheduler, in one process."`
	Migrate           MigrateCmd           `cmd:"" help:"Create or upgrade the database schema, then exit."`
	MigrateToPostgres MigrateToPostgresCmd `cmd:"" name:"migrate-to-postgres" help:"Copy the embedded SQLite install into an empty PostgreSQL database (stop the service first)."`
	Journey           JourneyCmd           `cmd:"" help:"Check and preview journeys."`
	Import            ImportCmd            `cmd:"" help:"Import history: past orders from a CSV file."`
	User              UserCmd              `cmd:"" help:"Manage the team's logins."`
	Coupons           CouponsCmd           `cmd:"" help:"Manage coupon codes: import codes created in the shop into a pool."`
	Customer          CustomerCmd          `cmd:"" help:"Privacy: export everything held on a customer, or erase it."`
	Bounce            BounceCmd            `cmd:"" help:"Bounce and complaint reports: explain how one is read."`
}

// StoreFlags choose the database.
type StoreFlags struct {
	DataDir     string `name:"data-dir" env:"AFTERSALE_DATA_DIR" default:"./aftersale-data" help:"Folder of the embedded SQLite database and the outbox."`
	DatabaseURL string `name:"database-url" env:"AFTERSALE_DATABASE_URL" help:"A postgres:// URL switches storage and jobs to PostgreSQL (default: embedded SQLite)."`
}

// ServeCmd runs the service.
type ServeCmd struct {
	StoreFlags
	Addr           string        `name:"addr" env:"AFTERSALE_ADDR" default:"127.0.0.1:8080" help:"Address to listen on."`
	BaseURL        string        `name:"base-url" env:"AFTERSALE_BASE_URL" help:"Public URL of this install, for links in email (default: http://ADDR)."`
	SMTPURL        string        `name:"smtp-url" env:"AFTERSALE_SMTP_URL" help:"smtp://[user:pass@]host:port (smtps:// for implicit TLS). Without it mail goes to the outbox folder in the data dir."`
	From           string        `name:"from" env:"AFTERSALE_FROM" default:"aftersale <aftersale@localhost>" help:"Sender of journey email, e.g. \"Ana at Shop <hello@shop.example>\"."`
	APIKey         string        `name:"api-key" env:"AFTERSALE_API_KEY" help:"Key accepted as Authorization: Bearer KEY on /api (the API is refused without one)."`
	Journeys       string        `name:"journeys" env:"AFTERSALE_JOURNEYS" help:"A journey file or folder that replaces the built-in journeys (a templates/ folder beside them overrides email templates)."`
	TimeScale      float64       `name:"time-scale" env:"AFTERSALE_TIME_SCALE" default:"1" help:"Divides every journey delay (86400 makes a day pass in a second), on a virtual clock."`
	Timezone       string        `name:"timezone" env:"AFTERSALE_TIMEZONE" default:"UTC" help:"Time zone of customers whose events name none."`
	QuietHours     string        `name:"quiet-hours" env:"AFTERSALE_QUIET_HOURS" default:"21:00-08:00" help:"Customer-local hours in which delayed steps are not sent (off disables)."`
	Business       string        `name:"business-name" env:"AFTERSALE_BUSINESS_NAME" help:"Business name in email and pages (default: the From name)."`
	Support        string        `name:"support-email" env:"AFTERSALE_SUPPORT_EMAIL" help:"Where customers get support (default: the From address)."`
	SupportURL     string        `name:"support-url" env:"AFTERSALE_SUPPORT_URL" help:"Help centre or support page."`
	Escalation     string        `name:"escalation-email" env:"AFTERSALE_ESCALATION_EMAIL" help:"Where to escalate when support did not help (the owner, say)."`
	Resources      string        `name:"resources-url" env:"AFTERSALE_RESOURCES_URL" help:"Resources or FAQ page for the day-3 email."`
	Community      string        `name:"community-url" env:"AFTERSALE_COMMUNITY_URL" help:"Private community to invite customers to."`
	DKIMDomain     string        `name:"dkim-domain" env:"AFTERSALE_DKIM_DOMAIN" help:"Domain of the DKIM signature (d=), usually the From domain."`
	DKIMSelector   string        `name:"dkim-selector" env:"AFTERSALE_DKIM_SELECTOR" help:"DKIM selector (s=); the public key is published at SELECTOR._domainkey.DOMAIN."`
	DKIMKeyFile    string        `name:"dkim-key-file" env:"AFTERSALE_DKIM_KEY_FILE" help:"PEM private key (RSA 2048, or Ed25519) that signs outgoing mail."`
	BounceAddr     string        `name:"bounce-address" env:"AFTERSALE_BOUNCE_ADDRESS" help:"Envelope sender (Return-Path) that bounces and complaints are sent to (default: the From address)."`
	BounceListen   string        `name:"bounce-listen" env:"AFTERSALE_BOUNCE_LISTEN" help:"host:port of an SMTP listener that receives bounce (DSN) and complaint (ARF) reports; empty disables it."`
	SendRate       int           `name:"send-rate" env:"AFTERSALE_SEND_RATE" default:"0" help:"Messages a minute to each recipient domain (0: no limit; your relay may pace mail too)."`
	SendRates      string        `name:"send-rate-domains" env:"AFTERSALE_SEND_RATE_DOMAINS" help:"Per-domain limits, e.g. gmail.com=300,yahoo.com=120."`
	SMTPConns      int           `name:"smtp-connections" env:"AFTERSALE_SMTP_CONNECTIONS" default:"8" help:"Connections to the SMTP server that may carry messages at once (each sends one message at a time)."`
	PprofAddr      string        `name:"pprof-addr" env:"AFTERSALE_PPROF_ADDR" help:"host:port to serve Go's pprof profiles on (e.g. 127.0.0.1:6060); empty: off."`
	Shopify        string        `name:"shopify-secret" env:"AFTERSALE_SHOPIFY_SECRET" help:"Secret that signs Shopify webhooks (X-Shopify-Hmac-Sha256); enables POST /webhooks/shopify."`
	Stripe         string        `name:"stripe-webhook-secret" env:"AFTERSALE_STRIPE_WEBHOOK_SECRET" help:"Stripe webhook signing secret (whsec_...); enables POST /webhooks/stripe."`
	WooCommerce    string        `name:"woocommerce-secret" env:"AFTERSALE_WOOCOMMERCE_SECRET" help:"Secret of the WooCommerce webhooks (X-WC-Webhook-Signature); enables POST /webhooks/woocommerce."`
	ItemKinds      string        `name:"item-kinds" env:"AFTERSALE_ITEM_KINDS" help:"Rules giving the kind of shop order lines, e.g. \"sku:COURSE-=course, type:Coaching=coaching\" (default: lines that ship are physical, others digital)."`
	AdminEmail     string        `name:"admin-email" env:"AFTERSALE_ADMIN_EMAIL" help:"Email of the first admin (an owner), created at start if no member has it."`
	AdminPass      string        `name:"admin-password" env:"AFTERSALE_ADMIN_PASSWORD" help:"Password of the first admin (at least 10 characters)."`
	TaskSLA        time.Duration `name:"task-sla" env:"AFTERSALE_TASK_SLA" default:"24h" help:"How long after its due time an open task counts as overdue (badge, daily digest)."`
	Qualities      string        `name:"qualities" env:"AFTERSALE_QUALITIES" help:"Service qualities the surveys ask about, e.g. \"speed=Quick answers, expertise=Knowing our stuff\" (default: seven common ones)."`
	RecoveryBelow  int           `name:"survey-recovery-below" env:"AFTERSALE_SURVEY_RECOVERY_BELOW" default:"7" help:"A recommendation score (0-10) below this creates a recovery call for the owner at once."`
	PhoneRegion    string        `name:"phone-region" env:"AFTERSALE_PHONE_REGION" default:"US" help:"Region (ISO 3166 code) of customers' phone numbers written without a country code, for click-to-call links and has_phone (a number that cannot be dialled gets a personal email instead of a call)."`
	TrackingURLs   string        `name:"tracking-urls" env:"AFTERSALE_TRACKING_URLS" help:"Tracking pages of carriers beyond the built-in ones (UPS, USPS, FedEx, DHL, Royal Mail, ...), e.g. \"PostNord=https://tracking.postnord.com/?id={number}\"; separate entries with ;."`
	CarrierDays    string        `name:"carrier-days" env:"AFTERSALE_CARRIER_DAYS" help:"Usual transit days per carrier, e.g. \"UPS=4,DHL=6,*=7\" (* is any other carrier; default: built-in table, 7)."`
	DeliveryMargin int           `name:"delivery-margin-days" env:"AFTERSALE_DELIVERY_MARGIN_DAYS" default:"3" help:"Days past a carrier's usual transit time before a package counts as late (a check-in, then a call)."`
	ReturnAddress  string        `name:"return-address" env:"AFTERSALE_RETURN_ADDRESS" help:"Where customers send returns; several lines separated by \\n."`
	ReturnLabel    string        `name:"return-label-url" env:"AFTERSALE_RETURN_LABEL_URL" help:"URL of a prepaid return label customers can print."`
	RefundDays     int           `name:"return-refund-days" env:"AFTERSALE_RETURN_REFUND_DAYS" default:"5" help:"Business days after a return arrives until the money is back (said on the returns page and emails)."`
	ReturnWindow   int           `name:"return-window-days" env:"AFTERSALE_RETURN_WINDOW_DAYS" default:"0" help:"Days after a purchase that a return may be started on the returns page (0: no limit)."`
	ShopURL        string        `name:"shop-url" env:"AFTERSALE_SHOP_URL" help:"The shop's front page: where insider offers and referral links lead."`
	RewardPercent  int           `name:"referral-reward-percent" env:"AFTERSALE_REFERRAL_REWARD_PERCENT" default:"10" help:"Percent off of the code a referrer gets when their referral buys (0: no reward)."`
	RewardDays     int           `name:"referral-reward-days" env:"AFTERSALE_REFERRAL_REWARD_DAYS" default:"60" help:"Days the referrer's reward code is valid."`
	NextLevel      string        `name:"next-level" env:"AFTERSALE_NEXT_LEVEL" help:"The next product per purchase, e.g. \"course-101=Mastermind|https://shop.example/mastermind|Six months in a small group; kind:digital=Coaching|https://shop.example/coaching\"."`
	ReturnReasons  string        `name:"return-reasons" env:"AFTERSALE_RETURN_REASONS" help:"Reasons offered on the returns page, separated by ; (default: seven common ones)."`
}

// config turns the flags into the service's configuration.
func (c *ServeCmd) config(log *slog.Logger) (app.Config, error) {
	rates, err := app.ParseRates(c.SendRates)
	if err != nil {
		return app.Config{}, err
	}
	return app.Config{
		DKIMDomain: c.DKIMDomain, DKIMSelector: c.DKIMSelector, DKIMKeyFile: c.DKIMKeyFile,
		BounceAddress: c.BounceAddr, BounceListen: c.BounceListen, SendRate: c.SendRate, SendRateDomains: rates, SMTPConnections: c.SMTPConns,
		Addr: c.Addr, DataDir: c.DataDir, DatabaseURL: c.DatabaseURL, BaseURL: c.BaseURL, SMTPURL: c.SMTPURL,
		From: c.From, APIKey: c.APIKey, Journeys: c.Journeys, TimeScale: c.TimeScale, Timezone: c.Timezone,
		QuietHours: c.QuietHours, Logger: log,
		AdminEmail: c.AdminEmail, AdminPassword: c.AdminPass, TaskSLA: c.TaskSLA, PhoneRegion: c.PhoneRegion,
		Qualities: c.Qualities, RecoveryBelow: c.RecoveryBelow,
		TrackingURLs: c.TrackingURLs, CarrierDays: c.CarrierDays, DeliveryMarginDays: c.DeliveryMargin,
		ReturnAddress: c.ReturnAddress, ReturnLabelURL: c.ReturnLabel, ReturnRefundDays: c.RefundDays,
		ReturnWindowDays: c.ReturnWindow, ReturnReasons: c.ReturnReasons,
		ShopURL: c.ShopURL, ReferralRewardPercent: c.RewardPercent, ReferralRewardDays: c.RewardDays, NextLevel: c.NextLevel,
		ShopifySecret: c.Shopify, StripeSecret: c.Stripe, WooCommerceSecret: c.WooCommerce, ItemKinds: c.ItemKinds,
		Business: email.Business{Name: c.Business, SupportEmail: c.Support, SupportURL: c.SupportURL,
			EscalationEmail: c.Escalation, ResourcesURL: c.Resources, CommunityURL: c.Community},
	}, nil
}

// Run runs the service until SIGINT or SIGTERM.
func (c *ServeCmd) Run(log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tuneGC(log)
	cfg, err := c.config(log)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if c.PprofAddr != "" {
		go func() {
			log.Info("serving pprof", "addr", c.PprofAddr)
			srv := &http.Server{Addr: c.PprofAddr, Handler: http.DefaultServeMux, ReadHeaderTimeout: 10 * time.Second}
			if err := srv.ListenAndServe(); err != nil {
				log.Warn("pprof", "err", err)
			}
		}()
	}
	if c.APIKey == "" {
		log.Warn("AFTERSALE_API_KEY is not set: the event API refuses every request")
	}
	return a.Run(ctx)
}

// serveGCPercent tunes the garbage collector of the service: the heap of
// a running node is small (tens of MB, see bench/), and with Go's default
// GOGC=100 sending email spent about a tenth of its CPU collecting it; 400
// collects a quarter as often. The soft memory limit (serveMemoryLimit, or
// three quarters of the container's memory limit when that is lower)
// makes the collector work harder before the heap grows past it, so the
// larger heap never costs an out-of-memory kill that GOGC=100 would have
// avoided; with it a node stays under 200 MB resident (bench footprint).
// GOGC and GOMEMLIMIT in the environment take precedence: an install whose
// live heap nears the limit (very large broadcasts, say) should raise
// GOMEMLIMIT, or the collector runs almost continuously.
const (
	serveGCPercent   = 400
	serveMemoryLimit = 160 << 20
)

// tuneGC applies serveGCPercent and the soft memory limit unless the
// environment sets GOGC or GOMEMLIMIT.
func tuneGC(log *slog.Logger) {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(serveGCPercent)
		log.Debug("garbage collector", "gogc", serveGCPercent)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		limit := int64(serveMemoryLimit)
		if c := cgroupMemoryLimit(); c > 0 && c/4*3 < limit {
			limit = c / 4 * 3
		}
		debug.SetMemoryLimit(limit)
		log.Debug("garbage collector", "memory_limit", limit)
	}
}

// cgroupMemoryLimit returns the memory limit of the process's container
// (cgroup v2 memory.max, or v1 memory.limit_in_bytes), or 0 when there is
// none or it cannot be read.
func cgroupMemoryLimit() int64 {
	for _, f := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil || n <= 0 || n >= 1<<50 { // "max", or v1's "no limit"
			return 0
		}
		return n
	}
	return 0
}

// MigrateCmd applies the schema migrations.
type MigrateCmd struct {
	StoreFlags
}

// Run migrates and exits.
func (c *MigrateCmd) Run(log *slog.Logger) error {
	return app.Migrate(context.Background(), c.DataDir, c.DatabaseURL, log)
}

// MigrateToPostgresCmd copies an embedded install into PostgreSQL.
type MigrateToPostgresCmd struct {
	DataDir     string `name:"data-dir" env:"AFTERSALE_DATA_DIR" default:"./aftersale-data" help:"Folder of the embedded SQLite database to copy."`
	DatabaseURL string `name:"database-url" env:"AFTERSALE_DATABASE_URL" required:"" help:"postgres:// URL of the empty target database."`
}

// Run copies, with a progress bar, and prints what was copied.
func (c *MigrateToPostgresCmd) Run(log *slog.Logger) error {
	bar := progressbar.NewOptions(-1, progressbar.OptionSetDescription("copying"),
		progressbar.OptionSetWriter(os.Stderr), progressbar.OptionShowCount(), progressbar.OptionSpinnerType(14))
	rep, err := app.MigrateToPostgres(context.Background(), c.DataDir, c.DatabaseURL, func(table string, rows int) {
		bar.Describe("copied " + table)
		_ = bar.Add(rows)
	})
	_ = bar.Finish()
	fmt.Fprintln(os.Stderr)
	if rep != nil {
		for table, n := range rep.Rows {
			fmt.Printf("%-14s %d rows\n", table, n)
		}
		fmt.Printf("pending steps to enqueue at start: %d\n", rep.PendingSteps)
	}
	if err != nil {
		return err
	}
	log.Info("copied into PostgreSQL; start the service with AFTERSALE_DATABASE_URL set")
	return nil
}

// JourneyCmd groups the journey tools.
type JourneyCmd struct {
	Validate JourneyValidateCmd `cmd:"" help:"Check journey files; errors name the file, line and field."`
	Preview  JourneyPreviewCmd  `cmd:"" help:"Show the timeline of what a sample purchase would get, and when."`
}

// JourneyValidateCmd validates journeys.
type JourneyValidateCmd struct {
	Path string `arg:"" optional:"" help:"Journey file or folder (default: the built-in journeys)." type:"path"`
}

// Run validates and reports.
func (c *JourneyValidateCmd) Run() error {
	set, err := app.ValidateJourneys(c.Path)
	if err != nil {
		return err
	}
	for _, j := range set.Journeys {
		fmt.Printf("ok  %-12s %-40s %d steps (trigger %s)\n", j.ID, j.File, len(j.Steps), j.Trigger)
	}
	return nil
}

// JourneyPreviewCmd previews a timeline.
type JourneyPreviewCmd struct {
	Kind      string `name:"kind" default:"digital" enum:"digital,course,physical,coaching,service,membership" help:"Item kind of the sample purchase."`
	Journeys  string `name:"journeys" env:"AFTERSALE_JOURNEYS" help:"Journey file or folder (default: the built-in journeys)." type:"path"`
	Timezone  string `name:"timezone" default:"UTC" help:"Sample customer's time zone."`
	NoPhone   bool   `name:"no-phone" help:"The sample customer gave no phone number."`
	NoConsent bool   `name:"no-consent" help:"The sample customer gave no marketing consent."`
}

// Run prints the timeline.
func (c *JourneyPreviewCmd) Run() error {
	out, err := app.PreviewJourneys(c.Journeys, c.Kind, c.Timezone, !c.NoPhone, !c.NoConsent)
	if err != nil {
		return err
	}
	fmt.Print(out)
	return nil
}

func main() {
	var cli CLI
	kctx := kong.Parse(&cli,
		kong.Name("aftersale"),
		kong.Description("aftersale turns transactions into customers: the follow-up after every purchase, automated and human."),
		kong.UsageOnError(),
	)
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[cli.LogLevel]
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewJSONHandler(os.Stderr, opts)
	if cli.LogFormat == "text" {
		h = slog.NewTextHandler(os.Stderr, opts)
	}
	log := slog.New(h)
	slog.SetDefault(log)
	kctx.FatalIfErrorf(kctx.Run(log))
}
