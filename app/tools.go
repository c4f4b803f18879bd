package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/insiders"
	"github.com/aftersale/aftersale/journey"
	"github.com/aftersale/aftersale/postgres"
	"github.com/aftersale/aftersale/sqlite"
)

// Migrate creates or upgrades the schema (aftersale's and the job queue's)
// of the embedded database, or of PostgreSQL when databaseURL is set.
func Migrate(ctx context.Context, dataDir, databaseURL string, log *slog.Logger) error {
	stg, err := openStorage(ctx, dataDir, databaseURL)
	if err != nil {
		return err
	}
	defer stg.store.Close()
	n, err := stg.migrateJobs(ctx)
	if err != nil {
		return err
	}
	log.Info("database is up to date", "dialect", stg.store.Dialect(), "job_queue_migrations_applied", n)
	return nil
}

// CopyReport says what MigrateToPostgres copied.
type CopyReport struct {
	Rows         map[string]int // rows copied per table
	PendingSteps int            // pending steps, to be enqueued in PostgreSQL's queue at start
}

// MigrateToPostgres copies the embedded SQLite install in dataDir into an
// empty PostgreSQL database: every customer, consent, order, event, journey
// run, step, message, task and secret, with their ids, in one transaction;
// the pending steps are marked to be enqueued in PostgreSQL's queue when the
// service starts. The service must be stopped while it runs. progress is
// called per table.
func MigrateToPostgres(ctx context.Context, dataDir, databaseURL string, progress func(table string, rows int)) (*CopyReport, error) {
	if databaseURL == "" {
		return nil, errors.New("a postgres:// URL is required")
	}
	if _, err := os.Stat(sqlitePath(dataDir)); err != nil {
		return nil, fmt.Errorf("no embedded database at %s: %w", sqlitePath(dataDir), err)
	}
	src, err := sqlite.Open(ctx, sqlitePath(dataDir))
	if err != nil {
		return nil, err
	}
	defer src.Close()
	dst, err := openStorage(ctx, dataDir, databaseURL)
	if err != nil {
		return nil, err
	}
	defer dst.store.Close()
	if _, err := dst.migrateJobs(ctx); err != nil {
		return nil, err
	}
	pg, ok := dst.store.(*postgres.DB)
	if !ok {
		return nil, errors.New("the target is not PostgreSQL")
	}
	rep := &CopyReport{Rows: map[string]int{}}
	// Events received but not processed yet go first, into PostgreSQL's
	// inbox, which the emptiness check of the import does not cover: a run
	// that fails later and is repeated finds them there and adds nothing.
	// (The service is stopped, so the inbox holds at most the backlog of a
	// busy hour: it is read at once.)
	evs, err := src.InboxList(ctx, math.MaxInt32)
	if err != nil {
		return nil, err
	}
	for chunk := range slices.Chunk(evs, 1000) {
		if _, err := pg.InboxAppend(ctx, chunk); err != nil {
			return nil, err
		}
	}
	rep.Rows["inbox"] = len(evs)
	// Events set aside (in the inbox file too) are set aside there as well,
	// to be retried or discarded on PostgreSQL.
	dead, err := src.DeadEventList(ctx, math.MaxInt32)
	if err != nil {
		return nil, err
	}
	for _, d := range dead {
		if err := pg.DeadEventPut(ctx, d); err != nil {
			return nil, err
		}
	}
	rep.Rows["dead_events"] = len(dead)
	err = pg.ImportSQLite(ctx, src.SQL(), func(table string, rows int) {
		rep.Rows[table] = rows
		if progress != nil {
			progress(table, rows)
		}
	})
	if err != nil {
		return nil, err
	}
	// PostgreSQL's queue is empty: the dispatcher of the first node that
	// starts enqueues every pending step again.
	if rep.PendingSteps, err = pg.StepResetEnqueued(ctx); err != nil {
		return rep, fmt.Errorf("the data was copied, but marking its pending steps for the queue failed: %w", err)
	}
	return rep, nil
}

// ValidateJourneys loads the journeys at path (the built-in ones for "")
// and checks that every email template they name exists.
func ValidateJourneys(path string) (*journey.Set, error) {
	set, err := LoadJourneys(path)
	if err != nil {
		return nil, err
	}
	r, err := LoadRenderer(path)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, ref := range set.Templates() {
		if !r.Has(ref.Name) {
			errs = append(errs, aftersale.Errorf(aftersale.EINVALID, "%s: template %q does not exist", ref.String(), ref.Name))
		}
	}
	if err := insiders.CheckOffers(set); err != nil {
		errs = append(errs, err)
	}
	return set, errors.Join(errs...)
}

// PreviewJourneys renders the timeline of a sample purchase of one item of
// the kind.
func PreviewJourneys(path, kind, timezone string, hasPhone, consent bool) (string, error) {
	set, err := ValidateJourneys(path)
	if err != nil {
		return "", err
	}
	entries, err := set.Preview(aftersale.ItemKind(kind), journey.PreviewOptions{
		Timezone: timezone, HasPhone: hasPhone, Consent: consent, PurchasedAt: time.Now().UTC(),
	})
	if err != nil {
		return "", err
	}
	for i, e := range entries {
		if !e.Skipped && (e.Type == aftersale.StepSurvey || e.Type == aftersale.StepOffer) {
			entries[i].Note = strings.TrimSpace(e.Note + " (planned and shown in timelines; not sent by this version)")
		}
	}
	return journey.FormatTimeline(entries), nil
}
