package web_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestReturnsLookupFoldsLikeItsLimit: the returns lookup matches the
// email as its per-email limit keys it (lower case), so that a spelling
// the key tells apart cannot find the order. Unicode case folding would
// match "ſ" (U+017F, long s) to "s" while the key keeps them apart: each
// of the 2^n spellings of an address with n letters s would be a fresh
// limit of 20 guesses for the same buyer.
func TestReturnsLookupFoldsLikeItsLimit(t *testing.T) {
	t.Parallel()
	e := returnsEnv(t)
	placeOrder(t, e, "2201", "sass@example.com")
	post := from(t, e.srv.URL, 2)
	if resp := post(url.Values{"email": {"SASS@example.com"}, "order": {"2201"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the buyer's address in capitals: %d, want 303", resp.StatusCode)
	}
	if resp := post(url.Values{"email": {"ſaſſ@example.com"}, "order": {"2201"}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("the address with long s: %d (Location %q), want 200 not found", resp.StatusCode, resp.Header.Get("Location"))
	}
}
