package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"
)

// TestShopifyPartialRefund: Shopify's own order #1001 (three iPods,
// 409.94) and its refund of two of the three lines keep the journey
// running with one care task; the emails and the task quote "#1001", and
// the returns page finds the order by that number.
func TestShopifyPartialRefund(t *testing.T) {
	t.Parallel()
	b := setupClock(t, withPlatforms)
	order := fixture(t, "../shopify/testdata/samples/shopify-python-api-order.json")
	headers := func(topic, id string, body []byte) map[string]string {
		return map[string]string{"X-Shopify-Topic": topic, "X-Shopify-Webhook-Id": id,
			"X-Shopify-Hmac-Sha256": hmacB64(shopifySecret, body), "X-Shopify-Shop-Domain": "apple.myshopify.com"}
	}
	if code, out := b.hook(t, "shopify", order, headers("orders/create", "w-order", order)); code != 200 || out["type"] != "order.placed" {
		t.Fatalf("orders/create: %d %v", code, out)
	}
	b.settle(t)
	thanks := b.waitTemplate(t, "bob.norman@hostmail.com", "thank_you", hangGuard)
	if text, _, _ := thanks.Body(); !strings.Contains(thanks.Header.Get("Subject")+text, "#1001") || strings.Contains(text, "450789469") {
		t.Errorf("the thank-you does not quote #1001 (or quotes the id):\n%s\n%s", thanks.Header.Get("Subject"), text)
	}
	b.advance(t, 2*time.Hour)
	refundAt := b.now()
	refund := fixture(t, "../shopify/testdata/samples/shopify-python-api-refund.json")
	if code, out := b.hook(t, "shopify", refund, headers("refunds/create", "w-refund", refund)); code != 200 || out["type"] != "order.refunded" {
		t.Fatalf("refunds/create: %d %v", code, out)
	}
	b.settle(t)
	care := b.careTasks(t, "bob.norman@hostmail.com")
	if len(care) != 1 {
		t.Fatalf("care tasks after refunding 2 of 3 lines: %v, want one", care)
	}
	if care[0]["order_number"] != "#1001" {
		t.Errorf("care task order number %v, want #1001", care[0]["order_number"])
	}
	c := b.customer(t, "bob.norman@hostmail.com")
	if o := c["orders"].([]any)[0].(map[string]any); o["number"] != "#1001" {
		t.Errorf("order number %v", o["number"])
	}

	// The returns page: the buyer types the number they know.
	form := url.Values{"email": {"bob.norman@hostmail.com"}, "order": {"#1001"}}
	req, _ := http.NewRequest("POST", b.base+"/returns", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/returns/") {
		t.Errorf("returns lookup by #1001: %d to %q, want a redirect to the order's returns page", resp.StatusCode, loc)
	}
	b.checkRunning(t, "bob.norman@hostmail.com", refundAt)
}

// TestWooCommercePartialRefund: an order.updated whose refunds list holds
// 12.00 of a 29.35 order keeps the journey running with one care task; a
// repeated delivery of the same list counts once.
func TestWooCommercePartialRefund(t *testing.T) {
	t.Parallel()
	b := setupClock(t, withPlatforms)
	headers := func(topic, delivery string, body []byte) map[string]string {
		resource, event, _ := strings.Cut(topic, ".")
		return map[string]string{"X-WC-Webhook-Topic": topic, "X-WC-Webhook-Resource": resource, "X-WC-Webhook-Event": event,
			"X-WC-Webhook-Delivery-ID": delivery, "X-WC-Webhook-ID": "7", "X-WC-Webhook-Signature": hmacB64(wooSecret, body)}
	}
	created := fixture(t, "../woocommerce/testdata/docs_order_727_created.json")
	if code, out := b.hook(t, "woocommerce", created, headers("order.created", "d1", created)); code != 200 || out["type"] != "order.placed" {
		t.Fatalf("order.created: %d %v", code, out)
	}
	b.settle(t)
	b.waitTemplate(t, "john.doe@example.com", "thank_you", hangGuard)
	b.advance(t, 2*time.Hour)
	refundAt := b.now()
	refunded := fixture(t, "../woocommerce/testdata/docs_order_727_partial_refund_derived.json")
	for _, delivery := range []string{"d2", "d3"} {
		if code, out := b.hook(t, "woocommerce", refunded, headers("order.updated", delivery, refunded)); code != 200 || out["type"] != "order.refunded" {
			t.Fatalf("order.updated with a refund (%s): %d %v", delivery, code, out)
		}
	}
	b.settle(t)
	if care := b.careTasks(t, "john.doe@example.com"); len(care) != 1 {
		t.Fatalf("care tasks after a partial refund: %v, want one", care)
	}
	o := b.customer(t, "john.doe@example.com")["orders"].([]any)[0].(map[string]any)
	if r, _ := o["refunded"].(map[string]any); r == nil || r["amount"] != "12.00" {
		t.Errorf("refunded %v, want 12.00 once (the redelivery counts once)", o["refunded"])
	}
	b.checkRunning(t, "john.doe@example.com", refundAt)
}

// TestStripePartialRefund: a charge.refunded for 5.00 of a 20.00 checkout
// keeps the journey with one care task; Stripe's next event, for the rest
// (refunded: true), ends it.
func TestStripePartialRefund(t *testing.T) {
	t.Parallel()
	b := setupClock(t, withPlatforms)
	send := func(body []byte) map[string]any {
		t.Helper()
		signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: stripeSecret, Timestamp: time.Now()})
		code, out := b.hook(t, "stripe", signed.Payload, map[string]string{"Stripe-Signature": signed.Header})
		if code != 200 {
			t.Fatalf("stripe: %d %v", code, out)
		}
		return out
	}
	if out := send(fixture(t, "../stripe/testdata/samples/openapi_checkout_session_completed.json")); out["type"] != "order.placed" {
		t.Fatalf("checkout: %v", out)
	}
	b.settle(t)
	b.waitTemplate(t, "example@example.com", "thank_you", hangGuard)
	b.advance(t, 2*time.Hour)
	charge := func(id string, refunded int, full bool) []byte {
		var ev map[string]any
		if err := json.Unmarshal(fixture(t, "../stripe/testdata/samples/openapi_charge_refunded_partial.json"), &ev); err != nil {
			t.Fatal(err)
		}
		ev["id"] = id
		obj := ev["data"].(map[string]any)["object"].(map[string]any)
		obj["amount"], obj["amount_captured"], obj["amount_refunded"], obj["refunded"] = 2000, 2000, refunded, full
		delete(obj, "refunds")
		raw, _ := json.Marshal(ev)
		return raw
	}
	if out := send(charge("evt_partial", 500, false)); out["type"] != "order.refunded" {
		t.Fatalf("partial charge.refunded: %v", out)
	}
	b.settle(t)
	if care := b.careTasks(t, "example@example.com"); len(care) != 1 {
		t.Fatalf("care tasks after 5.00 of 20.00 refunded: %v, want one", care)
	}
	c := b.customer(t, "example@example.com")
	if o := c["orders"].([]any)[0].(map[string]any); o["status"] != "placed" {
		t.Fatalf("after a partial Stripe refund the order is %v", o["status"])
	}
	b.advance(t, time.Hour)
	send(charge("evt_full", 2000, true))
	b.settle(t)
	b.waitTemplate(t, "example@example.com", "refund_thanks", hangGuard)
	if o := b.customer(t, "example@example.com")["orders"].([]any)[0].(map[string]any); o["status"] != "refunded" {
		t.Errorf("after the rest was refunded the order is %v", o["status"])
	}
}
