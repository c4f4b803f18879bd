package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/features"
)

// TestReturnsPending runs the conformance tests of the door of returns
// (InboxAppendReturn) on SQLite files.
func TestReturnsPending(t *testing.T) {
	features.RunReturnsPending(t, func(t *testing.T) aftersale.Store {
		return open(t, filepath.Join(t.TempDir(), "aftersale.db"))
	})
}
