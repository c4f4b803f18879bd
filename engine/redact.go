package engine

import "regexp"

var emailRE = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)

// redact removes email addresses from an error text before it is logged:
// SMTP servers like to quote the recipient ("550 <ana@example.com>: no such
// user"), and logs must hold no personal data.
func redact(err error) string {
	if err == nil {
		return ""
	}
	return emailRE.ReplaceAllString(err.Error(), "[email]")
}
