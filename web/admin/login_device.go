package admin

import (
	"crypto/rand"
	"net/http"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

// Device cookies (OWASP's answer to lockout abuse): a browser that logged
// in as a member gets a signed cookie naming that member's email. Its
// later login attempts for that email are counted under the cookie, not
// under the account, so that someone guessing an owner's password from
// elsewhere locks out other browsers, never the owner's own. A failed
// attempt with the cookie still counts (against the cookie and the
// address), so it is no way around the limit.
const (
	deviceCookie = "aftersale_device"
	deviceTTL    = 365 * 24 * time.Hour
)

// deviceKey returns the key a login attempt for email is counted under
// when r carries a device cookie of that email; "" when it does not.
func (s *UI) deviceKey(r *http.Request, email string) string {
	links := s.cfg.Service.Links()
	c, err := r.Cookie(deviceCookie)
	if err != nil || links == nil {
		return ""
	}
	subject, err := links.Verify(aftersale.LinkDevice, c.Value)
	if err != nil {
		return ""
	}
	who, nonce, ok := strings.Cut(subject, "\x00")
	if !ok || who != normalEmail(email) {
		return ""
	}
	return "device:" + nonce
}

// rememberDevice gives the browser a device cookie for email, after it
// logged in. A browser keeps one: a login as another member replaces it.
func (s *UI) rememberDevice(w http.ResponseWriter, email string) {
	links := s.cfg.Service.Links()
	if links == nil {
		return
	}
	token := links.Sign(aftersale.LinkDevice, normalEmail(email)+"\x00"+rand.Text(), deviceTTL)
	http.SetCookie(w, &http.Cookie{
		Name: deviceCookie, Value: token, Path: "/admin", MaxAge: int(deviceTTL / time.Second),
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode,
	})
}

// normalEmail is an email as the login limiter keys it.
func normalEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }
