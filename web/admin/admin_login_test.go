package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/auth"
	"github.com/aftersale/aftersale/team"
)

// hashCounter counts the argon2id hashes of an auth.Pool and the most
// that ran at once.
type hashCounter struct {
	n, max atomic.Int64
}

func (h *hashCounter) hook(running int) {
	h.n.Add(1)
	for {
		m := h.max.Load()
		if int64(running) <= m || h.max.CompareAndSwap(m, int64(running)) {
			return
		}
	}
}

// TestConcurrentWrongLogins: 40 wrong passwords for one account at once,
// from one address, check at most 5 (the limit): each attempt is counted
// before its hash. The hashes are held until every request is either
// answered or hashing, so that all 40 are in flight together (a limit
// checked before hashing and recorded after lets all 40 through); the pool
// itself has room for all 40, so only the limit refuses.
func TestConcurrentWrongLogins(t *testing.T) {
	t.Parallel()
	const n = 40
	var (
		mu                 sync.Mutex
		cond               = sync.NewCond(&mu)
		armed, released    bool
		hashing, responses int
		hc                 hashCounter
	)
	pool := auth.NewPool(auth.PoolConfig{Workers: n, Queue: n, Params: *fastHash, Hook: func(running int) {
		hc.hook(running)
		mu.Lock()
		defer mu.Unlock()
		if !armed {
			return
		}
		hashing++
		cond.Broadcast()
		for !released && hashing+responses < n {
			cond.Wait()
		}
		released = true
		cond.Broadcast()
	}})
	e := newEnvWith(t, envOptions{team: func(c *team.Config) { c.Passwords = pool }})
	e.member(t, "owner@shop.example", aftersale.RoleOwner)
	hc.n.Store(0) // the member's own hash
	mu.Lock()
	armed = true
	mu.Unlock()

	c := e.client(t)
	c.Get("/admin/login")
	form := url.Values{"email": {"Owner@shop.example"}, "password": {"wrong password!"}, "csrf_token": {c.CSRF}}.Encode()
	statuses := map[int]int{}
	var retry []string
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", c.Base+"/admin/login", strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := c.HC.Do(req)
			mu.Lock()
			defer mu.Unlock()
			responses++
			cond.Broadcast()
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[resp.StatusCode]++
			if resp.StatusCode == http.StatusTooManyRequests {
				retry = append(retry, resp.Header.Get("Retry-After"))
			}
		})
	}
	wg.Wait()
	checked := hc.n.Load()
	if checked > 5 {
		t.Errorf("%d of %d passwords were checked, want at most 5", checked, n)
	}
	if statuses[http.StatusUnauthorized] != int(checked) || statuses[http.StatusTooManyRequests] != n-int(checked) {
		t.Errorf("statuses %v after %d checks; want a 401 per check and 429 for the rest", statuses, checked)
	}
	for _, ra := range retry {
		if ra == "" || ra == "0" {
			t.Errorf("a 429 with Retry-After %q", ra)
		}
	}
	def := auth.NewPool(auth.PoolConfig{})
	t.Logf("checked %d of %d (at most %d at once); the default cap is %d hashes × %d MiB = %d MiB of argon2id memory",
		checked, n, hc.max.Load(), def.Workers(), auth.DefaultParams.Memory/1024, def.Workers()*int(auth.DefaultParams.Memory/1024))

	// The account is blocked now, also with the right password and from a
	// new session.
	c2 := e.client(t)
	c2.Get("/admin/login")
	c2.Post("/admin/login", url.Values{"email": {"OWNER@shop.example "}, "password": {password}}).
		Want(t, http.StatusTooManyRequests, "Too many failed logins")
}

