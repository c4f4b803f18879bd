package admin

// The admin UI: server-rendered pages under /admin for the team, with
// htmx for in-place updates. Every admin route is listed once, in
// adminRouteTable; the middleware of each (cross-origin protection, the
// session, CSRF, login and role checks) is applied from that table, so a
// test can walk it and prove that no route is left open.

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/team"
	"github.com/aftersale/aftersale/web"
)

// Session settings of the admin UI.
const (
	sessionCookie      = "aftersale_session"
	sessionLifetime    = 12 * time.Hour
	sessionIdleTimeout = 2 * time.Hour
	// Session keys.
	keyMember = "member_id"
	keyEpoch  = "session_epoch" // the member's session epoch at login
	keyCSRF   = "csrf"
	keyFlash  = "flash"
	// csrfField and csrfHeader carry the token of a form and of an htmx
	// request.
	csrfField  = "csrf_token"
	csrfHeader = "X-CSRF-Token"
	// maxAdminForm bounds the body of an admin form (a personal email is
	// at most 100,000 characters).
	maxAdminForm = 1 << 20
)

// access says who may use an admin route.
type access int

const (
	accessMember access = iota // any logged-in member
	accessOwner                // owners only (403 for the others)
	accessPublic               // no login (the login page)
	accessStatic               // no login and no session (CSS and JS)
)

// adminRoute is one admin route; method "*" takes every method. A handler
// gets the logged-in member (nil on public routes).
type adminRoute struct {
	method, path string
	access       access
	handle       func(s *UI, w http.ResponseWriter, r *http.Request, m *team.MemberView)
}

// adminRouteTable lists every admin route, in one place.
var adminRouteTable = []adminRoute{
	{"GET", "/admin/static/{file}", accessStatic, (*UI).adminStatic},
	{"GET", "/admin/login", accessPublic, (*UI).adminLoginForm},
	{"POST", "/admin/login", accessPublic, (*UI).adminLogin},
	{"POST", "/admin/logout", accessMember, (*UI).adminLogout},

	{"GET", "/admin", accessMember, (*UI).adminInbox},
	{"*", "/admin/", accessMember, (*UI).adminNotFound}, // any other path, any method
	{"GET", "/admin/tasks/{id}", accessMember, (*UI).adminTask},
	{"POST", "/admin/tasks/{id}/complete", accessMember, (*UI).adminTaskComplete},
	{"POST", "/admin/tasks/{id}/send", accessMember, (*UI).adminTaskSend},
	{"GET", "/admin/customers", accessMember, (*UI).adminCustomers},
	{"GET", "/admin/customers/{email}", accessMember, (*UI).adminCustomer},
	{"GET", "/admin/customers/{email}/export", accessMember, (*UI).adminCustomerExport},
	{"POST", "/admin/customers/{email}/erase", accessOwner, (*UI).adminCustomerErase},
	{"GET", "/admin/outbox", accessMember, (*UI).adminOutbox},
	{"GET", "/admin/journeys", accessMember, (*UI).adminJourneys},
	{"GET", "/admin/dashboard", accessMember, (*UI).adminDashboard},
	{"GET", "/admin/dashboard/funnel.csv", accessMember, adminReportCSV(web.ReportFunnel)},
	{"GET", "/admin/dashboard/ipa.csv", accessMember, adminReportCSV(web.ReportIPA)},
	{"GET", "/admin/dashboard/scores.csv", accessMember, adminReportCSV(web.ReportScores)},
	{"GET", "/admin/dashboard/returns.csv", accessMember, adminReportCSV(web.ReportReturns)},
	{"GET", "/admin/returns", accessMember, (*UI).adminReturns},
	{"GET", "/admin/returns/{id}", accessMember, (*UI).adminReturn},
	{"POST", "/admin/returns/{id}/status", accessMember, (*UI).adminReturnStatus},
	{"GET", "/admin/broadcasts", accessMember, (*UI).adminBroadcasts},
	{"POST", "/admin/broadcasts", accessMember, (*UI).adminBroadcastCreate},
	{"GET", "/admin/broadcasts/new", accessMember, (*UI).adminBroadcastNew},
	{"POST", "/admin/broadcasts/audience", accessMember, (*UI).adminBroadcastAudience},
	{"GET", "/admin/broadcasts/{id}", accessMember, (*UI).adminBroadcast},
	{"POST", "/admin/broadcasts/{id}", accessMember, (*UI).adminBroadcastSave},
	{"POST", "/admin/broadcasts/{id}/test", accessMember, (*UI).adminBroadcastTest},
	{"POST", "/admin/broadcasts/{id}/schedule", accessMember, (*UI).adminBroadcastSchedule},
	{"POST", "/admin/broadcasts/{id}/send", accessMember, (*UI).adminBroadcastSend},
	{"POST", "/admin/broadcasts/{id}/cancel", accessMember, (*UI).adminBroadcastCancel},
	{"GET", "/admin/stories", accessMember, (*UI).adminStories},
	{"POST", "/admin/stories", accessMember, (*UI).adminStoryCreate},
	{"GET", "/admin/stories/new", accessMember, (*UI).adminStoryNew},
	{"GET", "/admin/stories/{id}", accessMember, (*UI).adminStory},
	{"POST", "/admin/stories/{id}", accessMember, (*UI).adminStoryUpdate},
	{"GET", "/admin/stories/{id}/delete", accessMember, (*UI).adminStoryDeleteConfirm},
	{"POST", "/admin/stories/{id}/delete", accessMember, (*UI).adminStoryDelete},

	{"GET", "/admin/events", accessMember, (*UI).adminDeadEvents},
	{"POST", "/admin/events/retry", accessOwner, (*UI).adminDeadEventRetry},
	{"POST", "/admin/events/discard", accessOwner, (*UI).adminDeadEventDiscard},

	{"GET", "/admin/team", accessMember, (*UI).adminTeam},
	{"POST", "/admin/team", accessOwner, (*UI).adminTeamAdd},
	{"POST", "/admin/team/{id}/role", accessOwner, (*UI).adminTeamRole},
	{"POST", "/admin/team/{id}/active", accessOwner, (*UI).adminTeamActive},
	{"POST", "/admin/team/settings", accessOwner, (*UI).adminTeamSettings},

	{"GET", "/admin/account", accessMember, (*UI).adminAccount},
	{"POST", "/admin/account/password", accessMember, (*UI).adminAccountPassword},
	{"POST", "/admin/account/smtp", accessMember, (*UI).adminAccountSMTP},
}

