package admin

import (
	"context"
	"net/http"
	"strconv"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/team"
	"github.com/aftersale/aftersale/web"
)

// busyRetryAfter is the Retry-After (seconds) of a login or password
// change refused because too many passwords are being checked at once.
const busyRetryAfter = "2"

// startSession makes the request's session the member's, under a new
// token, with the member's session epoch: a later change of the member's
// password or role, or a deactivation, ends it (currentMember).
func (s *UI) startSession(ctx context.Context, m *team.MemberView) error {
	if err := s.admin.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.admin.sessions.Put(ctx, keyMember, m.ID)
	s.admin.sessions.Put(ctx, keyEpoch, m.SessionEpoch)
	return nil
}

// keepSession keeps the request's session of the member going after a
// change that it made and that ended the member's sessions (their own
// password, their own role): it takes the new epoch, under a new token.
//
// It takes only the epoch of that one change. The session's epoch was the
// member's when the request began (currentMember), and the change raised
// it by one; an epoch higher still is another change's, made between the
// write and this read (an owner's new role for the member, a password
// changed in another session), and that one ends this session too: it is
// left as it is, at its old epoch, and the next request ends it.
func (s *UI) keepSession(ctx context.Context, memberID int64) error {
	m, err := s.cfg.Team.Member(ctx, memberID)
	if err != nil {
		return err
	}
	if began := s.admin.sessions.GetInt64(ctx, keyEpoch); m.SessionEpoch > began+1 {
		s.log.InfoContext(ctx, "admin session not kept: another change ended it",
			"member_id", memberID, "session_epoch", began, "member_epoch", m.SessionEpoch)
		return nil
	}
	return s.startSession(ctx, m)
}

// adminTeamActive deactivates a member (active=0), who is logged out at
// once and cannot log in, or makes them active again (active=1); owners
// only, not themselves, and never the last active owner.
func (s *UI) adminTeamActive(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.adminError(w, r, m, aftersale.Errorf(aftersale.ENOTFOUND, "no such member"))
		return
	}
	active := r.PostForm.Get("active") == "1"
	if id == m.ID && !active {
		s.teamPage(w, r, m, http.StatusConflict, teamPage{Alert: alert{Error: "You cannot deactivate yourself: ask another owner."}})
		return
	}
	target, err := s.cfg.Team.SetMemberActive(ctx, id, active)
	if err != nil {
		if aftersale.ErrorCode(err) == aftersale.EINTERNAL || aftersale.IsNotFound(err) {
			s.adminError(w, r, m, err)
			return
		}
		s.teamPage(w, r, m, web.StatusOf(aftersale.ErrorCode(err)), teamPage{Alert: alert{Error: aftersale.ErrorMessage(err)}})
		return
	}
	s.log.InfoContext(ctx, "admin changed a member's access", "member_id", m.ID, "target_member_id", id, "active", active)
	if active {
		s.flash(ctx, target.Name+" can log in again.")
	} else {
		s.flash(ctx, target.Name+" is deactivated: logged out, and cannot log in.")
	}
	http.Redirect(w, r, "/admin/team", http.StatusSeeOther)
}

// adminTeamSettings changes the team settings (owners only): whether
// members' own SMTP servers may be on private and local addresses.
func (s *UI) adminTeamSettings(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	ctx := r.Context()
	allow := r.PostForm.Get("allow_private_smtp") == "1"
	if err := s.cfg.Team.SetAllowPrivateSMTP(ctx, allow); err != nil {
		s.adminError(w, r, m, err)
		return
	}
	s.log.InfoContext(ctx, "admin changed a team setting", "member_id", m.ID, "allow_private_smtp", allow)
	if allow {
		s.flash(ctx, "Members' own mail servers may now be on private and local addresses.")
	} else {
		s.flash(ctx, "Members' own mail servers must now be on public addresses.")
	}
	http.Redirect(w, r, "/admin/team", http.StatusSeeOther)
}
