package app_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/aftersale/aftersale/app"
)

func TestDKIMSignsTheUnsubscribeHeaders(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "dkim.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(keyFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	b := setupClock(t, func(c *app.Config) {
		c.Mail.DKIMDomain, c.Mail.DKIMSelector, c.Mail.DKIMKeyFile = "shop.example", "as2026", keyFile
		c.Mail.BounceAddress = "bounces@mail.shop.example"
	})
	if code, body := b.post(t, b.orderEvent("evt_dkim", "kai@example.com", "d-1", "digital", "")); code != 202 {
		t.Fatalf("post: %d %v", code, body)
	}
	b.settle(t)
	m := b.waitTemplate(t, "kai@example.com", "who_uses", hangGuard)
	if m.From != "bounces@mail.shop.example" {
		t.Errorf("envelope sender %q, want the bounce address", m.From)
	}
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	record := "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(pub)
	verifications, err := dkim.VerifyWithOptions(strings.NewReader(string(m.Data)), &dkim.VerifyOptions{
		LookupTXT: func(domain string) ([]string, error) {
			if domain != "as2026._domainkey.shop.example" {
				return nil, fmt.Errorf("unexpected lookup %s", domain)
			}
			return []string{record}, nil
		},
	})
	if err != nil || len(verifications) != 1 || verifications[0].Err != nil {
		t.Fatalf("DKIM verification: %v %+v", err, verifications)
	}
	signed := map[string]bool{}
	for _, h := range verifications[0].HeaderKeys {
		signed[strings.ToLower(h)] = true
	}
	for _, h := range []string{"list-unsubscribe", "list-unsubscribe-post", "from", "subject", "message-id"} {
		if !signed[h] {
			t.Errorf("h= lacks %s: %v", h, verifications[0].HeaderKeys)
		}
	}
}

func TestHardBounceSuppressesTheAddress(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	bounceAddr := l.Addr().String()
	l.Close()
	b := setupClock(t, func(c *app.Config) {
		c.Mail.BounceAddress = "bounces@mail.shop.example"
		c.Mail.BounceListen = bounceAddr
	})
	if code, body := b.post(t, b.orderEvent("evt_b1", "gone@example.com", "b-1", "digital", "")); code != 202 {
		t.Fatalf("post: %d %v", code, body)
	}
	b.settle(t)
	thanks := b.waitTemplate(t, "gone@example.com", "thank_you", hangGuard)
	dsn := fmt.Sprintf("From: MAILER-DAEMON@mx.example.com\r\nTo: bounces@mail.shop.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"+
		"--B\r\nContent-Type: text/plain\r\n\r\nThe mail system could not deliver your message.\r\n"+
		"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n"+
		"Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"+
		"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: %s\r\nTo: gone@example.com\r\n--B--\r\n", thanks.Header.Get("Message-Id"))
	var sendErr error
	// The listener starts with the service.
	pollUntil(t, "the bounce listener to take the DSN", func() bool {
		sendErr = smtp.SendMail(bounceAddr, nil, "", []string{"bounces@mail.shop.example"}, []byte(dsn))
		return sendErr == nil
	})
	suppressedAt := b.now()
	if c := b.customer(t, "gone@example.com"); c["suppressed"] != "bounce 5.1.1" {
		t.Fatalf("customer after a 5.1.1 bounce: %v", c["suppressed"])
	}
	b.days(t, 4) // day 1 and day 3 fall due
	for _, m := range b.smtp.Messages() {
		if d, _ := m.Header.Date(); d.After(suppressedAt) {
			t.Errorf("%s sent to a bounced address", m.Header.Get("X-Aftersale-Template"))
		}
	}
	var suppressed int
	for _, e := range b.customer(t, "gone@example.com")["timeline"].([]any) {
		if e := e.(map[string]any); e["status"] == "suppressed" && strings.Contains(e["summary"].(string), "bounce 5.1.1") {
			suppressed++
		}
	}
	if suppressed == 0 {
		t.Error("no step recorded as suppressed by the bounce")
	}
}
