package smtp_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/smtp"
	"github.com/aftersale/aftersale/smtptest"
)

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

// testRSAKey returns one 2048-bit key for all tests: generating is slow.
func testRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	rsaOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		rsaKey = k
	})
	return rsaKey
}

// dnsStub answers the TXT lookup for sel._domainkey.brightpath.example with
// the public key of signer, as the DNS would.
func dnsStub(t *testing.T, signer crypto.Signer) func(string) ([]string, error) {
	t.Helper()
	var record string
	switch pub := signer.Public().(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		record = "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
	case ed25519.PublicKey:
		record = "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
	default:
		t.Fatalf("key %T", pub)
	}
	return func(name string) ([]string, error) {
		if name != "sel._domainkey.brightpath.example" {
			return nil, fmt.Errorf("no TXT record for %s", name)
		}
		return []string{record}, nil
	}
}

// verify checks the DKIM signatures of raw and returns the one
// verification.
func verify(t *testing.T, raw []byte, lookup func(string) ([]string, error)) *dkim.Verification {
	t.Helper()
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: lookup})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 {
		t.Fatalf("%d signatures, want 1", len(vs))
	}
	return vs[0]
}

func lower(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

func TestDKIMSignedThroughSMTP(t *testing.T) {
	t.Parallel()
	keys := map[string]crypto.Signer{"rsa": testRSAKey(t)}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keys["ed25519"] = edKey
	for name, key := range keys {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t)
			cfg := smtp.DKIMConfig{Domain: "brightpath.example", Selector: "sel", Signer: key}
			s, err := smtp.New(srv.URL(), smtp.WithDKIM(cfg))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Send(context.Background(), email("signed-"+name)); err != nil {
				t.Fatal(err)
			}
			msgs, err := srv.WaitFor(1, wait)
			if err != nil {
				t.Fatal(err)
			}
			raw := msgs[0].Data
			lookup := dnsStub(t, key)

			v := verify(t, raw, lookup)
			if v.Err != nil {
				t.Fatalf("the signature does not verify: %v", v.Err)
			}
			if v.Domain != "brightpath.example" {
				t.Errorf("d=%s", v.Domain)
			}
			signed := lower(v.HeaderKeys)
			for _, h := range []string{"from", "to", "subject", "date", "message-id", "mime-version",
				"content-type", "reply-to", "in-reply-to", "references", "list-unsubscribe", "list-unsubscribe-post"} {
				if !slices.Contains(signed, h) {
					t.Errorf("h= lacks %s: %v", h, v.HeaderKeys)
				}
			}
			sig := msgs[0].Header.Get("Dkim-Signature")
			for _, tag := range []string{"c=relaxed/relaxed", "a=" + map[string]string{"rsa": "rsa-sha256", "ed25519": "ed25519-sha256"}[name], "s=sel"} {
				if !strings.Contains(strings.Join(strings.Fields(sig), ""), tag) {
					t.Errorf("DKIM-Signature lacks %s: %s", tag, sig)
				}
			}

			// What the customer reads is untouched by signing.
			if text, _, err := msgs[0].Body(); err != nil || crlf(text) != email("x").Text {
				t.Errorf("text part %q, %v", text, err)
			}

			tampered := map[string][]byte{
				"body":                      bytes.Replace(raw, []byte("Hi Ana,"), []byte("Hi Bob,"), 1),
				"subject":                   bytes.Replace(raw, []byte("\r\nSubject: "), []byte("\r\nSubject: Re: "), 1),
				"unsubscribe link":          bytes.Replace(raw, []byte("/u/signed-"), []byte("/u/evil-"), 1),
				"a second From":             bytes.Replace(raw, []byte("\r\nFrom: "), []byte("\r\nFrom: <evil@attacker.example>\r\nFrom: "), 1),
				"an added Reply-To":         append([]byte("Reply-To: <evil@attacker.example>\r\n"), raw...),
				"an added List-Unsubscribe": append([]byte("List-Unsubscribe: <https://attacker.example/>\r\n"), raw...),
			}
			for what, b := range tampered {
				if bytes.Equal(b, raw) {
					t.Fatalf("%s: the tampering changed nothing", what)
				}
				if v := verify(t, b, lookup); v.Err == nil {
					t.Errorf("%s changed, and the signature still verifies", what)
				}
			}
		})
	}
}

