package admin

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/team"
	"github.com/aftersale/aftersale/web"
)

// Nothing here logs an email address or a password: members are logged
// by id only.

// loginPage is the data of the login form.
type loginPage struct {
	Alert       alert
	Email, Next string
	// NoMembers says the team is empty: the page tells how to add the
	// first member instead of asking for a login no one has.
	NoMembers bool
}

func (s *UI) adminLoginForm(w http.ResponseWriter, r *http.Request, _ *team.MemberView) {
	next := safeNext(r.URL.Query().Get("next"))
	if s.currentMember(r) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	page := loginPage{Next: next}
	if ms, err := s.cfg.Team.Members(r.Context()); err == nil && len(ms) == 0 {
		page.NoMembers = true
	}
	s.adminPage(w, r, http.StatusOK, nil, "login.html", "Log in", page)
}

// adminLogin checks the email and password, at most loginMaxFailures
// failures per account and per client address in loginWindow (each
// attempt counted before its password is checked), and starts the
// member's session under a new token. When too many passwords are being
// checked at once it answers 429 without checking (auth.Pool).
func (s *UI) adminLogin(w http.ResponseWriter, r *http.Request, _ *team.MemberView) {
	ctx := r.Context()
	email, password := strings.TrimSpace(r.PostForm.Get("email")), r.PostForm.Get("password")
	page := loginPage{Email: email, Next: safeNext(r.PostForm.Get("next"))}
	keys := s.limitKeys(r, email)
	at, wait, ok := s.admin.limiter.Reserve(keys)
	if !ok {
		s.log.WarnContext(ctx, "admin login refused: too many failures")
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		page.Alert.Error = fmt.Sprintf("Too many failed logins. Wait %d minutes and try again.", int(math.Ceil(wait.Minutes())))
		s.adminPage(w, r, http.StatusTooManyRequests, nil, "login.html", "Log in", page)
		return
	}
	m, err := s.cfg.Team.Authenticate(ctx, email, password)
	if err != nil {
		switch aftersale.ErrorCode(err) {
		case aftersale.EUNAUTHORIZED: // the attempt stays counted
			s.log.InfoContext(ctx, "admin login failed")
			page.Alert.Error = aftersale.ErrorMessage(err)
			s.adminPage(w, r, http.StatusUnauthorized, nil, "login.html", "Log in", page)
		case aftersale.ETOOMANY: // not checked: not counted
			s.admin.limiter.Refund(keys, at)
			s.log.WarnContext(ctx, "admin login refused: too many password checks at once")
			w.Header().Set("Retry-After", busyRetryAfter)
			page.Alert.Error = "The server is checking many passwords at once. Try again in a few seconds."
			s.adminPage(w, r, http.StatusTooManyRequests, nil, "login.html", "Log in", page)
		default:
			s.admin.limiter.Refund(keys, at)
			s.adminError(w, r, nil, err)
		}
		return
	}
	s.admin.limiter.Reset(keys[0])
	s.admin.limiter.Reset("email:" + normalEmail(email))
	s.admin.limiter.Refund(keys[1:], at)
	if err := s.startSession(ctx, m); err != nil {
		s.adminError(w, r, nil, err)
		return
	}
	s.rememberDevice(w, email)
	s.admin.sessions.Put(ctx, keyCSRF, newToken())
	s.log.InfoContext(ctx, "admin login", "member_id", m.ID)
	http.Redirect(w, r, page.Next, http.StatusSeeOther)
}

func (s *UI) adminLogout(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	if err := s.admin.sessions.Destroy(r.Context()); err != nil {
		s.adminError(w, r, m, err)
		return
	}
	s.log.InfoContext(r.Context(), "admin logout", "member_id", m.ID)
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", "/admin/login")
	}
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
}

// accountPage is the data of the member's own settings.
type accountPage struct {
	Password, SMTP alert
	Field          string
}

func (s *UI) adminAccount(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	s.adminPage(w, r, http.StatusOK, m, "account.html", "Your account", accountPage{})
}

