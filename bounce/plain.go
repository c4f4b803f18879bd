package bounce

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"regexp"
	"strings"
)

// A plain-text bounce is a message a mail server writes for people rather
// than as a multipart/report: qmail, Exim, older Postfix and sendmail,
// Exchange, Gmail, Yahoo and Outlook.com write them. Each names the failed
// recipients on a line of their own (or leading a line), follows each with
// the receiving server's reply, and then quotes the original message after
// a marker line. parsePlain reads that shape rather than each server's
// exact wording.

// maxPlain bounds the text searched for recipients, maxBlock the text kept
// about each, maxRecipients how many are read.
const (
	maxPlain      = 256 << 10
	maxBlock      = 8 << 10
	maxRecipients = 100
)

// bouncerFrom and bounceSubject tell a bounce from ordinary mail.
var (
	bouncerFrom   = regexp.MustCompile(`(?i)mailer[-_ ]?daemon|post_?master|mail ?delivery|mail administrator|microsoftexchange|mmdf|mailer@|bounce|^"?(system administrator|mail system)`)
	bounceSubject = regexp.MustCompile(`(?i)undeliver|undelivered|not delivered|delivery (status notification|failure|failed|has failed|notification|problem|report)|` +
		`returned (mail|to sender)|failure notice|mail delivery failed|could not be delivered|failed delivery|non ?remis|nondeliverable|` +
		`delivery (fail|error)|mail (system )?error|returned mail|delivery to the following|mail could not|unzustellbar|warning: could not send|` +
		`message you sent|permanent error|rejected|failed mail|bounce|delayed mail|delivery delayed|undelivered mail`)
	autoReply = regexp.MustCompile(`(?i)out of (the )?office|auto(matic)?[- ]?(reply|response|antwort)|vacation|abwesen|absence|away from`)
)

// returnedMarker starts the copy of the original message in the text.
var returnedMarker = regexp.MustCompile(`(?im)^[ \t>]*(?:-{2,}|={2,}|_{2,}|\*{2,})?[ \t]*(?:` +
	`(?:below this line is a copy of the message|this is a copy of the (?:message|headers|body)|unsent message below|your message reads)[^\n]*$|` +
	`(?:(?:the )?(?:original|undelivered|returned|unsent) (?:message|mail)(?: headers?)?|message headers?|headers of (?:the )?(?:original|returned) message|` +
	`the header of the original message|start of returned message|text of the (?:original|returned) message)` +
	`[ \t]*(?:follows?|below|is attached|attached|was)?[ \t:.\-=_*\r]*$)`)

// addrRe finds an email address.
var addrRe = regexp.MustCompile(`[A-Za-z0-9!#$%&'*+/=?^_{|}~.\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+`)

// rcptLine is a line that names a recipient: the address alone, or leading
// the line and followed by ":" "..." "on DATE" or a reply.
var rcptLine = regexp.MustCompile(`(?i)^[ \t>]*(?:[245]\d\d(?:[ -][245]\.\d{1,3}\.\d{1,3})?[ -]+)?(?:(?:original[- ]recipient|final[- ]recipient|recipient(?: address)?|failed recipient|rcpt to|address(?:es)?)[ \t]*:?[ \t]*)?` +
	`(?:rfc822;[ \t]*)?"?<?(?:mailto:)?([^\s<>"@()\[\]:;,]+@[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?)>?"?(?:[\s:.,;(\[\-]|$)`)

// rcptInLine names a recipient inside a sentence: Gmail's "wasn't
// delivered to ADDR", "rejected recipient <ADDR>", "RCPT TO:<ADDR>".
var rcptInLine = regexp.MustCompile(`(?i)(?:delivered to|delivery to|delivery userid:|delivering your (?:mail|message) to|deliver(?: your message)? to|rejected recipient|recipient|rcpt to:?|message to|sent to|addressed to)[ \t]*:?[ \t]*"?<?([^\s<>"@()\[\]:;,]+@[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?)>?"?(?:[\s:.,;(\[]|$)`)

// delayWords say a plain-text notice is about a delay, not a failure.
var (
	delayWords     = regexp.MustCompile(`(?i)will (be )?(retried|retry|keep trying|continue)|still (trying|being retried)|not yet been delivered|has not (yet )?been delivered yet|delayed|delivery (is )?delayed|will try (again|to deliver)|no action is required`)
	permanentWords = regexp.MustCompile(`(?i)permanent|given up|gave up|not be delivered|could not be delivered|failed|unable to deliver|undeliverable|rejected|has been returned|returned to sender`)
)

