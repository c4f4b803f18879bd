// Package bounce reads the reports that come back after mail is sent:
// delivery status notifications (RFC 3464: a message could not be
// delivered, or not yet) and abuse feedback reports (RFC 5965 ARF: the
// recipient marked it as spam), so that aftersale stops mailing addresses
// that bounce hard or complain.
//
// Most are multipart/report messages; many servers (qmail, Exim, older
// Postfix and sendmail, Exchange, Gmail, Yahoo) write plain-text notices
// instead, which are read too. A report names the recipients it is
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
	// a complaint, Original-Rcpt-To or the original message's To; for a
	// plain-text bounce, the address the notice names. As the report
	// spells it. A complaint that hides the recipient has one Recipient
	// with Email "": the report's OriginalMessageID finds the address.
	Email string
	// Status is the enhanced status code, e.g. "5.1.1": the remote
	// server's own code in its reply when it gives one (it wins over a
	// DSN's Status field), else the Status field, else the class of the
	// reply code as X.0.0. "" for complaints.
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
	// Only a failure that says the address or its domain does not exist
	// (Category UserUnknown or DomainUnknown) suppresses, whatever the
	// generic code beside it (5.0.0, 5.5.0). Blocks, spam policy,
	// reputation, rate limits, full mailboxes and temporary DNS trouble do
	// not, even when the Status claims 5.1.1: they are about the sender's
	// setup or a passing state, and suppressing would punish the customer
	// for them.
	Suppress string
	// Category is why the mail came back, as the receiving server means it
	// (see Category); Complaint for a complaint.
	Category Category
	// Basis is the text the decision rests on: the phrase of the reply
	// that gave the category, or "Status: X.Y.Z" when only the code did.
	Basis string
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
func Parse(raw []byte) (*Report, error) { return parse(raw, 0) }

func parse(raw []byte, depth int) (*Report, error) {
	if bytes.IndexByte(raw, '\n') < 0 && bytes.IndexByte(raw, '\r') >= 0 {
		raw = bytes.ReplaceAll(raw, []byte("\r"), []byte("\n")) // old Mac line ends
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: not a mail message", ErrNotAReport)
	}
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		return nil, fmt.Errorf("%w: not a mail message", ErrNotAReport)
	}
	r, err := findReport(msg.Header.Get("Content-Type"), body, 0)
	switch {
	case errors.Is(err, errNoReportPart):
		text, _ := plainText(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), body, maxDepth)
		if r, ok, err := parseSES(text); ok {
			return r, err
		}
		return parsePlain(msg.Header, body, depth)
	case errors.Is(err, errTextOnly), errors.Is(err, errBrokenMIME):
		// A multipart/report with only the notice for people in it, or
		// one too broken to read its fields: the notice may still say.
		if r, perr := parsePlain(msg.Header, body, depth); perr == nil {
			return r, nil
		}
	}
	return r, err
}

// errNoReportPart is the ErrNotAReport of a message without a
// multipart/report in it: it may be a plain-text bounce.
var errNoReportPart = fmt.Errorf("%w: no multipart/report", ErrNotAReport)

