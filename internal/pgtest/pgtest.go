// Package pgtest gives tests a PostgreSQL database of their own on the
// server CI runs (postgres://postgres@127.0.0.1:5432/test, or
// $AFTERSALE_TEST_DATABASE_URL). An unreachable server fails the test,
// never skips it: PostgreSQL is part of CI.
package pgtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ServerURL is the PostgreSQL server the tests use.
func ServerURL() string {
	if u := os.Getenv("AFTERSALE_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test"
}

// Database creates an empty database for one test, drops it when the test
// ends, and returns its URL.
func Database(t testing.TB) string {
	t.Helper()
	return DatabaseOn(t, ServerURL())
}

// DatabaseOn is Database on the server at serverURL (the fault test's
// private cluster, say).
func DatabaseOn(t testing.TB, serverURL string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		t.Fatalf("PostgreSQL at %s is not reachable (run the tests with bash scripts/test.sh, or set AFTERSALE_TEST_DATABASE_URL): %v", redacted(serverURL), err)
	}
	defer admin.Close(context.Background())
	name := fmt.Sprintf("aftersale_t_%d", rand.Uint64()%1e12)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), serverURL)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatalf("PostgreSQL test URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

func redacted(serverURL string) string {
	u, err := url.Parse(serverURL)
	if err != nil || u.Scheme == "" {
		return "AFTERSALE_TEST_DATABASE_URL"
	}
	return u.Redacted()
}
