package team_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/internal/enginetest"
	"github.com/aftersale/aftersale/internal/enginetest/fixture"
	"github.com/aftersale/aftersale/journey"
	"github.com/aftersale/aftersale/team"
)

// pipeline is the engine's pipeline on a manual clock (enginetest) with
// the team beside it as app wires it: the team's jobs in the runner, the
// engine's store, clock, mailer and sender in the team's Config.
type pipeline struct {
	*enginetest.Harness
	team *team.Service
}

// withPipeline makes the pipeline and the team on db; the options are
// enginetest's.
func withPipeline(t *testing.T, db string, opts ...enginetest.Option) *pipeline {
	t.Helper()
	p := &pipeline{}
	opts = append(opts, enginetest.Jobs(func(h *enginetest.Harness) engine.Jobs {
		p.team = newTeam(t, h.Store, func(c *team.Config) {
			c.Clock, c.Logger, c.Pipeline, c.Mailer = h.Clock, h.Log, h.Svc, h.Config.Mailer
			c.From, c.BaseURL, c.Schedule = h.Config.From, h.Config.BaseURL, h.Config.Schedule
		})
		return p.team.Jobs()
	}))
	p.Harness = enginetest.New(t, db, opts...)
	return p
}

// onPipeline runs f on a pipeline on each database, in parallel subtests.
func onPipeline(t *testing.T, f func(t *testing.T, p *pipeline), opts ...enginetest.Option) {
	t.Helper()
	enginetest.Each(t, func(t *testing.T, db string) { f(t, withPipeline(t, db, opts...)) })
}

// journeys runs the pipeline on the journeys of the YAML documents
// instead of the built-in ones.
func journeys(t *testing.T, docs ...string) enginetest.Option {
	t.Helper()
	var all []*journey.Journey
	for i, d := range docs {
		js, err := journey.Parse(fmt.Sprintf("test%d.yaml", i), []byte(d))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, js...)
	}
	set, err := journey.NewSet(all...)
	if err != nil {
		t.Fatal(err)
	}
	return enginetest.Configure(func(c *engine.Config) { c.Journeys = set })
}

// order is an order.placed event for addr, of one item of kind.
func order(id, addr, orderID string, kind aftersale.ItemKind) *aftersale.Event {
	return fixture.Order(id, addr, orderID, kind)
}

// tasks lists the tasks of addr ("" for everyone) with the status.
func (p *pipeline) tasks(t *testing.T, status, addr string) []team.TaskView {
	t.Helper()
	ts, err := p.team.Tasks(context.Background(), status, addr)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// member adds a team member with a password.
func (p *pipeline) member(t *testing.T, email, name string, role aftersale.Role) *team.MemberView {
	t.Helper()
	return add(t, p.team, team.NewMember{Email: email, Name: name, Role: role, Password: "long enough pw"})
}
