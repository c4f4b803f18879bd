package smtp_test

import (
	"context"
	"errors"
	"mime"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/smtp"
	"github.com/aftersale/aftersale/smtptest"
)

const wait = 5 * time.Second

// email returns a follow-up email with both parts and the one-click
// unsubscribe headers.
func email(id string) *aftersale.Email {
	return &aftersale.Email{
		MessageID: "<" + id + "@aftersale.example>",
		Date:      time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
		From:      aftersale.Address{Name: "Bright Path Studio", Email: "hello@brightpath.example"},
		To:        aftersale.Address{Name: "Ana Lima", Email: "ana@example.com"},
		ReplyTo:   &aftersale.Address{Name: "María (support)", Email: "help@brightpath.example"},
		Subject:   "Glad you're here — did you get in?",
		Text:      "Hi Ana,\n\nHere is your link again: <https://shop.example/access/abc>\n\nJosé & the team — ünïcödé, and a very long line that goes on and on well past the seventy-six characters quoted-printable allows.\n",
		HTML:      "<p>Hi Ana,</p>\n<p>Here is your <a href=\"https://shop.example/access/abc\">link</a> again.</p>\n",
		Headers: []aftersale.Header{
			{Name: "List-Unsubscribe", Value: "<https://aftersale.example/u/" + id + ">"},
			{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"},
			{Name: "In-Reply-To", Value: "<earlier@aftersale.example>"},
			{Name: "References", Value: "<first@aftersale.example> <earlier@aftersale.example>"},
		},
	}
}

func setup(t *testing.T, opts ...smtptest.Option) (*smtptest.Server, *smtp.Sender) {
	t.Helper()
	srv := smtptest.Start(t, opts...)
	s, err := smtp.New(srv.URL(), smtp.WithHELO("test.aftersale.example"), smtp.WithTimeout(wait))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return srv, s
}

func crlf(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

func TestSendBothParts(t *testing.T) {
	t.Parallel()
	srv, s := setup(t)
	m := email("m1")
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	msgs, err := srv.WaitFor(1, wait)
	if err != nil {
		t.Fatal(err)
	}
	got := msgs[0]
	if got.From != "hello@brightpath.example" || len(got.To) != 1 || got.To[0] != "ana@example.com" {
		t.Errorf("envelope %q → %q", got.From, got.To)
	}
	raw := crlf(string(got.Data))
	if n := strings.Count(strings.ToLower(raw), "\nmessage-id:"); n != 1 {
		t.Errorf("%d Message-ID headers:\n%s", n, raw)
	}
	var dec mime.WordDecoder
	subject, _ := dec.DecodeHeader(got.Header.Get("Subject"))
	want := map[string]string{
		"Message-Id":            m.MessageID,
		"List-Unsubscribe":      "<https://aftersale.example/u/m1>",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"In-Reply-To":           "<earlier@aftersale.example>",
		"References":            "<first@aftersale.example> <earlier@aftersale.example>",
		"Date":                  "Sun, 22 Nov 2026 10:00:00 +0000",
		"Mime-Version":          "1.0",
		"User-Agent":            "",
		"X-Mailer":              "",
	}
	for k, v := range want {
		if g := got.Header.Get(k); g != v {
			t.Errorf("%s: %q, want %q", k, g, v)
		}
	}
	if subject != m.Subject {
		t.Errorf("Subject %q, want %q", subject, m.Subject)
	}
	from, _ := got.Header.AddressList("From")
	replyTo, _ := got.Header.AddressList("Reply-To")
	if len(from) != 1 || from[0].Name != "Bright Path Studio" || len(replyTo) != 1 || replyTo[0].Name != "María (support)" {
		t.Errorf("From %v, Reply-To %v", from, replyTo)
	}
	if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative;") {
		t.Errorf("Content-Type %q", ct)
	}
	parts, err := got.Parts()
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 2 || parts[0].ContentType != "text/plain" || parts[1].ContentType != "text/html" {
		t.Fatalf("parts %+v", parts)
	}
	for i, body := range []string{m.Text, m.HTML} {
		p := parts[i]
		if p.Header.Get("Content-Transfer-Encoding") != "quoted-printable" || !strings.EqualFold(p.Params["charset"], "utf-8") {
			t.Errorf("%s: header %v", p.ContentType, p.Header)
		}
		if crlf(p.Body) != body {
			t.Errorf("%s: body %q, want %q", p.ContentType, p.Body, body)
		}
	}
	for _, line := range strings.Split(raw, "\n") {
		if len(line) > 998 {
			t.Errorf("a line of %d characters", len(line))
		}
	}
}

func TestSendTextOnly(t *testing.T) {
	t.Parallel()
	srv, s := setup(t)
	m := email("text-only")
	m.HTML, m.Headers, m.ReplyTo = "", nil, nil
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	msgs, err := srv.WaitFor(1, wait)
	if err != nil {
		t.Fatal(err)
	}
	got := msgs[0]
	if ct := got.Header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cte := got.Header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
		t.Errorf("Content-Transfer-Encoding %q", cte)
	}
	if got.Header.Get("List-Unsubscribe") != "" || got.Header.Get("Reply-To") != "" {
		t.Error("headers that were not asked for")
	}
	text, html, err := got.Body()
	if err != nil || crlf(text) != m.Text || html != "" {
		t.Errorf("body %q / %q / %v", text, html, err)
	}
}

