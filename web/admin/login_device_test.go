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
	c.HC = &http.Client{
		Jar:           jar,
		Transport:     &http.Transport{DialContext: d.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
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
	mine.Login(owner.Email, password)
	mine.Logout()

	attacker := e.clientFrom(t, "127.0.0.2")
	attacker.Get("/admin/login")
	for range 5 {
		attacker.Post("/admin/login", url.Values{"email": {owner.Email}, "password": {"guess"}}).Want(t, http.StatusUnauthorized)
	}
	attacker.Post("/admin/login", url.Values{"email": {owner.Email}, "password": {password}}).
		Want(t, http.StatusTooManyRequests, "Too many failed logins")
	// Another browser, from the owner's own address, without the cookie:
	// the account is locked for it too.
	stranger := e.client(t)
	stranger.Get("/admin/login")
	stranger.Post("/admin/login", url.Values{"email": {owner.Email}, "password": {password}}).
		Want(t, http.StatusTooManyRequests)

	mine.Login(owner.Email, password)
	mine.Get("/admin").Want(t, http.StatusOK)

	// The known browser's own failures count against it.
	mine.Logout()
	mine.Get("/admin/login")
	for range 5 {
		mine.Post("/admin/login", url.Values{"email": {owner.Email}, "password": {"typo"}}).Want(t, http.StatusUnauthorized)
	}
	mine.Post("/admin/login", url.Values{"email": {owner.Email}, "password": {password}}).Want(t, http.StatusTooManyRequests)
}

// TestDeviceCookieIsForItsMember: a browser's device cookie counts only
// for the member it logged in as, and a forged one counts for nobody.
func TestDeviceCookieIsForItsMember(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ana := e.member(t, "ana@shop.example", aftersale.RoleOwner)
	bo := e.member(t, "bo@shop.example", aftersale.RoleAssistant)
	b := e.client(t)
	b.Login(ana.Email, password)
	b.Logout()
	u, _ := url.Parse(e.srv.URL + "/admin")
	var device *http.Cookie
	for _, c := range b.HC.Jar.Cookies(u) {
		if c.Name == "aftersale_device" {
			device = c
		}
	}
	if device == nil {
		t.Fatal("no device cookie after a login")
	}

	// Bo's account locked from elsewhere: Ana's browser is a stranger to it.
	other := e.clientFrom(t, "127.0.0.3")
	other.Get("/admin/login")
	for range 5 {
		other.Post("/admin/login", url.Values{"email": {bo.Email}, "password": {"guess"}})
	}
	b.Get("/admin/login")
	b.Post("/admin/login", url.Values{"email": {bo.Email}, "password": {password}}).Want(t, http.StatusTooManyRequests)

	// Ana's locked too (from yet another address: the first is locked
	// itself now); a forged cookie does not help.
	other = e.clientFrom(t, "127.0.0.4")
	other.Get("/admin/login")
	for range 5 {
		other.Post("/admin/login", url.Values{"email": {ana.Email}, "password": {"guess"}})
	}
	forged := e.client(t)
	forged.HC.Jar.SetCookies(u, []*http.Cookie{{Name: "aftersale_device", Value: device.Value + "x", Path: "/admin"}})
	forged.Get("/admin/login")
	forged.Post("/admin/login", url.Values{"email": {ana.Email}, "password": {password}}).Want(t, http.StatusTooManyRequests)
	b.Login(ana.Email, password)
}
