// Package bounce reads the reports that come back after mail is sent:
// delivery status notifications (RFC 3464: a message could not be
// delivered, or not yet) and abuse feedback reports (RFC 5965 ARF: the
// recipient marked it as spam), so that aftersale stops mailing addresses
// that bounce hard or complain.
//
// Both are multipart/report messages. A report names the recipients it is
// about and carries the original message, or its header, from which the
// original Message-ID is taken: aftersale's Message-IDs are unique per
// customer and journey step, so the ID finds the message even when a
// provider hides the recipient's address.
package bounce

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"

	"github.com/aftersale/aftersale"
)

// Kind is what a report says happened.
type Kind string

// The kinds of report.
const (
	KindBounce    Kind = "bounce"    // delivery failed for at least one recipient
	KindDelay     Kind = "delay"     // delivery is late and still being retried
	KindComplaint Kind = "complaint" // the recipient reported the message as spam
)

// Report is what Parse found in a report.
type Report struct {
	Kind Kind
	// Recipients are the recipients the report is about: for a delivery
	// status notification each failed or delayed one (a KindBounce report
	// may also list delayed recipients; look at each one's Action and
	// Permanent), for a complaint the complaining address when the
	// provider tells it. A complaint may have none: some providers
	// redact the address; OriginalMessageID still identifies the message.
	Recipients []Recipient
	// OriginalMessageID is the Message-ID of the message the report is
	// about, with angle brackets, or "" when the report does not show it.
	OriginalMessageID string
	// FeedbackType is the Feedback-Type of a complaint, lower-cased:
	// "abuse", "fraud", "virus" or "other". "" for other kinds.
	FeedbackType string
}

// Recipient is one recipient a report is about.
type Recipient struct {
	// Email is the address the message was sent to: the DSN's
	// Original-Recipient when it gives one, else its Final-Recipient; for
	// a complaint, Original-Rcpt-To or the original message's To. As the
	// report spells it.
	Email string
	// Status is the enhanced status code, e.g. "5.1.1"; for a DSN without
	// a Status field it is taken from the diagnostic's reply. "" for
	// complaints.
	Status string
	// Action is the DSN's action, lower-cased: "failed" or "delayed". ""
	// for complaints.
	Action string
	// Diagnostic is the remote server's reply or the reporting MTA's
	// explanation, without its type prefix ("smtp;"), on one line.
	Diagnostic string
	// Permanent is true for a hard bounce (status class 5) and for a
	// complaint; false for a soft bounce (class 4, or a delay).
	Permanent bool
	// Suppress is the suppression reason to record for Email, in the form
	// of aftersale.Customer.Suppressed ("bounce 5.1.1", "complaint"), or
	// "" when the report gives no cause to stop mailing the address.
	//
	// Only a hard bounce that says the address itself is bad suppresses:
	// 5.1.x about the destination (no such user 5.1.1, no such domain
	// 5.1.2, bad syntax 5.1.3, moved 5.1.6, no mail accepted 5.1.10),
	// mailbox disabled 5.2.1, and no route to the domain 5.4.4. Other hard
	// bounces are Permanent but do not suppress: 5.7.26 (the sender failed
	// DMARC), 5.7.1 (refused by policy) or 5.2.2 (mailbox full) are about
	// the sender's setup or a passing state, and suppressing would punish
	// the customer for them.
	Suppress string
}

// ErrNotAReport is returned (wrapped) by Parse for mail that is not a
// delivery failure or delay notification or a spam complaint: ordinary mail,
// auto-replies, read receipts, success notifications, DMARC failure
// reports. Such mail is to be dropped.
var ErrNotAReport = errors.New("bounce: not a bounce or complaint report")

// ErrMalformed is returned (wrapped) by Parse for a multipart/report that
// should be a bounce or complaint but is too broken to act on.
var ErrMalformed = errors.New("bounce: malformed report")

// Limits that keep hostile input cheap.
const (
	maxDepth = 3  // multipart nesting searched for the report
	maxParts = 64 // parts read per multipart
)

