package app_test

// A broadcast written and sent from the admin UI in a real browser: the
// owner composes it, previews the audience, sends a test to themselves,
// confirms and sends; exactly the consenting customer gets it, with the
// one-click unsubscribe headers.

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

func TestBroadcastInBrowser(t *testing.T) {
	t.Parallel()
	b := setup(t, 1, withTeam)
	const yes, no = "bella@example.com", "nico@example.com"
	if code, body := b.post(t, orderEvent("evt_bb1", yes, "BB-1", "digital", "")); code != http.StatusAccepted {
		t.Fatalf("post: %d %v", code, body)
	}
	noConsent := strings.Replace(orderEvent("evt_bb2", no, "BB-2", "digital", ""), `"marketing_consent":true`, `"marketing_consent":false`, 1)
	if code, body := b.post(t, noConsent); code != http.StatusAccepted {
		t.Fatalf("post: %d %v", code, body)
	}
	br := newBrowser(t, b.base)
	br.do("open the broadcasts", chromedp.Navigate(b.base+"/admin/broadcasts/new"), chromedp.WaitVisible(chromedp.ID("password")))
	br.do("log in", chromedp.SendKeys(chromedp.ID("email"), "owner@shop.example"), chromedp.SendKeys(chromedp.ID("password"), "owner password 1"))
	resp := get(br, "submit the login", func(ctx context.Context, tg *chromedp.Target) (*network.Response, error) {
		return chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/admin/login"] button[type=submit]`)))
	})
	if resp.Status != http.StatusOK || !strings.HasSuffix(resp.URL, "/admin/broadcasts/new") {
		t.Fatalf("after the login: %d %s", resp.Status, resp.URL)
	}
	br.do("write the broadcast",
		chromedp.WaitVisible(chromedp.ID("subject")),
		chromedp.SendKeys(chromedp.ID("title"), "Winter news"),
		chromedp.SendKeys(chromedp.ID("subject"), "Winter news for {{.FirstName}}"),
		chromedp.SetValue(chromedp.ID("body"), "Hi {{.FirstName}},\n\nOur **winter course** opens next week."),
		chromedp.SendKeys(chromedp.ID("skus"), "sku-1"),
	)
	br.do("preview the audience", chromedp.Click(chromedp.ID("preview-audience")), chromedp.WaitVisible(chromedp.ID("audience-count")))
	if n := get(br, "read the audience", chromedp.Text(chromedp.ID("audience-count"))); strings.TrimSpace(n) != "1" {
		t.Errorf("audience %q, want 1 (the customer without consent is not in it)", n)
	}
	br.shot("admin-broadcast-compose")
	clickAndLoad(br, "save the draft", chromedp.CSS("#save"))
	br.do("see the draft", chromedp.WaitVisible(chromedp.ID("send-test")))
	clickAndLoad(br, "send a test", chromedp.CSS("#send-test"))
	test := b.waitTemplate(t, "owner@shop.example", "broadcast_test", hangGuard)
	if !strings.Contains(test.Header.Get("Subject"), "[Test]") {
		t.Errorf("test subject %q", test.Header.Get("Subject"))
	}
	br.do("confirm", chromedp.WaitVisible(chromedp.ID("send-now")), chromedp.Click(chromedp.CSS(`input[name="confirm"]`)))
	clickAndLoad(br, "send it now", chromedp.CSS("#send-now"))
	got := b.waitTemplate(t, yes, "broadcast", hangGuard)
	if txt := got.Text(); !strings.Contains(txt, "Hi Ana,") || !strings.Contains(txt, "winter course") || strings.Contains(txt, "{{") {
		t.Errorf("broadcast text:\n%s", txt)
	}
	if got.Header.Get("Subject") != "Winter news for Ana" || got.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" ||
		!strings.HasPrefix(got.Header.Get("List-Unsubscribe"), "<"+b.base+"/u/") {
		t.Errorf("broadcast: subject %q, headers %q %q", got.Header.Get("Subject"), got.Header.Get("List-Unsubscribe"), got.Header.Get("List-Unsubscribe-Post"))
	}
	// The status turns to sent once the broadcast job has finished, which
	// has no signal of its own: the page is reloaded until it says so.
	br.do("see it sent", chromedp.Navigate(br.location()), chromedp.WaitVisible(chromedp.ID("broadcast-status")))
	br.reloadUntil("wait for the status sent", "broadcast-status", func(st string) bool { return strings.Contains(strings.ToLower(st), "sent") })
	br.shot("admin-broadcast-sent")
	if n := len(broadcastMessages(b.smtp)[no]); n != 0 {
		t.Errorf("the customer without consent got %d broadcasts", n)
	}
}
