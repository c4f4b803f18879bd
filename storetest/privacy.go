package storetest

import (
	"testing"

	"github.com/aftersale/aftersale"
)

// testPrivacy runs the conformance tests of these store methods as subtests.
func testPrivacy(t *testing.T, s aftersale.Store) {
	t.Fatal("not written yet")
}