// Parse reads the raw message raw, as received, and returns the report in
// it. Errors wrap ErrNotAReport or ErrMalformed; they never include an
// email address.
func Parse(raw []byte) (*Report, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: not a mail message", ErrNotAReport)
	}
	return findReport(msg.Header.Get("Content-Type"), msg.Body, 0)
}

// findReport looks for a multipart/report at the top, or inside a
// multipart/mixed wrapper that a gateway added.
func findReport(contentType string, body io.Reader, depth int) (*Report, error) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.HasPrefix(mediaType, "multipart/") {
		return nil, fmt.Errorf("%w: the message is %s", ErrNotAReport, orNone(mediaType))
	}
	if params["boundary"] == "" {
		return nil, fmt.Errorf("%w: %s without a boundary", ErrNotAReport, mediaType)
	}
	if mediaType == "multipart/report" {
		return parseReport(strings.ToLower(params["report-type"]), multipart.NewReader(body, params["boundary"]))
	}
	if mediaType != "multipart/mixed" || depth >= maxDepth {
		return nil, fmt.Errorf("%w: the message is %s", ErrNotAReport, mediaType)
	}
	mr := multipart.NewReader(body, params["boundary"])
	for i := 0; i < maxParts; i++ {
		p, err := mr.NextRawPart()
		if err != nil {
			break
		}
		if r, err := findReport(p.Header.Get("Content-Type"), p, depth+1); !errors.Is(err, ErrNotAReport) {
			return r, err
		}
	}
	return nil, fmt.Errorf("%w: no multipart/report in the %s", ErrNotAReport, mediaType)
}

func orNone(s string) string {
	if s == "" {
		return "not MIME"
	}
	return s
}

// parts are the machine-readable parts of a multipart/report.
type parts struct {
	status   []byte // message/delivery-status
	feedback []byte // message/feedback-report
	returned []byte // the original message or its header
	others   []string
}

func parseReport(reportType string, mr *multipart.Reader) (*Report, error) {
	var ps parts
	for i := 0; ; i++ {
		if i == maxParts {
			return nil, fmt.Errorf("%w: more than %d parts", ErrMalformed, maxParts)
		}
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if ps.status != nil || ps.feedback != nil {
				break // a truncated returned message; the report came first
			}
			return nil, fmt.Errorf("%w: the MIME structure is broken", ErrMalformed)
		}
		mediaType, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if mediaType == "" {
			mediaType = "text/plain"
		}
		var dst *[]byte
		switch mediaType {
		case "message/delivery-status", "message/global-delivery-status":
			dst = &ps.status
		case "message/feedback-report":
			dst = &ps.feedback
		case "message/rfc822", "message/global", "text/rfc822-headers",
			"message/rfc822-headers", "message/global-headers":
			dst = &ps.returned
		default:
			ps.others = append(ps.others, mediaType)
			continue
		}
		if *dst != nil {
			continue // the first one counts
		}
		b, err := io.ReadAll(decode(p, p.Header.Get("Content-Transfer-Encoding")))
		if err != nil && len(b) == 0 {
			return nil, fmt.Errorf("%w: the %s part does not decode", ErrMalformed, mediaType)
		}
		if b == nil {
			b = []byte{}
		}
		*dst = b
	}
	if reportType == "" { // some senders leave it out
		switch {
		case ps.status != nil:
			reportType = "delivery-status"
		case ps.feedback != nil:
			reportType = "feedback-report"
		}
	}
	switch reportType {
	case "delivery-status", "global-delivery-status":
		return parseDSN(&ps)
	case "feedback-report":
		return parseARF(&ps)
	}
	return nil, fmt.Errorf("%w: a multipart/report of type %q", ErrNotAReport, token(reportType))
}

// decode undoes a part's Content-Transfer-Encoding.
func decode(r io.Reader, cte string) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &skipSpace{r: r})
	}
	return r
}

// skipSpace drops the line breaks and blanks in base64 text.
type skipSpace struct{ r io.Reader }

func (s *skipSpace) Read(p []byte) (int, error) {
	for {
		n, err := s.r.Read(p)
		k := 0
		for _, c := range p[:n] {
			if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				p[k] = c
				k++
			}
		}
		if k > 0 || err != nil {
			return k, err
		}
	}
}

