// Package smtptest runs a real SMTP server on the loopback interface for
// tests: it keeps what it receives, can refuse messages with a chosen reply
// code, and can go down and come back on the same address.
package smtptest

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Server is an SMTP server listening on 127.0.0.1. It is safe for
// concurrent use.
type Server struct {
	t          testing.TB
	host       string // the address listened on, without the port
	addr       string
	user, pass string      // required credentials; "" accepts mail without AUTH
	starttls   *tls.Config // offered with STARTTLS when set
	implicit   *tls.Config // TLS from the first byte when set
	utf8       bool        // offers SMTPUTF8
	strict     bool        // refuses messages whose header breaks RFC 5322

	mu         sync.Mutex
	srv        *smtp.Server // nil while down
	msgs       []*Received
	changed    chan struct{} // closed and replaced when a message arrives
	rejectData []rejection
	rejectRcpt []rejection
	sessions   int
}

type rejection struct {
	code, left int
	text       string // the reply's text, after an enhanced status code if it starts with one
}

// Received is one message as the server got it.
type Received struct {
	From   string      // the envelope sender (MAIL FROM)
	To     []string    // the envelope recipients (RCPT TO)
	Auth   string      // the user name the client authenticated as, or ""
	TLS    bool        // whether the message came over TLS
	UTF8   bool        // whether MAIL FROM asked for SMTPUTF8
	Data   []byte      // the message as sent, after dot-unstuffing
	Header mail.Header // the parsed header of Data
}

// Option changes how the server behaves.
type Option func(*Server)

// WithAuth makes the server offer AUTH PLAIN, also without TLS, and accept
// mail only after a client has authenticated as user with pass.
func WithAuth(user, pass string) Option {
	return func(s *Server) { s.user, s.pass = user, pass }
}

// WithSTARTTLS makes the server offer STARTTLS with cfg (see TLSConfigs).
func WithSTARTTLS(cfg *tls.Config) Option {
	return func(s *Server) { s.starttls = cfg }
}

// WithImplicitTLS makes the server speak TLS from the first byte, as on port
// 465; URL then returns an smtps:// URL.
func WithImplicitTLS(cfg *tls.Config) Option {
	return func(s *Server) { s.implicit = cfg }
}

// WithSMTPUTF8 makes the server offer SMTPUTF8 (RFC 6531), so that it
// takes addresses beyond ASCII. Without it, the server does not announce it.
func WithSMTPUTF8() Option {
	return func(s *Server) { s.utf8 = true }
}

// WithStrictHeaders makes the server refuse, as strict relays do, a message
// whose header has a line longer than 998 characters (RFC 5322 2.1.1), does
// not parse, or has a From, To or Reply-To that does not parse as
// addresses: the reply is 554 with status 5.6.0 and says what is wrong.
func WithStrictHeaders() Option {
	return func(s *Server) { s.strict = true }
}

// OnIPv6Loopback makes the server listen on [::1] instead of 127.0.0.1;
// URL then names the host as an IPv6 literal (smtp://[::1]:port).
func OnIPv6Loopback() Option {
	return func(s *Server) { s.host = "::1" }
}

// Start starts a server on 127.0.0.1 (or ::1, see OnIPv6Loopback) on a free
// port. It is shut down when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{t: t, changed: make(chan struct{}), host: "127.0.0.1"}
	for _, o := range opts {
		o(s)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(s.host, "0"))
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	t.Cleanup(s.Down)
	return s
}

// serve starts an SMTP server on ln. The caller holds s.mu or is Start.
func (s *Server) serve(ln net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.sessions++
		s.mu.Unlock()
		return &session{s: s, conn: c}, nil
	}))
	srv.Domain = "smtptest.localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 50
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLSConfig = s.starttls
	srv.EnableSMTPUTF8 = s.utf8
	if s.implicit != nil {
		ln = tls.NewListener(ln, s.implicit)
	}
	s.srv = srv
	go func() { _ = srv.Serve(ln) }()
}

// Addr returns the server's host:port.
func (s *Server) Addr() string { return s.addr }

// URL returns smtp://host:port (smtps:// with WithImplicitTLS), with the
// credentials given to WithAuth.
func (s *Server) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.addr}
	if s.implicit != nil {
		u.Scheme = "smtps"
	}
	if s.user != "" {
		u.User = url.UserPassword(s.user, s.pass)
	}
	return u.String()
}

// Messages returns the messages received so far, oldest first.
func (s *Server) Messages() []*Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// WaitFor waits until at least n messages have arrived and returns them all.
// After timeout it returns what has arrived and an error.
func (s *Server) WaitFor(n int, timeout time.Duration) ([]*Received, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		msgs, changed := slices.Clone(s.msgs), s.changed
		s.mu.Unlock()
		if len(msgs) >= n {
			return msgs, nil
		}
		select {
		case <-changed:
		case <-timer.C:
			return msgs, fmt.Errorf("smtptest: %d of %d messages after %v", len(msgs), n, timeout)
		}
	}
}

