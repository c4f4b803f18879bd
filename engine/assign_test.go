package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// member stores a team member as package team would (the engine reads
// members from the store, for assignment and digests, and does not add
// them), with a hash that no password matches.
func (h *harness) member(t *testing.T, email, name string, role aftersale.Role) *aftersale.Member {
	t.Helper()
	m, err := h.st.MemberCreate(context.Background(), &aftersale.Member{
		Email: email, Name: name, Role: role, PasswordHash: "not a hash", CreatedAt: h.clock.RealNow(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// assignJourney gives one task round-robin to an assistant, and after it
// is done another to whoever served the customer.
const assignJourney = `
id: assign
trigger: purchase
steps:
  - id: welcome
    type: task
    task: personal_email
    due: 1bd
    assignee: round_robin
    title: Welcome {{.Buyer.FirstName}}
    draft: Hi {{.Buyer.FirstName}}
  - id: again
    type: task
    task: call
    wait: 5d
    assignee: served
    title: Call {{.Buyer.FirstName}}
`

// TestTeamTasks: with two assistants on the team, round-robin tasks of two
// purchases go one to each, and the next task to whoever did the first; a task left open past its due time
// is overdue and its assignee gets one digest; a personal email from a
// task is plain text from the member, threaded to the last email, and
// completes the task.
func TestTeamTasks(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		s := h.svc
		a1 := h.member(t, "amy@shop.example", "Amy", aftersale.RoleAssistant)
		a2 := h.member(t, "ben@shop.example", "Ben", aftersale.RoleAssistant)
		h.member(t, "olga@shop.example", "Olga", aftersale.RoleOwner)
		h.ingest(t, order("e1", "ana@example.com", "1001", "digital"))
		h.ingest(t, order("e2", "bo@example.com", "1002", "digital"))
		load := map[string]int{}
		open := h.tasks(t, "open", "")
		for _, tk := range open {
			load[tk.Assignee]++
		}
		if len(open) != 2 || load["amy@shop.example"] != 1 || load["ben@shop.example"] != 1 {
			t.Errorf("tasks by assignee %v: want one each for Amy and Ben", load)
		}
		for _, tk := range open {
			if s.Overdue(tk) {
				t.Errorf("task %q overdue at once", tk.Title)
			}
		}
		if n, err := s.SendOverdueDigests(ctx); err != nil || n != 0 {
			t.Errorf("digests with nothing overdue: %d, %v", n, err)
		}

		// Three days on, the first tasks are overdue.
		h.days(t, 3)
		overdue := 0
		for _, tk := range h.tasks(t, "open", "") {
			if s.Overdue(tk) {
				overdue++
			}
		}
		if overdue == 0 {
			t.Fatal("nothing overdue after three days")
		}
		n, err := s.SendOverdueDigests(ctx)
		if err != nil || n == 0 {
			t.Fatalf("digests: %d, %v", n, err)
		}
		if got := h.mail.templates("amy@shop.example"); len(got) != 1 || got[0] != "overdue_digest" {
			t.Errorf("Amy got %v, want one digest", got)
		}

		// Amy writes Ana the personal email of her task.
		var task TaskView
		for _, tk := range h.tasks(t, "open", "ana@example.com") {
			if tk.Kind == string(aftersale.TaskPersonalEmail) {
				task = tk
			}
		}
		if task.ID == 0 || task.Draft == "" {
			t.Fatalf("no personal email task with a draft for Ana: %+v", h.tasks(t, "open", "ana@example.com"))
		}
		member := a1.ID
		if task.Assignee == "ben@shop.example" {
			member = a2.ID
		}
		if _, err := s.SendPersonalEmail(ctx, member, PersonalEmail{TaskID: task.ID, Subject: "", Body: "x"}); err == nil {
			t.Error("a personal email without a subject was sent")
		}
		before := len(h.mail.msgs)
		done, err := s.SendPersonalEmail(ctx, member, PersonalEmail{TaskID: task.ID, Subject: "Welcome, Ana", Body: "Hi Ana,\nglad you are here."})
		if err != nil || done.Status != string(aftersale.TaskDone) || done.Outcome != "sent" {
			t.Fatalf("SendPersonalEmail: %+v, %v", done, err)
		}
		h.mail.mu.Lock()
		e := h.mail.msgs[before]
		h.mail.mu.Unlock()
		inReplyTo := ""
		for _, hd := range e.Headers {
			if hd.Name == "In-Reply-To" {
				inReplyTo = hd.Value
			}
			if hd.Name == "List-Unsubscribe" {
				t.Error("a personal email carries List-Unsubscribe")
			}
		}
		// Ana got no email before this one: nothing to reply to.
		if e.From.Email != task.Assignee || e.ReturnPath != task.Assignee || e.To.Email != "ana@example.com" || e.HTML != "" || !strings.Contains(e.Text, "glad you are here") || inReplyTo != "" {
			t.Errorf("personal email from %s to %s, html %q, In-Reply-To %q", e.From.Email, e.To.Email, e.HTML, inReplyTo)
		}
		if _, err := s.SendPersonalEmail(ctx, member, PersonalEmail{TaskID: task.ID, Subject: "Again", Body: "x"}); aftersale.ErrorCode(err) != aftersale.ECONFLICT {
			t.Errorf("a second email for a done task: %v, want a conflict", err)
		}
		if !has(h.sent(t, "ana@example.com"), "personal_email") {
			t.Errorf("the personal email is not recorded: %v", h.sent(t, "ana@example.com"))
		}
		recent, err := s.RecentMessages(ctx, 5)
		if err != nil || len(recent) == 0 {
			t.Errorf("RecentMessages: %v, %v", recent, err)
		}

		// The call after it goes to whoever served Ana.
		h.days(t, 2)
		var call *TaskView
		for _, tk := range h.tasks(t, "open", "ana@example.com") {
			if tk.Kind == string(aftersale.TaskCall) {
				call = &tk
			}
		}
		if call == nil || call.Assignee != task.Assignee || call.Title != "Call Ana" {
			t.Errorf("the served call: %+v, want it for %s", call, task.Assignee)
		}
	}, withJourneys(t, assignJourney))
}

// TestRoundRobinSkipsDeactivated: the round robin of a role gives no task
// to a deactivated member (the role's queue gets it when no one else is
// there) and gives them tasks again once they are active, on both
// databases.
func TestRoundRobinSkipsDeactivated(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		s := h.svc
		ada := h.member(t, "ada@shop.example", "Ada", aftersale.RoleAssistant)
		if got, err := s.assign(ctx, "round_robin:assistant", nil); err != nil || got != "ada@shop.example" {
			t.Fatalf("round robin with one active assistant: %q, %v", got, err)
		}
		ada.DeactivatedAt = h.clock.RealNow()
		if err := h.st.MemberUpdate(ctx, ada); err != nil {
			t.Fatal(err)
		}
		if got, err := s.assign(ctx, "round_robin:assistant", nil); err != nil || got != "assistant" {
			t.Errorf("round robin with only a deactivated assistant: %q, %v; want the role's queue", got, err)
		}
		ada.DeactivatedAt = time.Time{}
		if err := h.st.MemberUpdate(ctx, ada); err != nil {
			t.Fatal(err)
		}
		if got, err := s.assign(ctx, "round_robin:assistant", nil); err != nil || got != "ada@shop.example" {
			t.Errorf("round robin with a reactivated assistant: %q, %v", got, err)
		}
	})
}
