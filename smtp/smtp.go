// Package smtp delivers aftersale's email to an SMTP server with go-mail.
//
// The server is given as a URL: smtp://[user:pass@]host[:port] uses
// STARTTLS when the server offers it and plain SMTP when it does not (port
// 25 by default); smtps://[user:pass@]host[:port] speaks TLS from the first
// byte (port 465 by default). With a user name the sender authenticates with
// PLAIN or LOGIN, which go-mail only does over TLS or to a server on
// localhost, so a password never crosses the network in the clear.
package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/wneessen/go-mail"
	gmsmtp "github.com/wneessen/go-mail/smtp"

	"github.com/aftersale/aftersale"
)

// Sender is an aftersale.Mailer that sends through one SMTP server. It keeps
// one connection open between messages and closes it after IdleTimeout
// without mail. It is safe for concurrent use; messages go out one at a time.
type Sender struct {
	cfg       config
	addr      string // host:port
	host      string
	implicit  bool // smtps: TLS from the first byte
	tlsConfig *tls.Config
	client    *mail.Client // go-mail's settings; connections are made from it

	mu      sync.Mutex      // one message at a time over the connection
	conn    *gmsmtp.Client  // the open connection, nil when there is none
	sendCtx context.Context // the context of the Send that is dialling
	idle    *time.Timer     // closes the connection when no mail comes
	closed  bool

	rawMu sync.Mutex
	raw   net.Conn // the network connection under conn, closed to abort
}

var _ aftersale.Mailer = (*Sender)(nil)

// Option changes a Sender's settings.
type Option func(*config)

type config struct {
	helo        string
	timeout     time.Duration
	idleTimeout time.Duration
	tlsConfig   *tls.Config
}

// WithHELO sets the name the sender greets the server with. The default is
// the machine's host name.
func WithHELO(name string) Option { return func(c *config) { c.helo = name } }

// WithTimeout bounds connecting and each message's exchange with the server.
// The default is 30 seconds.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithIdleTimeout sets how long the connection stays open after the last
// message. The default is 30 seconds; a negative value closes it after every
// message.
func WithIdleTimeout(d time.Duration) Option { return func(c *config) { c.idleTimeout = d } }

// WithTLSConfig sets the TLS settings, e.g. to trust a private CA. The
// default verifies the server's certificate for the URL's host with the
// system's roots, TLS 1.2 or newer.
func WithTLSConfig(tc *tls.Config) Option { return func(c *config) { c.tlsConfig = tc } }

// New returns a Sender for the server at rawURL,
// smtp://[user:pass@]host[:port] or smtps://[user:pass@]host[:port]. It does
// not connect: the first Send does.
func New(rawURL string, opts ...Option) (*Sender, error) {
	cfg := config{timeout: 30 * time.Second, idleTimeout: 30 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("smtp: the URL does not parse: %w", stripURL(err))
	}
	s := &Sender{cfg: cfg}
	port := 25
	switch u.Scheme {
	case "smtp":
	case "smtps":
		s.implicit, port = true, 465
	default:
		return nil, fmt.Errorf("smtp: the URL scheme is %q; want smtp:// or smtps://", u.Scheme)
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, errors.New("smtp: the URL has no host: want smtp://[user:pass@]host:port")
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("smtp: the URL's port %q is not a number from 1 to 65535", p)
		}
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return nil, errors.New("smtp: the URL has a path, query or fragment; want smtp://[user:pass@]host:port")
	}
	s.addr = net.JoinHostPort(s.host, strconv.Itoa(port))
	if cfg.timeout <= 0 {
		return nil, errors.New("smtp: the timeout must be positive")
	}

	s.tlsConfig = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	if cfg.tlsConfig != nil {
		s.tlsConfig = cfg.tlsConfig.Clone()
		if s.tlsConfig.ServerName == "" {
			s.tlsConfig.ServerName = s.host
		}
	}
	mopts := []mail.Option{
		mail.WithPort(port),
		mail.WithTimeout(cfg.timeout),
		mail.WithTLSConfig(s.tlsConfig),
		mail.WithDialContextFunc(s.dial),
	}
	if s.implicit {
		// s.dial speaks TLS itself; WithSSL keeps go-mail from trying STARTTLS on top.
		mopts = append(mopts, mail.WithSSL(), mail.WithTLSPolicy(mail.NoTLS))
	} else {
		mopts = append(mopts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	if cfg.helo != "" {
		mopts = append(mopts, mail.WithHELO(cfg.helo))
	}
	if u.User != nil {
		user := u.User.Username()
		pass, _ := u.User.Password()
		if user == "" {
			return nil, errors.New("smtp: the URL has a password but no user name")
		}
		mopts = append(mopts, mail.WithUsername(user), mail.WithPassword(pass),
			mail.WithOpportunisticSMTPAuth(mail.SMTPAuthPlain, mail.SMTPAuthLogin))
	}
	if s.client, err = mail.NewClient(s.host, mopts...); err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}
	return s, nil
}

// stripURL keeps a URL parse error from repeating the URL, which may hold a
// password.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Addr returns the server's host:port.
func (s *Sender) Addr() string { return s.addr }

