package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aftersale/aftersale/app"
	"github.com/aftersale/aftersale/config"
	"github.com/aftersale/aftersale/insiders"
	"github.com/aftersale/aftersale/smtptest"
)

// templateMessages returns the messages rendered from tmpl that went to to,
// in the order they arrived.
func (b *bundle) templateMessages(to, tmpl string) []*smtptest.Received {
	var out []*smtptest.Received
	for _, m := range b.smtp.Messages() {
		if m.Header.Get("X-Aftersale-Template") == tmpl && len(m.To) == 1 && m.To[0] == to {
			out = append(out, m)
		}
	}
	return out
}

// daysUntilTemplates lets days pass (none when they are there already)
// until n messages rendered from tmpl reached to, and returns them; it
// fails after max days.
func (b *bundle) daysUntilTemplates(t *testing.T, to, tmpl string, n, max int) []*smtptest.Received {
	t.Helper()
	b.settle(t)
	b.daysUntil(t, max, fmt.Sprintf("%d %s emails to %s", n, tmpl, to), func() bool {
		return len(b.templateMessages(to, tmpl)) >= n
	})
	return b.templateMessages(to, tmpl)
}

// TestDay7TellsAStory: the day-7 check-in tells the best story the client
// allowed to share that suits the purchase, and a second order of the same
// customer is told another one.
func TestDay7TellsAStory(t *testing.T) {
	t.Parallel()
	b := setupClock(t)
	ctx := context.Background()
	svc := b.app.Insiders()
	save := func(title, match string, permission bool) {
		t.Helper()
		body := "The story of " + title + ".\n\n- It went **well**."
		if _, err := svc.SaveStory(ctx, 0, insiders.StoryInput{Title: title, Body: body, Match: match, Permission: permission}); err != nil {
			t.Fatal(err)
		}
	}
	// The oldest story for the SKU has no permission: it is never told.
	save("Secret Sam", "sku-1", false)
	save("Maria for sku-1", "sku-1", true)
	save("Someone else's product", "sku-9", true)
	save("Anyone at all", "", true)

	if code, body := b.post(t, b.orderEvent("evt_s1", "ana@example.com", "8001", "course", "")); code != http.StatusAccepted {
		t.Fatalf("post: %d %v", code, body)
	}
	first := b.daysUntilTemplates(t, "ana@example.com", "day7_checkin", 1, 10)[0]
	text, html := first.Text(), first.HTML()
	for _, want := range []string{"Maria for sku-1", "The story of Maria for sku-1.", "- It went **well**."} {
		if !strings.Contains(text, want) {
			t.Errorf("the first day-7 email lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(html, "<strong>Maria for sku-1</strong>") || !strings.Contains(html, "It went <strong>well</strong>") {
		t.Errorf("the story is not in the HTML part:\n%s", html)
	}
	for _, not := range []string{"Secret Sam", "Someone else", "Anyone at all"} {
		if strings.Contains(text, not) {
			t.Errorf("the first day-7 email tells %q:\n%s", not, text)
		}
	}

	// A second order of the same customer: the story for the SKU went to
	// her already, so she hears the one for any purchase.
	if code, body := b.post(t, b.orderEvent("evt_s2", "ana@example.com", "8002", "course", "")); code != http.StatusAccepted {
		t.Fatalf("post: %d %v", code, body)
	}
	second := b.daysUntilTemplates(t, "ana@example.com", "day7_checkin", 2, 10)[1]
	if text := second.Text(); !strings.Contains(text, "Anyone at all") || strings.Contains(text, "Maria for sku-1") || strings.Contains(text, "Secret Sam") {
		t.Errorf("the second day-7 email:\n%s", text)
	}
	if first.Header.Get("Message-Id") == second.Header.Get("Message-Id") {
		t.Error("two orders' day-7 emails share a Message-ID")
	}
	// Another customer still hears Maria's story.
	if code, body := b.post(t, b.orderEvent("evt_s3", "bo@example.com", "8003", "course", "")); code != http.StatusAccepted {
		t.Fatalf("post: %d %v", code, body)
	}
	if text := b.daysUntilTemplates(t, "bo@example.com", "day7_checkin", 1, 10)[0].Text(); !strings.Contains(text, "Maria for sku-1") {
		t.Errorf("another customer's day-7 email:\n%s", text)
	}
	// Nothing was told twice to Ana: a third order gets no story at all.
	if code, body := b.post(t, b.orderEvent("evt_s4", "ana@example.com", "8004", "course", "")); code != http.StatusAccepted {
		t.Fatalf("post: %d %v", code, body)
	}
	third := b.daysUntilTemplates(t, "ana@example.com", "day7_checkin", 3, 10)[2]
	if text := third.Text(); strings.Contains(text, "The story of") || strings.Contains(text, "One of our clients") {
		t.Errorf("the third day-7 email tells a story again:\n%s", text)
	}
}

// TestNextLevelOffer: the next product for what was bought goes to an
// engaged customer with consent, and never to one who is not engaged yet or
// asked for a refund.
func TestNextLevelOffer(t *testing.T) {
	t.Parallel()
	b := setupClock(t, func(c *app.Config) {
		c.Insiders.NextLevel = []config.NextLevel{
			{SKU: "sku-9", Name: "Something Else", URL: "https://shop.example/else"},
			{SKU: "sku-1", Name: "Launch Mastermind", URL: "https://shop.example/mastermind", Description: "Twelve weeks in a small group of founders."},
		}
	})
	for i, who := range []string{"eng@example.com", "idle@example.com", "refund@example.com"} {
		if code, body := b.post(t, b.orderEvent(fmt.Sprint("evt_n", i), who, fmt.Sprint(9001+i), "course", "")); code != http.StatusAccepted {
			t.Fatalf("post %s: %d %v", who, code, body)
		}
	}
	// The engaged customer and the one who will ask for a refund had a
	// human touch: their welcome email task was done.
	for _, who := range []string{"eng@example.com", "refund@example.com"} {
		b.completeTask(t, who, "personal_email", "done")
	}
	code, body := b.post(t, `{"id":"evt_n_refund","type":"order.refunded","occurred_at":"`+b.stamp(0)+`","order":{"id":"9003"}}`)
	if code != http.StatusAccepted {
		t.Fatalf("refund: %d %v", code, body)
	}

	m := b.daysUntilTemplates(t, "eng@example.com", "next_level", 1, 50)[0]
	text := m.Text()
	for _, want := range []string{"Launch Mastermind", "https://shop.example/mastermind", "Twelve weeks in a small group of founders.", "Launch Course"} {
		if !strings.Contains(text, want) {
			t.Errorf("the next-level email lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Something Else") {
		t.Errorf("the next-level email proposes a product for another SKU:\n%s", text)
	}
	if m.Header.Get("List-Unsubscribe") == "" {
		t.Error("the next-level email has no List-Unsubscribe")
	}
	// The others' steps fell due at the same time, and have run once the
	// service settled; a few more days bring nothing more.
	b.days(t, 5)
	for _, who := range []string{"idle@example.com", "refund@example.com"} {
		if got := b.templateMessages(who, "next_level"); len(got) != 0 {
			t.Errorf("%s got the next-level offer:\n%s", who, got[0].Text())
		}
	}
	if got := b.templateMessages("eng@example.com", "next_level"); len(got) != 1 {
		t.Errorf("%d next-level emails to the engaged customer, want 1", len(got))
	}
	// Why: the idle customer's step was skipped by its condition, the
	// refunded customer's exited with the journey.
	for who, want := range map[string]string{"idle@example.com": "skipped: offer step default/next-level (condition is false", "refund@example.com": "exited: "} {
		var got []string
		for _, e := range b.customer(t, who)["timeline"].([]any) {
			e := e.(map[string]any)
			if sum, _ := e["summary"].(string); strings.Contains(sum, "default/next-level") {
				got = append(got, fmt.Sprint(e["status"], ": ", sum))
			}
		}
		if len(got) != 1 || !strings.HasPrefix(got[0], want) {
			t.Errorf("%s: next-level step %v, want %s", who, got, want)
		}
	}
}

// completeTask completes the customer's open task of the kind, there once
// the service has settled, with the outcome.
func (b *bundle) completeTask(t *testing.T, customer, kind, outcome string) {
	t.Helper()
	b.settle(t)
	req, _ := http.NewRequest("GET", b.base+"/api/v1/tasks?status=open&customer="+customer, nil)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tasks []map[string]any
	err = json.NewDecoder(resp.Body).Decode(&tasks)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range tasks {
		if tk["kind"] == kind {
			id := fmt.Sprint(tk["id"])
			if code, body := b.do(t, "POST", "/api/v1/tasks/"+id+"/complete", apiKey, "application/json", []byte(`{"outcome":"`+outcome+`"}`)); code != 200 {
				t.Fatalf("complete task %s: %d %v", id, code, body)
			}
			return
		}
	}
	t.Fatalf("no open %s task for %s once the service settled (%s): %v", kind, customer, b.describe(), tasks)
}
