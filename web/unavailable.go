package web

import (
	"net/http"
	"sync"
	"time"

	"github.com/aftersale/aftersale"
)

// The answer while the store cannot take writes (a full disk).
const (
	// retryAfterUnavailable is the Retry-After of a 503 for a full store,
	// in seconds.
	retryAfterUnavailable = "30"
	// unavailableFor is how long /healthz fails after the store last
	// refused a write, unless a write succeeds first.
	unavailableFor = time.Minute
)

// storeHealth remembers the last time the store refused a write for want
// of room (an EUNAVAILABLE error), so that /healthz fails while that lasts:
// for unavailableFor after the last refusal, or until a write request
// succeeds. The zero value is ready to use.
type storeHealth struct {
	mu  sync.Mutex
	at  time.Time // of the last refusal; zero when none or cleared
	msg string
}

// failed records a refusal with its safe message.
func (h *storeHealth) failed(msg string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.at, h.msg = time.Now(), msg
}

// ok records a write that succeeded: the store has room again.
func (h *storeHealth) ok() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.at, h.msg = time.Time{}, ""
}

// down returns the message of a refusal less than unavailableFor ago.
func (h *storeHealth) down() (string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.at.IsZero() || time.Since(h.at) >= unavailableFor {
		return "", false
	}
	return h.msg, true
}

// watchWrites wraps w, while the store is down, so that a write request
// (POST, PUT, PATCH, DELETE) answered with a 2xx marks it up again. While
// the store is fine, w is returned as it is.
func (s *Server) watchWrites(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return w
	}
	if _, down := s.health.down(); !down {
		return w
	}
	return &writeWatcher{ResponseWriter: w, health: &s.health}
}

// writeWatcher notes the status of a write request's answer.
type writeWatcher struct {
	http.ResponseWriter
	health *storeHealth
	wrote  bool
}

// WriteHeader implements http.ResponseWriter.
func (w *writeWatcher) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		if code >= 200 && code < 300 {
			w.health.ok()
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (w *writeWatcher) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (w *writeWatcher) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// noteUnavailable, for an EUNAVAILABLE error (the store refused a write
// for want of room), logs it, sets Retry-After and marks the store down
// for /healthz; other errors are left alone.
func (s *Server) noteUnavailable(w http.ResponseWriter, r *http.Request, err error) {
	if aftersale.ErrorCode(err) != aftersale.EUNAVAILABLE {
		return
	}
	s.log.ErrorContext(r.Context(), "store unavailable", "method", r.Method, "route", r.Pattern, "err", err)
	s.health.failed(aftersale.ErrorMessage(err))
	w.Header().Set("Retry-After", retryAfterUnavailable)
}
