package team_test

import (
	"context"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/internal/enginetest"
	"github.com/aftersale/aftersale/smtp"
	"github.com/aftersale/aftersale/smtptest"
	"github.com/aftersale/aftersale/team"
)

// TestPersonalEmailQuotedNames: a member named Jo "JJ" O"Neil (a quote in
// the name made every personal email fail) writes to O"Brien through a
// real SMTP server that checks the headers strictly; the email arrives
// with both names as written.
func TestPersonalEmailQuotedNames(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithStrictHeaders())
	mailer, err := smtp.New(srv.URL(), smtp.WithHELO("test.aftersale.example"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mailer.Close() })
	p := withPipeline(t, "sqlite", enginetest.WithMailer(mailer), journeys(t, assignJourney))
	ctx := context.Background()
	jo := p.member(t, "jo@shop.example", `Jo "JJ" O"Neil`, aftersale.RoleAssistant)
	ev := order("p1", "obrien@example.com", "9402", "digital")
	ev.Customer.Name = `O"Brien`
	p.Ingest(t, ev)
	var task team.TaskView
	for _, tk := range p.tasks(t, "open", "obrien@example.com") {
		if tk.Kind == string(aftersale.TaskPersonalEmail) {
			task = tk
		}
	}
	if task.ID == 0 {
		t.Fatal("no personal email task")
	}
	if _, err := p.team.SendPersonalEmail(ctx, jo.ID, team.PersonalEmail{TaskID: task.ID, Subject: `About "the" course`, Body: "Hi,\nhow is it going?"}); err != nil {
		t.Fatalf("SendPersonalEmail: %v", err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages arrived, want the personal email", len(msgs))
	}
	name := func(field string) string {
		t.Helper()
		list, err := msgs[0].Header.AddressList(field)
		if err != nil || len(list) != 1 {
			t.Fatalf("%s %q: %v", field, msgs[0].Header.Get(field), err)
		}
		return list[0].Name
	}
	if from, to := name("From"), name("To"); from != `Jo "JJ" O"Neil` || to != `O"Brien` {
		t.Errorf("From name %q, To name %q", from, to)
	}
}
