package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// threeItemOrder is an order.placed event of three digital items, now on
// the service's clock, for a buyer without a phone.
func (b *bundle) threeItemOrder(id, email, orderID string) string {
	return fmt.Sprintf(`{"id":%q,"type":"order.placed","occurred_at":%q,
		"customer":{"email":%q,"name":"Pia Park","marketing_consent":true},
		"order":{"id":%q,"number":"#1001","currency":"USD","total":"60.00","items":[
			{"sku":"guide","name":"Field Guide","kind":"digital","quantity":1,"price":"10.00"},
			{"sku":"course","name":"Launch Course","kind":"digital","quantity":1,"price":"30.00"},
			{"sku":"kit","name":"Starter Kit","kind":"digital","quantity":1,"price":"20.00"}]}}`,
		id, b.stamp(0), email, orderID)
}

// careTasks returns the customer's tasks (open or done) that ask what went
// wrong with a refund.
func (b *bundle) careTasks(t *testing.T, email string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, tk := range b.apiTasks(t, "customer="+email) {
		if title, _ := tk["title"].(string); strings.HasPrefix(title, "What went wrong") {
			out = append(out, tk)
		}
	}
	return out
}

// checkRunning checks that after a partial refund the order is still
// placed, partly refunded, its selling steps not exited, no goodbye sent,
// and that the journey keeps sending in the weeks after.
func (b *bundle) checkRunning(t *testing.T, email string, since time.Time) {
	t.Helper()
	c := b.customer(t, email)
	o := c["orders"].([]any)[0].(map[string]any)
	if o["status"] != "placed" || c["stage"] == "refunded" {
		t.Errorf("after a partial refund: order %v, stage %v; want placed, not refunded", o["status"], c["stage"])
	}
	if r, _ := o["refunded"].(map[string]any); r == nil || r["partial"] != true {
		t.Errorf("order's refunded = %v, want a partial refund", o["refunded"])
	}
	for _, e := range c["timeline"].([]any) {
		if e.(map[string]any)["status"] == "exited" {
			t.Errorf("a step exited after a partial refund: %v", e)
		}
	}
	b.days(t, 31)
	var after []string
	for _, m := range b.smtp.Messages() {
		d, _ := m.Header.Date()
		tmpl := m.Header.Get("X-Aftersale-Template")
		if tmpl == "refund_thanks" {
			t.Errorf("a partial refund sent the goodbye email %s", tmpl)
		}
		if d.After(since) && strings.Contains(strings.ToLower(m.Header.Get("To")), email) {
			after = append(after, tmpl)
		}
	}
	if len(after) == 0 {
		t.Error("the journey sent nothing in the month after a partial refund: it stopped")
	}
}

func TestPartialRefundByItemKeepsTheJourney(t *testing.T) {
	t.Parallel()
	b := setupClock(t)
	if code, body := b.post(t, b.threeItemOrder("evt_p1", "pia@example.com", "5001")); code != 202 {
		t.Fatalf("post: %d %v", code, body)
	}
	b.settle(t)
	b.waitTemplate(t, "pia@example.com", "thank_you", hangGuard)
	b.advance(t, 2*time.Hour)
	refundAt := b.now()
	// One item of three, named in the order part.
	ev := `{"id":"evt_p2","type":"order.refunded","occurred_at":"` + b.stamp(0) + `","order":{"id":"5001","items":[{"sku":"kit","quantity":1}]}}`
	if code, body := b.post(t, ev); code != 202 {
		t.Fatalf("refund: %d %v", code, body)
	}
	b.settle(t)
	care := b.careTasks(t, "pia@example.com")
	if len(care) != 1 {
		t.Fatalf("care tasks after a partial refund: %v, want one", care)
	}
	if title := care[0]["title"].(string); !strings.Contains(title, "Starter Kit") {
		t.Errorf("care task title %q does not name the refunded item", title)
	}
	o := b.customer(t, "pia@example.com")["orders"].([]any)[0].(map[string]any)
	if r := o["refunded"].(map[string]any); r["amount"] != "20.00" {
		t.Errorf("refunded amount %v, want 20.00 (the item's price)", r["amount"])
	}
	if o["number"] != "#1001" {
		t.Errorf("order number %v, want #1001", o["number"])
	}
	b.checkRunning(t, "pia@example.com", refundAt)

	// The rest refunded later: the order is now fully refunded, the
	// selling steps stop and the refund care begins.
	ev = `{"id":"evt_p3","type":"order.refunded","occurred_at":"` + b.stamp(0) + `","refund":{"id":"r2","items":[{"sku":"guide"},{"sku":"course"}]}}`
	ev = strings.Replace(ev, `"refund":`, `"order":{"id":"5001"},"refund":`, 1)
	if code, body := b.post(t, ev); code != 202 {
		t.Fatalf("second refund: %d %v", code, body)
	}
	b.settle(t)
	b.waitTemplate(t, "pia@example.com", "refund_thanks", hangGuard)
	open := 0
	for _, tk := range b.careTasks(t, "pia@example.com") {
		if tk["status"] == "open" {
			open++
		}
	}
	if open != 1 {
		t.Errorf("open care tasks after the full refund: %d, want one (the partial refund's gives way)", open)
	}
	c := b.customer(t, "pia@example.com")
	if o := c["orders"].([]any)[0].(map[string]any); o["status"] != "refunded" || c["stage"] != "refunded" {
		t.Errorf("after the rest was refunded: order %v stage %v, want refunded", o["status"], c["stage"])
	}
}

