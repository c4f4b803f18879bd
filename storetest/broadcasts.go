package storetest

import (
	"testing"

	"github.com/aftersale/aftersale"
)

// testBroadcasts runs the conformance tests of these store methods as subtests.
func testBroadcasts(t *testing.T, s aftersale.Store) {
	t.Fatal("not written yet")
}