// TestLoginsBeyondTheHashCap: with every worker of the pool busy and no
// queue, a login is refused with 429 and a clear message, unchecked and
// not counted against the account; concurrent hashes never pass the cap.
func TestLoginsBeyondTheHashCap(t *testing.T) {
	t.Parallel()
	var hc hashCounter
	var holding atomic.Bool
	held, release := make(chan struct{}, 2), make(chan struct{})
	pool := auth.NewPool(auth.PoolConfig{Workers: 2, Queue: -1, Params: *fastHash, Hook: func(running int) {
		hc.hook(running)
		if holding.Load() {
			held <- struct{}{}
			<-release
		}
	}})
	e := newEnvWith(t, envOptions{team: func(c *team.Config) { c.Passwords = pool }})
	e.member(t, "owner@shop.example", aftersale.RoleOwner)
	hc.n.Store(0)

	// Two logins of other accounts hold both workers.
	holding.Store(true)
	var wg sync.WaitGroup
	for _, who := range []string{"a@shop.example", "b@shop.example"} {
		c := e.client(t)
		c.Get("/admin/login")
		wg.Go(func() {
			form := url.Values{"email": {who}, "password": {"wrong password!"}, "csrf_token": {c.CSRF}}.Encode()
			req, _ := http.NewRequest("POST", c.Base+"/admin/login", strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if resp, err := c.HC.Do(req); err == nil {
				resp.Body.Close()
			}
		})
	}
	<-held
	<-held
	holding.Store(false)

	c := e.client(t)
	c.Get("/admin/login")
	for range 7 { // more than the limit of 5: none is counted
		r := c.Post("/admin/login", url.Values{"email": {"owner@shop.example"}, "password": {password}})
		r.Want(t, http.StatusTooManyRequests, "checking many passwords at once")
		if r.Header.Get("Retry-After") == "" {
			t.Error("a 429 without Retry-After")
		}
	}
	close(release)
	wg.Wait()
	if m := hc.max.Load(); m > 2 {
		t.Errorf("%d hashes ran at once, want at most 2", m)
	}
	if n := hc.n.Load(); n != 2 {
		t.Errorf("%d hashes ran, want the 2 held ones", n)
	}
	// The refused logins were not counted: the right password works.
	c.Post("/admin/login", url.Values{"email": {"owner@shop.example"}, "password": {password}}).Want(t, http.StatusSeeOther)
}

// TestPasswordChangeEndsOtherSessions: a member logged in twice changes the
// password in one session; the other is sent to the login page, the first
// goes on.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ana := e.member(t, "ana@shop.example", aftersale.RoleAssistant)
	one, two := e.client(t), e.client(t)
	one.Login(ana.Email, password)
	two.Login(ana.Email, password)
	one.Get("/admin").Want(t, http.StatusOK)
	two.Get("/admin").Want(t, http.StatusOK)

	one.Get("/admin/account")
	one.Post("/admin/account/password", url.Values{"current": {password}, "new": {"another password"}, "confirm": {"another password"}}).
		Want(t, http.StatusSeeOther)
	one.Get("/admin/account").Want(t, http.StatusOK, "Your password is changed.")
	one.Get("/admin").Want(t, http.StatusOK)
	wantLoggedOut(t, two)
	two.Login(ana.Email, "another password")
	two.Get("/admin").Want(t, http.StatusOK)
}

