package postgres

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/aftersale/aftersale"
)

// unavailable turns PostgreSQL's "insufficient resources" errors (SQLSTATE
// class 53: 53100 disk_full, 53000 insufficient_resources, 53200
// out_of_memory, 53300 too_many_connections) into an EUNAVAILABLE error,
// keeping the driver error in the chain; any other error is returned as it
// is.
func unavailable(err error) error {
	var de *aftersale.Error
	if err == nil || errors.As(err, &de) {
		return err // none, or a domain error (mapped already)
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || !strings.HasPrefix(pe.Code, "53") {
		return err
	}
	msg := "the database cannot take this now (out of resources); try again later"
	if pe.Code == "53100" {
		msg = "the database is full (no space left on its disk); try again later"
	}
	return fmt.Errorf("%w (%w)", aftersale.Errorf(aftersale.EUNAVAILABLE, "%s", msg), err)
}
