package bounce

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Amazon SES reports bounces and complaints as JSON notifications; a
// sender who subscribes an email address to the SNS topic gets them as
// mail: a text/plain body holding the notification, either bare or as the
// "Message" string of an SNS envelope.

// sesNotification is the part of an SES notification that is read.
type sesNotification struct {
	NotificationType string `json:"notificationType"`
	Bounce           *struct {
		BounceType        string `json:"bounceType"`
		BounceSubType     string `json:"bounceSubType"`
		BouncedRecipients []struct {
			EmailAddress   string `json:"emailAddress"`
			Action         string `json:"action"`
			Status         string `json:"status"`
			DiagnosticCode string `json:"diagnosticCode"`
		} `json:"bouncedRecipients"`
	} `json:"bounce"`
	Complaint *struct {
		ComplainedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
		ComplaintFeedbackType string `json:"complaintFeedbackType"`
	} `json:"complaint"`
	Mail struct {
		MessageID string `json:"messageId"`
		Headers   []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"headers"`
	} `json:"mail"`
}

// snsEnvelope is the SNS wrapper of a notification.
type snsEnvelope struct {
	Type    string `json:"Type"`
	Message string `json:"Message"`
}

// sesMarker tells a body that holds an SES notification.
var sesMarker = regexp.MustCompile(`\\?"notificationType\\?"\s*:`)

// longLineBreak is how some relays break a line longer than SMTP allows:
// "!" and a folded line break, inside the JSON.
var longLineBreak = regexp.MustCompile(`!\r?\n `)

// parseSES reads an SES notification from the text of a mail; ok is false
// when the text holds none (err is then nil).
func parseSES(text []byte) (r *Report, ok bool, err error) {
	if !sesMarker.Match(text) {
		return nil, false, nil
	}
	start := bytes.IndexByte(text, '{')
	if start < 0 {
		return nil, false, nil
	}
	text = longLineBreak.ReplaceAll(text[start:], nil)
	var env snsEnvelope
	if err := json.NewDecoder(bytes.NewReader(text)).Decode(&env); err != nil {
		return nil, false, nil // not JSON: a text that only mentions it
	}
	body := text
	if env.Message != "" {
		body = []byte(env.Message)
	}
	var n sesNotification
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&n); err != nil {
		return nil, false, nil // not JSON: a text that only mentions it
	}
	r = &Report{OriginalMessageID: n.messageID()}
	switch {
	case n.NotificationType == "Bounce" && n.Bounce != nil:
		r.Kind = KindBounce
		for _, b := range n.Bounce.BouncedRecipients {
			email := address(b.EmailAddress)
			if !strings.Contains(email, "@") {
				continue
			}
			rc := Recipient{Email: email, Action: strings.ToLower(firstWord(b.Action)), Diagnostic: typedValue(b.DiagnosticCode)}
			rc.Status = statusCode(rc.Diagnostic)
			if rc.Status == "" {
				rc.Status = statusCode(b.Status)
			}
			if rc.Status == "" {
				rc.Status = statusFromReply(rc.Diagnostic)
			}
			if rc.Status == "" {
				rc.Status = "5.0.0"
				if n.Bounce.BounceType != "Permanent" {
					rc.Status = "4.0.0"
				}
			}
			if rc.Action != "delayed" {
				rc.Action = "failed"
			}
			text := rc.Diagnostic
			if text == "" && n.Bounce.BounceSubType == "NoEmail" {
				text = "SES bounce type Permanent/NoEmail: no such address"
			}
			decide(&rc, text)
			r.Recipients = append(r.Recipients, rc)
		}
	case n.NotificationType == "Complaint" && n.Complaint != nil:
		ft := strings.ToLower(firstWord(n.Complaint.ComplaintFeedbackType))
		if ft == "" {
			ft = "abuse" // SES leaves it out when the provider does not say
		}
		if !complaintTypes[ft] {
			return nil, true, fmt.Errorf("%w: feedback of type %q is not a complaint", ErrNotAReport, token(ft))
		}
		r.Kind, r.FeedbackType = KindComplaint, ft
		for _, c := range n.Complaint.ComplainedRecipients {
			if email := address(c.EmailAddress); strings.Contains(email, "@") {
				r.Recipients = append(r.Recipients, complainant(email, "SES complainedRecipients: "+email))
			}
		}
		if len(r.Recipients) == 0 && r.OriginalMessageID != "" {
			r.Recipients = append(r.Recipients, complainant("", "Message-ID: "+r.OriginalMessageID))
		}
	default:
		return nil, true, fmt.Errorf("%w: an SES notification of type %q", ErrNotAReport, token(strings.ToLower(n.NotificationType)))
	}
	if len(r.Recipients) == 0 {
		return nil, true, fmt.Errorf("%w: the SES notification names no recipient", ErrMalformed)
	}
	return r, true, nil
}

// messageID is the Message-ID of the message the notification is about:
// its own header's, else the one SES gave it.
func (n *sesNotification) messageID() string {
	for _, h := range n.Mail.Headers {
		if strings.EqualFold(h.Name, "message-id") {
			if id := messageID(h.Value); id != "" {
				return id
			}
		}
	}
	if id := strings.TrimSpace(n.Mail.MessageID); id != "" && !strings.ContainsAny(id, "<>@ \t") {
		return "<" + id + "@email.amazonses.com>"
	}
	return ""
}
