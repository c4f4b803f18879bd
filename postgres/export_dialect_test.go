package postgres

import "github.com/aftersale/aftersale/sqlstore"

// NewDialect exposes PostgreSQL's sqlstore.Dialect to the tests.
func NewDialect() sqlstore.Dialect { return newDialect() }
