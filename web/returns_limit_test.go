package web_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// from returns a client whose requests come from the loopback address
// 127.0.0.n (Linux answers on all of 127.0.0.0/8), so that the server
// sees a different client address per n.
func from(t *testing.T, base string, n int) func(form url.Values) *http.Response {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(n))}}
	hc := &http.Client{
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(hc.CloseIdleConnections)
	return func(form url.Values) *http.Response {
		t.Helper()
		resp, err := hc.PostForm(base+"/returns", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
}

// TestReturnsLookupDistributed: guesses of one order number (or one email
// address) spread over many client addresses, each under its own limit,
// are bounded too: after returnsMaxMisses (20) failed lookups of it, the
// next is refused with 429 from any address. Lookups that find the order
// do not count.
func TestReturnsLookupDistributed(t *testing.T) {
	t.Parallel()
	e := returnsEnv(t)
	placeOrder(t, e, "2101", "ana@example.com")
	placeOrder(t, e, "2102", "bob@example.com")
	base := e.srv.URL
	// The buyer finds their order from many places: never held back.
	for n := 2; n < 30; n++ {
		if resp := from(t, base, n)(url.Values{"email": {"bob@example.com"}, "order": {"2102"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("lookup %d of a right pair: %d", n, resp.StatusCode)
		}
	}
	// Order 2101 with 20 guessed emails, one per address.
	for n := 30; n < 50; n++ {
		resp := from(t, base, n)(url.Values{"email": {fmt.Sprintf("guess%d@example.com", n)}, "order": {"2101"}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("guess %d: %d, want 200 not found", n, resp.StatusCode)
		}
	}
	resp := from(t, base, 50)(url.Values{"email": {"ana@example.com"}, "order": {"#2101"}})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("the 21st lookup of order 2101, from a new address: %d (Retry-After %q), want 429", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Bob's email with 20 guessed order numbers, one per address.
	for n := 51; n < 71; n++ {
		if resp := from(t, base, n)(url.Values{"email": {"bob@example.com"}, "order": {fmt.Sprint(9000 + n)}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("guess %d: %d", n, resp.StatusCode)
		}
	}
	if resp := from(t, base, 71)(url.Values{"email": {" BOB@example.com"}, "order": {"2102"}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the 21st lookup for bob@example.com: %d, want 429", resp.StatusCode)
	}
	// Other orders and addresses are not affected.
	placeOrder(t, e, "2103", "cy@example.com")
	if resp := from(t, base, 72)(url.Values{"email": {"cy@example.com"}, "order": {"2103"}}); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/returns/") {
		t.Fatalf("another order: %d", resp.StatusCode)
	}
}
