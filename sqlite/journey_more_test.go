package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest"
)

func TestJourneyMore(t *testing.T) {
	storetest.RunJourneyMore(t, func(t *testing.T) aftersale.Store {
		return open(t, filepath.Join(t.TempDir(), "aftersale.db"))
	})
}
