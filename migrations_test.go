package aftersale_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// migrationName matches the name of a goose SQL migration: a five-digit
// version and what it changes.
func migrationName() *regexp.Regexp { return regexp.MustCompile(`^(\d{5})_([a-z0-9_]+)\.sql$`) }

// migrationFiles returns the names of the .sql files in dir, sorted, and
// fails the test on a file that is not named as a migration.
func migrationFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		if !migrationName().MatchString(e.Name()) {
			t.Errorf("%s: %s is not named NNNNN_change.sql", dir, e.Name())
		}
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// upStatements returns the SQL of a migration's Up section, comments and
// blank lines left out.
func upStatements(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var up []string
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "-- +goose Up"):
			in = true
		case strings.HasPrefix(line, "-- +goose Down"):
			in = false
		case in && line != "" && !strings.HasPrefix(line, "--"):
			up = append(up, line)
		}
	}
	return strings.Join(up, "\n")
}

// TestMigrationsNumberedAlike: the main database's migrations of SQLite and
// PostgreSQL have the same files — the same version is the same change on
// both (00009_broadcasts.sql on both), numbered 1, 2, … without gaps. The
// SQLite files that change nothing are exactly those of the inbox file's
// migrations (sqlite/inbox_migrations: the inbox and the events set aside
// are tables of the main database on PostgreSQL); every other one changes
// something on both.
func TestMigrationsNumberedAlike(t *testing.T) {
	lite := migrationFiles(t, filepath.Join("sqlite", "migrations"))
	pg := migrationFiles(t, filepath.Join("postgres", "migrations"))
	if !slices.Equal(lite, pg) {
		t.Fatalf("the migrations differ:\nsqlite/migrations   %v\npostgres/migrations %v", lite, pg)
	}
	re := migrationName()
	inbox := map[string]bool{}
	for _, name := range migrationFiles(t, filepath.Join("sqlite", "inbox_migrations")) {
		if m := re.FindStringSubmatch(name); m != nil {
			inbox[m[2]] = true
		}
	}
	if len(inbox) == 0 {
		t.Fatal("no inbox migrations found")
	}
	for i, name := range lite {
		m := re.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		if want := fmt.Sprintf("%05d", i+1); m[1] != want {
			t.Errorf("%s: version %s, want %s (versions are 1, 2, … without gaps)", name, m[1], want)
		}
		liteEmpty := upStatements(t, filepath.Join("sqlite", "migrations", name)) == ""
		pgEmpty := upStatements(t, filepath.Join("postgres", "migrations", name)) == ""
		if pgEmpty {
			t.Errorf("postgres/migrations/%s changes nothing", name)
		}
		if liteEmpty != inbox[m[2]] {
			t.Errorf("sqlite/migrations/%s: changes nothing = %v, want %v (only the inbox file's changes are empty on the main file)",
				name, liteEmpty, inbox[m[2]])
		}
		delete(inbox, m[2])
	}
	for name := range inbox {
		t.Errorf("the inbox migration %q has no version in the main migrations of both databases", name)
	}
}