// TestSendToIPv6Literal: a server URL with an IPv6 address typed in
// (smtp://[::1]:port) connects; go-mail was handed the bare address and
// failed with "too many colons in address".
func TestSendToIPv6Literal(t *testing.T) {
	t.Parallel()
	srv, s := setup(t, smtptest.OnIPv6Loopback())
	if !strings.Contains(srv.URL(), "[::1]") {
		t.Fatalf("the server's URL %s is not an IPv6 literal", srv.URL())
	}
	if err := s.Send(context.Background(), email("v6")); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.WaitFor(1, wait); err != nil {
		t.Fatal(err)
	}
}

func deliveryError(t *testing.T, err error) *aftersale.DeliveryError {
	t.Helper()
	var d *aftersale.DeliveryError
	if !errors.As(err, &d) {
		t.Fatalf("error %v (%T) is not a *DeliveryError", err, err)
	}
	return d
}

func TestRejections(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		reject    func(*smtptest.Server)
		temporary bool
		code      int
	}{
		{"451 after DATA", func(s *smtptest.Server) { s.RejectNext(451, 1) }, true, 451},
		{"550 after DATA", func(s *smtptest.Server) { s.RejectNext(550, 1) }, false, 550},
		{"452 to RCPT", func(s *smtptest.Server) { s.RejectNextRcpt(452, 1) }, true, 452},
		{"550 to RCPT", func(s *smtptest.Server) { s.RejectNextRcpt(550, 1) }, false, 550},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, s := setup(t)
			tt.reject(srv)
			err := s.Send(context.Background(), email("rejected"))
			if err == nil {
				t.Fatal("no error")
			}
			if aftersale.IsTemporary(err) != tt.temporary {
				t.Errorf("IsTemporary = %v, want %v: %v", !tt.temporary, tt.temporary, err)
			}
			if d := deliveryError(t, err); d.Code != tt.code {
				t.Errorf("Code = %d, want %d: %v", d.Code, tt.code, err)
			}
			// The next message goes through.
			if err := s.Send(context.Background(), email("next")); err != nil {
				t.Fatal(err)
			}
			if msgs := srv.Messages(); len(msgs) != 1 || msgs[0].Header.Get("Message-Id") != "<next@aftersale.example>" {
				t.Errorf("received %d messages", len(msgs))
			}
		})
	}
}

func TestServerDown(t *testing.T) {
	t.Parallel()
	srv, s := setup(t)
	ctx := context.Background()
	if err := s.Send(ctx, email("before")); err != nil {
		t.Fatal(err)
	}
	srv.Down() // also drops the connection the sender keeps
	err := s.Send(ctx, email("while-down"))
	if err == nil || !aftersale.IsTemporary(err) {
		t.Fatalf("server down: %v, want a temporary error", err)
	}
	if d := deliveryError(t, err); d.Code != 0 {
		t.Errorf("Code = %d", d.Code)
	}
	srv.Up()
	if err := s.Send(ctx, email("after")); err != nil {
		t.Fatalf("after Up: %v", err)
	}
	if msgs, err := srv.WaitFor(2, wait); err != nil || msgs[1].Header.Get("Message-Id") != "<after@aftersale.example>" {
		t.Errorf("%v %v", msgs, err)
	}
}

