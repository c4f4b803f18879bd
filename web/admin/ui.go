// Package admin is aftersale's admin UI: server-rendered pages under
// /admin for the team, with htmx for in-place updates (see admin.go for
// the route table and its middleware). app builds it after the web
// Server, which it reads the customer view, the reports and the returns
// lists through (Web), and registers its routes on that Server's mux
// (Register).
package admin

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/alexedwards/scs/v2"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/broadcast"
	"github.com/aftersale/aftersale/contact"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/feedback"
	"github.com/aftersale/aftersale/insiders"
	"github.com/aftersale/aftersale/internal/ratelimit"
	"github.com/aftersale/aftersale/privacy"
	"github.com/aftersale/aftersale/report"
	"github.com/aftersale/aftersale/returns"
	"github.com/aftersale/aftersale/team"
	"github.com/aftersale/aftersale/web"
)

// Web is what the admin UI uses of the web Server (*web.Server): the
// customer view the API shows too, the reports as CSV, the returns by
// status, and the store health that /healthz reports.
type Web interface {
	// CustomerView is the customer with the email, their orders and
	// timeline.
	CustomerView(ctx context.Context, email string) (*web.CustomerView, error)
	// ReportCSV is the named report (web.ReportNames) as CSV.
	ReportCSV(ctx context.Context, name string, f report.Filter) ([]byte, error)
	// ListReturns lists the returns of a status filter
	// (web.ParseReturnStatusFilter) and an order (0: every order).
	ListReturns(ctx context.Context, status string, orderID int64) ([]*returns.View, error)
	// NoteUnavailable answers an EUNAVAILABLE error (a full disk) with
	// Retry-After and marks the store down for /healthz.
	NoteUnavailable(w http.ResponseWriter, r *http.Request, err error)
}

var _ Web = (*web.Server)(nil)

// Config is what the admin UI needs.
type Config struct {
	Service *engine.Service
	// Web is the web Server the UI is mounted on.
	Web Web
	// Team administers the team members and checks their logins (the
	// login, account and team pages, and every session).
	Team *team.Service
	// Privacy exports and erases customers.
	Privacy *privacy.Service
	// Contact gives the dashboard's deliverability warning.
	Contact *contact.Service
	// Insiders serves the stories pages and the insiders panel.
	Insiders *insiders.Service
	// Feedback serves the dashboard's reports.
	Feedback *feedback.Service
	// Broadcasts writes, schedules and sends the broadcasts.
	Broadcasts *broadcast.Service
	// Returns runs staff's handling of returns and the returns report.
	Returns *returns.Service
	// Sessions keeps the login sessions; nil uses the Service's store
	// (aftersale's own database).
	Sessions aftersale.SessionQueries
	Logger   *slog.Logger
	// SecureCookies marks the session and device cookies Secure (set it
	// when the base URL is https).
	SecureCookies bool
	// PhoneRegion is the region (ISO 3166-1 alpha-2) that customers' phone
	// numbers without a country code are read in, for click-to-call links;
	// "" means "US".
	PhoneRegion string
}

// UI is the admin UI.
type UI struct {
	cfg   Config
	log   *slog.Logger
	admin *state
}

// state is the session manager, the login limiter and the cross-origin
// protection of the UI.
type state struct {
	sessions *scs.SessionManager
	limiter  *ratelimit.Limiter
	cop      *http.CrossOriginProtection
}

// New builds the admin UI and its session manager.
func New(cfg Config) (*UI, error) {
	switch {
	case cfg.Service == nil:
		return nil, errors.New("admin: no Service")
	case cfg.Web == nil:
		return nil, errors.New("admin: no Web server")
	case cfg.Contact == nil:
		return nil, errors.New("admin: no Contact")
	case cfg.Team == nil, cfg.Privacy == nil, cfg.Insiders == nil, cfg.Feedback == nil, cfg.Broadcasts == nil, cfg.Returns == nil:
		return nil, errors.New("admin: Team, Privacy, Insiders, Feedback, Broadcasts and Returns are all needed")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Sessions == nil {
		cfg.Sessions = cfg.Service.Store()
	}
	if cfg.PhoneRegion == "" {
		cfg.PhoneRegion = "US"
	}
	s := &UI{cfg: cfg, log: cfg.Logger}
	s.admin = &state{sessions: s.sessionManager(), limiter: ratelimit.New(loginMaxFailures, loginWindow),
		cop: http.NewCrossOriginProtection()}
	return s, nil
}

// Router is where the UI registers its routes: the web Server (or an
// *http.ServeMux).
type Router interface {
	Handle(pattern string, handler http.Handler)
}

// Register registers every admin route (adminRouteTable) with its
// middleware on the router.
func (s *UI) Register(mux Router) {
	for _, rt := range adminRouteTable {
		pattern := rt.method + " " + rt.path
		if rt.method == "*" {
			pattern = rt.path
		}
		mux.Handle(pattern, s.adminHandler(rt))
	}
}

// noteUnavailable, for an EUNAVAILABLE error (the store refused a write
// for want of room), logs it, sets Retry-After and marks the store down
// for /healthz (the web Server's); other errors are left alone.
func (s *UI) noteUnavailable(w http.ResponseWriter, r *http.Request, err error) {
	s.cfg.Web.NoteUnavailable(w, r, err)
}
