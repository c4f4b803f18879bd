package smtp

import (
	"bytes"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/aftersale/aftersale"
)

// ownHeaders are the fields Compose writes itself; an extra header may not
// set them.
var ownHeaders = []string{
	"From", "To", "Cc", "Bcc", "Reply-To", "Sender", "Subject", "Date", "Message-ID",
	"MIME-Version", "Content-Type", "Content-Transfer-Encoding", "User-Agent", "X-Mailer",
}

// Compose builds the RFC 5322 message for m: From, To, Reply-To, Subject,
// Date, m's exact Message-ID, the extra headers, and a multipart/alternative
// body with the text part first and the HTML part second, or a single
// text/plain part when m.HTML is empty. Both parts are UTF-8 and
// quoted-printable. go-mail's own User-Agent and X-Mailer headers are left
// out.
//
// Display names are made safe by displayName (control characters dropped,
// "=?" broken, cut to 100 characters) and then quoted by net/mail, or
// RFC 2047-encoded when not ASCII; an international domain is written in
// its ASCII form. The Subject is encoded when it needs it (see
// subjectText), and every header folds, so no header line passes RFC
// 5322's 998 characters: an extra header whose value has a word too long
// to fold is an error.
//
// go-mail writes generic headers sorted by name, so the extra headers come
// out in that order rather than in m.Headers' order; header order carries no
// meaning for these fields.
//
// It is the one place messages are built: Render, which the SMTP sender and
// the outbox both use, calls it.
func Compose(m *aftersale.Email) (*mail.Msg, error) {
	if err := check(m); err != nil {
		return nil, err
	}
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent(), mail.WithCharset(mail.CharsetUTF8), mail.WithEncoding(mail.EncodingQP))
	// The addresses go to go-mail as net/mail values, which it writes with
	// their String method (names quoted or encoded) and does not parse
	// again; see mailAddress.
	from, err := mailAddress(m.From)
	if err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	msg.FromMailAddress(from)
	to, err := mailAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	msg.AddToMailAddress(to)
	if m.ReturnPath != "" {
		rp, err := envelopeAddress(m.ReturnPath)
		if err != nil {
			return nil, fmt.Errorf("return path: %w", err)
		}
		msg.EnvelopeFromMailAddress(&netmail.Address{Address: rp})
	}
	if m.ReplyTo != nil {
		rt, err := mailAddress(*m.ReplyTo)
		if err != nil {
			return nil, fmt.Errorf("reply-to: %w", err)
		}
		msg.ReplyToMailAddress(rt)
	}
	// Already ASCII words of at most 75 characters: go-mail leaves the
	// value as it is and folds it between the words.
	msg.Subject(subjectText(m.Subject))
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	msg.SetDateWithValue(date)
	// SetMessageIDWithValue would add a second pair of angle brackets.
	msg.SetGenHeader(mail.HeaderMessageID, m.MessageID)
	for _, h := range m.Headers {
		msg.SetGenHeader(mail.Header(h.Name), h.Value)
	}
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// Render composes m as Compose does and returns the message's bytes, with
// CRLF line endings, DKIM-signed with dk unless dk is nil (see DKIMConfig):
// the exact bytes the SMTP sender hands over and the outbox stores, so
// that both send the same, signed message.
func Render(m *aftersale.Email, dk *DKIMConfig) ([]byte, error) {
	r, err := render(m, dk)
	if err != nil {
		return nil, err
	}
	return r.data, nil
}

// rendered is a message ready for SMTP: its bytes and its envelope.
type rendered struct {
	data []byte
	from string   // the envelope sender, <addr>
	to   []string // the envelope recipients, <addr>
	// utf8: an envelope address has a local part beyond ASCII, so the
	// message may only go to a server that offers SMTPUTF8.
	utf8 bool
	// stuffed is data as DATA sends it: dot-stuffed and ended with the
	// ".\r\n" line (see dotStuffed), made once, before a connection is
	// taken.
	stuffed []byte
}

func render(m *aftersale.Email, dk *DKIMConfig) (*rendered, error) {
	msg, err := Compose(m)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := msg.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("write: %w", err)
	}
	r := &rendered{data: toCRLF(b.Bytes())}
	if r.from, err = msg.GetSender(false); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if r.to, err = msg.GetRecipients(); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	r.utf8 = aftersale.NeedsSMTPUTF8(r.from)
	for _, to := range r.to {
		r.utf8 = r.utf8 || aftersale.NeedsSMTPUTF8(to)
	}
	if dk != nil {
		if r.data, err = sign(r.data, dk); err != nil {
			return nil, err
		}
	}
	r.stuffed = dotStuffed(r.data)
	return r, nil
}

// dotStuffed returns data as the DATA command sends it (RFC 5321 4.5.2): a
// line that starts with a dot gets another, and the end-of-data line
// ".\r\n" follows, after a CRLF when data does not end with one (so after
// one when data is empty, as DotWriter does). data has
// CRLF line ends (render sees to that); the result is what net/textproto's
// DotWriter writes for it, without its byte-at-a-time copy.
func dotStuffed(data []byte) []byte {
	out := make([]byte, 0, len(data)+16)
	if len(data) > 0 && data[0] == '.' {
		out = append(out, '.')
	}
	for {
		i := bytes.Index(data, []byte("\r\n."))
		if i < 0 {
			break
		}
		out = append(out, data[:i+2]...)
		out = append(out, '.')
		data = data[i+2:]
	}
	out = append(out, data...)
	if !bytes.HasSuffix(out, []byte("\r\n")) {
		out = append(out, '\r', '\n')
	}
	return append(out, ".\r\n"...)
}

// toCRLF turns bare line feeds into CRLF, the line ending SMTP sends, so that
// what is signed is what arrives. go-mail already writes CRLF.
func toCRLF(b []byte) []byte {
	bare := false
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			bare = true
			break
		}
	}
	if !bare {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/40)
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}

// check validates what go-mail would accept silently or turn into a broken
// message.
func check(m *aftersale.Email) error {
	if m == nil {
		return errors.New("no message")
	}
	id := m.MessageID
	if len(id) < 5 || id[0] != '<' || id[len(id)-1] != '>' || !strings.Contains(id, "@") ||
		strings.ContainsAny(id[1:len(id)-1], "<> \t\r\n") {
		return fmt.Errorf("message-id %q is not of the form <left@right>", id)
	}
	if len(id) > 250 {
		return errors.New("message-id: longer than 250 characters")
	}
	if m.Text == "" {
		return errors.New("the text part is empty")
	}
	seen := map[string]bool{}
	for _, h := range m.Headers {
		if !validFieldName(h.Name) {
			return fmt.Errorf("header %q: not a valid field name", h.Name)
		}
		key := strings.ToLower(h.Name)
		for _, own := range ownHeaders {
			if key == strings.ToLower(own) {
				return fmt.Errorf("header %s: set by the message itself, not as an extra header", h.Name)
			}
		}
		if seen[key] {
			return fmt.Errorf("header %s: given twice", h.Name)
		}
		seen[key] = true
		for _, r := range h.Value {
			if r < ' ' && r != '\t' || r > '~' {
				return fmt.Errorf("header %s: the value must be printable ASCII on one line", h.Name)
			}
		}
		if !foldable(h.Name, h.Value) {
			return fmt.Errorf("header %s: a word of the value is too long to fold within %d characters a line", h.Name, maxLine)
		}
	}
	return nil
}

// validFieldName reports whether s is an RFC 5322 field name: printable
// ASCII without a colon.
func validFieldName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r > '~' || r == ':' {
			return false
		}
	}
	return true
}
