package team_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/internal/enginetest"
	"github.com/aftersale/aftersale/internal/enginetest/fixture"
	"github.com/aftersale/aftersale/team"
)

// retryJourney has two calls, the second due later than the first, and a
// follow-up that only a reached first call brings.
const retryJourney = `
id: retries
trigger: purchase
steps:
  - id: first-call
    type: task
    task: call
    due: 1h
    title: First call
  - id: second-call
    type: task
    task: call
    due: 4h
    title: Second call
  - id: follow-up
    type: task
    task: personal_email
    wait: 5d
    title: Follow up
    if: outcome("first-call") == "reached"
`

// TestRetriedCallCountsForItsStep: the first call goes unanswered twice and
// is reached on its second retry, which falls due after the second call.
// Each retry records the call it retries (Task.RetryOf), and the reached
// retry counts for the first call's step in the engine's conditions: the
// follow-up appears. The titles play no part.
func TestRetriedCallCountsForItsStep(t *testing.T) {
	onPipeline(t, func(t *testing.T, p *pipeline) {
		ctx := context.Background()
		const ana = "ana@example.com"
		p.Ingest(t, order("e1", ana, "1001", "digital"))
		calls := map[string]team.TaskView{}
		for _, tk := range p.tasks(t, "open", ana) {
			calls[tk.Title] = tk
		}
		first, second := calls["First call"], calls["Second call"]
		if first.ID == 0 || second.ID == 0 {
			t.Fatalf("open tasks %v: want the two calls", calls)
		}
		retryOf := func(failed int64, outcome string) *aftersale.Task {
			t.Helper()
			if _, err := p.team.CompleteTask(ctx, failed, outcome, "", "owner@shop.example"); err != nil {
				t.Fatal(err)
			}
			for _, tk := range p.tasks(t, "open", ana) {
				if tk.Kind == string(aftersale.TaskCall) && tk.ID != second.ID {
					stored, err := p.Store.TaskGet(ctx, tk.ID)
					if err != nil {
						t.Fatal(err)
					}
					if stored.RetryOf != failed || stored.StepID != 0 {
						t.Fatalf("retry %+v: RetryOf %d, step %d; want RetryOf %d, no step", tk, stored.RetryOf, stored.StepID, failed)
					}
					return stored
				}
			}
			t.Fatalf("no retry after %s", outcome)
			return nil
		}
		retry1 := retryOf(first.ID, "no_answer")
		retry2 := retryOf(retry1.ID, "voicemail")
		if !retry2.DueAt.After(second.DueAt) {
			t.Fatalf("the retry is due %v, not after the second call (%v)", retry2.DueAt, second.DueAt)
		}
		if _, err := p.team.CompleteTask(ctx, second.ID, "reached", "", "owner@shop.example"); err != nil {
			t.Fatal(err)
		}
		if _, err := p.team.CompleteTask(ctx, retry2.ID, "reached", "", "owner@shop.example"); err != nil {
			t.Fatal(err)
		}
		p.Days(t, 6)
		var follow []team.TaskView
		for _, tk := range p.tasks(t, "open", ana) {
			if tk.Kind == string(aftersale.TaskPersonalEmail) {
				follow = append(follow, tk)
			}
		}
		if len(follow) != 1 || follow[0].Title != "Follow up" {
			t.Errorf("open personal emails %+v: want the follow-up, since the first call was reached on a retry", follow)
		}
	}, journeys(t, retryJourney))
}

