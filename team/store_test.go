package team_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/auth"
	"github.com/aftersale/aftersale/internal/pgtest"
	"github.com/aftersale/aftersale/postgres"
	"github.com/aftersale/aftersale/sqlite"
	"github.com/aftersale/aftersale/team"
)

// databases are the stores every test here runs on.
var databases = []string{"sqlite", "postgres"}

// fastHash keeps the tests quick: argon2id with 64 KiB and one pass.
var fastHash = auth.Params{Time: 1, Memory: 64, Threads: 1}

// openStore opens a new, empty store on db: a SQLite file in a temporary
// folder, or a PostgreSQL database of the test's own (pgtest.Database).
func openStore(t *testing.T, db string) aftersale.Store {
	t.Helper()
	ctx := context.Background()
	switch db {
	case "sqlite":
		lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "aftersale.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { lite.Close() })
		return lite
	case "postgres":
		pg, err := postgres.Open(ctx, pgtest.Database(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pg.Close() })
		return pg
	}
	t.Fatalf("no database %q", db)
	return nil
}

// newTeam returns a team Service on st with a manual clock, fast password
// hashes and a silent log; opts change the Config first.
func newTeam(t *testing.T, st team.Store, opts ...func(*team.Config)) *team.Service {
	t.Helper()
	cfg := team.Config{
		Store:          st,
		Clock:          aftersale.NewManualClock(time.Date(2024, time.March, 4, 9, 0, 0, 0, time.UTC)),
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		PasswordParams: &fastHash,
	}
	for _, o := range opts {
		o(&cfg)
	}
	s, err := team.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// onEach runs f in a parallel subtest per database, with a team Service
// on a new store.
func onEach(t *testing.T, f func(t *testing.T, s *team.Service, st aftersale.Store), opts ...func(*team.Config)) {
	t.Helper()
	for _, db := range databases {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			st := openStore(t, db)
			f(t, newTeam(t, st, opts...), st)
		})
	}
}

// add adds a member or fails the test.
func add(t *testing.T, s *team.Service, n team.NewMember) *team.MemberView {
	t.Helper()
	m, err := s.AddMember(context.Background(), n)
	if err != nil {
		t.Fatalf("AddMember(%s): %v", n.Email, err)
	}
	return m
}
