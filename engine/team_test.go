package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
)

// TestTeamMembers adds members, logs them in, changes them, and makes the
// first admin once.
func TestTeamMembers(t *testing.T) {
	own := func(c *Config) {
		c.MemberMailer = func(u string, _ bool) (aftersale.Mailer, error) {
			if !strings.HasPrefix(u, "smtp://") {
				return nil, fmt.Errorf("%s is not an SMTP URL", u)
			}
			return &captured{}, nil
		}
	}
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		s := h.svc
		owner, err := s.AddMember(ctx, NewMember{Email: "Owner@Shop.example", Name: "Olga", Role: aftersale.RoleOwner, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []NewMember{
			{Email: "not an address", Role: aftersale.RoleOwner, Password: "correct horse battery"},
			{Email: "x@shop.example", Role: "boss", Password: "correct horse battery"},
			{Email: "x@shop.example", Role: aftersale.RoleAssistant, Password: "short"},
			{Email: "owner@shop.example", Role: aftersale.RoleAssistant, Password: "correct horse battery"},
		} {
			if _, err := s.AddMember(ctx, bad); err == nil {
				t.Errorf("AddMember(%+v) was taken", bad)
			}
		}
		if m, err := s.Authenticate(ctx, " owner@shop.example ", "correct horse battery"); err != nil || m.ID != owner.ID || m.Role != "owner" {
			t.Fatalf("Authenticate: %+v, %v", m, err)
		}
		for _, try := range [][2]string{{"owner@shop.example", "wrong horse battery"}, {"nobody@shop.example", "correct horse battery"}} {
			if _, err := s.Authenticate(ctx, try[0], try[1]); aftersale.ErrorCode(err) != aftersale.EUNAUTHORIZED {
				t.Errorf("Authenticate(%q, %q): %v, want unauthorized", try[0], try[1], err)
			}
		}
		if err := s.SetPassword(ctx, owner.ID, "short"); err == nil {
			t.Error("a short password was set")
		}
		if err := s.SetPassword(ctx, owner.ID, "another long secret"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "owner@shop.example", "correct horse battery"); err == nil {
			t.Error("the old password still works")
		}
		if _, err := s.Authenticate(ctx, "owner@shop.example", "another long secret"); err != nil {
			t.Errorf("the new password: %v", err)
		}
		if err := s.UpdateMember(ctx, owner.ID, "Olga O.", aftersale.RoleProgramManager, ""); aftersale.ErrorCode(err) != aftersale.ECONFLICT {
			t.Fatalf("demoting the only owner: %v, want ECONFLICT", err)
		}
		if _, err := s.AddMember(ctx, NewMember{Email: "second@shop.example", Name: "Sam", Role: aftersale.RoleOwner, Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateMember(ctx, owner.ID, "Olga O.", aftersale.RoleProgramManager, "smtp://olga:pw@mail.shop.example:587"); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateMember(ctx, owner.ID, "Olga O.", "boss", ""); err == nil {
			t.Error("an unknown role was set")
		}
		if err := s.UpdateMember(ctx, owner.ID, "Olga O.", aftersale.RoleOwner, "ftp://x"); err == nil {
			t.Error("a non-SMTP URL was set")
		}
		m, err := s.Member(ctx, owner.ID)
		if err != nil || m.Name != "Olga O." || m.Role != "program_manager" || !m.OwnSMTP {
			t.Fatalf("after UpdateMember: %+v, %v", m, err)
		}

		if err := s.EnsureFirstAdmin(ctx, "admin@shop.example", ""); err == nil {
			t.Error("a first admin without a password was taken")
		}
		if err := s.EnsureFirstAdmin(ctx, "", ""); err != nil {
			t.Error(err)
		}
		for range 2 {
			if err := s.EnsureFirstAdmin(ctx, "admin@shop.example", "first admin secret"); err != nil {
				t.Fatal(err)
			}
		}
		all, err := s.Members(ctx)
		if err != nil || len(all) != 3 {
			t.Fatalf("Members: %+v, %v; want Olga, Sam and the admin", all, err)
		}
		if _, err := s.Authenticate(ctx, "admin@shop.example", "first admin secret"); err != nil {
			t.Errorf("the first admin: %v", err)
		}
	}, own)
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
		a1, err := s.AddMember(ctx, NewMember{Email: "amy@shop.example", Name: "Amy", Role: aftersale.RoleAssistant, Password: "amy's long secret"})
		if err != nil {
			t.Fatal(err)
		}
		a2, err := s.AddMember(ctx, NewMember{Email: "ben@shop.example", Name: "Ben", Role: aftersale.RoleAssistant, Password: "ben's long secret"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddMember(ctx, NewMember{Email: "olga@shop.example", Name: "Olga", Role: aftersale.RoleOwner, Password: "olga's long secret"}); err != nil {
			t.Fatal(err)
		}
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
