package admin

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/team"
	"github.com/aftersale/aftersale/web"
)

// inboxPage is the data of the task inbox.
type inboxPage struct {
	Tab   string
	Tabs  []inboxTab
	Tasks []taskRow
}

type inboxTab struct {
	ID, Label string
	Count     int
}

// taskRow is a task in a list.
type taskRow struct {
	team.TaskView
	Overdue bool
}

// adminInbox lists the open tasks: the member's (Mine), everyone's (Team)
// or the overdue ones.
func (s *UI) adminInbox(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	tasks, err := s.cfg.Team.Tasks(r.Context(), string(aftersale.TaskOpen), "")
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	tab := r.URL.Query().Get("tab")
	if tab != "team" && tab != "overdue" {
		tab = "mine"
	}
	p := inboxPage{Tab: tab, Tabs: []inboxTab{{ID: "mine", Label: "Mine"}, {ID: "team", Label: "Team"}, {ID: "overdue", Label: "Overdue"}}}
	for _, t := range tasks {
		row := taskRow{TaskView: t, Overdue: s.cfg.Team.Overdue(t)}
		mine := team.AssignedTo(t, m.Email, m.Role)
		in := map[string]bool{"mine": mine, "team": true, "overdue": row.Overdue}
		for i := range p.Tabs {
			if in[p.Tabs[i].ID] {
				p.Tabs[i].Count++
			}
		}
		if in[tab] {
			p.Tasks = append(p.Tasks, row)
		}
	}
	s.adminPage(w, r, http.StatusOK, m, "inbox.html", "Tasks", p)
}

// taskPage is the data of a task's page.
type taskPage struct {
	Task     team.TaskView
	Customer *web.CustomerView // nil when it could not be read
	Phone    phoneLink
	Overdue  bool
	Outcomes []string
	Email    *emailForm // an open personal email task
	Result   *taskResult
	Alert    alert
	Field    string
	Note     string
}

// emailForm is the personal email a member writes.
type emailForm struct {
	To, From, Subject, Body string
}

// taskResult says what completing a task did and what comes next.
type taskResult struct {
	Message string
	Next    []team.TaskView
}

// taskByID returns a task with its customer's email.
func (s *UI) taskByID(ctx context.Context, raw string) (*team.TaskView, error) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return nil, aftersale.Errorf(aftersale.ENOTFOUND, "there is no task %q", raw)
	}
	return s.cfg.Team.Task(ctx, id)
}

// newTaskPage fills a task's page: the customer's facts, the phone link,
// the outcomes and, for a personal email, the form prefilled from the
// task's draft.
func (s *UI) newTaskPage(ctx context.Context, t *team.TaskView, m *team.MemberView) *taskPage {
	p := &taskPage{Task: *t, Overdue: s.cfg.Team.Overdue(*t)}
	if c, err := s.cfg.Web.CustomerView(ctx, t.Customer); err == nil {
		p.Customer = c
	} else {
		s.log.WarnContext(ctx, "admin: read a task's customer", "task_id", t.ID, "err", err)
	}
	p.Phone = newPhoneLink(t.Phone, s.cfg.PhoneRegion)
	kind := aftersale.TaskKind(t.Kind)
	p.Outcomes = team.OutcomesOf(kind)
	if kind == aftersale.TaskPersonalEmail {
		p.Outcomes = slices.Clone(team.GenericOutcomes) // "sent" is the Send button's
		if t.Status == string(aftersale.TaskOpen) {
			subject, body := splitDraft(t.Draft)
			if subject == "" {
				subject = "A note from " + m.Name
			}
			p.Email = &emailForm{To: address(t.Name, t.Customer), From: address(m.Name, m.Email), Subject: subject, Body: body}
		}
	}
	return p
}

// address writes "Name <email>".
func address(name, email string) string {
	if name == "" {
		return email
	}
	return name + " <" + email + ">"
}

// splitDraft takes a leading "Subject: ..." line off a draft.
func splitDraft(draft string) (subject, body string) {
	first, rest, _ := strings.Cut(draft, "\n")
	if s, ok := strings.CutPrefix(strings.TrimSpace(first), "Subject:"); ok {
		return strings.TrimSpace(s), strings.TrimLeft(rest, "\r\n")
	}
	return "", draft
}

func (s *UI) adminTask(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	t, err := s.taskByID(r.Context(), r.PathValue("id"))
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	s.adminPage(w, r, http.StatusOK, m, "task.html", t.Title, s.newTaskPage(r.Context(), t, m))
}