func TestConnectionReuse(t *testing.T) {
	t.Parallel()
	srv, s := setup(t)
	for _, id := range []string{"a", "b", "c"} {
		if err := s.Send(context.Background(), email(id)); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Sessions(); n != 1 {
		t.Errorf("%d connections for 3 messages, want 1", n)
	}

	srv2 := smtptest.Start(t)
	s2, err := smtp.New(srv2.URL(), smtp.WithIdleTimeout(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	for _, id := range []string{"a", "b"} {
		if err := s2.Send(context.Background(), email(id)); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv2.Sessions(); n != 2 {
		t.Errorf("%d connections with no idle time, want 2", n)
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	srv, s := setup(t, smtptest.WithAuth("mailer", "s3cret:/@"))
	if err := s.Send(context.Background(), email("authed")); err != nil {
		t.Fatal(err)
	}
	if msgs := srv.Messages(); len(msgs) != 1 || msgs[0].Auth != "mailer" {
		t.Fatalf("not authenticated: %+v", msgs)
	}

	anonymous, err := smtp.New("smtp://" + srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer anonymous.Close()
	err = anonymous.Send(context.Background(), email("anonymous"))
	if err == nil || !aftersale.IsTemporary(err) || deliveryError(t, err).Code != 502 {
		t.Errorf("no credentials: %v; want a temporary error with code 502", err)
	}

	wrong, err := smtp.New("smtp://mailer:nope@" + srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer wrong.Close()
	err = wrong.Send(context.Background(), email("wrong"))
	if err == nil || !aftersale.IsTemporary(err) || deliveryError(t, err).Code != 535 {
		t.Errorf("wrong password: %v; want a temporary error with code 535", err)
	}
}

func TestContext(t *testing.T) {
	t.Parallel()
	// A server that accepts connections and never says a word.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	s, err := smtp.New("smtp://"+ln.Addr().String(), smtp.WithTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Send(ctx, email("stuck"))
	if err == nil || !aftersale.IsTemporary(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send = %v, want a temporary deadline error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Send took %v after its context ended", d)
	}

	done, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := s.Send(done, email("cancelled")); !errors.Is(err, context.Canceled) || !aftersale.IsTemporary(err) {
		t.Errorf("cancelled context: %v", err)
	}
}

func TestComposeErrorsArePermanent(t *testing.T) {
	t.Parallel()
	_, s := setup(t)
	m := email("bad")
	m.Headers = append(m.Headers, aftersale.Header{Name: "X-Evil", Value: "a\r\nBcc: victim@example.com"})
	err := s.Send(context.Background(), m)
	if err == nil || aftersale.IsTemporary(err) {
		t.Errorf("header injection: %v, want a permanent error", err)
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		"smtp://mail.example.com:587":             "mail.example.com:587",
		"smtp://user:p%40ss@mail.example.com:587": "mail.example.com:587",
		"smtps://mail.example.com":                "mail.example.com:465",
		"smtp://mail.example.com":                 "mail.example.com:25",
		"smtp://[::1]:2525/":                      "[::1]:2525",
	}
	for raw, addr := range good {
		s, err := smtp.New(raw)
		if err != nil {
			t.Errorf("New(%q): %v", raw, err)
			continue
		}
		if s.Addr() != addr {
			t.Errorf("New(%q).Addr() = %q, want %q", raw, s.Addr(), addr)
		}
	}
	bad := map[string]string{
		"http://mail.example.com":           "scheme",
		"mail.example.com:25":               "scheme",
		"smtp://":                           "no host",
		"smtp://mail.example.com:0":         "port",
		"smtp://mail.example.com:smtp":      "port",
		"smtp://mail.example.com:99999":     "port",
		"smtp://:secret@mail.example.com":   "no user name",
		"smtp://mail.example.com/x":         "path",
		"smtp://mail.example.com?tls=no":    "query",
		"smtp://user:pa ss@mail.example:25": "parse",
	}
	for raw, want := range bad {
		_, err := smtp.New(raw)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New(%q) = %v, want an error about %s", raw, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("New(%q): the error shows the password: %v", raw, err)
		}
	}
}

func TestTLS(t *testing.T) {
	t.Parallel()
	serverTLS, clientTLS := smtptest.TLSConfigs(t)
	tests := []struct {
		name string
		opts []smtptest.Option
	}{
		{"STARTTLS", []smtptest.Option{smtptest.WithSTARTTLS(serverTLS), smtptest.WithAuth("mailer", "pw")}},
		{"smtps", []smtptest.Option{smtptest.WithImplicitTLS(serverTLS), smtptest.WithAuth("mailer", "pw")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t, tt.opts...)
			s, err := smtp.New(srv.URL(), smtp.WithTLSConfig(clientTLS))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Send(context.Background(), email("tls")); err != nil {
				t.Fatal(err)
			}
			if msgs := srv.Messages(); len(msgs) != 1 || !msgs[0].TLS || msgs[0].Auth != "mailer" {
				t.Errorf("received %+v", msgs)
			}

			// A certificate the sender does not trust is an error, not a
			// quiet fall back to plain text.
			untrusting, err := smtp.New(srv.URL())
			if err != nil {
				t.Fatal(err)
			}
			defer untrusting.Close()
			err = untrusting.Send(context.Background(), email("untrusted"))
			if err == nil || !aftersale.IsTemporary(err) || !strings.Contains(err.Error(), "certificate") {
				t.Errorf("untrusted certificate: %v", err)
			}
		})
	}
}
