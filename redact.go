package aftersale

import "regexp"

// emailRE matches addresses, also beyond ASCII (josé@bücher.example).
var emailRE = regexp.MustCompile(`[\p{L}\p{M}\p{N}._%+\-]+@[\p{L}\p{M}\p{N}.\-]+\.[\p{L}\p{M}\p{N}\-]{2,}`)

// Redact is the text of err without email addresses (each is "[email]"),
// for logs, which must hold no personal data: SMTP servers like to quote
// the recipient ("550 <ana@example.com>: no such user"). "" for nil.
func Redact(err error) string {
	if err == nil {
		return ""
	}
	return emailRE.ReplaceAllString(err.Error(), "[email]")
}
