package engine

import "regexp"

// emailRE matches addresses, also beyond ASCII (josé@bücher.example).
var emailRE = regexp.MustCompile(`[\p{L}\p{M}\p{N}._%+\-]+@[\p{L}\p{M}\p{N}.\-]+\.[\p{L}\p{M}\p{N}\-]{2,}`)

// redact removes email addresses from an error text before it is logged:
// SMTP servers like to quote the recipient ("550 <ana@example.com>: no such
// user"), and logs must hold no personal data.
func redact(err error) string {
	if err == nil {
		return ""
	}
	return emailRE.ReplaceAllString(err.Error(), "[email]")
}
