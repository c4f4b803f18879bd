package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/app"
	"github.com/aftersale/aftersale/postgres"
	"github.com/aftersale/aftersale/sqlite"
)

// sqliteFile is where aftersale keeps its database in the data dir
// (README: "the SQLite database (aftersale.db)").
const sqliteFile = "aftersale.db"

// Database is a fresh database for one phase: an empty SQLite data dir, or
// a new PostgreSQL database that Drop removes.
type Database struct {
	Dialect string // sqlite or postgres
	Dir     string // the phase's folder: data dirs, logs
	URL     string // postgres:// of the database (PostgreSQL only)
	name    string
	admin   string
	nextID  int64 // the last customer/order/run id seeded
}

// newDatabase creates an empty database for a phase; the bench drops it at
// the end of the run at the latest.
func (b *bench) newDatabase(ctx context.Context, phase string) (*Database, error) {
	d := &Database{Dialect: b.c.DB, Dir: b.phaseDir(phase)}
	if d.Dialect == "postgres" {
		rnd := make([]byte, 5)
		rand.Read(rnd)
		d.name = "aftersale_bench_" + hex.EncodeToString(rnd)
		d.admin = b.c.PGURL
		conn, err := pgx.Connect(ctx, d.admin)
		if err != nil {
			return nil, fmt.Errorf("PostgreSQL at --pg-url is not reachable: %w", err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+d.name); err != nil {
			return nil, fmt.Errorf("create database: %w", err)
		}
		var av string
		if err := conn.QueryRow(ctx, "SHOW autovacuum").Scan(&av); err == nil && av != "on" && !b.warnedAutovacuum {
			b.warnedAutovacuum = true
			b.logf("note: autovacuum is %s on this PostgreSQL server", av)
			b.notes = append(b.notes, "autovacuum is "+av+" on this PostgreSQL server: table statistics stay as the bench's ANALYZE after seeding left them (tables that grow during the run, such as messages, keep the statistics of their seeded size)")
		}
		u, err := url.Parse(d.admin)
		if err != nil {
			return nil, fmt.Errorf("--pg-url: %w", err)
		}
		u.Path = "/" + d.name
		d.URL = u.String()
		b.logf("created PostgreSQL database %s", d.name)
	}
	if err := app.Migrate(ctx, d.DataDir(0), d.URL, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		d.Drop()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return d, nil
}

// DataDir is the AFTERSALE_DATA_DIR of node i. SQLite has one node.
func (d *Database) DataDir(i int) string {
	if d.Dialect == "sqlite" {
		return filepath.Join(d.Dir, "data")
	}
	return filepath.Join(d.Dir, fmt.Sprintf("node%d", i))
}

// SQLitePath is the SQLite file.
func (d *Database) SQLitePath() string { return filepath.Join(d.DataDir(0), sqliteFile) }

// Drop removes a PostgreSQL database (SQLite files go with the temp dir).
func (d *Database) Drop() {
	if d.name == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, d.admin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: could not drop database %s: %v\n", d.name, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+d.name+" WITH (FORCE)"); err != nil {
		fmt.Fprintf(os.Stderr, "bench: could not drop database %s: %v\n", d.name, err)
		return
	}
	d.name = ""
}

// Size is the database's size on disk: the SQLite file with its WAL and
// shared-memory files, or pg_database_size.
func (d *Database) Size(ctx context.Context) (int64, error) {
	if d.Dialect == "postgres" {
		conn, err := pgx.Connect(ctx, d.URL)
		if err != nil {
			return 0, err
		}
		defer conn.Close(ctx)
		var n int64
		err = conn.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&n)
		return n, err
	}
	var total int64
	for _, file := range []string{d.SQLitePath(), sqlite.InboxPath(d.SQLitePath())} {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if fi, err := os.Stat(file + suffix); err == nil {
				total += fi.Size()
			}
		}
	}
	return total, nil
}

// OpenStore opens the store, as aftersale does.
func (d *Database) OpenStore(ctx context.Context) (aftersale.Store, error) {
	if d.Dialect == "postgres" {
		return postgres.Open(ctx, d.URL)
	}
	return sqlite.Open(ctx, d.SQLitePath())
}

// openSQL opens a plain database/sql pool on the database, for bulk SQL.
// The SQLite one is tuned for loading (no fsync, no foreign key checks):
// it is used only while no node runs.
func (d *Database) openSQL(forLoading bool) (*sql.DB, error) {
	if d.Dialect == "postgres" {
		db, err := sql.Open("pgx", d.URL)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(1) // session settings (synchronous_commit) hold for every statement
		return db, nil
	}
	dsn := "file:" + d.SQLitePath() + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"
	if forLoading {
		dsn += "&_pragma=synchronous(OFF)&_pragma=foreign_keys(0)&_pragma=cache_size(-262144)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// MessageDues maps the Message-ID of every message sent to the due time of
// its step, read with one query.
func (d *Database) MessageDues(ctx context.Context) (map[string]time.Time, error) {
	db, err := d.openSQL(false)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	q := `SELECT m.message_id, s.due_at FROM messages m JOIN steps s ON s.id = m.step_id`
	if d.Dialect == "postgres" {
		q = `SELECT m.message_id, (extract(epoch FROM s.due_at) * 1000000)::bigint FROM messages m JOIN steps s ON s.id = m.step_id`
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var us int64
		if err := rows.Scan(&id, &us); err != nil {
			return nil, err
		}
		out[id] = time.UnixMicro(us)
	}
	return out, rows.Err()
}

// StepCounts counts the steps by status, and as "planned" the steps still
// waiting in plans (not counted when the database has no plans table: an
// older aftersale).
func (d *Database) StepCounts(ctx context.Context) (map[string]int, error) {
	db, err := d.openSQL(false)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT status, count(*) FROM steps GROUP BY status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var planned int
	if db.QueryRowContext(ctx, `SELECT coalesce(sum(remaining), 0) FROM step_plans`).Scan(&planned) == nil && planned > 0 {
		out["planned"] = planned
	}
	return out, nil
}

// summary formats counts like "done=3 pending=1".
func summary(m map[string]int) string {
	var parts []string
	for _, k := range sortedKeys(anyMap(m)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}

func anyMap(m map[string]int) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// waitRecorded waits until every message at the sink is recorded in the
// database (a node records a message after handing it off), for at most
// limit, and returns MessageDues. Stopping a node between the two would
// leave the step to be sent again.
func waitRecorded(ctx context.Context, d *Database, sink *Sink, limit time.Duration) (map[string]time.Time, error) {
	deadline := time.Now().Add(limit)
	for {
		dues, err := d.MessageDues(ctx)
		if err != nil {
			return nil, err
		}
		missing := 0
		for _, a := range sink.Arrivals() {
			if _, ok := dues[a.MessageID]; !ok {
				missing++
			}
		}
		if missing == 0 || time.Now().After(deadline) {
			return dues, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}
