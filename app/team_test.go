package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/app"
	"github.com/aftersale/aftersale/auth"
	"github.com/aftersale/aftersale/smtptest"
	"github.com/aftersale/aftersale/team"
)

var fastHash = &auth.Params{Memory: 64, Time: 1, Threads: 1}

func withTeam(c *app.Config) {
	c.AdminEmail, c.AdminPassword, c.PasswordParams = "owner@shop.example", "owner password 1", fastHash
}

func TestFirstAdminAndLogin(t *testing.T) {
	t.Parallel()
	b := setup(t, 1, withTeam)
	tm, ctx := b.app.Team(), context.Background()
	m, err := tm.Authenticate(ctx, "Owner@Shop.example", "owner password 1")
	if err != nil || m.Role != "owner" {
		t.Fatalf("first admin login: %+v %v", m, err)
	}
	_, err1 := tm.Authenticate(ctx, "owner@shop.example", "wrong password!")
	_, err2 := tm.Authenticate(ctx, "nobody@shop.example", "owner password 1")
	if aftersale.ErrorCode(err1) != aftersale.EUNAUTHORIZED || aftersale.ErrorMessage(err1) != aftersale.ErrorMessage(err2) {
		t.Errorf("wrong password: %v; unknown email: %v; want the same EUNAUTHORIZED answer", err1, err2)
	}
	// Starting again with the same settings keeps the member as it is.
	if err := tm.EnsureFirstAdmin(ctx, "owner@shop.example", "another password"); err != nil {
		t.Fatal(err)
	}
	if _, err := tm.Authenticate(ctx, "owner@shop.example", "owner password 1"); err != nil {
		t.Errorf("the first admin's password changed on a restart: %v", err)
	}
	if err := tm.EnsureFirstAdmin(ctx, "x@shop.example", ""); err == nil {
		t.Error("an admin email without a password was accepted")
	}
	for _, bad := range []team.NewMember{
		{Email: "not an email", Role: "assistant", Password: "long enough pw"},
		{Email: "a@shop.example", Role: "boss", Password: "long enough pw"},
		{Email: "a@shop.example", Role: "assistant", Password: "short"},
	} {
		if _, err := tm.AddMember(ctx, bad); aftersale.ErrorCode(err) != aftersale.EINVALID {
			t.Errorf("AddMember(%+v) = %v, want EINVALID", bad, err)
		}
	}
	if _, err := tm.AddMember(ctx, team.NewMember{Email: "OWNER@shop.example", Role: "assistant", Password: "long enough pw"}); aftersale.ErrorCode(err) != aftersale.ECONFLICT {
		t.Errorf("a second member with the owner's email: %v, want ECONFLICT", err)
	}
}

