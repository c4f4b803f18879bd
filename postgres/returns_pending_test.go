package postgres_test

import (
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest"
)

// TestReturnsPending runs the conformance tests of the door of returns
// (InboxAppendReturn) on PostgreSQL, a schema each.
func TestReturnsPending(t *testing.T) {
	storetest.RunReturnsPending(t, func(t *testing.T) aftersale.Store {
		return open(t, newSchema(t))
	})
}
