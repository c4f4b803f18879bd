package outbox_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/outbox"
	"github.com/aftersale/aftersale/smtp"
	"github.com/aftersale/aftersale/smtptest"
)

func email(id, subject string, date time.Time) *aftersale.Email {
	return &aftersale.Email{
		MessageID: "<" + id + "@aftersale.example>",
		Date:      date,
		From:      aftersale.Address{Name: "Bright Path Studio", Email: "hello@brightpath.example"},
		To:        aftersale.Address{Name: "Ana Lima", Email: "ana@example.com"},
		Subject:   subject,
		Text:      "Hi Ana,\n\nIs everything okay?\n",
		HTML:      "<p>Hi Ana,</p><p>Is everything okay?</p>",
		Headers: []aftersale.Header{
			{Name: "List-Unsubscribe", Value: "<https://aftersale.example/u/tok>"},
			{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"},
		},
	}
}

func setup(t *testing.T) (*outbox.Outbox, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "outbox")
	o, err := outbox.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return o, dir
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

var day = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func TestSendWritesOneFilePerMessageID(t *testing.T) {
	t.Parallel()
	o, dir := setup(t)
	ctx := context.Background()
	m := email("step-1", "First try", day)
	if err := o.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	want := []string{outbox.FileName(m.MessageID)}
	if got := files(t, dir); !slices.Equal(got, want) {
		t.Fatalf("files %v, want %v", got, want)
	}
	info, _ := os.Stat(filepath.Join(dir, want[0]))
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v; customer data must not be world-readable", info.Mode())
	}

	// A resend of the same message replaces the file.
	m.Subject = "Second try"
	if err := o.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	if got := files(t, dir); !slices.Equal(got, want) {
		t.Fatalf("after a resend: files %v, want %v", got, want)
	}
	raw, err := o.Read(want[0])
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Message-Id") != m.MessageID || msg.Header.Get("Subject") != "Second try" ||
		msg.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" ||
		!strings.HasPrefix(msg.Header.Get("Content-Type"), "multipart/alternative") {
		t.Errorf("header %v", msg.Header)
	}

	// Another message gets its own file.
	if err := o.Send(ctx, email("step-2", "Other", day)); err != nil {
		t.Fatal(err)
	}
	if got := files(t, dir); len(got) != 2 {
		t.Errorf("files %v, want 2", got)
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	o, dir := setup(t)
	ctx := context.Background()
	for i, subject := range []string{"Day 1", "Day 3 — ¿qué tal?", "Day 7"} {
		if err := o.Send(ctx, email("s"+string(rune('a'+i)), subject, day.AddDate(0, 0, []int{1, 3, 7}[i]))); err != nil {
			t.Fatal(err)
		}
	}
	// Stray files are not listed.
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(dir, ".tmp-123.eml"), []byte("x"), 0o600)

	list, err := o.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, e := range list {
		subjects = append(subjects, e.Subject)
	}
	if want := []string{"Day 7", "Day 3 — ¿qué tal?", "Day 1"}; !slices.Equal(subjects, want) {
		t.Fatalf("subjects %q, want %q (newest first)", subjects, want)
	}
	e := list[0]
	if e.MessageID != "<sc@aftersale.example>" || e.Name != outbox.FileName(e.MessageID) ||
		!e.Date.Equal(day.AddDate(0, 0, 7)) || !strings.Contains(e.To, "ana@example.com") || e.Size < 100 {
		t.Errorf("entry %+v", e)
	}
	if raw, err := o.Read(e.Name); err != nil || int64(len(raw)) != e.Size {
		t.Errorf("Read(%q): %d bytes, %v", e.Name, len(raw), err)
	}
}