// adminAccountPassword changes the member's password once the current one
// is checked again (rate limited like a login). The member's other
// sessions end; this one goes on under a new token.
func (s *UI) adminAccountPassword(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	ctx := r.Context()
	f := r.PostForm
	fail := func(status int, field, msg string) {
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", busyRetryAfter)
		}
		s.adminPage(w, r, status, m, "account.html", "Your account", accountPage{Password: alert{Error: msg}, Field: field})
	}
	keys := s.limitKeys(r, m.Email)
	at, _, ok := s.admin.limiter.Reserve(keys)
	if !ok {
		fail(http.StatusTooManyRequests, "current", "Too many wrong passwords. Wait 15 minutes and try again.")
		return
	}
	if f.Get("new") != f.Get("confirm") {
		s.admin.limiter.Refund(keys, at)
		fail(http.StatusBadRequest, "confirm", "The new password and its confirmation differ.")
		return
	}
	if _, err := s.cfg.Team.Authenticate(ctx, m.Email, f.Get("current")); err != nil {
		switch aftersale.ErrorCode(err) {
		case aftersale.EUNAUTHORIZED:
			fail(http.StatusBadRequest, "current", "The current password is wrong.")
		case aftersale.ETOOMANY:
			s.admin.limiter.Refund(keys, at)
			fail(http.StatusTooManyRequests, "current", "The server is checking many passwords at once. Try again in a few seconds.")
		default:
			s.admin.limiter.Refund(keys, at)
			s.adminError(w, r, m, err)
		}
		return
	}
	s.admin.limiter.Refund(keys, at)
	if err := s.cfg.Team.SetPassword(ctx, m.ID, f.Get("new")); err != nil {
		if aftersale.ErrorCode(err) == aftersale.EINTERNAL {
			s.adminError(w, r, m, err)
			return
		}
		fail(web.StatusOf(aftersale.ErrorCode(err)), "new", aftersale.ErrorMessage(err))
		return
	}
	if err := s.keepSession(ctx, m.ID); err != nil {
		s.adminError(w, r, m, err)
		return
	}
	s.log.InfoContext(ctx, "admin password changed", "member_id", m.ID)
	s.flash(ctx, "Your password is changed.")
	http.Redirect(w, r, "/admin/account", http.StatusSeeOther)
}

// adminAccountSMTP sets (or, with action=clear, removes) the member's own
// SMTP server for personal emails. The URL holds a password, so it is
// never shown again.
func (s *UI) adminAccountSMTP(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	ctx := r.Context()
	u := strings.TrimSpace(r.PostForm.Get("smtp_url"))
	if r.PostForm.Get("action") == "clear" {
		u = ""
	} else if u == "" {
		s.adminPage(w, r, http.StatusBadRequest, m, "account.html", "Your account",
			accountPage{SMTP: alert{Error: "Enter an SMTP URL, or use the install's server."}, Field: "smtp_url"})
		return
	}
	if err := s.cfg.Team.UpdateMember(ctx, m.ID, m.Name, aftersale.Role(m.Role), u); err != nil {
		if aftersale.ErrorCode(err) == aftersale.EINTERNAL {
			s.adminError(w, r, m, err)
			return
		}
		s.adminPage(w, r, web.StatusOf(aftersale.ErrorCode(err)), m, "account.html", "Your account",
			accountPage{SMTP: alert{Error: aftersale.ErrorMessage(err)}, Field: "smtp_url"})
		return
	}
	s.log.InfoContext(ctx, "admin SMTP settings changed", "member_id", m.ID, "own_smtp", u != "")
	msg := "Your personal emails now go through your own server."
	if u == "" {
		msg = "Your personal emails now go through the install's server."
	}
	s.flash(ctx, msg)
	http.Redirect(w, r, "/admin/account", http.StatusSeeOther)
}

// teamPage is the data of the team page.
type teamPage struct {
	Members []team.MemberView
	IsOwner bool
	// AllowPrivateSMTP is the owners' setting (shown to owners).
	AllowPrivateSMTP bool
	Alert            alert
	Field            string
	Form             struct{ Email, Name, Role string }
}

