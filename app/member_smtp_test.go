package app_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/app"
	"github.com/aftersale/aftersale/smtptest"
	"github.com/aftersale/aftersale/team"
)

// TestMemberSMTPOnLoopback: a member's own SMTP server on 127.0.0.1 (a real
// one) is refused, without a connection, until an owner allows private
// addresses; then the personal email goes through it. The install's own
// server (AFTERSALE_SMTP_URL, on loopback here too) is never refused. A
// closed port and an open port that does not speak SMTP give the member
// the same answer.
func TestMemberSMTPOnLoopback(t *testing.T) {
	t.Parallel()
	b := setup(t, 1, withTeam)
	svc, ctx := b.app.Service(), context.Background()
	st := svc.Store()
	own := smtptest.Start(t)
	ada, err := b.app.Team().AddMember(ctx, team.NewMember{Email: "ada@shop.example", Name: "Ada", Role: "assistant",
		Password: "long enough pw", SMTPURL: "smtp://" + own.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := b.app.Team().AddMember(ctx, team.NewMember{Email: "bob@shop.example", Name: "Bob", Role: "assistant", Password: "long enough pw"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	c, err := st.CustomerUpsert(ctx, &aftersale.Contact{Email: "pm@example.com", Name: "Pat"}, now)
	if err != nil {
		t.Fatal(err)
	}
	task := func() int64 {
		tk, err := st.TaskCreate(ctx, &aftersale.Task{CustomerID: c.ID, Kind: aftersale.TaskPersonalEmail, Title: "Write to Pat",
			Assignee: "assistant", Status: aftersale.TaskOpen, DueAt: now, CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		return tk.ID
	}
	send := func(memberID int64, subject string) error {
		_, err := b.app.Team().SendPersonalEmail(ctx, memberID, team.PersonalEmail{TaskID: task(), Subject: subject, Body: "Hi Pat"})
		return err
	}
	const uniform = "could not connect to the SMTP server"

	err = send(ada.ID, "Refused")
	if aftersale.ErrorCode(err) != aftersale.ECONFLICT || !strings.Contains(aftersale.ErrorMessage(err), uniform) {
		t.Fatalf("a member's server on 127.0.0.1: %v, want ECONFLICT %q", err, uniform)
	}
	if strings.Contains(aftersale.ErrorMessage(err), "127.0.0.1") {
		t.Errorf("the answer names the address: %v", err)
	}
	if n := own.Sessions(); n != 0 {
		t.Fatalf("the member's server on loopback was reached (%d sessions)", n)
	}
	// The install's server, on loopback too, is the operator's: not refused.
	if err := send(bob.ID, "Through the install"); err != nil {
		t.Fatalf("a personal email through the install's server on 127.0.0.1: %v", err)
	}
	findBySubject(t, b, "Through the install")

	allowed, err := b.app.Team().AllowPrivateSMTP(ctx)
	if err != nil || allowed {
		t.Fatalf("AllowPrivateSMTP before an owner set it: %v, %v; want off", allowed, err)
	}
	if err := b.app.Team().SetAllowPrivateSMTP(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := send(ada.ID, "Allowed now"); err != nil {
		t.Fatalf("a member's server on 127.0.0.1 once allowed: %v", err)
	}
	msgs, err := own.WaitFor(1, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := msgs[0].Header.Get("Subject"); got != "Allowed now" {
		t.Errorf("the member's server got %q", got)
	}

	// Allowed or not, the answer does not tell a closed port from an open
	// one that is not SMTP.
	closedAddr := smtptest.ClosedAddr(t)
	notSMTPAddr := smtptest.NotSMTP(t, "\x00\x00\x00\x08postgres?\r\n")
	var answers []string
	for _, allow := range []bool{true, false} {
		if err := b.app.Team().SetAllowPrivateSMTP(ctx, allow); err != nil {
			t.Fatal(err)
		}
		for _, addr := range []string{closedAddr, notSMTPAddr} {
			if err := b.app.Team().UpdateMember(ctx, ada.ID, "", "assistant", "smtp://"+addr); err != nil {
				t.Fatal(err)
			}
			err := send(ada.ID, "Probe")
			if err == nil {
				t.Fatalf("a personal email through %s was sent", addr)
			}
			answers = append(answers, aftersale.ErrorMessage(err))
		}
	}
	for _, a := range answers {
		if a != answers[0] || !strings.Contains(a, uniform) {
			t.Errorf("answers %q; want one and the same, saying %q", answers, uniform)
			break
		}
	}
}

// TestMemberSMTPAllowedPrivateNotMetadata: once an owner allows private
// addresses, a member's own SMTP server still may not be on a link-local
// or cloud metadata address (169.254.169.254, 100.100.100.200): the
// personal email is refused by the guard before any connection (the debug
// log says so), with the same answer as any failed connection, while a
// server on 127.0.0.1 is reached.
func TestMemberSMTPAllowedPrivateNotMetadata(t *testing.T) {
	t.Parallel()
	logs := &lockedLog{}
	b := setup(t, 1, withTeam, func(c *app.Config) {
		c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	svc, ctx := b.app.Service(), context.Background()
	st := svc.Store()
	own := smtptest.Start(t)
	ada, err := b.app.Team().AddMember(ctx, team.NewMember{Email: "ada@shop.example", Name: "Ada", Role: "assistant",
		Password: "long enough pw", SMTPURL: "smtp://" + own.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.app.Team().SetAllowPrivateSMTP(ctx, true); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	c, err := st.CustomerUpsert(ctx, &aftersale.Contact{Email: "pm@example.com", Name: "Pat"}, now)
	if err != nil {
		t.Fatal(err)
	}
	send := func(subject string) error {
		tk, err := st.TaskCreate(ctx, &aftersale.Task{CustomerID: c.ID, Kind: aftersale.TaskPersonalEmail, Title: "Write to Pat",
			Assignee: "assistant", Status: aftersale.TaskOpen, DueAt: now, CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.app.Team().SendPersonalEmail(ctx, ada.ID, team.PersonalEmail{TaskID: tk.ID, Subject: subject, Body: "Hi Pat"})
		return err
	}
	if err := send("Through loopback"); err != nil {
		t.Fatalf("a member's server on 127.0.0.1, private allowed: %v", err)
	}
	if _, err := own.WaitFor(1, 10*time.Second); err != nil {
		t.Fatal(err)
	}

	const uniform = "could not connect to the SMTP server"
	for _, addr := range []string{"169.254.169.254:25", "169.254.169.254:80", "169.254.10.20:25", "100.100.100.200:80"} {
		if err := b.app.Team().UpdateMember(ctx, ada.ID, "", "assistant", "smtp://"+addr); err != nil {
			t.Fatal(err)
		}
		before := strings.Count(logs.String(), "link-local or metadata address refused")
		err := send("Probe")
		if aftersale.ErrorCode(err) != aftersale.ECONFLICT || !strings.Contains(aftersale.ErrorMessage(err), uniform) {
			t.Fatalf("a member's server on %s, private allowed: %v, want ECONFLICT %q", addr, err, uniform)
		}
		if strings.Contains(aftersale.ErrorMessage(err), strings.Split(addr, ":")[0]) {
			t.Errorf("the answer names the address: %v", err)
		}
		if after := strings.Count(logs.String(), "link-local or metadata address refused"); after != before+1 {
			t.Errorf("a member's server on %s, private allowed, was not refused by the guard; log:\n%s", addr, logs.String())
		}
	}
}
