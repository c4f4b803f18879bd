package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aftersale/aftersale/web"
)

// TestAPIMethodNotAllowed: a method an API path has no route for answers
// 405 with the Allow header (not 404); a path with no route at all is 404.
func TestAPIMethodNotAllowed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *web.Config) { c.APIKey = apiKey })
	c := e.client(t)
	call := func(method, path, key string) reply {
		req, _ := http.NewRequest(method, c.Base+path, strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		return c.Do(req)
	}
	for _, tt := range []struct{ method, path, allow string }{
		{"PATCH", "/api/v1/events", "POST"},
		{"GET", "/api/v1/events", "POST"},
		{"PATCH", "/api/v1/tasks", "GET, HEAD"},
		{"PATCH", "/api/v1/customers/ana@example.com", "GET, HEAD, DELETE"},
		{"PUT", "/api/v1/tasks/7/complete", "POST"},
		{"DELETE", "/api/v1/orders/1001/plan", "GET, HEAD, PUT"},
	} {
		r := call(tt.method, tt.path, apiKey)
		r.Want(t, http.StatusMethodNotAllowed)
		if got := r.Header.Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.path, got, tt.allow)
		}
		if got := decode[map[string]string](t, r); !strings.Contains(got["error"], tt.method) {
			t.Errorf("%s %s: %v", tt.method, tt.path, got)
		}
	}
	call("PATCH", "/api/v1/nothing", apiKey).Want(t, http.StatusNotFound)
	call("GET", "/api/v2/events", apiKey).Want(t, http.StatusNotFound)
	// The key is checked first: no route is told to a caller without one.
	call("PATCH", "/api/v1/events", "").Want(t, http.StatusUnauthorized)
}
