package web_test

import (
	"net/http/httptest"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/broadcast"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/feedback"
	"github.com/aftersale/aftersale/insiders"
	"github.com/aftersale/aftersale/internal/testwait"
	"github.com/aftersale/aftersale/internal/webtest"
	"github.com/aftersale/aftersale/privacy"
	"github.com/aftersale/aftersale/returns"
	"github.com/aftersale/aftersale/smtptest"
	"github.com/aftersale/aftersale/team"
	"github.com/aftersale/aftersale/web"
)

// env is a real aftersale for the tests (internal/webtest): a SQLite
// store in a temp dir, the engine Service with the built-in journeys, a
// real SMTP server, and the web Server with the admin UI over HTTP.
type env struct {
	w     *webtest.Env
	store aftersale.Store
	svc   *engine.Service
	priv  *privacy.Service
	bc    *broadcast.Service
	team  *team.Service
	ins   *insiders.Service
	fb    *feedback.Service
	ret   *returns.Service
	smtp  *smtptest.Server
	srv   *httptest.Server
	logs  *webtest.LogBuffer
	links *aftersale.LinkSigner // signs the customer links, as the engine does
}

// fastHash keeps the tests quick: argon2id with 64 KiB and one pass.
var fastHash = webtest.FastHash

func newEnv(t *testing.T, opts ...func(*web.Config)) *env {
	t.Helper()
	return newEnvWith(t, envOptions{}, opts...)
}

// envOptions change what newEnvWith builds.
type envOptions struct {
	// engine changes the engine's configuration.
	engine func(*engine.Config)
	// team changes the team's configuration (made after the engine's, on
	// its store and clock).
	team func(*team.Config)
	// insiders changes the insiders' configuration (made before the
	// engine's, whose offer steps, order hook, stories and view part it
	// is).
	insiders func(*insiders.Config)
	// jobs attaches and starts the job runner (River on the same SQLite
	// database), so that events are processed and emails sent.
	jobs bool
}

// newEnvWith is newEnv with options; opts change the web Server's configuration.
func newEnvWith(t *testing.T, eo envOptions, opts ...func(*web.Config)) *env {
	t.Helper()
	o := webtest.Options{Engine: eo.engine, Team: eo.team, Insiders: eo.insiders, Jobs: eo.jobs}
	o.Web = func(c *web.Config) {
		for _, f := range opts {
			f(c)
		}
	}

	w := webtest.New(t, o)
	return &env{w: w, store: w.Store, svc: w.Service, priv: w.Privacy, bc: w.Broadcasts, team: w.Team, ins: w.Insiders,
		fb: w.Feedback, ret: w.Returns, smtp: w.SMTP, srv: w.Server, logs: w.Logs, links: w.Links}
}

// The helpers are internal/webtest's; these name them as the tests do.
type (
	client = webtest.Client
	reply  = webtest.Reply
)

const password = webtest.Password

// hangGuard bounds every wait for the service (testwait.HangGuard).
const hangGuard = testwait.HangGuard

var waitUntil = webtest.WaitUntil

func (e *env) client(t *testing.T) *client { return webtest.NewClient(t, e.srv.URL) }

func (e *env) member(t *testing.T, mail string, role aftersale.Role) *team.MemberView {
	return e.w.Member(t, mail, role)
}

func (e *env) customer(t *testing.T, mail, phone string) *aftersale.Customer {
	return e.w.Customer(t, mail, phone)
}

func (e *env) task(t *testing.T, c *aftersale.Customer, kind aftersale.TaskKind, title, script, draft string) *aftersale.Task {
	return e.w.Task(t, c, kind, title, script, draft)
}

func (e *env) settle(t *testing.T) { e.w.Settle(t) }

func (e *env) waitMail(t *testing.T, what string, match func(*smtptest.Received) bool) *smtptest.Received {
	return e.w.WaitMail(t, what, match)
}
