package engine

import (
	"context"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// TestFormsRefuseControlCharacters: the admin's free-text forms go through
// the text rule: a NUL, a control character or a bidi override in a task's
// note or a personal email is refused naming the field (a member's name:
// package team's TestMemberNamesRefuseControlCharacters; a story: package
// insiders' TestStoryRefusesControlCharacters).
func TestFormsRefuseControlCharacters(t *testing.T) {
	h := startHarness(t, "sqlite", aftersale.NewManualClock(harnessStart()), nil, false)
	ctx := context.Background()
	field := func(what string, err error, want string) {
		t.Helper()
		e, ok := err.(*aftersale.Error)
		if !ok || e.Code != aftersale.EINVALID || e.Field != want {
			t.Errorf("%s: err %v, want EINVALID on %s", what, err, want)
		}
	}
	m := h.member(t, "sam@shop.example", `Sam "The Man`, aftersale.RoleAssistant)

	c, err := h.st.CustomerUpsert(ctx, &aftersale.Contact{Email: "ana@example.com", Name: "Ana"}, h.clock.RealNow())
	if err != nil {
		t.Fatal(err)
	}
	now := h.clock.RealNow()
	tk, err := h.st.TaskCreate(ctx, &aftersale.Task{CustomerID: c.ID, Kind: aftersale.TaskPersonalEmail, Title: "Write", Assignee: "assistant",
		Status: aftersale.TaskOpen, DueAt: now.Add(-time.Hour), CreatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.CompleteTask(ctx, tk.ID, "done", "called\x00", "")
	field("CompleteTask", err, "note")
	_, err = h.svc.SendPersonalEmail(ctx, m.ID, PersonalEmail{TaskID: tk.ID, Subject: "Hi\x1b", Body: "Hello"})
	field("SendPersonalEmail subject", err, "subject")
	_, err = h.svc.SendPersonalEmail(ctx, m.ID, PersonalEmail{TaskID: tk.ID, Subject: "Hi", Body: "Hello\x00"})
	field("SendPersonalEmail body", err, "body")
	if _, err := h.svc.CompleteTask(ctx, tk.ID, "done", "called,\r\n\tno answer", ""); err != nil {
		t.Errorf("a note with line breaks: %v", err)
	}
}
