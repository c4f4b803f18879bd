package smtp_test

import (
	"bytes"
	"context"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/smtp"
	"github.com/aftersale/aftersale/smtptest"
)

// parsed renders m and parses it back as a mail client would, failing the
// test when a header line passes RFC 5322's 998 characters or the message
// does not parse.
func parsed(t testing.TB, m *aftersale.Email) (*mail.Message, string) {
	t.Helper()
	data, err := smtp.Render(m, nil)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	head, _, _ := bytes.Cut(data, []byte("\r\n\r\n"))
	for i, line := range strings.Split(string(head), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("header line %d has %d characters", i+1, len(line))
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the message does not parse: %v\n%s", err, head)
	}
	return msg, string(head)
}

// onlyAddress returns the one address of the header field, failing the
// test when it does not parse.
func onlyAddress(t testing.TB, msg *mail.Message, field string) *mail.Address {
	t.Helper()
	list, err := msg.Header.AddressList(field)
	if err != nil || len(list) != 1 {
		t.Fatalf("%s %q: %v, %d addresses", field, msg.Header.Get(field), err, len(list))
	}
	return list[0]
}

// leniently decodes every encoded word in a header value, also inside
// quotes, as some mail clients do.
func leniently(t testing.TB, v string) string {
	t.Helper()
	var dec mime.WordDecoder
	s, err := dec.DecodeHeader(v)
	if err != nil {
		return v
	}
	return s
}

// TestComposeDisplayNames builds From, To and Reply-To from names that
// broke mail (an odd quote made go-mail's "%s" <%s> unparsable; balanced
// quotes turned into spaces; a control character; encoded words typed as a
// name) and checks that every name parses back as written, less what
// cannot be shown.
func TestComposeDisplayNames(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Bartholomew ", 30) // 360 characters
	tests := []struct {
		name, want string
	}{
		{`O"Brien`, `O"Brien`},
		{"Zoë \\ Ltd", "Zoë \uFF3C Ltd"},
		{`Jo "JJ" O"Neil`, `Jo "JJ" O"Neil`},
		{`Ünïcode "Quoted"`, `Ünïcode "Quoted"`},
		{"Ana\x01 Li\x7fma", "Ana Lima"},
		{"Ana\r\nBcc: victim@example.com", "Ana Bcc: victim@example.com"},
		{`back\slash "and` + "\t" + `tab`, `back\slash "and tab`},
		{"\u202Eevil\u202C Name", "evil Name"},
		{"=?utf-8?q?Ana=0D=0ABcc:_victim@example.com?=", "= ?utf-8?q?Ana=0D=0ABcc:_victim@example.com?="},
		{"Ana =?UTF-8?B?QmNjOiB4QHk=?= Lima", "Ana = ?UTF-8?B?QmNjOiB4QHk= ?= Lima"},
		{long, strings.TrimSpace(strings.Repeat("Bartholomew ", 8))}, // cut at a space, within 100
		{strings.Repeat("é", 300), strings.Repeat("é", 100)},
		{strings.Repeat(`"`, 250), strings.Repeat(`"`, 100)},
	}
	for _, tt := range tests {
		m := email("names")
		m.From.Name, m.To.Name, m.ReplyTo.Name = tt.name, tt.name, tt.name
		msg, head := parsed(t, m)
		for _, field := range []string{"From", "To", "Reply-To"} {
			a := onlyAddress(t, msg, field)
			if a.Name != tt.want {
				t.Errorf("%q: %s name %q, want %q\n%s", tt.name, field, a.Name, tt.want, head)
			}
			if dec := leniently(t, msg.Header.Get(field)); strings.ContainsAny(dec, "\r\n") {
				t.Errorf("%q: %s decodes, leniently, to a line break: %q", tt.name, field, dec)
			}
		}
		if msg.Header.Get("Bcc") != "" || strings.Contains(strings.ToLower(head), "\nbcc:") {
			t.Errorf("%q: a Bcc header:\n%s", tt.name, head)
		}
		if a := onlyAddress(t, msg, "To"); a.Address != "ana@example.com" {
			t.Errorf("%q: To address %q", tt.name, a.Address)
		}
	}
}