// findReport looks for a multipart/report at the top, or inside a
// multipart/mixed wrapper that a gateway added; a multipart/mixed that
// carries a delivery-status or feedback part itself is read as a report.
func findReport(contentType string, body []byte, depth int) (*Report, error) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.HasPrefix(mediaType, "multipart/") {
		return nil, fmt.Errorf("%w: the message is %s", errNoReportPart, orNone(mediaType))
	}
	if params["boundary"] == "" {
		if mediaType == "multipart/report" {
			return looseReport(strings.ToLower(params["report-type"]), body)
		}
		return nil, fmt.Errorf("%w: %s without a boundary", errNoReportPart, mediaType)
	}
	if mediaType == "multipart/report" {
		reportType := strings.ToLower(params["report-type"])
		r, err := parseReport(reportType, multipart.NewReader(bytes.NewReader(body), params["boundary"]))
		if errors.Is(err, errBrokenMIME) {
			return looseReport(reportType, body)
		}
		return r, err
	}
	if mediaType != "multipart/mixed" || depth >= maxDepth {
		return nil, fmt.Errorf("%w: the message is %s", errNoReportPart, mediaType)
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	machine := false
	for i := 0; i < maxParts; i++ {
		p, err := mr.NextRawPart()
		if err != nil {
			break
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch pt {
		case "message/delivery-status", "message/global-delivery-status", "message/feedback-report":
			machine = true
			continue
		}
		b, _ := io.ReadAll(p)
		if r, err := findReport(p.Header.Get("Content-Type"), b, depth+1); !errors.Is(err, errNoReportPart) {
			return r, err
		}
	}
	if machine {
		return parseReport("", multipart.NewReader(bytes.NewReader(body), params["boundary"]))
	}
	return nil, fmt.Errorf("%w in the %s", errNoReportPart, mediaType)
}

// errTextOnly is the ErrMalformed of a delivery-status report without the
// delivery-status part: its text may still be read as a plain bounce.
var errTextOnly = fmt.Errorf("%w: a delivery-status report without its status", ErrMalformed)

// errBrokenMIME is the ErrMalformed of a multipart/report whose parts
// cannot be told apart (a wrong boundary, say).
var errBrokenMIME = fmt.Errorf("%w: the MIME structure is broken", ErrMalformed)

var returnedPartRe = regexp.MustCompile(`(?im)^content-type:[ \t]*(message/rfc822|text/rfc822-headers|message/rfc822-headers)`)

// looseReport reads a multipart/report whose MIME structure is broken as
// one text: its fields still say who failed and why.
func looseReport(reportType string, body []byte) (*Report, error) {
	ps := parts{text: body}
	if loc := returnedPartRe.FindIndex(body); loc != nil {
		rest := body[loc[1]:]
		if i := bytes.Index(rest, []byte("\n\n")); i >= 0 {
			ps.returned = rest[i+2:]
		} else if i := bytes.Index(rest, []byte("\r\n\r\n")); i >= 0 {
			ps.returned = rest[i+4:]
		}
	}
	if reportType == "feedback-report" || reportType == "" && feedbackTypeRe.Match(body) {
		ps.feedback = body
		return parseARF(&ps)
	}
	ps.status = body
	r, err := parseDSN(&ps)
	if err != nil {
		return nil, errBrokenMIME
	}
	return r, nil
}

var feedbackTypeRe = regexp.MustCompile(`(?im)^feedback-type:`)

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
	text     []byte // the first text/plain part: the notice for people
	others   []string
}

