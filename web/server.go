// Package web serves aftersale over HTTP: the JSON API, the customer pages
// reached from email links (unsubscribe, preferences, "who uses this?",
// "did it arrive?"), the public returns page (returns.go), health and
// metrics. The admin UI under /admin is package web/admin, which app
// registers on the Server (Handle) and which reads through it
// (shared.go); web does not import it.
package web

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/contact"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/feedback"
	"github.com/aftersale/aftersale/insiders"
	"github.com/aftersale/aftersale/internal/ratelimit"
	"github.com/aftersale/aftersale/privacy"
	"github.com/aftersale/aftersale/returns"
	"github.com/aftersale/aftersale/team"
)

// Config is what the Server needs.
type Config struct {
	Service *engine.Service
	// Privacy exports and erases customers (the API).
	Privacy *privacy.Service
	// Team administers the team members and their tasks (the API's
	// /tasks).
	Team *team.Service
	// Insiders serves the referral links and the insiders report.
	Insiders *insiders.Service
	// Feedback runs the survey and success plan pages and the reports.
	Feedback *feedback.Service
	// Contact runs the pages of the customer's links (unsubscribe,
	// preferences, "who uses this?", opt-in) and the open pixel.
	Contact *contact.Service
	// Returns runs the returns pages, the API's returns and the returns
	// report.
	Returns *returns.Service
	// APIKey is accepted as a Bearer token on /api; empty refuses every API call.
	APIKey string
	// Gatherer serves /metrics; nil serves an empty set.
	Gatherer prometheus.Gatherer
	Logger   *slog.Logger
	// BusinessName is shown on customer pages.
	BusinessName string
	// Webhooks are the shop platforms set up, by name: "shopify",
	// "stripe", "woocommerce". A platform not here answers 404.
	Webhooks map[string]Webhook
}

// Server is the HTTP server.
type Server struct {
	cfg   Config
	log   *slog.Logger
	mux   *http.ServeMux
	ready func() bool
	srv   *http.Server
	// returnsLimiter counts the order lookups of the public returns page
	// per client address.
	returnsLimiter *ratelimit.Limiter
	// returnsMisses counts the failed order lookups of the returns page
	// per order number and email address (returns_limit.go).
	returnsMisses *ratelimit.Limiter
	// health remembers a store that refused writes (a full disk), for
	// /healthz (unavailable.go).
	health storeHealth
}

// NewServer builds the routes. ready reports whether the service is ready
// (workers started); /healthz answers 503 until it is.
func NewServer(cfg Config, ready func() bool) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Gatherer == nil {
		cfg.Gatherer = prometheus.NewRegistry()
	}
	s := &Server{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), ready: ready,
		returnsLimiter: ratelimit.New(returnsMaxTries, returnsWindow), returnsMisses: ratelimit.New(returnsMaxMisses, returnsWindow)}
	s.routes()
	return s
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.handleHealth)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.cfg.Gatherer, promhttp.HandlerOpts{}))

	s.mux.Handle("POST /api/v1/events", s.api(s.handleEvent))
	s.mux.Handle("GET /api/v1/customers/{email}", s.api(s.handleCustomer))
	s.mux.Handle("GET /api/v1/customers/{email}/export", s.api(s.handleCustomerExport))
	s.mux.Handle("DELETE /api/v1/customers/{email}", s.api(s.handleCustomerErase))
	s.mux.Handle("GET /api/v1/tasks", s.api(s.handleTasks))
	s.mux.Handle("POST /api/v1/tasks/{id}/complete", s.api(s.handleTaskComplete))
	s.mux.Handle("GET /api/v1/orders/{id}/plan", s.api(s.handlePlanGet))
	s.mux.Handle("PUT /api/v1/orders/{id}/plan", s.api(s.handlePlanPut))
	s.mux.Handle("POST /api/v1/orders/{id}/checkins", s.api(s.handleCheckInPost))
	s.mux.Handle("GET /api/v1/returns", s.api(s.handleReturnsAPI))
	s.mux.Handle("POST /api/v1/returns/{id}/status", s.api(s.handleReturnStatusAPI))
	for _, name := range reportNames {
		s.mux.Handle("GET /api/v1/reports/"+name, s.api(s.handleReport(name)))
		s.mux.Handle("GET /api/v1/reports/"+name+".csv", s.api(s.handleReportCSV(name)))
	}
	s.mux.Handle(apiCatchAll, s.api(s.handleAPINoRoute))

	for _, name := range []string{"shopify", "stripe", "woocommerce"} {
		s.mux.HandleFunc("POST /webhooks/"+name, s.handleWebhook(name))
	}
	s.mux.HandleFunc("GET /s/{token}", s.handleSurvey)
	s.mux.HandleFunc("POST /s/{token}", s.handleSurveyPost)
	s.mux.HandleFunc("GET /p/{token}", s.handlePlanPage)
	s.mux.HandleFunc("POST /p/{token}", s.handlePlanPagePost)
	s.mux.HandleFunc("GET /u/{token}", s.handlePreferences)
	s.mux.HandleFunc("POST /u/{token}", s.handleUnsubscribePost)
	s.mux.HandleFunc("GET /w/{token}", s.handleWhoUses)
	s.mux.HandleFunc("GET /o/{token}", s.handleOpen)
	s.mux.HandleFunc("POST /w/{token}", s.handleWhoUsesPost)
	s.mux.HandleFunc("GET /returns", s.handleReturnsFind)
	s.mux.HandleFunc("POST /returns", s.handleReturnsFindPost)
	s.mux.HandleFunc("GET /returns/{token}", s.handleReturnChoose)
	s.mux.HandleFunc("POST /returns/{token}", s.handleReturnChoosePost)
	s.mux.HandleFunc("GET /returns/status/{token}", s.handleReturnStatus)
	s.mux.HandleFunc("GET /a/{token}", s.handleArrival)
	s.mux.HandleFunc("GET /r/{code}", s.handleReferral)
	s.mux.HandleFunc("GET /c/{token}", s.handleOptIn)
	s.mux.HandleFunc("POST /c/{token}", s.handleOptInPost)

	s.mux.HandleFunc("GET /{$}", s.root)
}

