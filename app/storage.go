package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/postgres"
	"github.com/aftersale/aftersale/sqlite"
)

// storage is an open database with the job runner that goes with it.
type storage struct {
	store aftersale.Store
	// runner builds the River runner on the same database for svc.
	runner func(ctx context.Context, svc *engine.Service, cfg engine.RunnerConfig) (engine.Runner, error)
	// migrateJobs brings River's own tables up to date.
	migrateJobs func(ctx context.Context) (int, error)
}

// sqlitePath is where the embedded database lives in the data dir.
func sqlitePath(dataDir string) string { return filepath.Join(dataDir, "aftersale.db") }

// openStorage opens PostgreSQL when databaseURL is set, else the embedded
// SQLite database in dataDir, and migrates aftersale's schema.
func openStorage(ctx context.Context, dataDir, databaseURL string) (*storage, error) {
	if databaseURL != "" {
		db, err := postgres.Open(ctx, databaseURL)
		if err != nil {
			return nil, fmt.Errorf("AFTERSALE_DATABASE_URL: %w", err)
		}
		driver := riverpgxv5.New(db.Pool())
		return &storage{
			store: db,
			runner: func(ctx context.Context, svc *engine.Service, cfg engine.RunnerConfig) (engine.Runner, error) {
				return engine.NewRunner(ctx, driver, postgres.DriverTx, svc, cfg)
			},
			migrateJobs: func(ctx context.Context) (int, error) { return migrateRiver(ctx, driver) },
		}, nil
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	db, err := sqlite.Open(ctx, sqlitePath(dataDir))
	if err != nil {
		return nil, err
	}
	driver := riversqlite.New(db.SQL())
	return &storage{
		store: db,
		runner: func(ctx context.Context, svc *engine.Service, cfg engine.RunnerConfig) (engine.Runner, error) {
			return engine.NewRunner(ctx, driver, sqlite.DriverTx, svc, cfg)
		},
		migrateJobs: func(ctx context.Context) (int, error) { return migrateRiver(ctx, driver) },
	}, nil
}

// migrateRiver runs River's migrations and says how many were applied.
func migrateRiver[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) (int, error) {
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return 0, err
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return 0, fmt.Errorf("job queue migrations: %w", err)
	}
	return len(res.Versions), nil
}
