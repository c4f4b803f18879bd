// Package smtp delivers aftersale's email to an SMTP server with go-mail.
//
// The server is given as a URL: smtp://[user:pass@]host[:port] uses
// STARTTLS when the server offers it and plain SMTP when it does not (port
// 25 by default); smtps://[user:pass@]host[:port] speaks TLS from the first
// byte (port 465 by default). With a user name the sender authenticates with
// PLAIN or LOGIN, which go-mail only does over TLS or to a server on
// localhost, so a password never crosses the network in the clear.
//
// With WithDKIM every message is DKIM-signed: Render composes it, writes it
// out and signs the bytes, and the sender hands exactly those bytes to the
// server over go-mail's SMTP connection (MAIL, RCPT, DATA; pipelined when the
// server offers PIPELINING). The outbox
// renders with the same function, so it stores what would be sent. With
// WithDomainRate, messages to each recipient domain are paced by a token
// bucket, as the big mailbox providers ask of bulk senders.
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
	"strings"
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
	limiter   *limiter     // nil without WithDomainRate

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
	dkim        *DKIMConfig
	rate        *rateConfig
	guard       *guard // WithPublicOnly (guard.go)
}

type rateConfig struct {
	perMinute int
	overrides map[string]int
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

// WithDKIM DKIM-signs every message with cfg (relaxed/relaxed, rsa-sha256
// or ed25519-sha256). The signature covers From, To, Subject, Date,
// Message-ID, MIME-Version and Content-Type, and Reply-To, In-Reply-To,
// References, Content-Transfer-Encoding, List-Unsubscribe and
// List-Unsubscribe-Post when the message has them; From, To, Cc,
// Reply-To, Subject, Date, Message-ID and the two List-Unsubscribe fields
// are also oversigned, so that adding one in transit breaks the signature.
// New checks cfg. The default is not to sign, e.g. when the relay signs.
func WithDKIM(cfg DKIMConfig) Option { return func(c *config) { c.dkim = &cfg } }

// WithDomainRate limits how fast messages go to each recipient domain (the
// part after the @, lower-cased): perMinute messages a minute, or the
// number overrides gives for the domain (e.g. {"gmail.com": 120,
// "yahoo.com": 30}). A rate of zero or less means no limit, so
// WithDomainRate(0, overrides) limits only the domains named. After a quiet
// spell a tenth of a minute's allowance (at least one message) may go at
// once; then messages are spaced evenly.
//
// Send waits for its turn without holding up messages to other domains, and
// gives up with a temporary *aftersale.DeliveryError when ctx ends or when
// the turn is more than 30 seconds away, so that the job is retried later.
// The default is no limit.
func WithDomainRate(perMinute int, overrides map[string]int) Option {
	return func(c *config) {
		c.rate = &rateConfig{perMinute: perMinute, overrides: overrides}
	}
}

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

	if cfg.dkim != nil {
		if err := cfg.dkim.Validate(); err != nil {
			return nil, fmt.Errorf("smtp: WithDKIM: %w", err)
		}
	}
	if cfg.rate != nil {
		overrides := make(map[string]int, len(cfg.rate.overrides))
		for d, n := range cfg.rate.overrides {
			nd := normDomain(d)
			if nd == "" || strings.ContainsAny(nd, "@ \t") {
				return nil, fmt.Errorf("smtp: WithDomainRate: %q is not a domain name", d)
			}
			if _, dup := overrides[nd]; dup {
				return nil, fmt.Errorf("smtp: WithDomainRate: domain %q is given twice", nd)
			}
			overrides[nd] = n
		}
		s.limiter = newLimiter(cfg.rate.perMinute, overrides)
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
	// go-mail joins host and port with a colon, so an IPv6 literal
	// (smtp://[::1]:25) goes in brackets; the TLS name stays s.host.
	dialHost := s.host
	if strings.Contains(dialHost, ":") {
		dialHost = "[" + dialHost + "]"
	}
	if s.client, err = mail.NewClient(dialHost, mopts...); err != nil {
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
// that cannot be composed or signed is a permanent error, Malformed unless
// an address is at fault; so is a 5xx reply to DATA that refuses the
// message's syntax (see malformedReply). A message to an address beyond
// ASCII (aftersale.NeedsSMTPUTF8) fails permanently, before anything is
// sent, when the server does not offer SMTPUTF8. With
// WithDomainRate, a message that would wait too long for its domain's turn
// is a temporary error.
func (s *Sender) Send(ctx context.Context, m *aftersale.Email) error {
	r, err := s.prepare(ctx, m, s.limiter)
	if err != nil {
		return err
	}
	return s.sendRendered(ctx, r)
}

// prepare does what sending m needs before a connection: it renders (and
// signs) m, then waits for its domain's turn with lim (when not nil), so
// that other domains' mail goes meanwhile.
func (s *Sender) prepare(ctx context.Context, m *aftersale.Email, lim *limiter) (*rendered, error) {
	r, err := render(m, s.cfg.dkim)
	if err != nil {
		// Not about the recipient's address: a message of ours that
		// cannot be built is a bug.
		return nil, &aftersale.DeliveryError{Malformed: !errors.Is(err, errBadAddress), Err: fmt.Errorf("smtp: compose: %w", err)}
	}
	if err := ctx.Err(); err != nil {
		return nil, &aftersale.DeliveryError{Temporary: true, Err: err}
	}
	if lim != nil {
		if err := lim.wait(ctx, domainOf(m.To.Email)); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// sendRendered delivers r over the connection, as Send does.
func (s *Sender) sendRendered(ctx context.Context, r *rendered) error {
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
				return s.connectFailed(ctx, err)
			}
			s.conn = c
		}
		if ok, _ := s.conn.Extension("SMTPUTF8"); r.utf8 && !ok {
			s.keepOrClose() // nothing was said; the connection serves the next message
			return &aftersale.DeliveryError{Err: fmt.Errorf("smtp: %w (%s)", errNeedsSMTPUTF8, s.addr)}
		}
		err := s.transact(s.conn, r)
		if err == nil {
			s.keepOrClose()
			return nil
		}
		s.drop()
		if err.unsent && pooled && attempt == 0 && ctx.Err() == nil {
			continue // the kept connection had gone stale; nothing was sent on it
		}
		return s.fail(ctx, fmt.Errorf("smtp: send to %s: %w", s.addr, err))
	}
}

// errNeedsSMTPUTF8 is the permanent failure of a message to an address
// beyond ASCII (such as josé@example.com) when the server does not offer
// SMTPUTF8 (RFC 6531): sending it as 8-bit anyway would break it.
var errNeedsSMTPUTF8 = errors.New("the recipient's address needs SMTPUTF8, which the server does not offer")

// stage is the step of an SMTP transaction that failed.
type stage int

const (
	stageMail stage = iota // MAIL FROM
	stageRcpt              // RCPT TO
	stageData              // DATA, the message, and the reply to it
)

var stageNames = [...]string{"MAIL FROM", "RCPT TO", "DATA"}

// txError is a failed step of an SMTP transaction.
type txError struct {
	stage stage
	err   error
	// unsent: the connection failed before the server answered anything
	// of this transaction (a kept connection the server had closed, or a
	// 421 "closing"), so nothing was delivered and a fresh connection may
	// try again at once.
	unsent bool
}

func (e *txError) Error() string { return stageNames[e.stage] + ": " + e.err.Error() }
func (e *txError) Unwrap() error { return e.err }

// transact sends r over c: MAIL, RCPT and DATA, then the rendered (signed)
// bytes. When the server offers PIPELINING (RFC 2920) the three commands go
// in one write and their replies are read together, so a message costs two
// round trips instead of four. A kept connection is not checked with NOOP
// first and the transaction is not followed by RSET (a completed DATA ends
// it, RFC 5321 4.1.1.4): a connection the server has closed meanwhile fails
// at the first reply, before anything is sent, and Send retries on a new
// one. The caller holds s.mu.
func (s *Sender) transact(c *gmsmtp.Client, r *rendered) *txError {
	if err := c.UpdateDeadline(s.cfg.timeout); err != nil {
		return &txError{stageMail, err, true}
	}
	if ok, _ := c.Extension("PIPELINING"); ok {
		if err := pipeline(c, r); err != nil {
			return err
		}
		if _, err := c.Text.W.Write(r.stuffed); err != nil {
			return &txError{stageData, err, false} // the connection is dropped, unfinished
		}
		if err := c.Text.W.Flush(); err != nil {
			return &txError{stageData, err, false}
		}
		if _, _, err := c.Text.ReadResponse(250); err != nil {
			return &txError{stageData, err, false}
		}
		return nil
	}
	if err := c.Mail(r.from); err != nil {
		return &txError{stageMail, err, unanswered(err)}
	}
	for _, to := range r.to {
		if err := c.Rcpt(to); err != nil {
			return &txError{stageRcpt, err, false}
		}
	}
	w, err := c.Data()
	if err != nil {
		return &txError{stageData, err, false}
	}
	if _, err := w.Write(r.data); err != nil {
		return &txError{stageData, err, false} // the connection is dropped, unfinished
	}
	if err := w.Close(); err != nil {
		return &txError{stageData, err, false}
	}
	return nil
}

// pipeline writes MAIL, RCPT and DATA at once and reads their replies in
// order. It returns nil once DATA is answered with 354; on any other answer
// the caller drops the connection, so a DATA accepted after a refused
// recipient never gets a message.
func pipeline(c *gmsmtp.Client, r *rendered) *txError {
	mailCmd := "MAIL FROM:" + r.from
	if ok, _ := c.Extension("8BITMIME"); ok {
		mailCmd += " BODY=8BITMIME" // as go-mail's Client.Mail says it
	}
	if ok, _ := c.Extension("SMTPUTF8"); ok {
		mailCmd += " SMTPUTF8"
	}
	lines := make([]string, 0, len(r.to)+2)
	lines = append(lines, mailCmd)
	for _, to := range r.to {
		lines = append(lines, "RCPT TO:"+to)
	}
	lines = append(lines, "DATA")
	for _, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			return &txError{stageMail, errors.New("smtp: an address holds a line break"), false}
		}
		if _, err := c.Text.W.WriteString(l + "\r\n"); err != nil {
			return &txError{stageMail, err, true}
		}
	}
	if err := c.Text.W.Flush(); err != nil {
		return &txError{stageMail, err, true}
	}
	var first *txError
	read := func(st stage, code int, unsent bool) bool {
		_, _, err := c.Text.ReadResponse(code)
		if err == nil {
			return true
		}
		if first == nil {
			first = &txError{st, err, unsent && unanswered(err)}
		}
		var te *textproto.Error
		// An SMTP reply: the next one follows, unless the server said
		// it is closing the connection.
		return errors.As(err, &te) && te.Code != 421
	}
	if !read(stageMail, 250, true) {
		return first
	}
	for range r.to {
		if !read(stageRcpt, 25, false) {
			return first
		}
	}
	read(stageData, 354, false)
	return first
}

