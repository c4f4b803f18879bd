package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// buyerEvent is an order placed at at by a buyer who gave, or did not
// give, marketing consent at checkout.
func buyerEvent(at time.Time, id, email, orderID string, consent bool) string {
	return fmt.Sprintf(`{"id":%q,"type":"order.placed","occurred_at":%q,
	 "customer":{"email":%q,"name":"Dora Silva","marketing_consent":%v},
	 "order":{"id":%q,"currency":"USD","total":"49.00","items":[{"sku":"course-101","name":"Launch Course","kind":"course","quantity":1,"price":"49.00","access_url":"https://shop.example/access/abc"}]}}`,
		id, at.UTC().Format(time.RFC3339), email, consent, orderID)
}

// TestOptIn: a buyer without marketing consent gets the double opt-in
// email; opening its link does not opt them in, the page's button does;
// then a broadcast reaches them. A buyer who consented gets no opt-in email.
func TestOptIn(t *testing.T) {
	t.Parallel()
	b := setupClock(t)
	const dora, eli = "dora@example.com", "eli@example.com"
	if code, body := b.post(t, buyerEvent(b.now(), "evt_o1", dora, "5001", false)); code != http.StatusAccepted {
		t.Fatalf("post: %d %v", code, body)
	}
	if code, body := b.post(t, buyerEvent(b.now(), "evt_o2", eli, "5002", true)); code != http.StatusAccepted {
		t.Fatalf("post: %d %v", code, body)
	}
	b.settle(t)
	m := b.daysUntilTemplate(t, dora, "optin", 4)
	if lu := m.Header.Get("List-Unsubscribe"); !strings.HasPrefix(lu, "<"+b.base+"/u/") {
		t.Errorf("the opt-in email (a follow-up) has List-Unsubscribe %q", lu)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(b.base) + `/c/[A-Za-z0-9_\-.]+`).FindString(m.Text())
	if link == "" || !strings.Contains(m.HTML(), `href="`+link+`"`) {
		t.Fatalf("no opt-in link in\n%s", m.Text())
	}

	// Opening the link (as a mail scanner does) changes nothing.
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Would you like our updates?") || !strings.Contains(page, `method="post"`) {
		t.Fatalf("GET %s: %d\n%s", link, resp.StatusCode, page)
	}
	if c := b.customer(t, dora); c["marketing_consent"] != false {
		t.Fatalf("opening the link gave consent: %v", c["marketing_consent"])
	}
	// The button does.
	resp, err = http.Post(link, "application/x-www-form-urlencoded", strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	page = readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "on our list") {
		t.Fatalf("POST %s: %d\n%s", link, resp.StatusCode, page)
	}
	if c := b.customer(t, dora); c["marketing_consent"] != true {
		t.Fatalf("no consent after the button: %v", c["marketing_consent"])
	}
	// A forged link is refused.
	resp, err = http.Post(b.base+"/c/forged.link", "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	if page := readBody(t, resp); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "not valid") {
		t.Fatalf("forged link: %d\n%s", resp.StatusCode, page)
	}

	// The buyer who consented at checkout got no opt-in email (their day 3
	// has passed: its answers email came).
	b.waitTemplate(t, eli, "day3_answers", hangGuard)
	if got := templates(b, eli)["optin"]; len(got) != 0 {
		t.Errorf("%s got %d opt-in emails", eli, len(got))
	}
	if got := templates(b, dora)["optin"]; len(got) != 1 {
		t.Errorf("%s got %d opt-in emails", dora, len(got))
	}

	// A broadcast now reaches both.
	ctx := context.Background()
	bcs := b.app.Broadcasts()
	bc, err := bcs.Save(ctx, &aftersale.Broadcast{Subject: "News for {{.FirstName}}", Body: "Hi {{.FirstName}}, we have news.",
		Segment: aftersale.Segment{SKUs: []string{"course-101"}}, Rate: 50}, "owner@shop.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bcs.SendNow(ctx, bc.ID); err != nil {
		t.Fatal(err)
	}
	b.settle(t)
	if done := waitBroadcast(t, b, bc.ID, hangGuard); done.Sent != 2 {
		t.Fatalf("broadcast sent %d, want 2", done.Sent)
	}
	got := broadcastMessages(b.smtp)
	if len(got[dora]) != 1 || len(got[eli]) != 1 || len(got) != 2 {
		t.Fatalf("broadcast went to %v", got)
	}
	if s := got[dora][0].Header.Get("Subject"); s != "News for Dora" {
		t.Errorf("subject %q", s)
	}
	// The broadcast is in the customer's timeline.
	var inTimeline bool
	for _, e := range b.customer(t, dora)["timeline"].([]any) {
		e := e.(map[string]any)
		inTimeline = inTimeline || e["kind"] == "broadcast" && e["status"] == "sent" && strings.Contains(e["summary"].(string), "News for {{.FirstName}}")
	}
	if !inTimeline {
		t.Errorf("no sent broadcast in %s's timeline", dora)
	}
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