func parseDSN(ps *parts) (*Report, error) {
	if ps.status == nil {
		return nil, fmt.Errorf("%w: a delivery-status report without a message/delivery-status part", ErrMalformed)
	}
	r := &Report{}
	var failed, delayed bool
	var perMessage fields
	named, unnamed := 0, 0 // recipient groups, and those without an address
	for _, g := range fieldGroups(ps.status) {
		if g.get("final-recipient") == "" && g.get("original-recipient") == "" {
			if perMessage == nil {
				perMessage = g
			}
			continue
		}
		named++
		rc, ok := dsnRecipient(g)
		if rc.Email == "" {
			unnamed++
		}
		if !ok {
			continue
		}
		switch rc.Action {
		case "failed":
			failed = true
		case "delayed":
			delayed = true
		}
		r.Recipients = append(r.Recipients, rc)
	}
	switch {
	case failed:
		r.Kind = KindBounce
	case delayed:
		r.Kind = KindDelay
	case named == 0 || unnamed > 0:
		return nil, fmt.Errorf("%w: the delivery status names no recipient's address", ErrMalformed)
	default:
		return nil, fmt.Errorf("%w: the delivery status reports no failed or delayed recipient", ErrNotAReport)
	}
	r.OriginalMessageID = returnedMessageID(ps.returned)
	if r.OriginalMessageID == "" {
		// Gmail names it among the per-message fields.
		r.OriginalMessageID = messageID(perMessage.get("x-original-message-id"))
	}
	return r, nil
}

// dsnRecipient reads one per-recipient group; ok is false for a recipient
// that was delivered, relayed or expanded, or that names no address.
func dsnRecipient(g fields) (Recipient, bool) {
	rc := Recipient{
		Email:      address(g.get("original-recipient")),
		Action:     strings.ToLower(firstWord(g.get("action"))),
		Diagnostic: typedValue(g.get("diagnostic-code")),
	}
	if !strings.Contains(rc.Email, "@") {
		rc.Email = address(g.get("final-recipient"))
	}
	if rc.Email == "" {
		return rc, false
	}
	rc.Status = statusCode(g.get("status"))
	if rc.Status == "" {
		rc.Status = statusFromReply(rc.Diagnostic)
	}
	class := byte(0)
	if rc.Status != "" {
		class = rc.Status[0]
	}
	switch {
	case rc.Action == "failed" || (class == '5' && rc.Action != "delayed"):
		rc.Action = "failed"
		rc.Permanent = class == '5'
	case rc.Action == "delayed" || class == '4':
		rc.Action = "delayed"
	default:
		return rc, false
	}
	rc.Suppress = suppression(rc.Status, rc.Permanent)
	return rc, true
}

// suppression is the reason to suppress an address for a hard bounce with
// status, or "" (see Recipient.Suppress).
func suppression(status string, permanent bool) string {
	if !permanent {
		return ""
	}
	_, rest, _ := strings.Cut(status, ".")
	subject, detail, _ := strings.Cut(rest, ".")
	switch {
	case subject == "1" && (detail == "1" || detail == "2" || detail == "3" || detail == "6" || detail == "10"):
	case subject == "2" && detail == "1":
	case subject == "4" && detail == "4":
	default:
		return ""
	}
	return aftersale.SuppressBounce + " " + status
}

// complaintTypes are the Feedback-Types that mean "this is unwanted mail".
// not-spam and auth-failure (a DMARC failure report) are not complaints.
var complaintTypes = map[string]bool{"abuse": true, "fraud": true, "virus": true, "other": true}

