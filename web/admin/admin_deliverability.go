package admin

import (
	"fmt"

	"github.com/aftersale/aftersale/contact"
)

// deliverabilityNote is the dashboard's warning when receivers refuse the
// sender (blocks, spam policy) more than a few times in the last days, or ""
// when they do not. Such bounces never suppress a customer: they are about
// the sending setup, and the owner is the one who can fix it.
func deliverabilityNote(w *contact.DeliverabilityWarning) string {
	if w == nil {
		return ""
	}
	return fmt.Sprintf("Mail servers refused your mail %d times in the last %d days (%d blocks, %d for spam or content policy). "+
		"This is about the sending setup, not the customers: check that SPF, DKIM and DMARC pass, that the sending IP is on no block list, "+
		"and what the bounces say (docs/deliverability.md; aftersale bounce explain FILE shows the reason of one).",
		w.Blocked+w.SpamPolicy, contact.BounceWindowDays, w.Blocked, w.SpamPolicy)
}