// unanswered says whether err means the server did not take up the
// transaction at all: the connection failed (no reply), or it answered
// 421, closing the channel.
func unanswered(err error) bool {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code == 421
	}
	return true
}

// fail classifies err, adding ctx's error when ctx has ended.
func (s *Sender) fail(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return &aftersale.DeliveryError{Temporary: true, Err: fmt.Errorf("%w (%w)", ctx.Err(), err)}
	}
	return classify(err)
}

// classify turns a failure into a DeliveryError. Only a 5xx reply about the
// message itself, to RCPT TO or DATA, is permanent; a 5xx reply to DATA
// that refuses the message's syntax (see malformedReply) is also
// Malformed.
func classify(err error) *aftersale.DeliveryError {
	d := &aftersale.DeliveryError{Temporary: true, Err: err}
	var se *mail.SendError
	var te *textproto.Error
	switch {
	case errors.As(err, &se): // from dialling: connect, TLS, AUTH
		d.Code = se.ErrorCode()
	case errors.As(err, &te):
		d.Code = te.Code
	}
	var tx *txError
	if errors.As(err, &tx) && (tx.stage == stageRcpt || tx.stage == stageData) && d.Code >= 500 {
		d.Temporary = false
		d.Malformed = tx.stage == stageData && te != nil && malformedReply(te.Msg)
	}
	return d
}

