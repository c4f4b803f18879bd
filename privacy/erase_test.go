package privacy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/outbox"
	"github.com/aftersale/aftersale/smtp"
)

func TestMentions(t *testing.T) {
	const addr = "ana.lima@example.com"
	head := "From: Shop <hello@shop.example>\r\nTo: Bob <bob@example.com>\r\nSubject: Hi\r\nMIME-Version: 1.0\r\n"
	for _, tc := range []struct {
		name string
		raw  string
		want bool
	}{
		{"plain, other case", head + "Content-Type: text/plain\r\n\r\nWrite to Ana.Lima@Example.com\r\n", true},
		{"quoted-printable, split by a soft break", head +
			"Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nWrite to ana.li=\r\nma=40example.com\r\n", true},
		{"base64 part of a multipart", head + "Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\n" +
			"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nV3JpdGUgdG8gYW5hLmxpbWFAZXhh\r\nbXBsZS5jb20=\r\n--b1--\r\n", true},
		{"encoded header", "From: Shop <hello@shop.example>\r\nTo: =?utf-8?q?ana=2Elima=40example=2Ecom?= <x@example.com>\r\n\r\nHi\r\n", true},
		{"someone else", head + "Content-Type: text/plain\r\n\r\nWrite to ana.limb@example.com\r\n", false},
		{"not a message", "garbage", false},
	} {
		if got := mentions([]byte(tc.raw), addr); got != tc.want {
			t.Errorf("%s: mentions = %v, want %v", tc.name, got, tc.want)
		}
	}
	// A long line of a rendered message is folded by quoted-printable.
	raw, err := smtp.Render(&aftersale.Email{MessageID: "<m1@shop.example>", Date: time.Now(),
		From: aftersale.Address{Email: "hello@shop.example"}, To: aftersale.Address{Email: "bob@example.com"},
		Subject: "Hi", Text: strings.Repeat("x", 70) + " " + addr + " " + strings.Repeat("y", 80) + "\n"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !mentions(raw, addr) {
		t.Errorf("a rendered message naming the address in its body:\n%s", raw)
	}
}

func TestCleanOutbox(t *testing.T) {
	dir := t.TempDir()
	ob, err := outbox.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	send := func(id, to, text string) {
		t.Helper()
		if err := ob.Send(t.Context(), &aftersale.Email{MessageID: id, Date: time.Now(),
			From: aftersale.Address{Email: "hello@shop.example"}, To: aftersale.Address{Name: "Some One", Email: to},
			Subject: "Hi", Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	send("<a1@shop.example>", "ana@example.com", "Hi Ana\n")           // to her
	send("<a2@shop.example>", "erased-1@erased.invalid", "Hi Ana\n")   // hers by Message-ID only
	send("<d1@shop.example>", "owner@shop.example", "ana@example.com") // a digest naming her
	send("<b1@shop.example>", "bob@example.com", "Hi Bob\n")
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("nothing"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &Service{cfg: Config{OutboxDir: dir}}
	n, err := s.cleanOutbox(t.Context(), "ana@example.com", map[string]bool{"<a2@shop.example>": true})
	if err != nil || n != 3 {
		t.Fatalf("cleanOutbox = %d, %v; want 3", n, err)
	}
	left, _ := os.ReadDir(dir)
	var names []string
	for _, e := range left {
		names = append(names, e.Name())
	}
	if len(left) != 2 || !strings.Contains(strings.Join(names, " "), outbox.FileName("<b1@shop.example>")) {
		t.Errorf("left in the outbox: %v", names)
	}
	s.cfg.OutboxDir = filepath.Join(dir, "none")
	if n, err := s.cleanOutbox(t.Context(), "ana@example.com", nil); n != 0 || err != nil {
		t.Errorf("a missing outbox: %d %v", n, err)
	}
}

func TestContainsAddress(t *testing.T) {
	t.Parallel()
	for hay, want := range map[string]bool{
		`{"email":"ana@example.com"}`:                   true,
		"To: Ana <ana@example.com>":                     true,
		"write to ana@example.com.":                     true,
		"ana@example.com":                               true,
		`{"email":"diana@example.com"}`:                 false,
		"ana@example.com.au":                            false,
		"ana@example.community":                         false,
		"x.ana@example.com":                             false,
		"ana@example.com-mail.example":                  false,
		"first diana@example.com, then ana@example.com": true,
	} {
		if got := containsAddress([]byte(hay), "ana@example.com"); got != want {
			t.Errorf("containsAddress(%q) = %v, want %v", hay, got, want)
		}
	}
}
