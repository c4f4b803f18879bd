// Package inbound is an optional SMTP listener for the bounce address: the
// delivery status notifications and spam complaint (ARF) reports that mail
// servers send back arrive here, are read with package bounce, and are
// handed to a function that records them.
//
// It never relays or stores mail. A message that is not a report (an
// auto-reply, a stray newsletter) is accepted and dropped, so that its
// sender does not retry it; a report whose handling fails is answered with
// a temporary failure (451), so that the sender tries again later.
package inbound

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/aftersale/aftersale/bounce"
)

// Config configures a Server.
type Config struct {
	// Addr is the host:port ListenAndServe listens on. The default is
	// ":2525"; bounces from the internet arrive on port 25, so forward
	// that port or have the MTA on port 25 relay the bounce address here.
	Addr string
	// Domain, when set, is the domain of the bounce address: RCPT TO is
	// accepted for addresses at this domain and refused with 550 for any
	// other. When empty, every recipient is accepted. The server greets
	// with this name ("localhost" when empty).
	Domain string
	// MaxMessageBytes is the largest message accepted; a larger one is
	// refused with 552. The default is 10 MiB, room for a report that
	// returns the whole original message.
	MaxMessageBytes int64
	// Handle is called with each report received, with a context that ends
	// after 2 minutes or when the server closes. An error answers the
	// message with 451, so that the sender retries it later. Required. It
	// may be called concurrently.
	Handle func(ctx context.Context, r *bounce.Report) error
	// Logger receives a line per message, without email addresses.
	// Non-reports are logged at debug level. The default is slog.Default().
	Logger *slog.Logger
	// TLSConfig, when set, makes the server offer STARTTLS with it.
	TLSConfig *tls.Config
}

// Defaults and fixed limits.
const (
	defaultAddr     = ":2525"
	defaultMaxBytes = 10 << 20
	maxRecipients   = 100
	handleTimeout   = 2 * time.Minute
	readTimeout     = 5 * time.Minute // RFC 5321 section 4.5.3.2.7
	writeTimeout    = time.Minute
)

// ErrClosed is returned by Serve and ListenAndServe on a closed Server.
var ErrClosed = errors.New("inbound: server closed")

// Server is an SMTP server that receives reports. Make one with New.
type Server struct {
	cfg    Config
	log    *slog.Logger
	srv    *smtp.Server
	ctx    context.Context // the parent of Handle's contexts
	cancel context.CancelFunc

	mu        sync.Mutex
	closed    bool
	listeners []net.Listener // closed by Close
}

// New checks cfg and returns a Server. It does not listen yet.
func New(cfg Config) (*Server, error) {
	if cfg.Handle == nil {
		return nil, errors.New("inbound: Config.Handle is nil")
	}
	if cfg.MaxMessageBytes < 0 {
		return nil, fmt.Errorf("inbound: Config.MaxMessageBytes is negative (%d)", cfg.MaxMessageBytes)
	}
	if cfg.MaxMessageBytes == 0 {
		cfg.MaxMessageBytes = defaultMaxBytes
	}
	if cfg.Addr == "" {
		cfg.Addr = defaultAddr
	}
	cfg.Domain = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(cfg.Domain)), ".")
	if strings.ContainsAny(cfg.Domain, "@ \t<>") {
		return nil, fmt.Errorf("inbound: Config.Domain %q is not a domain name", cfg.Domain)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	s.ctx, s.cancel = context.WithCancel(context.Background())

	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, remote: remoteIP(c)}, nil
	}))
	srv.Domain = cfg.Domain
	if srv.Domain == "" {
		srv.Domain = "localhost"
	}
	srv.MaxMessageBytes = cfg.MaxMessageBytes
	srv.MaxRecipients = maxRecipients
	srv.ReadTimeout = readTimeout
	srv.WriteTimeout = writeTimeout
	srv.TLSConfig = cfg.TLSConfig
	srv.EnableSMTPUTF8 = true // a report about an SMTPUTF8 message may need it
	srv.ErrorLog = errorLog{s.log}
	s.srv = srv
	return s, nil
}

