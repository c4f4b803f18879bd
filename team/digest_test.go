package team_test

import (
	"context"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/internal/enginetest"
	"github.com/aftersale/aftersale/internal/enginetest/fixture"
	"github.com/aftersale/aftersale/internal/testwait"
	"github.com/aftersale/aftersale/team"
)

// digestMailer keeps what it is given, and tells digests on a channel.
type digestMailer struct {
	fixture.Mailer
	digests chan *aftersale.Email
}

func (m *digestMailer) Send(ctx context.Context, e *aftersale.Email) error {
	if fixture.Template(e) == "overdue_digest" {
		m.digests <- e
	}
	return m.Mailer.Send(ctx, e)
}

// TestDigestJob: the team's digest job, registered through Jobs in the
// engine's runner and inserted as a River job, purges the expired login
// sessions and emails the assignee of an overdue task the digest, on both
// databases.
func TestDigestJob(t *testing.T) {
	enginetest.Each(t, func(t *testing.T, db string) {
		m := &digestMailer{digests: make(chan *aftersale.Email, 4)}
		p := withPipeline(t, db, enginetest.WithMailer(m))
		ctx := context.Background()
		p.member(t, "amy@shop.example", "Amy", aftersale.RoleAssistant)
		now := p.Clock.RealNow()
		c, err := p.Store.CustomerUpsert(ctx, &aftersale.Contact{Email: "ana@example.com", Name: "Ana"}, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Store.TaskCreate(ctx, &aftersale.Task{CustomerID: c.ID, Kind: aftersale.TaskCall, Title: "Call Ana",
			Assignee: "amy@shop.example", Status: aftersale.TaskOpen, DueAt: now.Add(-time.Hour), CreatedAt: now.Add(-2 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		for tok, exp := range map[string]time.Time{"old": now.Add(-time.Minute), "live": now.Add(time.Hour)} {
			if err := p.Store.SessionCommit(ctx, &aftersale.Session{Token: tok, Data: []byte("x"), Expiry: exp}); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.Store.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
			return p.Svc.InsertJobTx(ctx, tx, team.DigestArgs{}, nil)
		}); err != nil {
			t.Fatal(err)
		}
		select {
		case e := <-m.digests:
			if e.To.Email != "amy@shop.example" || e.Subject != "1 overdue tasks" {
				t.Errorf("digest to %s: %q", e.To.Email, e.Subject)
			}
		case <-time.After(testwait.HangGuard):
			t.Fatal("no digest from the job")
		}
		// The purge ran before the digest went out: nothing is left to
		// purge, and the live session stays.
		if n, err := p.Store.SessionPurge(ctx, now); err != nil || n != 0 {
			t.Errorf("purged %d, %v after the job; want the job to have purged the expired session", n, err)
		}
		if _, found, err := p.Store.SessionFind(ctx, "live", now); err != nil || !found {
			t.Errorf("the live session: found %v, %v; want it kept", found, err)
		}
	})
}
