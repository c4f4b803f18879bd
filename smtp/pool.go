package smtp

import (
	"context"
	"errors"
	"fmt"

	"github.com/aftersale/aftersale"
)

// Pool is an aftersale.Mailer that sends through up to n connections to one
// SMTP server at once, each a Sender (kept open between messages, closed
// when idle). One connection carries one message at a time, and each
// message costs round trips (two with PIPELINING: MAIL, RCPT and DATA
// together, then the message), so a busy queue keeps several connections
// busy. The rate limit of
// WithDomainRate is shared by the connections.
type Pool struct {
	free    chan *Sender
	all     []*Sender
	limiter *limiter
}

var _ aftersale.Mailer = (*Pool)(nil)

// NewPool returns a Pool of n connections (n ≥ 1) to the server at rawURL,
// with the options of New. It does not connect: connections are made when
// messages need them.
func NewPool(rawURL string, n int, opts ...Option) (*Pool, error) {
	if n < 1 {
		return nil, fmt.Errorf("smtp: the number of connections is %d; want at least 1", n)
	}
	p := &Pool{free: make(chan *Sender, n)}
	for i := 0; i < n; i++ {
		s, err := New(rawURL, opts...)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			p.limiter = s.limiter
		}
		// The pool waits for the rate before taking a connection, so that
		// a message waiting for its domain's turn holds none.
		s.limiter = nil
		p.all = append(p.all, s)
		p.free <- s
	}
	return p, nil
}

// Addr returns the server's host:port.
func (p *Pool) Addr() string { return p.all[0].Addr() }

// Send delivers m over a free connection, waiting for one; its errors are
// those of (*Sender).Send.
func (p *Pool) Send(ctx context.Context, m *aftersale.Email) error {
	// Rendered before a connection is taken, so that a connection is held
	// only for the exchange.
	r, err := p.all[0].prepare(ctx, m, p.limiter)
	if err != nil {
		return err
	}
	var s *Sender
	select {
	case s = <-p.free:
	case <-ctx.Done():
		return &aftersale.DeliveryError{Temporary: true, Err: fmt.Errorf("smtp: waiting for a connection: %w", ctx.Err())}
	}
	defer func() { p.free <- s }()
	return s.sendRendered(ctx, r)
}

// Close closes every connection; later Sends fail.
func (p *Pool) Close() error {
	var errs []error
	for _, s := range p.all {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}
