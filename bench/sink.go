package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/textproto"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Sink is an SMTP server on the loopback interface that accepts every
// message and throws it away, keeping for each only its arrival time (the
// end of DATA: the hand-off) and its Message-ID and X-Aftersale-Template
// headers. Only the header block is parsed. aftersale and the go-mail
// baseline send to the same sink.
type Sink struct {
	srv *smtp.Server
	l   net.Listener

	mu      sync.Mutex
	msgs    []Arrival
	changed chan struct{} // closed and replaced when a message arrives
}

// Arrival is one message as the sink saw it.
type Arrival struct {
	At        time.Time
	MessageID string
	Template  string
}

// startSink listens on 127.0.0.1 on a free port.
func startSink() (*Sink, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Sink{l: l, changed: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s}, nil }))
	s.srv.Domain = "sink.localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = time.Minute
	s.srv.WriteTimeout = time.Minute
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.MaxRecipients = 100
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	go s.srv.Serve(l)
	return s, nil
}

// URL is the smtp:// URL of the sink.
func (s *Sink) URL() string { return "smtp://" + s.l.Addr().String() }

// Addr is host:port.
func (s *Sink) Addr() string { return s.l.Addr().String() }

// Close stops the server.
func (s *Sink) Close() error { return s.srv.Close() }

// Count returns how many messages arrived.
func (s *Sink) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// Arrivals returns a copy of what arrived, in order of arrival.
func (s *Sink) Arrivals() []Arrival {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Arrival(nil), s.msgs...)
}

// Reset forgets what arrived.
func (s *Sink) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = nil
}

// WaitFor waits until n messages have arrived, ctx ends, or no message has
// arrived for idle (0: no such limit).
func (s *Sink) WaitFor(ctx context.Context, n int, idle time.Duration) error {
	last := time.Now()
	lastCount := -1
	for {
		s.mu.Lock()
		count, changed := len(s.msgs), s.changed
		s.mu.Unlock()
		if count >= n {
			return nil
		}
		if count != lastCount {
			last, lastCount = time.Now(), count
		}
		var idleC <-chan time.Time
		var t *time.Timer
		if idle > 0 {
			t = time.NewTimer(idle - time.Since(last))
			idleC = t.C
		}
		select {
		case <-ctx.Done():
		case <-changed:
		case <-idleC:
		}
		if t != nil {
			t.Stop()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if idle > 0 && time.Since(last) >= idle && s.Count() == count {
			return fmt.Errorf("%d of %d messages arrived, then none for %s", count, n, idle)
		}
	}
}

func (s *Sink) add(a Arrival) {
	s.mu.Lock()
	s.msgs = append(s.msgs, a)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

type sinkSession struct{ s *Sink }

func (*sinkSession) Reset()                                    {}
func (*sinkSession) Logout() error                             { return nil }
func (*sinkSession) Mail(string, *smtp.MailOptions) error      { return nil }
func (*sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error { return nil }

// Data reads the header block, discards the body, and records the message
// once the whole of it has arrived.
func (ss *sinkSession) Data(r io.Reader) error {
	br := bufio.NewReaderSize(r, 8192)
	h, err := textproto.NewReader(br).ReadMIMEHeader()
	if err != nil && !errors.Is(err, io.EOF) {
		io.Copy(io.Discard, br)
		return err
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return err
	}
	ss.s.add(Arrival{At: time.Now(), MessageID: h.Get("Message-Id"), Template: h.Get("X-Aftersale-Template")})
	return nil
}
