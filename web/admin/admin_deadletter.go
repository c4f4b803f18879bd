package admin

// The events set aside in the admin UI: inbox events that could not be
// applied while the database answered (see engine/deadletter.go), with a
// button to retry each (back into the inbox) and one to discard it. Any
// member sees the list; retrying and discarding are for owners. The page
// shows no payload: the type, source and id of each event, and the error
// (which the engine keeps without personal data).

import (
	"context"
	"net/http"
	"strings"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/team"
)

// deadEventsPage is the data of the list of events set aside.
type deadEventsPage struct {
	Rows    []engine.DeadEventView
	Total   int  // how many there are; Rows may hold fewer
	IsOwner bool // may retry and discard
}

// adminDeadEvents lists the events set aside.
func (s *UI) adminDeadEvents(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	rows, total, err := s.cfg.Service.DeadEvents(r.Context())
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	p := deadEventsPage{Rows: rows, Total: total, IsOwner: m.Role == string(aftersale.RoleOwner)}
	s.adminPage(w, r, http.StatusOK, m, "events.html", "Events set aside", p)
}

// adminDeadEventRetry puts the event set aside (form field id) back into
// the inbox.
func (s *UI) adminDeadEventRetry(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	s.adminDeadEventDo(w, r, m, "retried", s.cfg.Service.DeadEventRetry,
		"The event %s is back in the inbox: it is applied in a moment, or set aside again if it still fails.")
}

// adminDeadEventDiscard deletes the event set aside (form field id).
func (s *UI) adminDeadEventDiscard(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	s.adminDeadEventDo(w, r, m, "discarded", s.cfg.Service.DeadEventDiscard,
		"The event %s is discarded: it will never be applied.")
}

// adminDeadEventDo does one action on the event set aside named by the
// form, logs it by member and goes back to the list with a message.
func (s *UI) adminDeadEventDo(w http.ResponseWriter, r *http.Request, m *team.MemberView, what string,
	do func(ctx context.Context, id string) error, msg string) {
	r.Body = http.MaxBytesReader(w, r.Body, maxAdminForm)
	id := strings.TrimSpace(r.PostFormValue("id"))
	if id == "" {
		s.adminError(w, r, m, aftersale.FieldError("id", "Choose an event."))
		return
	}
	if err := do(r.Context(), id); err != nil {
		s.adminError(w, r, m, err)
		return
	}
	s.log.InfoContext(r.Context(), "admin: event set aside "+what, "member_id", m.ID, "event_id", id)
	s.flash(r.Context(), strings.Replace(msg, "%s", id, 1))
	http.Redirect(w, r, "/admin/events", http.StatusSeeOther)
}