// sessionManager sets up the session manager of the admin UI: sessions
// in the store, hashed tokens, a cookie for /admin only.
func (s *UI) sessionManager() *scs.SessionManager {
	sm := scs.New()
	sm.Store = &sessionStore{st: s.cfg.Sessions}
	sm.Lifetime = sessionLifetime
	sm.IdleTimeout = sessionIdleTimeout
	sm.HashTokenInStore = true // a copy of the database holds no live token
	sm.Cookie.Name = sessionCookie
	sm.Cookie.Path = "/admin"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = s.cfg.SecureCookies
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		if aftersale.ErrorCode(err) == aftersale.EUNAVAILABLE { // a full disk: 503, Retry-After
			s.noteUnavailable(w, r, err)
			http.Error(w, aftersale.ErrorMessage(err), http.StatusServiceUnavailable)
			return
		}
		s.log.ErrorContext(r.Context(), "admin session", "err", err)
		http.Error(w, "The session store failed; try again.", http.StatusInternalServerError)
	}
	return sm
}

// adminHandler wraps a route's handler with its middleware: cross-origin
// protection, then (but for static files) the session, the CSRF check of
// every POST, the login check and the role check.
func (s *UI) adminHandler(rt adminRoute) http.Handler {
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.access == accessStatic {
			rt.handle(s, w, r, nil)
			return
		}
		adminHeaders(w)
		if r.Method == http.MethodPost && !s.checkCSRF(w, r) {
			s.adminRefuse(w, r, http.StatusForbidden, "The form has expired or did not come from this site. Reload the page and try again.")
			return
		}
		if rt.access == accessPublic {
			rt.handle(s, w, r, nil)
			return
		}
		m := s.currentMember(r)
		if m == nil {
			s.adminLoginRequired(w, r)
			return
		}
		if rt.access == accessOwner && m.Role != string(aftersale.RoleOwner) {
			s.adminRefuse(w, r, http.StatusForbidden, "Only an owner can do that.")
			return
		}
		rt.handle(s, w, r, m)
	})
	if rt.access != accessStatic {
		h = s.admin.sessions.LoadAndSave(h)
	}
	return s.admin.cop.Handler(h)
}

// adminHeaders sets the security headers of admin pages: no caching, and
// a content security policy that allows only this site's own script and
// style (htmx is served from /admin/static/).
func adminHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
}

