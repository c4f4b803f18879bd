package smtp_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/smtp"
	"github.com/aftersale/aftersale/smtptest"
)

// BenchmarkSend measures one Sender handing messages over, one at a time,
// to a loopback SMTP server: the ceiling of the sending path per node.
func BenchmarkSend(b *testing.B) {
	srv := smtptest.Start(b)
	s, err := smtp.New(srv.URL())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	m := &aftersale.Email{
		From: aftersale.Address{Email: "shop@example.com"}, To: aftersale.Address{Email: "ana@example.com"},
		Subject: "Hello", Text: "Hi Ana,\n\nthanks.\n", HTML: "<p>Hi Ana,</p><p>thanks.</p>", Date: time.Now(),
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		m.MessageID = fmt.Sprintf("<%d@example.com>", i)
		if err := s.Send(b.Context(), m); err != nil {
			b.Fatal(err)
		}
	}
}
