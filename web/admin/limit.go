package admin

import (
	"net/http"
	"time"

	"github.com/aftersale/aftersale/web"
)

// Login rate limits: at most loginMaxFailures failed logins per account
// (the email, trimmed and lower-cased) and per client IP address within
// loginWindow. Each attempt is counted before its password is checked
// (ratelimit.Limiter.Reserve) and given back when it succeeds, so
// concurrent attempts cannot pass the limit. The counts are kept in
// memory, per node: with several nodes behind a load balancer, each node
// allows that many.
const (
	loginMaxFailures = 5
	loginWindow      = 15 * time.Minute
)

// limitKeys returns the keys a login attempt is counted under: the
// account (or, from a browser with the account's device cookie, that
// cookie: login_device.go) and the client address.
func (s *UI) limitKeys(r *http.Request, email string) []string {
	if k := s.deviceKey(r, email); k != "" {
		return []string{k, "ip:" + web.ClientIP(r)}
	}
	return []string{"email:" + normalEmail(email), "ip:" + web.ClientIP(r)}
}
