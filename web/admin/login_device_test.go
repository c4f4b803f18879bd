package admin_test

import (
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"

	"github.com/aftersale/aftersale"
)

// clientFrom is e.client with its connections made from the loopback
// address local (127.0.0.2, say), so that the server sees another client
// address.
func (e *env) clientFrom(t *testing.T, local string) *client {
	c := e.client(t)
	jar, _ := cookiejar.New(nil)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c.hc = &http.Client{
		Jar:           jar,
		Transport:     &http.Transport{DialContext: d.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

// logout logs the client out (with the CSRF token of a page of its
// session) and fails the test unless it works.
func (c *client) logout() {
	c.t.Helper()
	c.get("/admin").want(c.t, http.StatusOK)
	c.post("/admin/logout", nil).want(c.t, http.StatusSeeOther)
}

// TestLockoutSparesKnownBrowser: someone guessing an owner's password from
// another address locks the account for browsers it does not know, but
// the owner's own browser, which logged in before (its device cookie),
// still logs in; its own wrong passwords are still limited.
func TestLockoutSparesKnownBrowser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.member(t, "owner@shop.example", aftersale.RoleOwner)
	mine := e.client(t)
	mine.login(owner.Email, password)
	mine.logout()

	attacker := e.clientFrom(t, "127.0.0.2")
	attacker.get("/admin/login")
	for range 5 {
		attacker.post("/admin/login", url.Values{"email": {owner.Email}, "password": {"guess"}}).want(t, http.StatusUnauthorized)
	}
	attacker.post("/admin/login", url.Values{"email": {owner.Email}, "password": {password}}).
		want(t, http.StatusTooManyRequests, "Too many failed logins")
	// Another browser, from the owner's own address, without the cookie:
	// the account is locked for it too.
	stranger := e.client(t)
	stranger.get("/admin/login")
	stranger.post("/admin/login", url.Values{"email": {owner.Email}, "password": {password}}).
		want(t, http.StatusTooManyRequests)

	mine.login(owner.Email, password)
	mine.get("/admin").want(t, http.StatusOK)

	// The known browser's own failures count against it.
	mine.logout()
	mine.get("/admin/login")
	for range 5 {
		mine.post("/admin/login", url.Values{"email": {owner.Email}, "password": {"typo"}}).want(t, http.StatusUnauthorized)
	}
	mine.post("/admin/login", url.Values{"email": {owner.Email}, "password": {password}}).want(t, http.StatusTooManyRequests)
}

// TestDeviceCookieIsForItsMember: a browser's device cookie counts only
// for the member it logged in as, and a forged one counts for nobody.
func TestDeviceCookieIsForItsMember(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ana := e.member(t, "ana@shop.example", aftersale.RoleOwner)
	bo := e.member(t, "bo@shop.example", aftersale.RoleAssistant)
	b := e.client(t)
	b.login(ana.Email, password)
	b.logout()
	u, _ := url.Parse(e.srv.URL + "/admin")
	var device *http.Cookie
	for _, c := range b.hc.Jar.Cookies(u) {
		if c.Name == "aftersale_device" {
			device = c
		}
	}
	if device == nil {
		t.Fatal("no device cookie after a login")
	}

	// Bo's account locked from elsewhere: Ana's browser is a stranger to it.
	other := e.clientFrom(t, "127.0.0.3")
	other.get("/admin/login")
	for range 5 {
		other.post("/admin/login", url.Values{"email": {bo.Email}, "password": {"guess"}})
	}
	b.get("/admin/login")
	b.post("/admin/login", url.Values{"email": {bo.Email}, "password": {password}}).want(t, http.StatusTooManyRequests)

	// Ana's locked too (from yet another address: the first is locked
	// itself now); a forged cookie does not help.
	other = e.clientFrom(t, "127.0.0.4")
	other.get("/admin/login")
	for range 5 {
		other.post("/admin/login", url.Values{"email": {ana.Email}, "password": {"guess"}})
	}
	forged := e.client(t)
	forged.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "aftersale_device", Value: device.Value + "x", Path: "/admin"}})
	forged.get("/admin/login")
	forged.post("/admin/login", url.Values{"email": {ana.Email}, "password": {password}}).want(t, http.StatusTooManyRequests)
	b.login(ana.Email, password)
}