func TestDKIMTransactionalMail(t *testing.T) {
	t.Parallel()
	key := testRSAKey(t)
	m := email("receipt")
	m.Headers, m.ReplyTo, m.HTML = nil, nil, ""
	raw, err := smtp.Render(m, &smtp.DKIMConfig{Domain: "brightpath.example", Selector: "sel", Signer: key})
	if err != nil {
		t.Fatal(err)
	}
	lookup := dnsStub(t, key)
	v := verify(t, raw, lookup)
	if v.Err != nil {
		t.Fatal(v.Err)
	}
	if !slices.Contains(lower(v.HeaderKeys), "content-transfer-encoding") {
		t.Errorf("h= lacks Content-Transfer-Encoding: %v", v.HeaderKeys)
	}
	// Mail that had no unsubscribe link cannot be given one in transit.
	added := append([]byte("List-Unsubscribe: <https://attacker.example/>\r\n"), raw...)
	if v := verify(t, added, lookup); v.Err == nil {
		t.Error("an added List-Unsubscribe still verifies")
	}

	unsigned, err := smtp.Render(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(unsigned, []byte("DKIM-Signature")) || bytes.Contains(bytes.ReplaceAll(unsigned, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("an unsigned message with a signature or a bare LF:\n%s", unsigned)
	}
}

func TestDKIMConfigChecked(t *testing.T) {
	t.Parallel()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key := testRSAKey(t)
	tests := []struct {
		cfg  smtp.DKIMConfig
		want string
	}{
		{smtp.DKIMConfig{Selector: "s", Signer: key}, "Domain is empty"},
		{smtp.DKIMConfig{Domain: "bad domain", Selector: "s", Signer: key}, "Domain"},
		{smtp.DKIMConfig{Domain: "a@b.example", Selector: "s", Signer: key}, "Domain"},
		{smtp.DKIMConfig{Domain: "b.example", Signer: key}, "Selector is empty"},
		{smtp.DKIMConfig{Domain: "b.example", Selector: "s;x", Signer: key}, "Selector"},
		{smtp.DKIMConfig{Domain: "b.example", Selector: "s"}, "Signer is nil"},
		{smtp.DKIMConfig{Domain: "b.example", Selector: "s", Signer: ec}, "RSA"},
	}
	for _, tt := range tests {
		if _, err := smtp.New("smtp://127.0.0.1:25", smtp.WithDKIM(tt.cfg)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want an error about %q", tt.cfg, err, tt.want)
		}
		if _, err := smtp.Render(email("x"), &tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Render with %+v: %v, want an error about %q", tt.cfg, err, tt.want)
		}
	}
	good := smtp.DKIMConfig{Domain: "mail.b.example", Selector: "s2026._x", Signer: key}
	if err := good.Validate(); err != nil {
		t.Errorf("%v", err)
	}
}

func TestLoadDKIMKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rsaKey := testRSAKey(t)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pkcs8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	ecDER, _ := x509.MarshalECPrivateKey(ecKey)
	pubDER, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	files := map[string][]byte{
		"pkcs1.pem":     pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}),
		"pkcs8-rsa.pem": pkcs8(rsaKey),
		"ed25519.pem":   pkcs8(edKey),
		"ec-pkcs8.pem":  pkcs8(ecKey),
		"ec.pem":        pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER}),
		"public.pem":    pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}),
		"encrypted.pem": pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1, 2, 3}}),
		"legacy-encrypted.pem": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY",
			Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00"}, Bytes: []byte{1, 2, 3}}),
		"corrupt.pem": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte("not DER")}),
		"text.pem":    []byte("p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		file string
		want string // "" for success; else a piece of the error
		pub  crypto.PublicKey
	}{
		{"pkcs1.pem", "", &rsaKey.PublicKey},
		{"pkcs8-rsa.pem", "", &rsaKey.PublicKey},
		{"ed25519.pem", "", edKey.Public()},
		{"ec-pkcs8.pem", "cannot sign DKIM", nil},
		{"ec.pem", "EC key cannot sign DKIM", nil},
		{"public.pem", "public key, not the private key", nil},
		{"encrypted.pem", "encrypted", nil},
		{"legacy-encrypted.pem", "encrypted", nil},
		{"corrupt.pem", "not a valid PKCS#1", nil},
		{"text.pem", "no PEM block", nil},
		{"missing.pem", "no such file", nil},
	}
	for _, tt := range tests {
		key, err := smtp.LoadDKIMKey(filepath.Join(dir, tt.file))
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.file, err)
				continue
			}
			if eq, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(tt.pub) {
				t.Errorf("%s: another key", tt.file)
			}
			if err := (smtp.DKIMConfig{Domain: "b.example", Selector: "s", Signer: key}).Validate(); err != nil {
				t.Errorf("%s: %v", tt.file, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error about %q", tt.file, err, tt.want)
		}
		if err != nil && !strings.Contains(err.Error(), tt.file) {
			t.Errorf("%s: the error does not name the file: %v", tt.file, err)
		}
	}
}

// TestSignedComposeErrorsArePermanent checks that a message that cannot be composed
// fails before anything is signed or sent, as a permanent error.
func TestSignedComposeErrorsArePermanent(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	s, err := smtp.New(srv.URL(), smtp.WithDKIM(smtp.DKIMConfig{Domain: "brightpath.example", Selector: "sel", Signer: testRSAKey(t)}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m := email("bad")
	m.Text = ""
	if err := s.Send(context.Background(), m); err == nil || aftersale.IsTemporary(err) {
		t.Errorf("Send = %v, want a permanent error", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages sent", n)
	}
}
