package postgres

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/aftersale/aftersale"
)

// TestUnavailable: PostgreSQL's out-of-resources errors (a full disk,
// 53100) are EUNAVAILABLE, through wrap and however deep in the chain;
// other errors are not.
func TestUnavailable(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]string{
		"53100": aftersale.EUNAVAILABLE, // disk_full
		"53000": aftersale.EUNAVAILABLE, // insufficient_resources
		"53300": aftersale.EUNAVAILABLE, // too_many_connections
		"23505": aftersale.EINTERNAL,    // unique_violation
		"22P05": aftersale.EINTERNAL,    // untranslatable_character
	} {
		pe := &pgconn.PgError{Code: code, Message: "could not extend file: No space left on device"}
		for _, err := range []error{wrap("event append", pe), unavailable(fmt.Errorf("postgres: commit: %w", pe))} {
			if got := aftersale.ErrorCode(err); got != want {
				t.Errorf("%s: code %q, want %q (%v)", code, got, want, err)
			}
			if !errors.Is(err, pe) {
				t.Errorf("%s: the driver error is not kept in the chain: %v", code, err)
			}
		}
	}
	if msg := aftersale.ErrorMessage(wrap("x", &pgconn.PgError{Code: "53100"})); msg != "the database is full (no space left on its disk); try again later" {
		t.Errorf("message %q", msg)
	}
	domain := aftersale.Errorf(aftersale.ENOTFOUND, "no such order")
	if got := unavailable(domain); got != domain {
		t.Errorf("a domain error became %v", got)
	}
}