func parseReport(reportType string, mr *multipart.Reader) (*Report, error) {
	var ps parts
	for i := 0; ; i++ {
		if i == maxParts {
			return nil, fmt.Errorf("%w: more than %d parts", ErrMalformed, maxParts)
		}
		p, err := mr.NextRawPart()
		if err == io.EOF && i == 0 {
			return nil, errBrokenMIME // the boundary is not in the body
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			if ps.status != nil || ps.feedback != nil {
				break // a truncated returned message; the report came first
			}
			return nil, errBrokenMIME
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
		case "multipart/alternative", "multipart/related", "multipart/mixed":
			if ps.text == nil {
				raw, _ := io.ReadAll(io.LimitReader(p, maxPlain))
				ps.text, _ = plainText(p.Header.Get("Content-Type"), "", raw, 1)
			}
			continue
		case "text/plain":
			if ps.text == nil {
				ps.text, _ = io.ReadAll(io.LimitReader(decode(p, p.Header.Get("Content-Transfer-Encoding")), maxPlain))
			}
			continue
		default:
			ps.others = append(ps.others, mediaType)
			continue
		}
		if *dst != nil {
			continue // the first one counts
		}
		b, err := io.ReadAll(decode(p, p.Header.Get("Content-Transfer-Encoding")))
		if err != nil && len(b) == 0 && dst != &ps.returned { // a returned message may be cut off
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
	if ps.status == nil && ps.feedback == nil && ps.text != nil && (reportType == "" || reportType == "delivery-status") {
		return nil, fmt.Errorf("%w: no message/delivery-status part", errTextOnly)
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
	named, unnamed := 0, 0       // recipient groups, and those without an address
	notes := map[string]string{} // what the notice for people says of each recipient
	text := ps.text
	if loc := returnedMarker.FindIndex(text); loc != nil {
		text = text[:loc[0]]
	}
	for _, b := range recipientBlocks(string(text), nil) {
		notes[strings.ToLower(b.email)] = b.text
	}
	for _, g := range recipientGroups(fieldGroups(ps.status)) {
		if g.get("final-recipient") == "" && g.get("original-recipient") == "" {
			if perMessage == nil {
				perMessage = g
			}
			continue
		}
		named++
		rc, ok := dsnRecipient(g, notes)
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
func dsnRecipient(g fields, notes map[string]string) (Recipient, bool) {
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
	// The remote server's own code wins over the Status field.
	rc.Status = statusCode(rc.Diagnostic)
	if rc.Status == "" {
		rc.Status = statusCode(g.get("status"))
	}
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
	note := notes[strings.ToLower(rc.Email)]
	if note == "" && len(notes) == 1 && rc.Diagnostic == "" {
		for _, n := range notes {
			note = n
		}
	}
	diag := rc.Diagnostic
	if stage := stageOf(note); stage != "" && stageOf(diag) == "" {
		// The notice tells the stage the reply answered ("in reply to end
		// of DATA command"); the Diagnostic-Code leaves it out.
		diag += " (" + stage + ")"
	}
	decide(&rc, diag, note)
	return rc, true
}

// decide sets a failed or delayed recipient's Category, Basis, Permanent
// and Suppress from its Status and the texts about it, best first: the
// first text whose words say why wins over the code.
func decide(rc *Recipient, texts ...string) {
	permanent := rc.Action == "failed" && rc.Status != "" && rc.Status[0] == '5'
	var cat Category
	var basis string
	for i, t := range texts {
		c, b, phrase := classify(rc.Status, t, permanent)
		if i == 0 || phrase {
			cat, basis = c, b
		}
		if phrase {
			break
		}
	}
	if rc.Action == "failed" && cat.Hard() {
		permanent = true // "450 4.1.1 user unknown", given up
	}
	rc.Permanent, rc.Category, rc.Basis = permanent, cat, basis
	if permanent && cat.Hard() {
		rc.Suppress = aftersale.SuppressBounce + " " + rc.Status
	}
}

// complaintTypes are the Feedback-Types that mean "this is unwanted mail".
// not-spam and auth-failure (a DMARC failure report) are not complaints.
var complaintTypes = map[string]bool{"abuse": true, "fraud": true, "virus": true, "other": true}

func parseARF(ps *parts) (*Report, error) {
	if ps.feedback == nil {
		return nil, fmt.Errorf("%w: a feedback report without a message/feedback-report part", ErrMalformed)
	}
	var fb fields
	for _, g := range fieldGroups(ps.feedback) {
		if g.get("feedback-type") != "" {
			fb = g
			break
		}
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
	source := "Original-Rcpt-To: "
	for _, v := range fb.all("original-rcpt-to") {
		emails = append(emails, address(v))
	}
	if len(emails) == 0 && ps.returned != nil {
		h := headerFields(ps.returned)
		emails = addressList(h.get("to"))
		source = "To (of the original message): "
	}
	seen := map[string]bool{}
	for _, e := range emails {
		if e == "" || !strings.Contains(e, "@") || seen[strings.ToLower(e)] {
			continue
		}
		seen[strings.ToLower(e)] = true
		r.Recipients = append(r.Recipients, complainant(e, source+e))
	}
	if len(r.Recipients) == 0 && r.OriginalMessageID == "" {
		return nil, fmt.Errorf("%w: the complaint names neither a recipient nor the original message", ErrMalformed)
	}
	if len(r.Recipients) == 0 {
		// The provider hides the address: the Message-ID finds it.
		r.Recipients = append(r.Recipients, complainant("", "Message-ID: "+r.OriginalMessageID))
	}
	return r, nil
}

// complainant is the recipient of a complaint.
func complainant(email, basis string) Recipient {
	return Recipient{Email: email, Permanent: true, Suppress: aftersale.SuppressComplaint, Category: Complaint,
		Basis: "Feedback-Type (a spam complaint); " + basis}
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

// replyStatusRe is an enhanced code right after an SMTP reply code:
// "550-5.7.1", "550 '5.7.1".
var replyStatusRe = regexp.MustCompile(`\b[245]\d\d[ \-]['"]?([245]\.\d{1,3}\.\d{1,3})\b`)

// statusCode returns the enhanced status code in v, e.g. "5.1.1" in
// "5.1.1 (bad destination mailbox)". When a relay wraps the remote
// server's reply in its own words ("5.1.0 - Unknown address error
// 550-'5.7.1 ... Access denied'"), the code of the reply wins.
func statusCode(v string) string {
	if m := replyStatusRe.FindStringSubmatch(v); m != nil {
		return m[1]
	}
	return statusRe.FindString(v)
}

var replyRe = regexp.MustCompile(`^[45]\d\d\b`)

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