// TestComposeSubjects: a Subject with a 960-character word (an item name
// without spaces) is encoded and folded so that no line passes 998
// characters and it decodes as written; "=?" that is part of a Subject is
// encoded too, so that it reads as typed and decodes to no line break.
func TestComposeSubjects(t *testing.T) {
	t.Parallel()
	word := strings.Repeat("x", 960)
	tests := []struct {
		subject, want string
		encoded       bool
	}{
		{"Your " + word + " is on its way", "Your " + word + " is on its way", true},
		{"Über " + strings.Repeat("é", 960), "Über " + strings.Repeat("é", 960), true},
		{"Your order =?utf-8?q?=0D=0ABcc:_victim@example.com?= shipped", "Your order =?utf-8?q?=0D=0ABcc:_victim@example.com?= shipped", true},
		{"Line\r\nBreak\x00 and  spaces", "Line Break and spaces", false},
		{"Plain subject about your order", "Plain subject about your order", false},
	}
	for _, tt := range tests {
		m := email("subject")
		m.Subject = tt.subject
		msg, head := parsed(t, m)
		raw := msg.Header.Get("Subject")
		if got := strings.HasPrefix(raw, "=?"); got != tt.encoded {
			t.Errorf("%.40q: encoded %v, want %v: %q", tt.subject, got, tt.encoded, raw)
		}
		var dec mime.WordDecoder
		got, err := dec.DecodeHeader(raw)
		if err != nil || got != tt.want {
			t.Errorf("%.40q: Subject decodes to %.80q (%v), want %.80q\n%s", tt.subject, got, err, tt.want, head)
		}
		if strings.ContainsAny(got, "\r\n") {
			t.Errorf("%.40q: the Subject decodes to a line break", tt.subject)
		}
	}
}

// TestComposeLongHeaderWord: an extra header with a word too long to fold
// is refused rather than sent as a line the relay refuses; a long one with
// spaces folds.
func TestComposeLongHeaderWord(t *testing.T) {
	t.Parallel()
	m := email("long-header")
	m.Headers = []aftersale.Header{{Name: "List-Unsubscribe", Value: "<https://aftersale.example/u/" + strings.Repeat("t", 1000) + ">"}}
	if _, err := smtp.Compose(m); err == nil || !strings.Contains(err.Error(), "fold") {
		t.Errorf("a 1,030-character word: %v, want an error about folding", err)
	}
	m.Headers = []aftersale.Header{{Name: "References", Value: strings.TrimSpace(strings.Repeat("<a-long-message-id@aftersale.example> ", 60))}}
	msg, _ := parsed(t, m)
	if got := msg.Header.Get("References"); got != m.Headers[0].Value {
		t.Errorf("References unfolds to %q", got)
	}
}

// TestSendNamesToStrictServer sends the names and the Subject that broke
// mail to a server that refuses, as strict relays do, a header line over
// 998 characters or an address field that does not parse: all arrive.
func TestSendNamesToStrictServer(t *testing.T) {
	t.Parallel()
	srv, s := setup(t, smtptest.WithStrictHeaders())
	m := email("obrien")
	m.To.Name = `O"Brien`
	m.Subject = "Your " + strings.Repeat("x", 960) + " is on its way"
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("O\"Brien with a long Subject: %v", err)
	}
	m = email("control")
	m.To.Name = "Ana\x01Lima"
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("a control character: %v", err)
	}
	msgs, err := srv.WaitFor(2, wait)
	if err != nil {
		t.Fatal(err)
	}
	if to, err := msgs[0].Header.AddressList("To"); err != nil || to[0].Name != `O"Brien` {
		t.Errorf("To %q: %v", msgs[0].Header.Get("To"), err)
	}
}

// TestSendMalformedReplies: a permanent reply to DATA that refuses the
// message's syntax is Malformed (a bug of ours to log loudly); other
// permanent replies are not.
func TestSendMalformedReplies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code      int
		text      string
		malformed bool
	}{
		{554, "5.6.0 Header line too long", true},
		{552, "5.6.1 Message content not accepted", true},
		{550, "5.7.1 Our system has detected that this message is not RFC 5322 compliant", true},
		{554, "5.0.0 Transaction failed: Illegal header", true},
		{550, "5.1.1 No such user", false},
		{554, "5.7.1 Message rejected as spam", false},
		{553, "5.6.7 Non-ASCII addresses not permitted for that recipient", false},
		{451, "4.6.0 Header line too long, try later", false},
	}
	srv, s := setup(t)
	for _, tt := range tests {
		srv.RejectNextWith(tt.code, tt.text, 1)
		err := s.Send(context.Background(), email("malformed"))
		if err == nil {
			t.Fatalf("%d %s: sent", tt.code, tt.text)
		}
		if got := aftersale.IsMalformed(err); got != tt.malformed {
			t.Errorf("%d %s: malformed %v, want %v (%v)", tt.code, tt.text, got, tt.malformed, err)
		}
		if tt.malformed && aftersale.IsTemporary(err) {
			t.Errorf("%d %s: temporary", tt.code, tt.text)
		}
	}
	// A message that cannot be built is Malformed; a bad address is not.
	m := email("bad-id")
	m.MessageID = "no brackets"
	if err := s.Send(context.Background(), m); !aftersale.IsMalformed(err) || aftersale.IsTemporary(err) {
		t.Errorf("a bad Message-ID: %v, want a permanent malformed error", err)
	}
	m = email("bad-to")
	m.To.Email = "not an address"
	if err := s.Send(context.Background(), m); err == nil || aftersale.IsMalformed(err) || aftersale.IsTemporary(err) {
		t.Errorf("a bad address: %v, want a permanent error that is not malformed", err)
	}
}

