package smtp_test

import (
	"bytes"
	"net/mail"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/smtp"
)

func TestComposeChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*aftersale.Email)
		want   string
	}{
		{"no brackets", func(m *aftersale.Email) { m.MessageID = "x@y" }, "message-id"},
		{"no at", func(m *aftersale.Email) { m.MessageID = "<xy>" }, "message-id"},
		{"space in id", func(m *aftersale.Email) { m.MessageID = "<x y@z>" }, "message-id"},
		{"no from", func(m *aftersale.Email) { m.From.Email = "" }, "from"},
		{"bad from", func(m *aftersale.Email) { m.From.Email = "not an address" }, "from"},
		{"no to", func(m *aftersale.Email) { m.To.Email = "" }, "to"},
		{"no text", func(m *aftersale.Email) { m.Text = "" }, "text"},
		{"own header", func(m *aftersale.Email) { m.Headers = []aftersale.Header{{Name: "bcc", Value: "x@y"}} }, "set by the message"},
		{"twice", func(m *aftersale.Email) {
			m.Headers = append(m.Headers, aftersale.Header{Name: "list-unsubscribe", Value: "<x>"})
		}, "twice"},
		{"bad name", func(m *aftersale.Email) { m.Headers = []aftersale.Header{{Name: "X Bad:", Value: "1"}} }, "field name"},
		{"newline", func(m *aftersale.Email) { m.Headers = []aftersale.Header{{Name: "X-A", Value: "1\nBcc: x@y"}} }, "one line"},
		{"not ascii", func(m *aftersale.Email) { m.Headers = []aftersale.Header{{Name: "X-A", Value: "é"}} }, "ASCII"},
	}
	for _, tt := range tests {
		m := email("check")
		tt.change(m)
		if _, err := smtp.Compose(m); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error about %q", tt.name, err, tt.want)
		}
	}
	if _, err := smtp.Compose(nil); err == nil {
		t.Error("nil message composed")
	}
}

func TestComposeNoHeaderInjection(t *testing.T) {
	t.Parallel()
	m := email("inject")
	m.Subject = "Hello\r\nBcc: victim@example.com"
	m.To.Name = "Ana\nBcc: victim@example.com"
	msg, err := smtp.Compose(m)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := msg.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	parsed, err := mail.ReadMessage(&b)
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Header.Get("Bcc") != "" {
		t.Errorf("a Bcc header was injected: %v", parsed.Header)
	}
}