// isHTMX says whether htmx sent the request.
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// currentMember returns the logged-in member, or nil. A session of a
// member who no longer exists is ended, and so is one of a deactivated
// member or one begun before the member's password or role changed (its
// session epoch is not the member's).
func (s *UI) currentMember(r *http.Request) *team.MemberView {
	ctx := r.Context()
	id := s.admin.sessions.GetInt64(ctx, keyMember)
	if id == 0 {
		return nil
	}
	m, err := s.cfg.Team.Member(ctx, id)
	if err != nil {
		if aftersale.IsNotFound(err) {
			s.admin.sessions.Remove(ctx, keyMember)
		} else {
			s.log.ErrorContext(ctx, "admin: load the member", "member_id", id, "err", err)
		}
		return nil
	}
	if !m.Active || s.admin.sessions.GetInt64(ctx, keyEpoch) != m.SessionEpoch {
		if err := s.admin.sessions.Destroy(ctx); err != nil {
			s.log.ErrorContext(ctx, "admin: end a stale session", "member_id", id, "err", err)
		}
		s.log.InfoContext(ctx, "admin session ended: the member changed", "member_id", id)
		return nil
	}
	return m
}

// adminLoginRequired sends a page request to the login form (303, with
// the page to come back to) and refuses anything else with 401; htmx is
// told to load the login page.
func (s *UI) adminLoginRequired(w http.ResponseWriter, r *http.Request) {
	login := "/admin/login"
	if r.Method == http.MethodGet && !isHTMX(r) {
		http.Redirect(w, r, login+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	w.Header().Set("HX-Redirect", login)
	s.adminRefuse(w, r, http.StatusUnauthorized, "Your session has ended. Log in again.")
}

// adminRefuse answers with a short message: a fragment for htmx, a page
// otherwise.
func (s *UI) adminRefuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if isHTMX(r) {
		s.adminFragment(w, r, status, "message.html", "content", alert{Error: msg})
		return
	}
	s.adminPage(w, r, status, nil, "message.html", "Not allowed", alert{Error: msg})
}

// adminError shows an engine error on a page; internal errors are logged
// and shown without detail, and a store without room (EUNAVAILABLE)
// answers 503 with Retry-After and fails /healthz (noteUnavailable).
func (s *UI) adminError(w http.ResponseWriter, r *http.Request, m *team.MemberView, err error) {
	code := aftersale.ErrorCode(err)
	if code == aftersale.EINTERNAL {
		s.log.ErrorContext(r.Context(), "admin page failed", "route", r.Pattern, "err", err)
	}
	s.noteUnavailable(w, r, err)
	if isHTMX(r) {
		s.adminFragment(w, r, web.StatusOf(code), "message.html", "content", alert{Error: aftersale.ErrorMessage(err)})
		return
	}
	s.adminPage(w, r, web.StatusOf(code), m, "message.html", "Something is not right", alert{Error: aftersale.ErrorMessage(err)})
}

// adminNotFound answers the admin paths and methods no route has (after
// the CSRF and login checks); /admin/ itself goes to the inbox.
func (s *UI) adminNotFound(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	if r.URL.Path == "/admin/" && r.Method == http.MethodGet {
		http.Redirect(w, r, "/admin", http.StatusSeeOther)
		return
	}
	s.adminPage(w, r, http.StatusNotFound, m, "message.html", "Not found", alert{Error: "There is no page " + r.URL.Path + "."})
}

// csrfToken returns the session's CSRF token, making one the first time.
func (s *UI) csrfToken(ctx context.Context) string {
	if t := s.admin.sessions.GetString(ctx, keyCSRF); t != "" {
		return t
	}
	t := newToken()
	s.admin.sessions.Put(ctx, keyCSRF, t)
	return t
}

func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// checkCSRF reads the form and says whether the request carries the
// session's CSRF token, in the X-CSRF-Token header (htmx) or the
// csrf_token field.
func (s *UI) checkCSRF(w http.ResponseWriter, r *http.Request) bool {
	want := s.admin.sessions.GetString(r.Context(), keyCSRF)
	r.Body = http.MaxBytesReader(w, r.Body, maxAdminForm)
	if err := r.ParseForm(); err != nil {
		return false
	}
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = r.PostForm.Get(csrfField)
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// flash keeps a message for the next page of the session.
func (s *UI) flash(ctx context.Context, msg string) { s.admin.sessions.Put(ctx, keyFlash, msg) }

// safeNext returns next when it is a path of the admin UI, else /admin, so
// that the login form cannot redirect elsewhere.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.Scheme != "" || u.Host != "" || u.User != nil ||
		strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") ||
		(u.Path != "/admin" && !strings.HasPrefix(u.Path, "/admin/")) || strings.HasPrefix(u.Path, "/admin/login") {
		return "/admin"
	}
	return next
}

// errField returns the field an EINVALID error is about, or "".
func errField(err error) string {
	var e *aftersale.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