func (s *UI) teamPage(w http.ResponseWriter, r *http.Request, m *team.MemberView, status int, p teamPage) {
	list, err := s.cfg.Team.Members(r.Context())
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	p.Members, p.IsOwner = list, m.Role == string(aftersale.RoleOwner)
	if p.AllowPrivateSMTP, err = s.cfg.Team.AllowPrivateSMTP(r.Context()); err != nil {
		s.adminError(w, r, m, err)
		return
	}
	if p.Form.Role == "" {
		p.Form.Role = string(aftersale.RoleAssistant)
	}
	s.adminPage(w, r, status, m, "team.html", "Team", p)
}

func (s *UI) adminTeam(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	s.teamPage(w, r, m, http.StatusOK, teamPage{})
}

// adminTeamAdd adds a member (owners only).
func (s *UI) adminTeamAdd(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	f := r.PostForm
	var p teamPage
	p.Form.Email, p.Form.Name, p.Form.Role = strings.TrimSpace(f.Get("email")), strings.TrimSpace(f.Get("name")), f.Get("role")
	added, err := s.cfg.Team.AddMember(r.Context(), team.NewMember{
		Email: p.Form.Email, Name: p.Form.Name, Role: aftersale.Role(p.Form.Role), Password: f.Get("password"),
	})
	if err != nil {
		if aftersale.ErrorCode(err) == aftersale.EINTERNAL {
			s.adminError(w, r, m, err)
			return
		}
		p.Alert.Error, p.Field = aftersale.ErrorMessage(err), errField(err)
		s.teamPage(w, r, m, web.StatusOf(aftersale.ErrorCode(err)), p)
		return
	}
	s.log.InfoContext(r.Context(), "admin added a member", "member_id", m.ID, "new_member_id", added.ID)
	s.flash(r.Context(), added.Name+" is on the team now, as "+label(added.Role)+".")
	http.Redirect(w, r, "/admin/team", http.StatusSeeOther)
}

// adminTeamRole changes a member's role (owners only). The last owner
// cannot be demoted. The member's own SMTP settings are kept.
func (s *UI) adminTeamRole(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.adminError(w, r, m, aftersale.Errorf(aftersale.ENOTFOUND, "no such member"))
		return
	}
	role := aftersale.Role(r.PostForm.Get("role"))
	list, err := s.cfg.Team.Members(ctx)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	var target *team.MemberView
	owners := 0
	for i, x := range list {
		if x.ID == id {
			target = &list[i]
		}
		if x.Role == string(aftersale.RoleOwner) && x.Active {
			owners++
		}
	}
	if target == nil {
		s.adminError(w, r, m, aftersale.Errorf(aftersale.ENOTFOUND, "no such member"))
		return
	}
	if target.Role == string(aftersale.RoleOwner) && role != aftersale.RoleOwner && owners == 1 {
		s.teamPage(w, r, m, http.StatusConflict, teamPage{Alert: alert{Error: target.Name + " is the only owner: make someone else an owner first."}})
		return
	}
	// UpdateMember sets the SMTP URL too; the view does not carry it, so
	// it is read from the store to be kept.
	stored, err := s.cfg.Service.Store().MemberGet(ctx, id)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	if err := s.cfg.Team.UpdateMember(ctx, id, "", role, stored.SMTPURL); err != nil {
		if aftersale.ErrorCode(err) == aftersale.EINTERNAL {
			s.adminError(w, r, m, err)
			return
		}
		s.teamPage(w, r, m, web.StatusOf(aftersale.ErrorCode(err)), teamPage{Alert: alert{Error: aftersale.ErrorMessage(err)}})
		return
	}
	if id == m.ID { // the owner's own role: this session goes on
		if err := s.keepSession(ctx, m.ID); err != nil {
			s.adminError(w, r, m, err)
			return
		}
	}
	s.log.InfoContext(ctx, "admin changed a role", "member_id", m.ID, "target_member_id", id, "role", role)
	s.flash(ctx, target.Name+" is "+label(role)+" now.")
	http.Redirect(w, r, "/admin/team", http.StatusSeeOther)
}
