package feedback

import (
	"context"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/internal/enginetest"
	"github.com/aftersale/aftersale/team"
)

// harness is a running pipeline (workers and all) on a manual clock, with
// feedback's survey steps and jobs wired in as app wires them.
type harness struct {
	*enginetest.Harness
	fb  *Service
	fst Store // the store feedback was given
}

// running starts the pipeline and feedback with the default journeys on
// each database (a SQLite file and PostgreSQL) and runs f for each in a
// subtest. wrap, when not nil, wraps the store feedback is given.
func running(t *testing.T, f func(t *testing.T, h *harness), wrap func(Store) Store) {
	t.Helper()
	enginetest.Each(t, func(t *testing.T, db string) { f(t, startHarness(t, db, wrap)) })
}

// startHarness makes the services on db ("sqlite" or "postgres") and
// starts the job runner.
func startHarness(t *testing.T, db string, wrap func(Store) Store) *harness {
	t.Helper()
	h := &harness{}
	h.Harness = enginetest.New(t, db,
		enginetest.Configure(func(c *engine.Config) {
			h.fst = c.Store
			if wrap != nil {
				h.fst = wrap(h.fst)
			}
			var err error
			h.fb, err = New(Config{Store: h.fst, Links: c.Links, Clock: c.Clock, BaseURL: c.BaseURL, Business: c.Business, Logger: c.Logger})
			if err != nil {
				t.Fatal(err)
			}
			c.StepHandlers = map[aftersale.StepType]engine.StepHandler{aftersale.StepSurvey: h.fb.HandleSurvey}
			c.RefundRisk = h.fb
		}),
		enginetest.Jobs(func(*enginetest.Harness) engine.Jobs { return h.fb.Jobs() }))
	return h
}

// tasks lists the tasks of addr with the status.
func (h *harness) tasks(t *testing.T, status, addr string) []team.TaskView {
	t.Helper()
	tm, err := team.New(team.Config{Store: h.Store, Clock: h.Clock, Logger: h.Log})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := tm.Tasks(context.Background(), status, addr)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// risk scores the order with the shop's id, as the customer view does.
func (h *harness) risk(t *testing.T, orderID string) engine.Risk {
	t.Helper()
	ctx := context.Background()
	o, err := h.Store.OrderGetByExternalID(ctx, orderID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := h.Store.CustomerGet(ctx, o.CustomerID)
	if err != nil {
		t.Fatal(err)
	}
	r, err := h.Svc.RefundRisk(ctx, o, c) // through engine.Config.RefundRisk
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// surveyLink is the token of the survey link in the last email of the
// template to addr.
func (h *harness) surveyLink(t *testing.T, addr, tmpl string) string {
	t.Helper()
	e := h.Mail.LastTo(addr, tmpl)
	if e == nil {
		t.Fatalf("no %s email to %s: %v", tmpl, addr, h.Mail.Templates(addr))
	}
	const prefix = "https://after.example/s/"
	i := strings.Index(e.Text, prefix)
	if i < 0 {
		t.Fatalf("the %s email has no survey link:\n%s", tmpl, e.Text)
	}
	tok := e.Text[i+len(prefix):]
	if j := strings.IndexAny(tok, "?)> \n\""); j >= 0 {
		tok = tok[:j]
	}
	return tok
}