// malformedReply says whether the text of a permanent reply to DATA (after
// the code, with its enhanced status code when there is one) refuses the
// message's form rather than its sender, recipient or content: status
// 5.6.x (message content or media, RFC 3463) other than 5.6.7 (an address
// beyond ASCII, RFC 6531), or words that relays use for a header or line
// they cannot take, such as Gmail's "not RFC 5322 compliant".
func malformedReply(msg string) bool {
	m := strings.ToLower(msg)
	if strings.HasPrefix(m, "5.6.") && !strings.HasPrefix(m, "5.6.7") {
		return true
	}
	for _, w := range malformedWords {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
}

// malformedWords are lower-case phrases of replies that refuse a
// message's syntax.
var malformedWords = []string{
	"rfc 5322", "rfc5322", "rfc 2822", "rfc2822", "rfc 822", "rfc822",
	"line too long", "line is too long", "lines too long", "too long line", "too long a line", "line length",
	"header too long", "headers too long", "header line too long",
	"invalid header", "illegal header", "bad header", "malformed", "header syntax", "duplicate header",
	"invalid mime", "syntax error in header", "message syntax",
}

// dial is go-mail's dialler: it remembers the network connection so that a
// cancelled Send can close it, and speaks TLS from the start for smtps.
func (s *Sender) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	if s.cfg.guard != nil && s.cfg.guard.public {
		d.Control = s.cfg.guard.control
	}
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
