package app_test

// The public returns page in a real browser: the customer finds the order
// with only the email and the order number (a wrong number gets the neutral
// answer), chooses an item and a reason, and sees the instructions at once;
// the confirmation email arrives, the return is in the customer's timeline,
// and the owner finds it in the admin UI and marks it received.

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/aftersale/aftersale/app"
)

func TestReturnsPageInBrowser(t *testing.T) {
	t.Parallel()
	b := setup(t, 1, withTeam, func(c *app.Config) {
		c.Returns.Address, c.Returns.RefundDays = "Shop Returns\nUnit 4, Dock Road\nLeeds LS1 1AA", 3
	})
	const customer, order = "rita@example.com", "RT-1001"
	if code, body := b.post(t, orderEvent("evt_rt", customer, order, "physical", "")); code != http.StatusAccepted {
		t.Fatalf("post: %d %v", code, body)
	}
	b.waitTemplate(t, customer, "thank_you", hangGuard)
	br := newBrowser(t, b.base)

	// A wrong order number: the neutral answer.
	br.do("open the returns page", chromedp.Navigate(b.base+"/returns"), chromedp.WaitVisible(chromedp.ID("email")))
	br.shot("returns-find")
	br.do("fill in a wrong order number",
		chromedp.SendKeys(chromedp.ID("email"), customer),
		chromedp.SendKeys(chromedp.ID("order"), "RT-9999"),
	)
	clickAndLoad(br, "look it up", chromedp.CSS("#find"))
	if txt := br.text(); !strings.Contains(txt, "could not find an order with that email address and order number") {
		t.Errorf("a wrong order number gives:\n%s", txt)
	}

	// The right pair opens the order.
	// The neutral answer repeats nothing that was typed.
	br.do("fill in the right order number", chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), " Rita@Example.com"),
		chromedp.SendKeys(chromedp.ID("order"), "#"+order),
	)
	resp := clickAndLoad(br, "find the order", chromedp.CSS("#find"))
	if resp.Status != http.StatusOK || !strings.Contains(resp.URL, "/returns/") {
		t.Fatalf("finding the order: %d %s\n%s", resp.Status, resp.URL, br.text())
	}
	br.do("see the items", chromedp.WaitVisible(chromedp.ID("qty-sku-1")))
	br.do("choose an item, a reason and an exchange",
		chromedp.SetValue(chromedp.ID("qty-sku-1"), "1"),
		chromedp.SetValue(chromedp.ID("reason"), "It doesn't fit"),
		chromedp.Click(chromedp.ID("resolution-refund")),
		chromedp.SendKeys(chromedp.ID("comment"), "Too tight on the shoulders"),
	)
	br.shot("returns-choose")
	resp = clickAndLoad(br, "start the return", chromedp.CSS("#submit-return"))
	if resp.Status != http.StatusOK || !strings.Contains(resp.URL, "/returns/status/") {
		t.Fatalf("starting the return: %d %s\n%s", resp.Status, resp.URL, br.text())
	}
	if st := get(br, "read the status", chromedp.Text(chromedp.ID("return-status"))); strings.TrimSpace(st) != "requested" {
		t.Errorf("status %q, want requested", st)
	}
	page := br.text()
	for _, want := range []string{"Unit 4, Dock Road", "Launch Course", "It doesn't fit", "3 business days"} {
		if !strings.Contains(page, want) {
			t.Errorf("the status page lacks %q:\n%s", want, page)
		}
	}
	statusURL := br.location()
	br.shot("returns-status")
	phone := br.phoneTab(390, 844)
	phone.do("open the status page on a phone", chromedp.Navigate(statusURL), chromedp.WaitVisible(chromedp.ID("return-status")))
	phone.shot("returns-status-phone")

	// The confirmation email, and the customer's timeline.
	mail := b.waitTemplate(t, customer, "return_instructions", hangGuard)
	if !strings.Contains(mail.Text(), "Unit 4, Dock Road") || !strings.Contains(mail.Text(), "/returns/status/") {
		t.Errorf("confirmation email:\n%s", mail.Text())
	}
	var inTimeline bool
	for _, e := range b.customer(t, customer)["timeline"].([]any) {
		inTimeline = inTimeline || e.(map[string]any)["kind"] == "return"
	}
	if !inTimeline {
		t.Error("the return is not in the customer's timeline")
	}

	// The owner sees it in the admin UI and marks it received.
	br.do("open the admin returns", chromedp.Navigate(b.base+"/admin/returns"), chromedp.WaitVisible(chromedp.ID("password")))
	br.do("log in", chromedp.SendKeys(chromedp.ID("email"), "owner@shop.example"), chromedp.SendKeys(chromedp.ID("password"), "owner password 1"))
	resp = get(br, "submit the login", func(ctx context.Context, tg *chromedp.Target) (*network.Response, error) {
		return chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/admin/login"] button[type=submit]`)))
	})
	if resp.Status != http.StatusOK || !strings.HasSuffix(resp.URL, "/admin/returns") {
		t.Fatalf("after the login: %d %s", resp.Status, resp.URL)
	}
	list := get(br, "read the returns", chromedp.Text(chromedp.ID("returns")))
	if !strings.Contains(list, order) || !strings.Contains(list, "It doesn't fit") {
		t.Errorf("the admin returns list lacks the return:\n%s", list)
	}
	br.shot("admin-returns")
	clickAndLoad(br, "open the return", chromedp.CSS(`#returns tbody tr a[href^="/admin/returns/"]`))
	br.do("see the actions", chromedp.WaitVisible(chromedp.ID("status-received")))
	clickAndLoad(br, "mark it received", chromedp.CSS("#status-received"))
	if st := get(br, "read the status", chromedp.Text(chromedp.ID("return-status"))); !strings.Contains(strings.ToLower(st), "received") {
		t.Errorf("after marking it received the status is %q", st)
	}
	br.shot("admin-return-received")
	b.waitTemplate(t, customer, "return_received", hangGuard)
	t.Logf("screenshots in %s", artifactsDir(t))
}