func TestPartialRefundByAmount(t *testing.T) {
	t.Parallel()
	b := setupClock(t)
	if code, body := b.post(t, b.threeItemOrder("evt_a1", "abe@example.com", "5101")); code != 202 {
		t.Fatalf("post: %d %v", code, body)
	}
	b.settle(t)
	b.advance(t, time.Hour)
	for i, amount := range []string{"15.00", "15.00"} {
		ev := fmt.Sprintf(`{"id":"evt_a%d","type":"order.refunded","occurred_at":%q,"order":{"id":"5101"},"refund":{"amount":%q}}`, i+2, b.stamp(0), amount)
		if code, body := b.post(t, ev); code != 202 {
			t.Fatalf("refund %d: %d %v", i, code, body)
		}
		b.settle(t)
	}
	c := b.customer(t, "abe@example.com")
	o := c["orders"].([]any)[0].(map[string]any)
	if o["status"] != "placed" || o["refunded"].(map[string]any)["amount"] != "30.00" {
		t.Errorf("after two refunds of 15.00 of 60.00: status %v refunded %v", o["status"], o["refunded"])
	}
	if care := b.careTasks(t, "abe@example.com"); len(care) != 1 {
		t.Errorf("care tasks after two partial refunds: %d, want one", len(care))
	}
	// The money reaching the total is a full refund.
	ev := `{"id":"evt_a9","type":"order.refunded","occurred_at":"` + b.stamp(0) + `","order":{"id":"5101"},"refund":{"amount":"30.00"}}`
	if code, body := b.post(t, ev); code != 202 {
		t.Fatalf("last refund: %d %v", code, body)
	}
	b.settle(t)
	b.waitTemplate(t, "abe@example.com", "refund_thanks", hangGuard)
}

func TestReturnPortalPartialRefund(t *testing.T) {
	t.Parallel()
	b := setupClock(t)
	if code, body := b.post(t, b.threeItemOrder("evt_q1", "quin@example.com", "5201")); code != 202 {
		t.Fatalf("post: %d %v", code, body)
	}
	b.settle(t)
	b.advance(t, time.Hour)
	ev := `{"id":"evt_q2","type":"return.requested","occurred_at":"` + b.stamp(0) + `","return":{"order_id":"5201","reason":"not as described","items":[{"sku":"kit","quantity":1}]}}`
	if code, body := b.post(t, ev); code != 202 {
		t.Fatalf("return: %d %v", code, body)
	}
	b.settle(t)
	list := b.returnsList(t, "5201")
	if len(list) != 1 {
		t.Fatalf("returns of 5201: %v", list)
	}
	id := fmt.Sprint(list[0]["id"])
	for _, st := range []string{"received", "refunded"} {
		if code, body := b.do(t, "POST", "/api/v1/returns/"+id+"/status", apiKey, "application/json", []byte(`{"status":"`+st+`"}`)); code != 200 {
			t.Fatalf("return %s: %d %v", st, code, body)
		}
	}
	refundAt := b.now()
	b.settle(t)
	// The return's own "what went wrong" task is the one care task; the
	// refund of its item asks no second time.
	if care := b.careTasks(t, "quin@example.com"); len(care) != 1 {
		t.Errorf("care tasks after refunding one returned item of three: %v, want one", care)
	}
	b.checkRunning(t, "quin@example.com", refundAt)
}

// returnsList lists the returns of an order through the API.
func (b *bundle) returnsList(t *testing.T, orderID string) []map[string]any {
	t.Helper()
	return b.apiList(t, "/api/v1/returns?order="+orderID)
}
