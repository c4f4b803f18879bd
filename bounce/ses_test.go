package bounce_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aftersale/aftersale/bounce"
)

// sesSeeds are Amazon SES notifications as mail, bare and in their SNS
// envelope, from the corpus.
func sesSeeds(f *testing.F) {
	for _, name := range []string{"lhost-amazonses-09.eml", "lhost-amazonses-10.eml", "lhost-amazonses-11.eml", "lhost-amazonses-12.eml"} {
		b, err := os.ReadFile(filepath.Join("testdata", "corpus", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("From: no-reply@sns.amazonaws.com\r\nSubject: AWS Notification Message\r\n\r\n{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bounceSubType\":\"NoEmail\",\"bouncedRecipients\":[{\"emailAddress\":\"a@example.com\"}]}}\r\n"))
	f.Add([]byte("Subject: x\r\n\r\n\"notificationType\": not JSON\r\n"))
}

// FuzzSESNotification feeds SES notifications, whole and mangled: Parse
// returns a report or one of its two errors, and suppresses only for a
// bad address or a complaint.
func FuzzSESNotification(f *testing.F) {
	sesSeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := bounce.Parse(raw)
		if err != nil {
			if r != nil || !errors.Is(err, bounce.ErrNotAReport) && !errors.Is(err, bounce.ErrMalformed) || strings.Contains(err.Error(), "@") {
				t.Fatalf("%+v, %v", r, err)
			}
			return
		}
		for _, rc := range r.Recipients {
			if rc.Suppress != "" && !rc.Category.Hard() && rc.Category != bounce.Complaint {
				t.Fatalf("recipient %+v", rc)
			}
		}
	})
}

// TestSESNotification reads a bounce, a complaint and a delivery notice of
// Amazon SES.
func TestSESNotification(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		file     string
		kind     bounce.Kind
		suppress string
	}{
		{"lhost-amazonses-09.eml", bounce.KindBounce, "bounce 5.1.1"},
		{"lhost-amazonses-10.eml", bounce.KindBounce, "bounce 5.1.1"},
		{"lhost-amazonses-11.eml", bounce.KindComplaint, "complaint"},
	} {
		raw, err := os.ReadFile(filepath.Join("testdata", "corpus", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		r, err := bounce.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if r.Kind != tt.kind || len(r.Recipients) != 1 || r.Recipients[0].Suppress != tt.suppress || r.OriginalMessageID == "" {
			t.Errorf("%s: %+v", tt.file, r)
		}
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "corpus", "lhost-amazonses-12.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bounce.Parse(raw); !errors.Is(err, bounce.ErrNotAReport) {
		t.Errorf("a delivery notice: %v", err)
	}
}
