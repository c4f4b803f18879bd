package app_test

import (
	"bytes"
	"context"
	"image/gif"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

var pixelRE = regexp.MustCompile(`<img src="([^"]+/o/[^"]+\.gif)" width="1" height="1" alt="" style="display:block;border:0">`)

// TestOpenPixel checks that a follow-up email carries the open pixel in its
// HTML part (before </body>) and a transactional one does not, that the
// pixel answers a GIF and records the open, and that an altered token
// still answers a GIF but records nothing.
func TestOpenPixel(t *testing.T) {
	t.Parallel()
	b := setupClock(t)
	if code, body := b.post(t, b.orderEvent("evt_open", "open@example.com", "O-1", "digital", "")); code != http.StatusAccepted {
		t.Fatalf("post: %d %v", code, body)
	}
	b.settle(t)
	thanks := b.waitTemplate(t, "open@example.com", "thank_you", hangGuard)
	if strings.Contains(thanks.HTML(), "/o/") || strings.Contains(thanks.Text(), "/o/") {
		t.Errorf("the transactional thank-you has an open pixel:\n%s", thanks.HTML())
	}
	welcome := b.daysUntilTemplate(t, "open@example.com", "day1_welcome", 2)
	html := welcome.HTML()
	found := pixelRE.FindStringSubmatch(html)
	if found == nil {
		t.Fatalf("the follow-up email has no open pixel:\n%s", html)
	}
	if i, j := strings.Index(html, found[0]), strings.LastIndex(html, "</body>"); j >= 0 && i > j {
		t.Errorf("the pixel is after </body>:\n%s", html)
	}
	if strings.Contains(welcome.Text(), "/o/") {
		t.Errorf("the text part has the pixel:\n%s", welcome.Text())
	}
	src := found[1]
	if !strings.HasPrefix(src, b.base+"/o/") {
		t.Fatalf("pixel URL %q is not under %s/o/", src, b.base)
	}
	messageID := welcome.Header.Get("Message-Id")
	ctx := context.Background()
	openedAt := func() time.Time {
		m, err := b.app.Store().MessageGetByMessageID(ctx, messageID)
		if err != nil {
			t.Fatal(err)
		}
		return m.OpenedAt
	}
	// The message is stored with its step's outcome: by the time the day
	// has settled.
	if _, err := b.app.Store().MessageGetByMessageID(ctx, messageID); err != nil {
		t.Fatalf("message %s not stored: %v", messageID, err)
	}
	if !openedAt().IsZero() {
		t.Fatal("opened before the pixel was fetched")
	}

	fetch := func(url string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/gif" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: %d %v", url, resp.StatusCode, resp.Header)
		}
		img, err := gif.Decode(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("GET %s: not a GIF: %v", url, err)
		}
		if s := img.Bounds().Size(); s.X != 1 || s.Y != 1 {
			t.Errorf("pixel is %v", s)
		}
		if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
			t.Errorf("pixel is not transparent: alpha %d", a)
		}
	}

	// An altered token: a GIF all the same, and nothing recorded.
	token := strings.TrimSuffix(src[strings.LastIndex(src, "/")+1:], ".gif")
	alt := []byte(token)
	if alt[0] == 'A' {
		alt[0] = 'B'
	} else {
		alt[0] = 'A'
	}
	fetch(b.base + "/o/" + string(alt) + ".gif")
	fetch(b.base + "/o/nonsense.gif")
	if !openedAt().IsZero() {
		t.Error("an altered token recorded an open")
	}

	fetch(src)
	first := openedAt()
	if first.IsZero() {
		t.Fatal("fetching the pixel recorded no open")
	}
	fetch(src)
	if got := openedAt(); !got.Equal(first) {
		t.Errorf("a second fetch moved the open from %v to %v", first, got)
	}

	// The customer timeline shows it.
	c := b.customer(t, "open@example.com")
	shown := false
	for _, it := range c["timeline"].([]any) {
		it := it.(map[string]any)
		if it["ref"] == messageID && it["opened_at"] != nil {
			shown = true
		}
	}
	if !shown {
		t.Errorf("the timeline does not show the open: %v", c["timeline"])
	}
	// Other emails of the order stay unopened; a transactional one has no
	// pixel to open.
	thanksMsg, err := b.app.Store().MessageGetByMessageID(ctx, thanks.Header.Get("Message-Id"))
	if err != nil {
		t.Fatal(err)
	}
	if thanksMsg.Category != aftersale.CategoryTransactional || !thanksMsg.OpenedAt.IsZero() {
		t.Errorf("thank-you message: %+v", thanksMsg)
	}
}
