package web

import (
	"net/http"
	"sync"

	"github.com/aftersale/aftersale"
)

// retryAfterUnavailable is the Retry-After of a 503 for a full store, in
// seconds.
const retryAfterUnavailable = "30"

// storeHealth is the Server's hold on the store's health
// (aftersale.StoreHealth): the Service's, which its event processor, group
// commits and jobs report into too, so that /healthz fails for a full
// disk whichever part met it, and its probe clears it once there is room
// (see Service.StoreHealth). A Server without a Service keeps one of its
// own, without a probe. The zero value is ready to use.
type storeHealth struct {
	once sync.Once
	h    *aftersale.StoreHealth
}

// storeHealth returns the store's health.
func (s *Server) storeHealth() *aftersale.StoreHealth {
	s.health.once.Do(func() {
		if s.cfg.Service != nil {
			s.health.h = s.cfg.Service.StoreHealth()
		}
		if s.health.h == nil {
			s.health.h = aftersale.NewStoreHealth(nil, nil)
		}
	})
	return s.health.h
}

// noteUnavailable, for an EUNAVAILABLE error (the store refused a write
// for want of room), logs it, sets Retry-After and marks the store down
// for /healthz; other errors are left alone.
func (s *Server) noteUnavailable(w http.ResponseWriter, r *http.Request, err error) {
	if !s.storeHealth().Note(err) {
		return
	}
	s.log.ErrorContext(r.Context(), "store unavailable", "method", r.Method, "route", r.Pattern, "err", err)
	w.Header().Set("Retry-After", retryAfterUnavailable)
}
