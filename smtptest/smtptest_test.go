package smtptest_test

import (
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/smtptest"
)

const nested = "From: a@example.com\r\n" +
	"To: b@example.com\r\n" +
	"Subject: nested\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=outer\r\n" +
	"\r\n" +
	"--outer\r\n" +
	"Content-Type: multipart/alternative; boundary=inner\r\n" +
	"\r\n" +
	"--inner\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Caf=C3=A9 and a soft=\r\n" +
	" break\r\n" +
	"--inner\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"PHA+Q2Fmw6k8L3A+\r\n" +
	"--inner--\r\n" +
	"--outer\r\n" +
	"Content-Type: application/octet-stream\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"AAEC\r\n" +
	"--outer--\r\n"

func send(t *testing.T, srv *smtptest.Server, msg string) error {
	t.Helper()
	return smtp.SendMail(srv.Addr(), nil, "a@example.com", []string{"b@example.com", "c@example.com"}, []byte(msg))
}

func TestReceiveAndDecode(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	if !strings.HasPrefix(srv.URL(), "smtp://127.0.0.1:") {
		t.Errorf("URL %q", srv.URL())
	}
	if err := send(t, srv, nested); err != nil {
		t.Fatal(err)
	}
	msgs, err := srv.WaitFor(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	m := msgs[0]
	if m.From != "a@example.com" || strings.Join(m.To, ",") != "b@example.com,c@example.com" || m.Header.Get("Subject") != "nested" {
		t.Errorf("got %+v", m)
	}
	parts, err := m.Parts()
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 3 || parts[2].ContentType != "application/octet-stream" || parts[2].Body != "\x00\x01\x02" {
		t.Fatalf("parts %+v", parts)
	}
	text, html, err := m.Body()
	if err != nil || text != "Café and a soft break" || html != "<p>Café</p>" {
		t.Errorf("Body() = %q, %q, %v", text, html, err)
	}
	if m.Text() != text || m.HTML() != html {
		t.Error("Text/HTML differ from Body")
	}
}

func TestWaitForTimesOut(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	start := time.Now()
	msgs, err := srv.WaitFor(1, 50*time.Millisecond)
	if err == nil || len(msgs) != 0 || time.Since(start) < 50*time.Millisecond {
		t.Errorf("WaitFor = %v, %v", msgs, err)
	}
	go func() { _ = send(t, srv, "Subject: late\r\n\r\nhi\r\n") }()
	if msgs, err := srv.WaitFor(1, 5*time.Second); err != nil || len(msgs) != 1 {
		t.Errorf("WaitFor = %v, %v", msgs, err)
	}
	srv.Reset()
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages after Reset", n)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	srv.RejectNext(451, 2)
	for i := 0; i < 2; i++ {
		if err := send(t, srv, "Subject: x\r\n\r\nx\r\n"); err == nil || !strings.HasPrefix(err.Error(), "451") {
			t.Errorf("try %d: %v, want 451", i, err)
		}
	}
	srv.RejectNextRcpt(550, 1)
	if err := send(t, srv, "Subject: x\r\n\r\nx\r\n"); err == nil || !strings.HasPrefix(err.Error(), "550") {
		t.Errorf("RCPT: %v, want 550", err)
	}
	if err := send(t, srv, "Subject: ok\r\n\r\nx\r\n"); err != nil {
		t.Errorf("after the rejections: %v", err)
	}
	srv.Down()
	if err := send(t, srv, "Subject: x\r\n\r\nx\r\n"); err == nil {
		t.Error("sent while down")
	}
	srv.Up()
	if err := send(t, srv, "Subject: back\r\n\r\nx\r\n"); err != nil {
		t.Errorf("after Up: %v", err)
	}
	if msgs := srv.Messages(); len(msgs) != 2 || msgs[1].Header.Get("Subject") != "back" {
		t.Errorf("messages %d", len(msgs))
	}
}

func TestAuthRequired(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.WithAuth("u", "p"))
	if err := send(t, srv, "Subject: x\r\n\r\nx\r\n"); err == nil {
		t.Error("accepted mail without AUTH")
	}
	auth := smtp.PlainAuth("", "u", "p", "127.0.0.1")
	err := smtp.SendMail(srv.Addr(), auth, "a@example.com", []string{"b@example.com"}, []byte("Subject: x\r\n\r\nx\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if msgs := srv.Messages(); len(msgs) != 1 || msgs[0].Auth != "u" {
		t.Errorf("messages %+v", msgs)
	}
}
