package inbound_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale/bounce"
	"github.com/aftersale/aftersale/inbound"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "bounce", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type bundle struct {
	addr    string
	reports chan *bounce.Report
	logs    *syncBuffer
	srv     *inbound.Server
}

// setup starts a server on a free port; handleErr, when set, is what Handle
// returns.
func setup(t *testing.T, cfg inbound.Config, handleErr error) *bundle {
	t.Helper()
	b := &bundle{reports: make(chan *bounce.Report, 10), logs: &syncBuffer{}}
	cfg.Handle = func(ctx context.Context, r *bounce.Report) error {
		if ctx.Err() != nil {
			t.Errorf("Handle's context has ended: %v", ctx.Err())
		}
		b.reports <- r
		return handleErr
	}
	cfg.Logger = slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := inbound.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b.addr, b.srv = l.Addr().String(), srv
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return b
}

// send delivers msg as an MTA delivers a bounce: from the null sender.
func (b *bundle) send(to string, msg []byte) error {
	return smtp.SendMail(b.addr, nil, "", []string{to}, msg)
}

// noReport checks that Handle was not called.
func (b *bundle) noReport(t *testing.T) {
	t.Helper()
	select {
	case r := <-b.reports:
		t.Errorf("Handle got %+v", r)
	default:
	}
}

func TestReportsAreHandled(t *testing.T) {
	t.Parallel()
	b := setup(t, inbound.Config{Domain: "brightpath.example"}, nil)
	tests := []struct {
		file  string
		kind  bounce.Kind
		email string
		msgID string
	}{
		{"postfix-5.1.1.eml", bounce.KindBounce, "nobody@example.com", "<s1-day1.c42.j7@aftersale.brightpath.example>"},
		{"postfix-delayed-4.4.1.eml", bounce.KindDelay, "sam@slowmail.example", "<s0-welcome.c43.j7@aftersale.brightpath.example>"},
		{"yahoo-arf.eml", bounce.KindComplaint, "ana.lima@yahoo.com", "<s1-day1.c44.j7@aftersale.brightpath.example>"},
	}
	for _, tt := range tests {
		if err := b.send("bounces@brightpath.example", fixture(t, tt.file)); err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		// The reply came after Handle returned.
		select {
		case r := <-b.reports:
			if r.Kind != tt.kind || len(r.Recipients) != 1 || r.Recipients[0].Email != tt.email || r.OriginalMessageID != tt.msgID {
				t.Errorf("%s: Handle got %+v", tt.file, r)
			}
		default:
			t.Fatalf("%s: Handle was not called", tt.file)
		}
	}
	if logs := b.logs.String(); strings.Contains(logs, "@") || strings.Count(logs, "report received") != 3 {
		t.Errorf("logs:\n%s", logs)
	}
}

func TestNonReportsAreAcceptedAndDropped(t *testing.T) {
	t.Parallel()
	b := setup(t, inbound.Config{}, nil)
	for _, msg := range [][]byte{
		fixture(t, "out-of-office.eml"),
		[]byte("From: ana@example.com\r\nSubject: thanks\r\n\r\nLoved the course!\r\n"),
		[]byte("Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n--B--\r\n"),
	} {
		if err := b.send("anything@anywhere.example", msg); err != nil {
			t.Errorf("refused: %v", err)
		}
	}
	b.noReport(t)
	logs := b.logs.String()
	if strings.Contains(logs, "@") {
		t.Errorf("the logs show an address:\n%s", logs)
	}
	if strings.Count(logs, "level=DEBUG msg=\"inbound: dropped a message that is not a report\"") != 2 ||
		!strings.Contains(logs, "dropped a malformed report") {
		t.Errorf("logs:\n%s", logs)
	}
}

func TestHandleErrorAsksForARetry(t *testing.T) {
	t.Parallel()
	b := setup(t, inbound.Config{}, errors.New("store down while recording nobody@example.com"))
	err := b.send("bounces@brightpath.example", fixture(t, "postfix-5.1.1.eml"))
	if err == nil || !strings.HasPrefix(err.Error(), "451") {
		t.Fatalf("send = %v, want 451", err)
	}
	if len(b.reports) != 1 {
		t.Errorf("Handle called %d times", len(b.reports))
	}
	if logs := b.logs.String(); strings.Contains(logs, "nobody@") || !strings.Contains(logs, "store down while recording [email]") {
		t.Errorf("logs:\n%s", logs)
	}
}

func TestRecipientsAndSize(t *testing.T) {
	t.Parallel()
	b := setup(t, inbound.Config{Domain: "BrightPath.example.", MaxMessageBytes: 2048}, nil)
	small := []byte("Subject: hi\r\n\r\nhi\r\n")
	tests := []struct {
		to   string
		msg  []byte
		want string // the reply code of the error, "" for none
	}{
		{"bounces@brightpath.example", small, ""},
		{"Bounces+VERP=x@BRIGHTPATH.EXAMPLE", small, ""},
		{"postmaster@brightpath.example", small, ""},
		{"someone@elsewhere.example", small, "550"},
		{"bounces@sub.brightpath.example", small, "550"},
		{"bounces@brightpath.example", fixture(t, "postfix-5.1.1.eml"), "552"},
	}
	for _, tt := range tests {
		err := b.send(tt.to, tt.msg)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.to, err)
		case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
			t.Errorf("%s (%d bytes): %v, want %s", tt.to, len(tt.msg), err, tt.want)
		}
	}
	b.noReport(t)
	// The connection limits did not break the server.
	if err := b.send("bounces@brightpath.example", small); err != nil {
		t.Errorf("after the refusals: %v", err)
	}
}

func TestListenAndServeStopsWithItsContext(t *testing.T) {
	t.Parallel()
	srv, err := inbound.New(inbound.Config{
		Addr:   "127.0.0.1:0",
		Handle: func(context.Context, *bounce.Report) error { return nil },
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(ctx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ListenAndServe = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ListenAndServe did not return after its context ended")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(l); !errors.Is(err, inbound.ErrClosed) {
		t.Errorf("Serve after Close = %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
}

func TestNewChecksTheConfig(t *testing.T) {
	t.Parallel()
	handle := func(context.Context, *bounce.Report) error { return nil }
	tests := []struct {
		cfg  inbound.Config
		want string
	}{
		{inbound.Config{}, "Handle"},
		{inbound.Config{Handle: handle, MaxMessageBytes: -1}, "MaxMessageBytes"},
		{inbound.Config{Handle: handle, Domain: "bounces@brightpath.example"}, "Domain"},
	}
	for _, tt := range tests {
		if _, err := inbound.New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v, want an error about %s", tt.cfg, err, tt.want)
		}
	}
}