// showTask answers a task form: the actions block for htmx, the whole page
// otherwise.
func (s *UI) showTask(w http.ResponseWriter, r *http.Request, m *team.MemberView, status int, p *taskPage) {
	if isHTMX(r) {
		s.adminFragment(w, r, status, "task.html", "actions", p)
		return
	}
	s.adminPage(w, r, status, m, "task.html", p.Task.Title, p)
}

// openTaskIDs returns the ids of a customer's open tasks.
func (s *UI) openTaskIDs(ctx context.Context, email string) (map[int64]bool, error) {
	list, err := s.cfg.Team.Tasks(ctx, string(aftersale.TaskOpen), email)
	if err != nil {
		return nil, err
	}
	ids := map[int64]bool{}
	for _, t := range list {
		ids[t.ID] = true
	}
	return ids, nil
}

// adminTaskComplete completes a task with an outcome and an optional note,
// done by the member, and says what comes next: the engine makes a new
// call after no answer or a voicemail, and a personal email task after a
// wrong number.
func (s *UI) adminTaskComplete(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	ctx := r.Context()
	t, err := s.taskByID(ctx, r.PathValue("id"))
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	outcome, note := r.PostForm.Get("outcome"), strings.TrimSpace(r.PostForm.Get("note"))
	before, err := s.openTaskIDs(ctx, t.Customer)
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	done, err := s.cfg.Team.CompleteTask(ctx, t.ID, outcome, note, m.Email)
	if err != nil {
		if aftersale.ErrorCode(err) == aftersale.EINTERNAL {
			s.adminError(w, r, m, err)
			return
		}
		p := s.newTaskPage(ctx, t, m)
		p.Alert.Error, p.Field, p.Note = aftersale.ErrorMessage(err), errField(err), note
		s.showTask(w, r, m, web.StatusOf(aftersale.ErrorCode(err)), p)
		return
	}
	s.log.InfoContext(ctx, "admin completed a task", "member_id", m.ID, "task_id", t.ID, "outcome", outcome)
	done.Order = t.Order
	p := s.newTaskPage(ctx, done, m)
	p.Result = s.whatNext(ctx, t.Customer, t.ID, before)
	p.Result.Message = "Done: " + label(outcome) + "."
	s.showTask(w, r, m, http.StatusOK, p)
}

// whatNext lists the customer's open tasks that were not open before.
func (s *UI) whatNext(ctx context.Context, email string, done int64, before map[int64]bool) *taskResult {
	res := &taskResult{}
	list, err := s.cfg.Team.Tasks(ctx, string(aftersale.TaskOpen), email)
	if err != nil {
		s.log.WarnContext(ctx, "admin: list the next tasks", "task_id", done, "err", err)
		return res
	}
	for _, t := range list {
		if !before[t.ID] && t.ID != done {
			res.Next = append(res.Next, t)
		}
	}
	return res
}

// adminTaskSend sends the personal email of a task from the member; on an
// error the form is shown again with what was typed.
func (s *UI) adminTaskSend(w http.ResponseWriter, r *http.Request, m *team.MemberView) {
	ctx := r.Context()
	t, err := s.taskByID(ctx, r.PathValue("id"))
	if err != nil {
		s.adminError(w, r, m, err)
		return
	}
	subject, body := r.PostForm.Get("subject"), r.PostForm.Get("body")
	done, err := s.cfg.Team.SendPersonalEmail(ctx, m.ID, team.PersonalEmail{TaskID: t.ID, Subject: subject, Body: body})
	if err != nil {
		if aftersale.ErrorCode(err) == aftersale.EINTERNAL {
			s.log.ErrorContext(ctx, "admin: send a personal email", "task_id", t.ID, "member_id", m.ID, "err", err)
		}
		p := s.newTaskPage(ctx, t, m)
		if p.Email != nil {
			p.Email.Subject, p.Email.Body = subject, body
		}
		p.Alert.Error, p.Field = aftersale.ErrorMessage(err), errField(err)
		s.showTask(w, r, m, web.StatusOf(aftersale.ErrorCode(err)), p)
		return
	}
	s.log.InfoContext(ctx, "admin sent a personal email", "member_id", m.ID, "task_id", t.ID)
	done.Order = t.Order
	p := s.newTaskPage(ctx, done, m)
	p.Result = &taskResult{Message: fmt.Sprintf("Sent to %s from %s. The task is done.", address(t.Name, t.Customer), address(m.Name, m.Email))}
	s.showTask(w, r, m, http.StatusOK, p)
}