// Sessions returns how many SMTP sessions have begun, to check that a client
// reuses its connection: one per connection, and one more after STARTTLS.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// Reset forgets the messages received and the rejections still pending.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs, s.rejectData, s.rejectRcpt = nil, nil, nil
}

// RejectNext answers the next n messages with the SMTP reply code after
// their DATA has been sent: 451 is a temporary failure, 550 a permanent one.
func (s *Server) RejectNext(code, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectData = append(s.rejectData, rejection{code: code, left: n})
}

// RejectNextWith answers the next n messages after their DATA with the SMTP
// reply code and text, e.g. 554 and "5.6.0 Header line too long"; a text
// that starts with an enhanced status code sends that code.
func (s *Server) RejectNextWith(code int, text string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectData = append(s.rejectData, rejection{code: code, left: n, text: text})
}

// RejectNextRcpt answers the next n RCPT TO commands with the SMTP reply code.
func (s *Server) RejectNextRcpt(code, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectRcpt = append(s.rejectRcpt, rejection{code: code, left: n})
}

// Down closes the listener and every open connection: clients get
// "connection refused" until Up.
func (s *Server) Down() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		_ = s.srv.Close()
		s.srv = nil
	}
}

// Up listens again on the same address after Down.
func (s *Server) Up() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		s.t.Fatalf("smtptest: listen again on %s: %v", s.addr, err)
	}
	s.serve(ln)
}

// takeRejection returns the reply to reject with, or nil. The caller holds s.mu.
func takeRejection(rs *[]rejection) error {
	for len(*rs) > 0 {
		r := &(*rs)[0]
		if r.left <= 0 {
			*rs = (*rs)[1:]
			continue
		}
		r.left--
		return reply(r.code, r.text)
	}
	return nil
}

// reply is an SMTP error reply with code and text ("rejected by smtptest"
// when text is ""); a text that starts with an enhanced status code such as
// "5.6.0 " sends that code.
func reply(code int, text string) error {
	e := &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: "rejected by smtptest"}
	if text == "" {
		return e
	}
	e.Message = text
	var a, b, c int
	if n, _ := fmt.Sscanf(text, "%d.%d.%d ", &a, &b, &c); n == 3 {
		if _, rest, ok := strings.Cut(text, " "); ok {
			e.EnhancedCode, e.Message = smtp.EnhancedCode{a, b, c}, rest
		}
	}
	return e
}

// session is one SMTP connection.
type session struct {
	s      *Server
	conn   *smtp.Conn
	authed string
	from   string
	to     []string
	utf8   bool
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string {
	if ss.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if ss.s.user == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != ss.s.user || pass != ss.s.pass || (identity != "" && identity != user) {
			return smtp.ErrAuthFailed
		}
		ss.authed = user
		return nil
	}), nil
}

func (ss *session) Mail(from string, opts *smtp.MailOptions) error {
	if ss.s.user != "" && ss.authed == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	ss.utf8 = opts != nil && opts.UTF8
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	rej := takeRejection(&ss.s.rejectRcpt)
	ss.s.mu.Unlock()
	if rej != nil {
		return rej
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if rej := takeRejection(&ss.s.rejectData); rej != nil {
		return rej
	}
	if ss.s.strict {
		if why := headerProblem(data); why != "" {
			return reply(554, "5.6.0 "+why)
		}
	}
	_, isTLS := ss.conn.TLSConnectionState()
	m := &Received{From: ss.from, To: slices.Clone(ss.to), Auth: ss.authed, TLS: isTLS, UTF8: ss.utf8, Data: data}
	if msg, err := mail.ReadMessage(bytes.NewReader(data)); err == nil {
		m.Header = msg.Header
	}
	ss.s.msgs = append(ss.s.msgs, m)
	close(ss.s.changed)
	ss.s.changed = make(chan struct{})
	return nil
}

func (ss *session) Reset() { ss.from, ss.to, ss.utf8 = "", nil, false }

// headerProblem says what in data's header WithStrictHeaders refuses, or "".
func headerProblem(data []byte) string {
	head, _, _ := bytes.Cut(data, []byte("\r\n\r\n"))
	for i, line := range bytes.Split(head, []byte("\r\n")) {
		if len(line) > 998 {
			return fmt.Sprintf("header line %d is %d characters long, more than RFC 5322 allows (998)", i+1, len(line))
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return "the message header is not RFC 5322: " + err.Error()
	}
	for _, f := range []string{"From", "To", "Reply-To"} {
		if v := msg.Header.Get(f); v != "" {
			if _, err := mail.ParseAddressList(v); err != nil {
				return f + " does not parse as addresses (RFC 5322): " + err.Error()
			}
		}
	}
	return ""
}

func (ss *session) Logout() error { return nil }