// parsePlain reads a bounce written as text (see above). h is the
// message's header and body its undecoded body.
func parsePlain(h mail.Header, body []byte, depth int) (*Report, error) {
	from := h.Get("From")
	subject := decodeHeader(h.Get("Subject"))
	failed := h.Get("X-Failed-Recipients")
	if !bouncerFrom.MatchString(from) && !bounceSubject.MatchString(subject) && failed == "" {
		return nil, fmt.Errorf("%w: ordinary mail", ErrNotAReport)
	}
	if autoReply.MatchString(subject) && !bounceSubject.MatchString(subject) {
		return nil, fmt.Errorf("%w: an auto-reply", ErrNotAReport)
	}
	text, returned := plainText(h.Get("Content-Type"), h.Get("Content-Transfer-Encoding"), body, 0)
	if len(bytes.TrimSpace(text)) == 0 && len(body) > 0 {
		// The MIME structure is broken (a part header that does not
		// parse, a missing boundary): the raw body still has the words.
		text = body
	}
	if len(text) > maxPlain {
		text = text[:maxPlain]
	}
	explain := text
	if returned == nil {
		if loc := returnedMarker.FindIndex(text); loc != nil {
			explain = text[:loc[0]]
			rest := text[loc[1]:]
			if i := bytes.IndexByte(rest, '\n'); i >= 0 {
				rest = rest[i+1:]
			}
			returned = bytes.TrimLeft(rest, "\r\n \t")
		}
	}
	sender := map[string]bool{}
	for _, a := range addressList(h.Get("To")) {
		sender[strings.ToLower(a)] = true
	}
	if a := returnedFrom(returned); a != "" {
		sender[strings.ToLower(a)] = true
	}
	for _, a := range addressList(from) {
		sender[strings.ToLower(a)] = true
	}
	blocks := recipientBlocks(string(explain), sender)
	if len(blocks) == 0 {
		for _, a := range strings.Split(failed, ",") {
			if a = address(a); strings.Contains(a, "@") {
				blocks = append(blocks, block{email: a})
			}
		}
	}
	if len(blocks) == 0 && returned != nil && depth < maxDepth {
		// A gateway that wraps the real report as the "returned" message.
		if r, err := parse(returned, depth+1); err == nil {
			return r, nil
		}
	}
	if len(blocks) == 0 && returned != nil {
		if to := addressList(headerFields(returned).get("to")); len(to) == 1 && strings.Contains(to[0], "@") && !sender[strings.ToLower(to[0])] {
			blocks = append(blocks, block{email: to[0]})
		}
	}
	if len(blocks) == 0 {
		return nil, fmt.Errorf("%w: a delivery notice that names no recipient", ErrNotAReport)
	}
	delay := delayWords.Match(explain) && !permanentWords.Match(explain) || strings.Contains(strings.ToLower(subject), "delay")
	r := &Report{Kind: KindBounce}
	if delay {
		r.Kind = KindDelay
	}
	for _, b := range blocks {
		rc := Recipient{Email: b.email, Action: "failed", Diagnostic: diagnosticOf(b.text)}
		rc.Status = statusFromReply(rc.Diagnostic)
		if rc.Status == "" {
			rc.Status = statusInText(b.text)
		}
		if rc.Status == "" && len(blocks) == 1 {
			// The reply stands apart from the recipient's line.
			if d := diagnosticOf(string(explain)); statusFromReply(d) != "" {
				rc.Diagnostic, rc.Status = d, statusFromReply(d)
			}
		}
		switch {
		case delay:
			rc.Action = "delayed"
			if rc.Status == "" || rc.Status[0] == '5' {
				rc.Status = "4.0.0"
			}
		case rc.Status == "":
			rc.Status = "5.0.0"
		}
		if len(blocks) == 1 {
			decide(&rc, b.text, string(explain))
		} else {
			decide(&rc, b.text)
		}
		r.Recipients = append(r.Recipients, rc)
	}
	r.OriginalMessageID = returnedMessageID(returned)
	return r, nil
}

// block is a recipient named in a text and the text about it.
type block struct {
	email string
	text  string
}

// recipientBlocks finds the recipient lines of text and the lines after
// each, up to the next one; addresses in skip (the sender) are not
// recipients.
func recipientBlocks(text string, skip map[string]bool) []block {
	var out []block
	index := map[string]int{}
	cur := -1
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		trimmed := strings.TrimSpace(line)
		transcript := strings.HasPrefix(trimmed, ">>>") || strings.HasPrefix(trimmed, "<<<")
		m := rcptLine.FindStringSubmatch(line)
		if transcript || m == nil {
			m = rcptInLine.FindStringSubmatch(line)
		}
		if transcript && (m == nil || !strings.Contains(strings.ToLower(line), "rcpt")) {
			if cur >= 0 && len(out[cur].text) < maxBlock {
				out[cur].text += "\n" + line
			}
			continue
		}
		if m != nil {
			email := strings.TrimRight(m[1], ".")
			low := strings.ToLower(email)
			if !skip[low] && !strings.HasPrefix(low, "mailer-daemon@") && !fromLine(trimmed) {
				i, ok := index[low]
				if !ok && len(out) == maxRecipients {
					continue
				}
				if !ok {
					i = len(out)
					index[low] = i
					out = append(out, block{email: email})
				}
				cur = i
				at := strings.Index(line, m[1])
				if strings.Trim(line[:at], " \t<>\"") != "" {
					out[cur].text += "\n" + line // "550 5.1.1 <a@b>... User unknown"
					if sendmailLine.MatchString(line) {
						cur = -1 // sendmail's line says it all; the next ones are about others
					}
				} else {
					out[cur].text += "\n" + strings.TrimLeft(strings.TrimSpace(line[at+len(m[1]):]), ">:\". ")
				}
				continue
			}
		}
		if cur >= 0 && len(out[cur].text) < maxBlock {
			out[cur].text += "\n" + line
		}
	}
	return out
}

