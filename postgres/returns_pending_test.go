package postgres_test

import (
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/features"
)

// TestReturnsPending runs the conformance tests of the door of returns
// (InboxAppendReturn) on PostgreSQL, a schema each.
func TestReturnsPending(t *testing.T) {
	features.RunReturnsPending(t, func(t *testing.T) aftersale.Store {
		return open(t, newSchema(t))
	})
}
