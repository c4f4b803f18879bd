package sqlite

import "github.com/aftersale/aftersale/sqlstore"

// NewDialect exposes SQLite's sqlstore.Dialect to the tests.
func NewDialect() sqlstore.Dialect { return dialect{} }
