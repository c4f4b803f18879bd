package engine

import (
	"context"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// TestFormsRefuseControlCharacters: the admin's free-text forms go through
// the text rule: a NUL, a control character or a bidi override in a
// member's name, a task's note, a personal email or a story is refused
// naming the field, and a name with an odd quote is taken.
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
	_, err := h.svc.AddMember(ctx, NewMember{Email: "sam@shop.example", Name: "Sam\x00", Role: aftersale.RoleAssistant, Password: "correct horse battery"})
	field("AddMember NUL", err, "name")
	_, err = h.svc.AddMember(ctx, NewMember{Email: "sam@shop.example", Name: "Sam\u202E", Role: aftersale.RoleAssistant, Password: "correct horse battery"})
	field("AddMember RLO", err, "name")
	m, err := h.svc.AddMember(ctx, NewMember{Email: "sam@shop.example", Name: `Sam "The Man`, Role: aftersale.RoleAssistant, Password: "correct horse battery"})
	if err != nil || m.Name != `Sam "The Man` {
		t.Fatalf("AddMember with an odd quote: %+v, %v", m, err)
	}
	field("UpdateMember", h.svc.UpdateMember(ctx, m.ID, "Sam\r\nX", aftersale.RoleAssistant, ""), "name")

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
	field("story", StoryInput{Title: "How\x00", Body: "x"}.Validate(), "title")
}