// TestCallOutcomeRetries: the built-in journey's call refuses an unknown
// outcome; unanswered, it is tried again later ("Call again: ..."); a
// wrong number becomes a personal email task with a draft, due at once;
// reached, it leaves no open call.
func TestCallOutcomeRetries(t *testing.T) {
	onPipeline(t, func(t *testing.T, p *pipeline) {
		ctx := context.Background()
		const ana = "ana@example.com"
		p.Ingest(t, order("e1", ana, "1001", "digital"))
		p.Days(t, 1)
		openCall := func() *team.TaskView {
			t.Helper()
			for _, tk := range p.tasks(t, "open", ana) {
				if tk.Kind == string(aftersale.TaskCall) {
					return &tk
				}
			}
			return nil
		}
		call := openCall()
		if call == nil || !strings.Contains(call.Title, "Ana") || call.Phone == "" {
			t.Fatalf("call task %+v: want Ana's, with her phone", call)
		}
		if _, err := p.team.CompleteTask(ctx, call.ID, "made up", "", "me"); aftersale.ErrorCode(err) != aftersale.EINVALID {
			t.Errorf("an unknown outcome: %v, want EINVALID", err)
		}
		done, err := p.team.CompleteTask(ctx, call.ID, "no_answer", "rang twice", "owner@shop.example")
		if err != nil || done.Status != string(aftersale.TaskDone) || done.Outcome != "no_answer" || done.Note != "rang twice" || done.CompletedAt == nil {
			t.Fatalf("CompleteTask: %+v, %v", done, err)
		}
		if _, err := p.team.CompleteTask(ctx, call.ID, "reached", "", ""); aftersale.ErrorCode(err) != aftersale.ECONFLICT {
			t.Errorf("a done call completed again: %v, want ECONFLICT", err)
		}
		retry := openCall()
		if retry == nil || retry.Title != "Call again: "+call.Title || !retry.DueAt.After(p.Clock.RealNow()) {
			t.Fatalf("after no answer: retry %+v, want a later call", retry)
		}
		if _, err := p.team.CompleteTask(ctx, retry.ID, "wrong_number", "", "owner@shop.example"); err != nil {
			t.Fatal(err)
		}
		var email *team.TaskView
		for _, tk := range p.tasks(t, "open", ana) {
			if strings.HasPrefix(tk.Title, "Email Ana instead") {
				email = &tk
			}
		}
		if email == nil || email.Kind != string(aftersale.TaskPersonalEmail) || !strings.Contains(email.Draft, "Hi Ana") || email.DueAt.After(p.Clock.RealNow()) {
			t.Fatalf("after a wrong number: %+v, want a personal email with a draft, due now", email)
		}
		if c := openCall(); c != nil {
			t.Errorf("a wrong number left an open call: %+v", c)
		}
		if _, err := p.team.CompleteTask(ctx, email.ID, "reached", "", ""); aftersale.ErrorCode(err) != aftersale.EINVALID {
			t.Errorf("a call's outcome on a personal email: %v, want EINVALID", err)
		}
	})
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
// purchases go one to each, and the next task to whoever did the first; a
// task left open past its due time is overdue and its assignee gets one
// digest; a personal email from a task is plain text from the member,
// threaded to the last email, and completes the task.
func TestTeamTasks(t *testing.T) {
	onPipeline(t, func(t *testing.T, p *pipeline) {
		ctx := context.Background()
		s := p.team
		a1 := p.member(t, "amy@shop.example", "Amy", aftersale.RoleAssistant)
		a2 := p.member(t, "ben@shop.example", "Ben", aftersale.RoleAssistant)
		p.member(t, "olga@shop.example", "Olga", aftersale.RoleOwner)
		p.Ingest(t, order("e1", "ana@example.com", "1001", "digital"))
		p.Ingest(t, order("e2", "bo@example.com", "1002", "digital"))
		load := map[string]int{}
		open := p.tasks(t, "open", "")
		for _, tk := range open {
			load[tk.Assignee]++
			if !team.AssignedTo(tk, tk.Assignee, "") || team.AssignedTo(tk, "olga@shop.example", string(aftersale.RoleOwner)) {
				t.Errorf("AssignedTo of %+v", tk)
			}
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
		p.Days(t, 3)
		overdue := 0
		for _, tk := range p.tasks(t, "open", "") {
			if s.Overdue(tk) {
				overdue++
			}
		}
		if overdue == 0 {
			t.Fatal("nothing overdue after three days")
		}
		n, err := s.SendOverdueDigests(ctx)
		if err != nil || n != 2 {
			t.Fatalf("digests: %d, %v; want Amy's and Ben's", n, err)
		}
		if got := p.Mail.Templates("amy@shop.example"); len(got) != 1 || got[0] != "overdue_digest" {
			t.Errorf("Amy got %v, want one digest", got)
		}
		if got := p.Mail.Templates("olga@shop.example"); len(got) != 0 {
			t.Errorf("Olga, with nothing overdue, got %v", got)
		}
		if d := p.Mail.LastTo("amy@shop.example", "overdue_digest"); d == nil || !strings.Contains(d.Text, "https://after.example/admin/tasks/") || d.From.Email != "hello@shop.example" {
			t.Errorf("Amy's digest: %+v", d)
		}

		// Amy writes Ana the personal email of her task.
		var task team.TaskView
		for _, tk := range p.tasks(t, "open", "ana@example.com") {
			if tk.Kind == string(aftersale.TaskPersonalEmail) {
				task = tk
			}
		}
		if task.ID == 0 || task.Draft == "" {
			t.Fatalf("no personal email task with a draft for Ana: %+v", p.tasks(t, "open", "ana@example.com"))
		}
		member := a1.ID
		if task.Assignee == "ben@shop.example" {
			member = a2.ID
		}
		if _, err := s.SendPersonalEmail(ctx, member, team.PersonalEmail{TaskID: task.ID, Subject: "", Body: "x"}); aftersale.ErrorCode(err) != aftersale.EINVALID {
			t.Errorf("a personal email without a subject: %v, want EINVALID", err)
		}
		before := len(p.Mail.Messages())
		done, err := s.SendPersonalEmail(ctx, member, team.PersonalEmail{TaskID: task.ID, Subject: "Welcome, Ana", Body: "Hi Ana,\nglad you are here."})
		if err != nil || done.Status != string(aftersale.TaskDone) || done.Outcome != "sent" {
			t.Fatalf("SendPersonalEmail: %+v, %v", done, err)
		}
		e := p.Mail.Messages()[before]
		// Ana got no email before this one (the journey has only tasks):
		// nothing to reply to.
		if e.From.Email != task.Assignee || e.ReturnPath != task.Assignee || e.To.Email != "ana@example.com" || e.HTML != "" ||
			!strings.Contains(e.Text, "glad you are here") || fixture.Header(e, "List-Unsubscribe") != "" || fixture.Header(e, "In-Reply-To") != "" {
			t.Errorf("personal email from %s to %s, html %q, headers %v", e.From.Email, e.To.Email, e.HTML, e.Headers)
		}
		if _, err := s.SendPersonalEmail(ctx, member, team.PersonalEmail{TaskID: task.ID, Subject: "Again", Body: "x"}); aftersale.ErrorCode(err) != aftersale.ECONFLICT {
			t.Errorf("a second email for a done task: %v, want a conflict", err)
		}
		if !has(p.Sent(t, "ana@example.com"), "personal_email") {
			t.Errorf("the personal email is not recorded: %v", p.Sent(t, "ana@example.com"))
		}

		// The call after it goes to whoever served Ana.
		p.Days(t, 2)
		var call *team.TaskView
		for _, tk := range p.tasks(t, "open", "ana@example.com") {
			if tk.Kind == string(aftersale.TaskCall) {
				call = &tk
			}
		}
		if call == nil || call.Assignee != task.Assignee || call.Title != "Call Ana" {
			t.Errorf("the served call: %+v, want it for %s", call, task.Assignee)
		}
	}, journeys(t, assignJourney))
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestFormsRefuseControlCharacters: the team's free-text task forms go
// through the text rule: a NUL, a control character or a bidi override in
// a task's note or a personal email is refused naming the field (a
// member's name: TestMemberNamesRefuseControlCharacters; a story: package
// insiders' TestStoryRefusesControlCharacters).
func TestFormsRefuseControlCharacters(t *testing.T) {
	onPipeline(t, func(t *testing.T, p *pipeline) {
		ctx, s, st := context.Background(), p.team, p.Store
		field := func(what string, err error, want string) {
			t.Helper()
			e, ok := err.(*aftersale.Error)
			if !ok || e.Code != aftersale.EINVALID || e.Field != want {
				t.Errorf("%s: err %v, want EINVALID on %s", what, err, want)
			}
		}
		m := add(t, s, team.NewMember{Email: "sam@shop.example", Name: `Sam "The Man`, Role: aftersale.RoleAssistant, Password: "long enough pw"})
		now := p.Clock.RealNow()
		c, err := st.CustomerUpsert(ctx, &aftersale.Contact{Email: "ana@example.com", Name: "Ana"}, now)
		if err != nil {
			t.Fatal(err)
		}
		tk, err := st.TaskCreate(ctx, &aftersale.Task{CustomerID: c.ID, Kind: aftersale.TaskPersonalEmail, Title: "Write", Assignee: "assistant",
			Status: aftersale.TaskOpen, DueAt: now.Add(-time.Hour), CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.CompleteTask(ctx, tk.ID, "done", "called\x00", "")
		field("CompleteTask", err, "note")
		_, err = s.SendPersonalEmail(ctx, m.ID, team.PersonalEmail{TaskID: tk.ID, Subject: "Hi\x1b", Body: "Hello"})
		field("SendPersonalEmail subject", err, "subject")
		_, err = s.SendPersonalEmail(ctx, m.ID, team.PersonalEmail{TaskID: tk.ID, Subject: "Hi", Body: "Hello\x00"})
		field("SendPersonalEmail body", err, "body")
		if _, err := s.CompleteTask(ctx, tk.ID, "done", "called,\r\n\tno answer", ""); err != nil {
			t.Errorf("a note with line breaks: %v", err)
		}
	}, enginetest.Stopped())
}