func TestCallOutcomesAndAssignment(t *testing.T) {
	t.Parallel()
	b := setupClock(t, withTeam)
	ctx := context.Background()
	asst1, err := b.app.Team().AddMember(ctx, team.NewMember{Email: "a1@shop.example", Name: "Ada", Role: "assistant", Password: "long enough pw"})
	if err != nil {
		t.Fatal(err)
	}
	if code, body := b.post(t, b.orderEvent("evt_call", "cal@example.com", "C-1", "coaching", "")); code != 202 {
		t.Fatalf("post: %d %v", code, body)
	}
	call := b.dayTask(t, "cal@example.com", aftersale.TaskCall, nil, 5)
	if call.Script == "" || call.Phone == "" {
		t.Errorf("call task without script or phone: %+v", call)
	}
	// The built-in journey gives calls to the assistants' queue: Ada's.
	if !team.AssignedTo(call, asst1.Email, asst1.Role) {
		t.Errorf("call assigned to %q; want the assistant role or Ada", call.Assignee)
	}
	// No answer, an hour into the day: a new call later, a business day
	// after this one.
	b.advance(t, time.Hour)
	if _, err := b.app.Team().CompleteTask(ctx, call.ID, "no_answer", "", asst1.Email); err != nil {
		t.Fatal(err)
	}
	again := b.dayTask(t, "cal@example.com", aftersale.TaskCall, map[int64]bool{call.ID: true}, 5)
	if !again.DueAt.After(call.DueAt) || !strings.HasPrefix(again.Title, "Call again") {
		t.Errorf("retry %+v after %v", again, call.DueAt)
	}
	// Wrong number: a personal email task instead, with a draft.
	if _, err := b.app.Team().CompleteTask(ctx, again.ID, "wrong_number", "", asst1.Email); err != nil {
		t.Fatal(err)
	}
	var pe team.TaskView
	tasks, _ := b.app.Team().Tasks(ctx, "open", "cal@example.com")
	for _, tk := range tasks {
		if tk.Kind == "personal_email" && strings.Contains(tk.Title, "phone number is wrong") {
			pe = tk
		}
	}
	if pe.ID == 0 || !strings.Contains(pe.Draft, "number") {
		t.Fatalf("no personal email task after a wrong number: %+v", tasks)
	}
	done, _ := b.app.Team().Tasks(ctx, "done", "cal@example.com")
	for _, tk := range done {
		if tk.ID == call.ID && tk.Outcome != "no_answer" {
			t.Errorf("outcome %q", tk.Outcome)
		}
	}
	if _, err := b.app.Team().CompleteTask(ctx, call.ID, "reached", "", ""); aftersale.ErrorCode(err) != aftersale.ECONFLICT {
		t.Errorf("completing a done task again: %v, want ECONFLICT", err)
	}
	if _, err := b.app.Team().CompleteTask(ctx, pe.ID, "reached", "", ""); aftersale.ErrorCode(err) != aftersale.EINVALID {
		t.Errorf("a call outcome on a personal email task: %v, want EINVALID", err)
	}
}

func TestPersonalEmailIsPlainFromTheMember(t *testing.T) {
	t.Parallel()
	b := setupClock(t, withTeam)
	ctx := context.Background()
	m, err := b.app.Team().AddMember(ctx, team.NewMember{Email: "ada@shop.example", Name: "Ada Lovelace", Role: "assistant", Password: "long enough pw"})
	if err != nil {
		t.Fatal(err)
	}
	if code, body := b.post(t, b.orderEvent("evt_pe", "pe@example.com", "P-1", "digital", "")); code != 202 {
		t.Fatalf("post: %d %v", code, body)
	}
	b.settle(t)
	first := b.waitTemplate(t, "pe@example.com", "thank_you", hangGuard)
	task := b.dayTask(t, "pe@example.com", aftersale.TaskPersonalEmail, nil, 5)
	if task.Draft == "" {
		t.Errorf("personal email task without a draft: %+v", task)
	}
	if _, err := b.app.Team().SendPersonalEmail(ctx, m.ID, team.PersonalEmail{TaskID: task.ID, Subject: "", Body: "x"}); aftersale.ErrorCode(err) != aftersale.EINVALID {
		t.Errorf("no subject: %v", err)
	}
	done, err := b.app.Team().SendPersonalEmail(ctx, m.ID, team.PersonalEmail{TaskID: task.ID, Subject: "Welcome, Ana", Body: task.Draft + "\nAda"})
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != "done" || done.Outcome != "sent" {
		t.Errorf("task after sending: %+v", done)
	}
	personal := findBySubject(t, b, "Welcome, Ana")
	h := personal.Header
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want a single text/plain part", ct)
	}
	if from := h.Get("From"); !strings.Contains(from, "ada@shop.example") || !strings.Contains(from, "Ada Lovelace") {
		t.Errorf("From %q, want the member", from)
	}
	if h.Get("List-Unsubscribe") != "" || h.Get("List-Unsubscribe-Post") != "" {
		t.Error("a personal email carries unsubscribe headers")
	}
	// Threaded: a reply to an email the customer got from us before.
	earlier := map[string]bool{first.Header.Get("Message-Id"): true}
	for _, m := range b.smtp.Messages() {
		if m.To[0] == "pe@example.com" && m != personal {
			earlier[m.Header.Get("Message-Id")] = true
		}
	}
	if irt := h.Get("In-Reply-To"); !earlier[irt] || h.Get("References") != irt {
		t.Errorf("In-Reply-To %q / References %q do not thread to an earlier email", irt, h.Get("References"))
	}
	if strings.Contains(strings.ToLower(personal.Text()), "<img") || strings.Contains(personal.Text(), "unsubscribe") {
		t.Errorf("tracking or footer in a personal email:\n%s", personal.Text())
	}
	if personal.From != "ada@shop.example" {
		t.Errorf("envelope sender %q, want the member", personal.From)
	}
	// Sent once: the task is done now.
	if _, err := b.app.Team().SendPersonalEmail(ctx, m.ID, team.PersonalEmail{TaskID: task.ID, Subject: "Again", Body: "x"}); aftersale.ErrorCode(err) != aftersale.ECONFLICT {
		t.Errorf("sending for a done task: %v, want ECONFLICT", err)
	}
}

