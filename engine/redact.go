package engine

import "github.com/aftersale/aftersale"

// redact is the text of err without email addresses, for the logs
// (aftersale.Redact).
func redact(err error) string { return aftersale.Redact(err) }