func TestReadRefusesPaths(t *testing.T) {
	t.Parallel()
	o, dir := setup(t)
	os.WriteFile(filepath.Join(filepath.Dir(dir), "x"), []byte("secret"), 0o600)
	os.WriteFile(filepath.Join(dir, ".hidden.eml"), []byte("secret"), 0o600)
	for _, name := range []string{"../x", "../x.eml", "/etc/passwd", "sub/a.eml", `..\x.eml`, ".hidden.eml", "", ".", "..", "x.txt"} {
		if _, err := o.Read(name); aftersale.ErrorCode(err) != aftersale.EINVALID {
			t.Errorf("Read(%q) = %v, want EINVALID", name, err)
		}
	}
	if _, err := o.Read("0123456789abcdef0123456789abcdef.eml"); !aftersale.IsNotFound(err) {
		t.Errorf("missing file: %v, want ENOTFOUND", err)
	}
}

func TestSendErrors(t *testing.T) {
	t.Parallel()
	o, dir := setup(t)
	bad := email("bad", "x", day)
	bad.MessageID = "no-brackets"
	err := o.Send(context.Background(), bad)
	if err == nil || aftersale.IsTemporary(err) || !aftersale.IsMalformed(err) {
		t.Errorf("bad message: %v, want a permanent malformed error (a bug of ours)", err)
	}
	badTo := email("bad-to", "x", day)
	badTo.To.Email = "not an address"
	if err := o.Send(context.Background(), badTo); err == nil || aftersale.IsTemporary(err) || aftersale.IsMalformed(err) {
		t.Errorf("a bad address: %v, want a permanent error that is not malformed", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := o.Send(ctx, email("late", "x", day)); !aftersale.IsTemporary(err) {
		t.Errorf("cancelled: %v, want a temporary error", err)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Errorf("files left behind: %v", got)
	}
}

// TestSameMessageAsSMTP checks that the outbox and the SMTP sender write the
// same message: they share smtp.Render.
func TestSameMessageAsSMTP(t *testing.T) {
	t.Parallel()
	o, _ := setup(t)
	srv := smtptest.Start(t)
	s, err := smtp.New(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m := email("same", "Same — both ways", day)
	ctx := context.Background()
	if err := s.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := o.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	raw, err := o.Read(outbox.FileName(m.MessageID))
	if err != nil {
		t.Fatal(err)
	}
	viaSMTP := srv.Messages()[0].Data
	boundary := func(b []byte) string {
		msg, _ := mail.ReadMessage(bytes.NewReader(b))
		ct := msg.Header.Get("Content-Type")
		return ct[strings.Index(ct, "boundary=")+len("boundary="):]
	}
	a := strings.ReplaceAll(string(raw), boundary(raw), "BOUNDARY")
	b := strings.ReplaceAll(string(viaSMTP), boundary(viaSMTP), "BOUNDARY")
	if a != b {
		t.Errorf("the outbox and SMTP messages differ:\n--- outbox ---\n%s\n--- smtp ---\n%s", a, b)
	}
}

func TestDKIMSigned(t *testing.T) {
	t.Parallel()
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cfg := smtp.DKIMConfig{Domain: "brightpath.example", Selector: "sel", Signer: key}
	o, err := outbox.New(filepath.Join(t.TempDir(), "outbox"), outbox.WithDKIM(cfg))
	if err != nil {
		t.Fatal(err)
	}
	m := email("signed", "Signed", day)
	if err := o.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	raw, err := o.Read(outbox.FileName(m.MessageID))
	if err != nil {
		t.Fatal(err)
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT: func(name string) ([]string, error) {
			return []string{"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}, nil
		},
	})
	if err != nil || len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "brightpath.example" {
		t.Fatalf("verify: %v %+v", err, vs)
	}
	if list, err := o.List(context.Background()); err != nil || len(list) != 1 || list[0].Subject != "Signed" {
		t.Errorf("List = %+v, %v", list, err)
	}

	cfg.Selector = ""
	if _, err := outbox.New(t.TempDir(), outbox.WithDKIM(cfg)); err == nil || !strings.Contains(err.Error(), "Selector") {
		t.Errorf("New with a bad DKIM config: %v", err)
	}
}