// findBySubject waits for the message with the subject.
func findBySubject(t *testing.T, b *bundle, subject string) *smtptest.Received {
	t.Helper()
	deadline := time.Now().Add(hangGuard)
	for {
		for _, m := range b.smtp.Messages() {
			if m.Header.Get("Subject") == subject {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message with the subject %q within %v", subject, hangGuard)
		}
		b.smtp.WaitFor(len(b.smtp.Messages())+1, time.Until(deadline))
	}
}

// TestRoundRobinAndServedAssignment runs a journey whose first call goes
// round-robin to the assistants and whose follow-up goes to the member who
// served the order; an outcome steers a later step.
func TestRoundRobinAndServedAssignment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	yaml := `id: team
trigger: purchase
steps:
  - id: intro-call
    type: task
    task: call
    assignee: round_robin:assistant
    script: Say hello.
  - id: follow-up
    type: task
    task: personal_email
    wait: 30d
    assignee: served
    if: outcome("intro-call") == "reached"
`
	if err := os.WriteFile(filepath.Join(dir, "team.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	b := setupClock(t, withTeam, func(c *app.Config) { c.Journeys = dir })
	ctx := context.Background()
	var asst []*team.MemberView
	for _, e := range []string{"r1@shop.example", "r2@shop.example"} {
		m, err := b.app.Team().AddMember(ctx, team.NewMember{Email: e, Role: "assistant", Password: "long enough pw"})
		if err != nil {
			t.Fatal(err)
		}
		asst = append(asst, m)
	}
	got := map[string]int{}
	var calls []team.TaskView
	for i, c := range []string{"rr1@example.com", "rr2@example.com"} {
		if code, body := b.post(t, b.orderEvent("evt_rr"+c, c, "RR-"+c, "digital", "")); code != 202 {
			t.Fatalf("post: %d %v", code, body)
		}
		call := b.dayTask(t, c, aftersale.TaskCall, nil, 0)
		got[call.Assignee]++
		calls = append(calls, call)
		_ = i
	}
	if got["r1@shop.example"] != 1 || got["r2@shop.example"] != 1 {
		t.Errorf("round robin gave the calls to %v, want one each", got)
	}
	// The second assistant reaches the first customer: the follow-up is theirs.
	if _, err := b.app.Team().CompleteTask(ctx, calls[0].ID, "reached", "", asst[1].Email); err != nil {
		t.Fatal(err)
	}
	follow := b.dayTask(t, "rr1@example.com", aftersale.TaskPersonalEmail, nil, 31)
	if follow.Assignee != asst[1].Email {
		t.Errorf("served follow-up assigned to %q, want %q", follow.Assignee, asst[1].Email)
	}
	// The second customer was not reached: no follow-up (the condition).
	if _, err := b.app.Team().CompleteTask(ctx, calls[1].ID, "voicemail", "", asst[0].Email); err != nil {
		t.Fatal(err)
	}
	b.days(t, 31) // the follow-up's 30 days pass
	tasks, _ := b.app.Team().Tasks(ctx, "", "rr2@example.com")
	for _, tk := range tasks {
		if tk.Kind == "personal_email" {
			t.Errorf("a follow-up for a customer not reached: %+v", tk)
		}
	}
}

func TestOverdueDigest(t *testing.T) {
	t.Parallel()
	b := setupClock(t, withTeam)
	ctx := context.Background()
	if _, err := b.app.Team().AddMember(ctx, team.NewMember{Email: "late@shop.example", Name: "Lee", Role: "assistant", Password: "long enough pw"}); err != nil {
		t.Fatal(err)
	}
	if code, body := b.post(t, b.orderEvent("evt_dig", "dig@example.com", "D-1", "coaching", "")); code != 202 {
		t.Fatalf("post: %d %v", code, body)
	}
	task := b.dayTask(t, "dig@example.com", aftersale.TaskCall, nil, 5)
	// Overdue a business day after it is due.
	b.daysUntil(t, 5, "the call task overdue", func() bool {
		task = b.dayTask(t, "dig@example.com", aftersale.TaskCall, nil, 0)
		return b.app.Team().Overdue(task)
	})
	n, err := b.app.Team().SendOverdueDigests(ctx)
	if err != nil || n < 1 {
		t.Fatalf("SendOverdueDigests = %d, %v", n, err)
	}
	d := findBySubject(t, b, strings.TrimSpace(findDigestSubject(t, b, "late@shop.example")))
	if !strings.Contains(d.Text(), "/admin/tasks/") || !strings.Contains(d.Text(), "dig@example.com") {
		t.Errorf("digest:\n%s", d.Text())
	}
}

// findDigestSubject returns the subject of the overdue digest to the member.
func findDigestSubject(t *testing.T, b *bundle, to string) string {
	t.Helper()
	return b.waitTemplate(t, to, "overdue_digest", hangGuard).Header.Get("Subject")
}

// TestRoundRobinWithinAJob imports eight orders at once, so that their
// at-once round-robin calls are planned together and run in one job: each
// call is created (and counted as open) before the next is assigned, so
// the two assistants get four each.
func TestRoundRobinWithinAJob(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	yaml := `id: team
trigger: purchase
steps:
  - id: intro-call
    type: task
    task: call
    assignee: round_robin:assistant
    script: Say hello.
`
	if err := os.WriteFile(filepath.Join(dir, "team.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	b := setupClock(t, withTeam, func(c *app.Config) { c.Journeys = dir })
	svc, ctx := b.app.Service(), context.Background()
	for _, e := range []string{"j1@shop.example", "j2@shop.example"} {
		if _, err := b.app.Team().AddMember(ctx, team.NewMember{Email: e, Role: "assistant", Password: "long enough pw"}); err != nil {
			t.Fatal(err)
		}
	}
	var evs []*aftersale.Event
	for i := range 8 {
		c := fmt.Sprintf("job%d@example.com", i)
		ev, err := aftersale.DecodeEvent([]byte(b.orderEvent("evt_job"+c, c, "JOB-"+c, "digital", "")))
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	if _, err := svc.Import(ctx, evs, nil); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for i := range 8 {
		call := b.dayTask(t, fmt.Sprintf("job%d@example.com", i), aftersale.TaskCall, nil, 0)
		got[call.Assignee]++
	}
	if got["j1@shop.example"] != 4 || got["j2@shop.example"] != 4 {
		t.Errorf("round robin gave the calls to %v, want four each", got)
	}
}