// TestSendSMTPUTF8: an address with a local part beyond ASCII goes to a
// server that offers SMTPUTF8, with SMTPUTF8 asked for; to one that does
// not it fails permanently, before anything is sent, and the connection
// serves the next message. A Unicode domain alone needs no SMTPUTF8: it is
// sent as its A-labels.
func TestSendSMTPUTF8(t *testing.T) {
	t.Parallel()
	const josé = "josé@example.com"
	t.Run("offered", func(t *testing.T) {
		t.Parallel()
		srv, s := setup(t, smtptest.WithSMTPUTF8())
		m := email("utf8")
		m.To = aftersale.Address{Name: "José", Email: josé}
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		got := srv.Messages()
		if len(got) != 1 || !got[0].UTF8 || len(got[0].To) != 1 || got[0].To[0] != josé {
			t.Fatalf("received %+v", got)
		}
		if to, err := got[0].Header.AddressList("To"); err != nil || to[0].Address != josé || to[0].Name != "José" {
			t.Errorf("To %q: %v", got[0].Header.Get("To"), err)
		}
	})
	t.Run("not offered", func(t *testing.T) {
		t.Parallel()
		srv, s := setup(t)
		m := email("utf8")
		m.To.Email = josé
		err := s.Send(context.Background(), m)
		if err == nil || aftersale.IsTemporary(err) || aftersale.IsMalformed(err) ||
			!strings.Contains(err.Error(), "the recipient's address needs SMTPUTF8, which the server does not offer") {
			t.Fatalf("%v, want a permanent error about SMTPUTF8", err)
		}
		m = email("idn")
		m.To.Email = "ana@bücher.example"
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatalf("a Unicode domain: %v", err)
		}
		got := srv.Messages()
		if len(got) != 1 || got[0].To[0] != "ana@xn--bcher-kva.example" {
			t.Fatalf("received %d messages, want the one to the A-label domain: %+v", len(got), got)
		}
		if !strings.Contains(got[0].Header.Get("To"), "<ana@xn--bcher-kva.example>") {
			t.Errorf("To %q", got[0].Header.Get("To"))
		}
		if n := srv.Sessions(); n != 1 {
			t.Errorf("%d sessions: the refused message cost the connection", n)
		}
	})
}

// FuzzCompose composes messages with any display name and Subject: each
// renders, parses with net/mail (From and To as one address each), keeps
// every header line within 998 characters, adds no header field, and reads
// back as given when the text is plain.
func FuzzCompose(f *testing.F) {
	f.Add(`O"Brien`, "Your order")
	f.Add(`Jo "JJ" O"Neil`, "Über "+strings.Repeat("é", 400))
	f.Add("=?utf-8?q?=0D=0ABcc:_x@y?=", "=?utf-8?q?=0D=0ABcc:_x@y?=")
	f.Add("Ana\x01\r\nBcc: x@y", strings.Repeat("x", 960))
	f.Add("\\\"\\", "a\tb\u202Ec")
	f.Add("\xff\xfe", "\xc3(")
	f.Fuzz(func(t *testing.T, name, subject string) {
		m := email("fuzz")
		m.Headers = nil
		m.To.Name, m.Subject = name, subject
		msg, head := parsed(t, m)
		fields := map[string]bool{}
		for _, line := range strings.Split(head, "\r\n") {
			if k, _, ok := strings.Cut(line, ":"); ok && line[0] != ' ' && line[0] != '\t' {
				fields[k] = true
			}
		}
		for k := range fields {
			switch k {
			case "From", "To", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type":
			default:
				t.Fatalf("header field %q:\n%s", k, head)
			}
		}
		to := onlyAddress(t, msg, "To")
		onlyAddress(t, msg, "From")
		var dec mime.WordDecoder
		got, err := dec.DecodeHeader(msg.Header.Get("Subject"))
		if err != nil {
			t.Fatalf("Subject %q: %v", msg.Header.Get("Subject"), err)
		}
		if plain(subject) && got != strings.Join(strings.Fields(subject), " ") {
			t.Fatalf("Subject %q reads %q", subject, got)
		}
		if plain(name) && utf8.RuneCountInString(name) <= 100 && !strings.Contains(name, "=?") &&
			to.Name != strings.Join(strings.Fields(name), " ") {
			t.Fatalf("name %q reads %q", name, to.Name)
		}
	})
}

// plain reports whether s is valid UTF-8 without control characters other
// than white space and without bidirectional controls: text Compose keeps
// as it is, but for runs of white space.
func plain(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < ' ' && !strings.ContainsRune("\t\n\v\f\r", r) || r >= 0x7f && r < 0xa0 || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 {
			return false
		}
	}
	return true
}