// sendmailLine is sendmail's summary of one recipient: "550 5.1.1
// <a@b>... User unknown".
var sendmailLine = regexp.MustCompile(`^[ \t]*[45]\d\d[ \-](?:[45]\.\d{1,3}\.\d{1,3} )?<[^<>\s]+@[^<>\s]+>\.\.\. \S`)

// fromLine is a line about the sender rather than a recipient.
func fromLine(line string) bool {
	l := strings.ToLower(line)
	return strings.HasPrefix(l, "from:") || strings.HasPrefix(l, "mail from") || strings.HasPrefix(l, "reply-to:") ||
		strings.HasPrefix(l, "sender:") || strings.HasPrefix(l, "return-path:")
}

var (
	replyLineRe = regexp.MustCompile(`(?m)(^|[\s:(\[])([45]\d\d)[ \-]`)
	textCodeRe  = regexp.MustCompile(`#?\b([245]\.\d{1,3}\.\d{1,3})\b`)
)

// diagnosticOf picks the remote reply out of a recipient's text: from the
// first SMTP reply code on, on one line.
func diagnosticOf(text string) string {
	t := strings.Join(strings.Fields(text), " ")
	if loc := replyLineRe.FindStringSubmatchIndex(t); loc != nil {
		t = t[loc[4]:]
	}
	if len(t) > 1000 {
		t = t[:1000]
	}
	return strings.ToValidUTF8(t, "")
}

// statusInText finds an enhanced code anywhere in the text, e.g. qmail's
// "(#5.1.1)".
func statusInText(text string) string {
	if m := textCodeRe.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	return ""
}

// returnedFrom is the From address of a returned message header.
func returnedFrom(returned []byte) string {
	if returned == nil {
		return ""
	}
	if as := addressList(headerFields(returned).get("from")); len(as) > 0 {
		return as[0]
	}
	return ""
}

// plainText returns the human-readable text of a message body and, when
// one is attached, the returned message.
func plainText(contentType, cte string, body []byte, depth int) (text, returned []byte) {
	mediaType, params, _ := mime.ParseMediaType(contentType)
	if !strings.HasPrefix(mediaType, "multipart/") || params["boundary"] == "" || depth >= maxDepth {
		b, _ := io.ReadAll(io.LimitReader(decode(bytes.NewReader(body), cte), maxPlain))
		if mediaType == "text/html" {
			b = stripTags(b)
		}
		return b, nil
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var html []byte
	for i := 0; i < maxParts; i++ {
		p, err := mr.NextRawPart()
		if err != nil {
			break
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		raw, _ := io.ReadAll(io.LimitReader(p, maxPlain))
		switch {
		case pt == "message/rfc822" || pt == "text/rfc822-headers" || pt == "message/rfc822-headers":
			if returned == nil {
				returned, _ = io.ReadAll(io.LimitReader(decode(bytes.NewReader(raw), p.Header.Get("Content-Transfer-Encoding")), maxPlain))
			}
		case strings.HasPrefix(pt, "multipart/"):
			t, r := plainText(p.Header.Get("Content-Type"), "", raw, depth+1)
			if text == nil {
				text = t
			}
			if returned == nil {
				returned = r
			}
		case pt == "text/html":
			if html == nil {
				html, _ = io.ReadAll(decode(bytes.NewReader(raw), p.Header.Get("Content-Transfer-Encoding")))
			}
		case pt == "" || pt == "text/plain":
			if text == nil {
				text, _ = io.ReadAll(decode(bytes.NewReader(raw), p.Header.Get("Content-Transfer-Encoding")))
			}
		}
	}
	if text == nil && html != nil {
		text = stripTags(html)
	}
	return text, returned
}

var tagRe = regexp.MustCompile(`(?s)<(br|p|div|tr|li)[^>]*>|<[^>]*>`)

// stripTags turns HTML into rough text: block tags become line breaks.
func stripTags(b []byte) []byte {
	b = tagRe.ReplaceAllFunc(b, func(t []byte) []byte {
		if len(t) > 1 && bytes.ContainsAny(t[1:2], "bpdtlBPDTL") && !bytes.HasPrefix(t, []byte("</")) {
			return []byte("\n")
		}
		return nil
	})
	for _, e := range [][2]string{{"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&nbsp;", " "}, {"&quot;", `"`}} {
		b = bytes.ReplaceAll(b, []byte(e[0]), []byte(e[1]))
	}
	return b
}

func decodeHeader(v string) string {
	var dec mime.WordDecoder
	if d, err := dec.DecodeHeader(v); err == nil {
		return d
	}
	return v
}