// TestRoleChangeAndDeactivationEndSessions: an owner's change of a
// member's role ends every session of the member; a deactivation too, and
// the member cannot log in until reactivated. The owner's session goes on.
func TestRoleChangeAndDeactivationEndSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.member(t, "owner@shop.example", aftersale.RoleOwner)
	ana := e.member(t, "ana@shop.example", aftersale.RoleAssistant)
	o := e.client(t)
	o.Login(owner.Email, password)
	one, two := e.client(t), e.client(t)
	one.Login(ana.Email, password)
	two.Login(ana.Email, password)

	o.Get("/admin/team")
	o.Post("/admin/team/"+itoa(ana.ID)+"/role", url.Values{"role": {"program_manager"}}).Want(t, http.StatusSeeOther)
	wantLoggedOut(t, one)
	wantLoggedOut(t, two)
	o.Get("/admin/team").Want(t, http.StatusOK, "Deactivate")

	one.Login(ana.Email, password)
	one.Get("/admin").Want(t, http.StatusOK)
	o.Post("/admin/team/"+itoa(ana.ID)+"/active", url.Values{"active": {"0"}}).Want(t, http.StatusSeeOther)
	o.Get("/admin/team").Want(t, http.StatusOK, "is deactivated", "deactivated", "Reactivate")
	wantLoggedOut(t, one)
	one.Get("/admin/login")
	one.Post("/admin/login", url.Values{"email": {ana.Email}, "password": {password}}).
		Want(t, http.StatusUnauthorized, "the email or the password is wrong")

	// Not oneself, not by a non-owner.
	o.Post("/admin/team/"+itoa(owner.ID)+"/active", url.Values{"active": {"0"}}).Want(t, http.StatusConflict, "cannot deactivate yourself")
	o.Post("/admin/team/"+itoa(ana.ID)+"/active", url.Values{"active": {"1"}}).Want(t, http.StatusSeeOther)
	one.Login(ana.Email, password)
	one.Get("/admin/team")
	one.Post("/admin/team/"+itoa(owner.ID)+"/active", url.Values{"active": {"0"}}).Want(t, http.StatusForbidden)
	o.Get("/admin").Want(t, http.StatusOK)

	// An htmx request of an ended session is told to log in.
	o.Post("/admin/team/"+itoa(ana.ID)+"/role", url.Values{"role": {"assistant"}}).Want(t, http.StatusSeeOther)
	r := one.HTMX("/admin/tasks/1/complete", url.Values{"outcome": {"reached"}})
	r.Want(t, http.StatusUnauthorized)
	if r.Header.Get("HX-Redirect") != "/admin/login" {
		t.Errorf("HX-Redirect %q", r.Header.Get("HX-Redirect"))
	}
}

// TestPrivateSMTPSetting: only an owner turns on private addresses for
// members' own SMTP servers, on the team page.
func TestPrivateSMTPSetting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.member(t, "owner@shop.example", aftersale.RoleOwner)
	ana := e.member(t, "ana@shop.example", aftersale.RoleAssistant)
	a := e.client(t)
	a.Login(ana.Email, password)
	a.Get("/admin/team")
	a.Post("/admin/team/settings", url.Values{"allow_private_smtp": {"1"}}).Want(t, http.StatusForbidden)
	if on, _ := e.team.AllowPrivateSMTP(context.Background()); on {
		t.Fatal("an assistant turned the setting on")
	}
	o := e.client(t)
	o.Login(owner.Email, password)
	o.Get("/admin/team").Want(t, http.StatusOK, `name="allow_private_smtp" value="1">`)
	o.Post("/admin/team/settings", url.Values{"allow_private_smtp": {"1"}}).Want(t, http.StatusSeeOther)
	o.Get("/admin/team").Want(t, http.StatusOK, "may now be on private and local addresses", `value="1" checked>`)
	if on, _ := e.team.AllowPrivateSMTP(context.Background()); !on {
		t.Fatal("the owner's setting is not on")
	}
	o.Post("/admin/team/settings", nil).Want(t, http.StatusSeeOther)
	if on, _ := e.team.AllowPrivateSMTP(context.Background()); on {
		t.Fatal("the owner's setting is not off again")
	}
}

// wantLoggedOut checks that the client's session is over: a page sends it
// to the login form.
func wantLoggedOut(t *testing.T, c *client) {
	t.Helper()
	r := c.Get("/admin")
	r.Want(t, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "/admin/login") {
		t.Fatalf("an ended session: Location %q, want the login page", loc)
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// teamAccessRouteCases are the route-walk cases (TestAdminRoutesRequireLogin)
// of the routes in admin_team_access.go.
func teamAccessRouteCases(memberID int64) map[string]routeCase {
	return map[string]routeCase{
		"POST /admin/team/{id}/active": {path: "/admin/team/" + itoa(memberID) + "/active", form: url.Values{"active": {"1"}}, status: 303},
		"POST /admin/team/settings":    {path: "/admin/team/settings", form: url.Values{"allow_private_smtp": {"1"}}, status: 303},
	}
}
