package broadcast

import (
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/internal/enginetest"
)

// harness is the engine Service (the default journeys, its job runner
// attached with the broadcasts' jobs) and the broadcast Service over it,
// on one database, on a manual clock.
type harness struct {
	*enginetest.Harness
	bc *Service
}

// running starts the services on each database (a SQLite file and
// PostgreSQL) and runs f for each in a subtest.
func running(t *testing.T, f func(t *testing.T, h *harness)) {
	t.Helper()
	enginetest.Each(t, func(t *testing.T, db string) { f(t, startHarness(t, db, nil, true)) })
}

// startHarness makes the services on db ("sqlite" or "postgres") with the
// River runner; start says whether the runner (workers, event processor,
// the dispatcher and the due broadcasts on each Advance) runs. mailer nil
// is h.Mail.
func startHarness(t *testing.T, db string, mailer aftersale.Mailer, start bool, opts ...enginetest.Option) *harness {
	t.Helper()
	h := &harness{}
	if mailer != nil {
		opts = append(opts, enginetest.WithMailer(mailer))
	}
	if !start {
		opts = append(opts, enginetest.Stopped())
	}
	opts = append(opts, enginetest.Jobs(func(e *enginetest.Harness) engine.Jobs {
		h.Harness = e
		h.bc = h.broadcasts(t, e.Svc, e.Config.Mailer)
		return h.bc.Jobs()
	}))
	h.Harness = enginetest.New(t, db, opts...)
	return h
}

// broadcasts is a broadcast Service over svc (made with h.Config) sending
// through mailer, as app wires it.
func (h *harness) broadcasts(t *testing.T, svc *engine.Service, mailer aftersale.Mailer) *Service {
	t.Helper()
	cfg := h.Config
	bc, err := New(Config{
		Store: cfg.Store, Pipeline: svc, Renderer: cfg.Renderer, Mailer: mailer, Clock: cfg.Clock,
		From: cfg.From, ReturnPath: cfg.ReturnPath, BaseURL: cfg.BaseURL, Business: cfg.Business, Logger: h.Log,
	})
	if err != nil {
		t.Fatal(err)
	}
	return bc
}
