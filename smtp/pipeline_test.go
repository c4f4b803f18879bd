package smtp_test

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/aftersale/aftersale/smtp"
)

// lineServer is a small SMTP server speaking the protocol line by line, for
// what the go-smtp test server cannot show: a server without PIPELINING, and
// the commands as they arrive.
type lineServer struct {
	ln         net.Listener
	pipelining bool

	mu       sync.Mutex
	commands []string // every command line, in order
	early    []string // commands that arrived before the previous reply went out
	messages int
}

func startLineServer(t *testing.T, pipelining bool) *lineServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &lineServer{ln: ln, pipelining: pipelining}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *lineServer) serve(c net.Conn) {
	defer c.Close()
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	say := func(l string) { w.WriteString(l + "\r\n") }
	say("220 line.test ESMTP")
	w.Flush()
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(cmd, " ", 2)[0])
		s.mu.Lock()
		s.commands = append(s.commands, cmd)
		if r.Buffered() > 0 && !strings.HasPrefix(verb, "DATA") {
			s.early = append(s.early, cmd)
		}
		s.mu.Unlock()
		switch {
		case verb == "EHLO":
			say("250-line.test")
			if s.pipelining {
				say("250-PIPELINING")
			}
			say("250 8BITMIME")
		case verb == "MAIL", verb == "RCPT", verb == "NOOP", verb == "RSET":
			say("250 ok")
		case verb == "DATA":
			say("354 go on")
			w.Flush()
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			s.mu.Lock()
			s.messages++
			s.mu.Unlock()
			say("250 queued")
		case verb == "QUIT":
			say("221 bye")
			w.Flush()
			return
		default:
			say("502 not here")
		}
		if r.Buffered() == 0 {
			w.Flush() // answers to pipelined commands go out together
		}
	}
}

func (s *lineServer) seen() (cmds, early []string, msgs int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.commands...), append([]string(nil), s.early...), s.messages
}

// verbs lists the command verbs after the greeting, one message after another.
func verbs(cmds []string) string {
	var v []string
	for _, c := range cmds {
		v = append(v, strings.ToUpper(strings.SplitN(c, " ", 2)[0]))
	}
	return strings.Join(v, " ")
}

func TestPipelining(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		pipelining bool
	}{{"server offers PIPELINING", true}, {"server without PIPELINING", false}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startLineServer(t, tt.pipelining)
			s, err := smtp.New("smtp://"+srv.ln.Addr().String(), smtp.WithTimeout(wait))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for _, id := range []string{"a", "b"} {
				if err := s.Send(context.Background(), email(id)); err != nil {
					t.Fatal(err)
				}
			}
			cmds, early, msgs := srv.seen()
			if msgs != 2 {
				t.Errorf("%d messages arrived, want 2", msgs)
			}
			// One connection, no NOOP before and no RSET after a message.
			if got, want := verbs(cmds), "EHLO MAIL RCPT DATA MAIL RCPT DATA"; got != want {
				t.Errorf("commands %q, want %q", got, want)
			}
			if tt.pipelining {
				if len(early) == 0 {
					t.Errorf("no command arrived ahead of a reply: not pipelined (%q)", cmds)
				}
			} else if len(early) > 0 {
				t.Errorf("commands %q were sent before the reply to the one before them, to a server without PIPELINING", early)
			}
		})
	}
}

// A kept connection that the server closed meanwhile is noticed at the
// first reply, before anything is sent, and the message goes over a new one.
func TestStaleConnectionRetried(t *testing.T) {
	t.Parallel()
	srv, s := setup(t)
	ctx := context.Background()
	if err := s.Send(ctx, email("first")); err != nil {
		t.Fatal(err)
	}
	srv.Down() // drops the kept connection
	srv.Up()
	if err := s.Send(ctx, email("second")); err != nil {
		t.Fatalf("after the server dropped the connection: %v", err)
	}
	msgs, err := srv.WaitFor(2, wait)
	if err != nil {
		t.Fatal(err)
	}
	if id := msgs[1].Header.Get("Message-Id"); id != "<second@aftersale.example>" {
		t.Errorf("second message %q", id)
	}
	if n := srv.Sessions(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}