func parseARF(ps *parts) (*Report, error) {
	if ps.feedback == nil {
		return nil, fmt.Errorf("%w: a feedback report without a message/feedback-report part", ErrMalformed)
	}
	var fb fields
	if gs := fieldGroups(ps.feedback); len(gs) > 0 {
		fb = gs[0]
	}
	ft := strings.ToLower(firstWord(fb.get("feedback-type")))
	switch {
	case ft == "":
		return nil, fmt.Errorf("%w: the feedback report has no Feedback-Type", ErrMalformed)
	case !complaintTypes[ft]:
		return nil, fmt.Errorf("%w: feedback of type %q is not a complaint", ErrNotAReport, token(ft))
	}
	r := &Report{Kind: KindComplaint, FeedbackType: ft, OriginalMessageID: returnedMessageID(ps.returned)}
	var emails []string
	for _, v := range fb.all("original-rcpt-to") {
		emails = append(emails, address(v))
	}
	if len(emails) == 0 && ps.returned != nil {
		h := headerFields(ps.returned)
		emails = addressList(h.get("to"))
	}
	seen := map[string]bool{}
	for _, e := range emails {
		if e == "" || !strings.Contains(e, "@") || seen[strings.ToLower(e)] {
			continue
		}
		seen[strings.ToLower(e)] = true
		r.Recipients = append(r.Recipients, Recipient{Email: e, Permanent: true, Suppress: aftersale.SuppressComplaint})
	}
	if len(r.Recipients) == 0 && r.OriginalMessageID == "" {
		return nil, fmt.Errorf("%w: the complaint names neither a recipient nor the original message", ErrMalformed)
	}
	return r, nil
}

// returnedMessageID is the Message-ID in the header of a returned message.
func returnedMessageID(returned []byte) string {
	if returned == nil {
		return ""
	}
	return messageID(headerFields(returned).get("message-id"))
}

var msgIDRe = regexp.MustCompile(`<[^<>\s]+@[^<>\s]+>`)

// messageID returns the first <left@right> in v; a bare left@right gets
// its brackets.
func messageID(v string) string {
	if id := msgIDRe.FindString(v); id != "" {
		return id
	}
	v = strings.TrimSpace(v)
	if v != "" && strings.Contains(v, "@") && !strings.ContainsAny(v, "<> \t") {
		return "<" + v + ">"
	}
	return ""
}

var statusRe = regexp.MustCompile(`\b[245]\.\d{1,3}\.\d{1,3}\b`)

// statusCode returns the enhanced status code in v, e.g. "5.1.1" in
// "5.1.1 (bad destination mailbox)".
func statusCode(v string) string { return statusRe.FindString(v) }

var replyRe = regexp.MustCompile(`^[245]\d\d\b`)

// statusFromReply takes the status from an SMTP reply: its enhanced code,
// or the class of its reply code as x.0.0.
func statusFromReply(diag string) string {
	if s := statusCode(diag); s != "" {
		return s
	}
	if c := replyRe.FindString(diag); c != "" {
		return c[:1] + ".0.0"
	}
	return ""
}

// typedValue drops the type of a typed DSN field ("smtp; 550 ..." → "550
// ...", "rfc822; a@b" → "a@b").
func typedValue(v string) string {
	if t, rest, ok := strings.Cut(v, ";"); ok && !strings.ContainsAny(strings.TrimSpace(t), " \t<>@") {
		v = rest
	}
	return strings.Join(strings.Fields(v), " ")
}

// address reads an address field: "rfc822; <ana@example.com>" → its
// address.
func address(v string) string {
	v = typedValue(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			v = v[i+1 : i+j]
		}
	}
	return strings.TrimSpace(v)
}

// addressList reads the addresses of a To header, leniently.
func addressList(v string) []string {
	if v == "" {
		return nil
	}
	var dec mime.WordDecoder
	if d, err := dec.DecodeHeader(v); err == nil {
		v = d
	}
	if as, err := mail.ParseAddressList(v); err == nil {
		out := make([]string, len(as))
		for i, a := range as {
			out[i] = a.Address
		}
		return out
	}
	var out []string
	for _, s := range strings.Split(v, ",") {
		out = append(out, address(s))
	}
	return out
}

// token returns s for an error message when it is a plain token, so that
// no address or other text from the report ends up in errors and logs.
func token(s string) string {
	if len(s) > 40 {
		return "?"
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return "?"
		}
	}
	return s
}

func firstWord(v string) string {
	if f := strings.Fields(v); len(f) > 0 {
		return strings.TrimRight(f[0], ";,")
	}
	return ""
}