// Send delivers m. Its errors are *aftersale.DeliveryError values: a 4xx
// reply, a network failure, a timeout or a cancelled ctx is temporary; a 5xx
// reply to RCPT TO or to the message's DATA is permanent. Code holds the
// reply code when there is one. Failures up to and including MAIL FROM
// (connecting, TLS, AUTH, the sender address) are temporary whatever the
// code: they are about the server or the settings, the same for every
// message, and retrying after they are fixed delivers the mail. A message
// that cannot be composed is a permanent error.
func (s *Sender) Send(ctx context.Context, m *aftersale.Email) error {
	msg, err := Compose(m)
	if err != nil {
		return &aftersale.DeliveryError{Err: fmt.Errorf("smtp: compose: %w", err)}
	}
	if err := ctx.Err(); err != nil {
		return &aftersale.DeliveryError{Temporary: true, Err: err}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return &aftersale.DeliveryError{Temporary: true, Err: errors.New("smtp: sender is closed")}
	}
	if s.idle != nil {
		s.idle.Stop()
	}
	// Close the network connection when ctx ends, to abort a slow exchange.
	stop := context.AfterFunc(ctx, s.abort)
	defer stop()
	s.sendCtx = ctx

	for attempt := 0; ; attempt++ {
		pooled := s.conn != nil
		if !pooled {
			c, err := s.client.DialToSMTPClientWithContext(ctx)
			if err != nil {
				s.dropRaw()
				return s.fail(ctx, fmt.Errorf("smtp: connect to %s: %w", s.addr, err), false)
			}
			s.conn = c
		}
		err := s.client.SendWithSMTPClient(s.conn, msg)
		if err == nil {
			s.keepOrClose()
			return nil
		}
		s.drop()
		if msg.IsDelivered() {
			return nil // accepted; only the RSET after it failed
		}
		var se *mail.SendError
		if pooled && attempt == 0 && errors.As(err, &se) && se.Reason == mail.ErrConnCheck && ctx.Err() == nil {
			continue // the kept connection had gone stale; nothing was sent on it
		}
		return s.fail(ctx, fmt.Errorf("smtp: send to %s: %w", s.addr, err), true)
	}
}

// fail classifies err; sending tells whether the message was being handed over.
func (s *Sender) fail(ctx context.Context, err error, sending bool) error {
	if ctx.Err() != nil {
		return &aftersale.DeliveryError{Temporary: true, Err: fmt.Errorf("%w (%w)", ctx.Err(), err)}
	}
	return classify(err, sending)
}

// classify turns a go-mail error into a DeliveryError.
func classify(err error, sending bool) *aftersale.DeliveryError {
	d := &aftersale.DeliveryError{Temporary: true, Err: err}
	var se *mail.SendError
	var te *textproto.Error
	switch {
	case errors.As(err, &se):
		d.Code = se.ErrorCode()
		switch {
		case se.Reason == mail.ErrSMTPMailFrom:
			// MAIL FROM is about our sender address and account, the same
			// for every message: retry, so that fixing the settings
			// delivers the mail.
		case d.Code >= 500:
			d.Temporary = false
		case d.Code >= 400:
		case se.Reason == mail.ErrGetSender || se.Reason == mail.ErrGetRcpts || se.Reason == mail.ErrNoUnencoded:
			d.Temporary = false // the message is wrong; sending it again will not help
		}
	case errors.As(err, &te):
		d.Code = te.Code
		if sending && te.Code >= 500 {
			d.Temporary = false
		}
	}
	return d
}

// dial is go-mail's dialler: it remembers the network connection so that a
// cancelled Send can close it, and speaks TLS from the start for smtps.
func (s *Sender) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	s.rawMu.Lock()
	s.raw = conn
	s.rawMu.Unlock()
	if err := s.sendCtx.Err(); err != nil { // cancelled while dialling
		conn.Close()
		return nil, err
	}
	if !s.implicit {
		return conn, nil
	}
	tc := tls.Client(conn, s.tlsConfig)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}

// abort closes the network connection under a running exchange.
func (s *Sender) abort() {
	s.rawMu.Lock()
	defer s.rawMu.Unlock()
	if s.raw != nil {
		s.raw.Close()
	}
}

// drop closes the connection without a word; after an error its state is
// unknown. The caller holds s.mu.
func (s *Sender) drop() {
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
	s.dropRaw()
}

func (s *Sender) dropRaw() {
	s.rawMu.Lock()
	if s.raw != nil {
		s.raw.Close()
		s.raw = nil
	}
	s.rawMu.Unlock()
}

// keepOrClose keeps the connection for the next message for up to the idle
// timeout. The caller holds s.mu.
func (s *Sender) keepOrClose() {
	if s.cfg.idleTimeout < 0 {
		s.quit()
		return
	}
	c := s.conn
	s.idle = time.AfterFunc(s.cfg.idleTimeout, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.conn == c { // not replaced since
			s.quit()
		}
	})
}

// quit says goodbye and closes the connection. The caller holds s.mu.
func (s *Sender) quit() {
	if s.conn != nil && s.conn.UpdateDeadline(min(s.cfg.timeout, 5*time.Second)) == nil {
		_ = s.client.CloseWithSMTPClient(s.conn)
	}
	s.drop()
}

// Close closes the open connection, if any. Later Sends fail.
func (s *Sender) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idle != nil {
		s.idle.Stop()
	}
	s.closed = true
	s.quit()
	return nil
}