// ListenAndServe listens on Config.Addr and serves until ctx ends or Close
// is called; then it returns nil.
func (s *Server) ListenAndServe(ctx context.Context) error {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("inbound: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	return s.Serve(l)
}

// Serve accepts connections on l until Close is called; then it returns
// nil. It closes l.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return ErrClosed
	}
	s.listeners = append(s.listeners, l)
	s.mu.Unlock()
	s.log.Info("inbound: receiving reports", "addr", l.Addr().String(), "domain", s.cfg.Domain)
	if err := s.srv.Serve(l); err != nil {
		return fmt.Errorf("inbound: %w", err)
	}
	return nil
}

// Close stops the server at once: it closes the listeners and every open
// connection, and cancels running Handle calls. Senders retry what was cut
// off. Close may be called more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.cancel()
	err := s.srv.Close()
	for _, l := range s.listeners {
		l.Close() // also one that srv has not taken yet; closing twice is harmless
	}
	if err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("inbound: %w", err)
	}
	return nil
}

func remoteIP(c *smtp.Conn) string {
	if nc := c.Conn(); nc != nil {
		if host, _, err := net.SplitHostPort(nc.RemoteAddr().String()); err == nil {
			return host
		}
	}
	return ""
}

// session is one SMTP connection.
type session struct {
	s      *Server
	remote string
}

var errNoMailbox = &smtp.SMTPError{
	Code:         550,
	EnhancedCode: smtp.EnhancedCode{5, 1, 1},
	Message:      "No such mailbox here",
}

var errTryLater = &smtp.SMTPError{
	Code:         451,
	EnhancedCode: smtp.EnhancedCode{4, 3, 0},
	Message:      "Temporary failure, please try again later",
}

func (ss *session) Mail(string, *smtp.MailOptions) error { return nil }

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	domain := ss.s.cfg.Domain
	if domain == "" {
		return nil
	}
	at := strings.LastIndexByte(to, '@')
	if at < 0 || !strings.EqualFold(strings.TrimSuffix(to[at+1:], "."), domain) {
		return errNoMailbox
	}
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err // smtp.ErrDataTooLarge answers 552
	}
	log := ss.s.log.With("remote", ss.remote, "bytes", len(raw))
	rep, err := bounce.Parse(raw)
	switch {
	case errors.Is(err, bounce.ErrNotAReport):
		log.Debug("inbound: dropped a message that is not a report", "reason", redact(err))
		return nil
	case err != nil:
		log.Warn("inbound: dropped a malformed report", "err", redact(err))
		return nil
	}
	ctx, cancel := context.WithTimeout(ss.s.ctx, handleTimeout)
	defer cancel()
	if err := ss.s.cfg.Handle(ctx, rep); err != nil {
		log.Error("inbound: handling a report failed; asked the sender to retry",
			"kind", string(rep.Kind), "recipients", len(rep.Recipients), "err", redact(err))
		return errTryLater
	}
	log.Info("inbound: report received", "kind", string(rep.Kind), "recipients", len(rep.Recipients))
	return nil
}

func (ss *session) Reset() {}

func (ss *session) Logout() error { return nil }

// emailRE finds email addresses, to keep them out of logs.
var emailRE = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+`)

// redact returns err's text without email addresses: Handle's errors may
// quote the customer.
func redact(err error) string {
	return emailRE.ReplaceAllString(err.Error(), "[email]")
}

// errorLog passes go-smtp's connection errors to the logger at debug
// level: they are about clients that went away or spoke badly.
type errorLog struct{ l *slog.Logger }

func (e errorLog) Printf(format string, v ...any) {
	e.l.Debug("inbound: " + emailRE.ReplaceAllString(fmt.Sprintf(format, v...), "[email]"))
}

func (e errorLog) Println(v ...any) {
	e.l.Debug("inbound: " + emailRE.ReplaceAllString(strings.TrimSpace(fmt.Sprintln(v...)), "[email]"))
}
