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

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/app"
	"github.com/aftersale/aftersale/config"
)

// CLI is the command line; every flag mirrors an AFTERSALE_* variable.
// The settings a business configures are in a settings file (package
// config); their AFTERSALE_* variables and flags override it.
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
	Config            ConfigCmd            `cmd:"" help:"Settings files: check one, or print a commented example."`
}

// StoreFlags choose the database.
type StoreFlags struct {
	DataDir     string `name:"data-dir" env:"AFTERSALE_DATA_DIR" default:"./aftersale-data" help:"Folder of the embedded SQLite database and the outbox."`
	DatabaseURL string `name:"database-url" env:"AFTERSALE_DATABASE_URL" help:"A postgres:// URL switches storage and jobs to PostgreSQL (default: embedded SQLite)."`
}

// ServeCmd runs the service. Its settings are the settings file's
// (--config, AFTERSALE_CONFIG, or aftersale.yaml in the data dir) over the
// built-in defaults, with the AFTERSALE_* overrides over both; the
// process settings (config.Process) come from the environment only.
type ServeCmd struct {
	ConfigFile string `name:"config" env:"AFTERSALE_CONFIG" type:"path" help:"Settings file, YAML (default: aftersale.yaml in the data dir, when there is one). See 'aftersale config example'."`
	config.Process
	config.Overrides
	PprofAddr string `name:"pprof-addr" env:"AFTERSALE_PPROF_ADDR" help:"host:port to serve Go's pprof profiles on (e.g. 127.0.0.1:6060); empty: off."`
}

// settings returns the built-in defaults, the settings file over them,
// the process settings and the overrides.
func (c *ServeCmd) settings(log *slog.Logger) (config.Settings, error) {
	file := config.Find(c.ConfigFile, c.DataDir)
	s, err := config.Load(file)
	if err != nil {
		return s, err
	}
	if file != "" {
		log.Info("settings file", "file", file)
	}
	s.Process = c.Process
	if err := c.Overrides.Apply(&s); err != nil {
		return s, err
	}
	return s, nil
}

// config returns the service's configuration.
func (c *ServeCmd) config(log *slog.Logger) (app.Config, error) {
	s, err := c.settings(log)
	if err != nil {
		return app.Config{}, err
	}
	return app.Config{Settings: s, Logger: log}, nil
}

// itemKinds returns the kind rules of the settings, for the importers.
func (c *ServeCmd) itemKinds(log *slog.Logger) (*aftersale.KindRules, error) {
	s, err := c.settings(log)
	if err != nil {
		return nil, err
	}
	if err := s.Normalize(); err != nil {
		return nil, err
	}
	return s.ItemKinds.Rules(), nil
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
