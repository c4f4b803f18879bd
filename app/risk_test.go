package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
)

// TestRefundRisk scores a digital purchase that is not opened, whose
// follow-up emails are not opened either (until one is), and whose
// buyer then complains: the customer API shows the score and its signals,
// the check creates one call for the owner (not two), and opening the
// product takes its signal away.
func TestRefundRisk(t *testing.T) {
	t.Parallel()
	b := setupClock(t, withTeam)
	fb, ctx := b.app.Feedback(), context.Background()
	if code, body := b.post(t, b.orderEvent("evt_risk", "risk@example.com", "R-1", "course", "")); code != 202 {
		t.Fatalf("post: %d %v", code, body)
	}
	risk := func() map[string]any {
		c := b.customer(t, "risk@example.com")
		o := c["orders"].([]any)[0].(map[string]any)
		r, _ := o["refund_risk"].(map[string]any)
		if r == nil {
			t.Fatalf("no refund_risk in %v", o)
		}
		return r
	}
	b.days(t, 5)
	r := risk()
	if r["score"].(float64) != 60 || !strings.Contains(r["signals"].([]any)[0].(string), "not opened") ||
		r["signals"].([]any)[1] != "no email opened" {
		t.Errorf("not opened after days, no follow-up email opened: %v", r)
	}
	// Opening one follow-up email takes the weak signal away.
	c, err := b.app.Store().CustomerGetByEmail(ctx, "risk@example.com")
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := b.app.Store().MessageListByCustomer(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	opened := false
	for _, m := range msgs {
		if m.Category == aftersale.CategoryFollowUp && m.Status == aftersale.MessageSent && !opened {
			if _, err := b.app.Store().MessageMarkOpened(ctx, m.MessageID, b.now()); err != nil {
				t.Fatal(err)
			}
			opened = true
		}
	}
	if !opened {
		t.Fatalf("no follow-up email sent in 5 days: %+v", msgs)
	}
	r = risk()
	if r["score"].(float64) != 40 || len(r["signals"].([]any)) != 1 {
		t.Errorf("after an open: %v", r)
	}
	if n, err := fb.CheckRefundRisk(ctx); err != nil || n != 0 {
		t.Errorf("below the limit: %d calls, %v", n, err)
	}
	if err := b.app.Store().CustomerSetSuppressed(ctx, "risk@example.com", aftersale.SuppressComplaint, b.now()); err != nil {
		t.Fatal(err)
	}
	if r := risk(); r["score"].(float64) != 90 {
		t.Errorf("after a complaint: %v", r)
	}
	n, err := fb.CheckRefundRisk(ctx)
	if err != nil || n != 1 {
		t.Fatalf("CheckRefundRisk = %d, %v; want 1 call", n, err)
	}
	if n, _ := fb.CheckRefundRisk(ctx); n != 0 {
		t.Errorf("a second check made %d more calls", n)
	}
	tasks, _ := b.app.Team().Tasks(ctx, "open", "risk@example.com")
	found := false
	for _, tk := range tasks {
		if strings.HasPrefix(tk.Title, "Refund risk 90") && tk.Assignee == "owner" && tk.Kind == "call" {
			found = true
		}
	}
	if !found {
		t.Errorf("no refund-risk call: %+v", tasks)
	}
	if code, body := b.post(t, `{"id":"evt_risk_acc","type":"product.accessed","occurred_at":"`+b.stamp(0)+`","order":{"id":"R-1"}}`); code != 202 {
		t.Fatalf("post access: %d %v", code, body)
	}
	b.settle(t)
	if r := risk(); r["score"].(float64) != 50 {
		t.Errorf("after the first access: %v", r)
	}
}
