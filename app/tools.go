package app

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/journey"
	"github.com/aftersale/aftersale/sqlite"
)

// Migrate creates or upgrades the schema (aftersale's and the job queue's).
func Migrate(ctx context.Context, dataDir, databaseURL string, log *slog.Logger) error {
	if databaseURL != "" {
		return errors.New("AFTERSALE_DATABASE_URL: PostgreSQL storage is not available in this version")
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return err
	}
	db, err := sqlite.Open(ctx, filepath.Join(dataDir, "aftersale.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := rivermigrate.New(riversqlite.New(db.SQL()), nil)
	if err != nil {
		return err
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return err
	}
	log.Info("database is up to date", "dialect", db.Dialect(), "job_queue_migrations_applied", len(res.Versions))
	return nil
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