// root leads a visitor of / to the admin UI (its login page, when not
// logged in).
func (s *Server) root(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.mux.ServeHTTP(w, r)
}

// Serve answers on the listener until Shutdown.
func (s *Server) Serve(l net.Listener) error {
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	err := s.srv.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting requests and waits for those in flight.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	return s.srv.Shutdown(ctx)
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if s.ready != nil && !s.ready() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "starting"})
		return
	}
	if msg, down := s.storeHealth().Check(r.Context()); down { // probes a store that refused a write
		w.Header().Set("Retry-After", retryAfterUnavailable)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": msg})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// api wraps an API handler with Bearer authentication.
func (s *Server) api(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.APIKey == "" {
			s.writeError(w, r, aftersale.Errorf(aftersale.EUNAUTHORIZED, "the API is disabled: set AFTERSALE_API_KEY"))
			return
		}
		const prefix = "Bearer "
		auth := r.Header.Get("Authorization")
		if len(auth) <= len(prefix) || auth[:len(prefix)] != prefix ||
			subtle.ConstantTimeCompare([]byte(auth[len(prefix):]), []byte(s.cfg.APIKey)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="aftersale"`)
			s.writeError(w, r, aftersale.Errorf(aftersale.EUNAUTHORIZED, "missing or wrong API key (send Authorization: Bearer KEY)"))
			return
		}
		h(w, r)
	})
}

// statusOf maps domain error codes to HTTP statuses, in one place.
func statusOf(code string) int {
	switch code {
	case aftersale.EINVALID:
		return http.StatusBadRequest
	case aftersale.ENOTFOUND:
		return http.StatusNotFound
	case aftersale.ECONFLICT:
		return http.StatusConflict
	case aftersale.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case aftersale.EFORBIDDEN:
		return http.StatusForbidden
	case aftersale.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case aftersale.ETOOMANY:
		return http.StatusTooManyRequests
	case aftersale.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// writeError answers with {"error": "..."} (and "field" for invalid input).
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := aftersale.ErrorCode(err)
	body := map[string]string{"error": aftersale.ErrorMessage(err)}
	var e *aftersale.Error
	if errors.As(err, &e) && e.Field != "" {
		body["field"] = e.Field
	}
	if code == aftersale.EINTERNAL {
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "route", r.Pattern, "err", err)
	}
	s.noteUnavailable(w, r, err)
	writeJSON(w, statusOf(code), body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
