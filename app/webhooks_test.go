package app_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/aftersale/aftersale/app"
	"github.com/aftersale/aftersale/config"
	"github.com/aftersale/aftersale/sqlite"
)

const (
	shopifySecret = "shpss_test_secret"
	stripeSecret  = "whsec_test_secret"
	wooSecret     = "wc_test_secret"
)

func withPlatforms(c *app.Config) {
	c.ShopifySecret, c.StripeSecret, c.WooCommerceSecret = shopifySecret, stripeSecret, wooSecret
	c.ItemKinds = config.KindRules{{SKU: "COURSE-", Kind: "course"}}
}

func (b *bundle) hook(t *testing.T, platform string, body []byte, headers map[string]string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", b.base+"/webhooks/"+platform, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Errorf("%s answered %d with a body that is not JSON: %q", platform, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

func hmacB64(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// rowCounts counts the rows of every table aftersale writes (and of the
// inbox), to show that a refused webhook stored nothing.
func rowCounts(t *testing.T, b *bundle) string {
	t.Helper()
	db := b.app.Store().(*sqlite.DB)
	var parts []string
	for _, table := range []string{"events", "customers", "orders", "order_items", "journey_runs", "steps", "messages", "tasks"} {
		var n int
		if err := db.SQL().QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, table+"="+strconv.Itoa(n))
	}
	inbox, err := db.InboxList(t.Context(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(parts, " ") + " inbox=" + strconv.Itoa(len(inbox))
}

func fixture(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestShopifyWebhookStartsTheJourney(t *testing.T) {
	t.Parallel()
	b := setup(t, 1, withPlatforms)
	body := fixture(t, "../shopify/testdata/orders_create.json")
	headers := map[string]string{
		"X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
		"X-Shopify-Hmac-Sha256": hmacB64(shopifySecret, body), "X-Shopify-Shop-Domain": "brightpath.myshopify.com",
	}

	// One byte changed: 401, and nothing stored anywhere.
	before := rowCounts(t, b)
	tampered := bytes.Clone(body)
	tampered[len(tampered)/2] ^= 1
	if code, out := b.hook(t, "shopify", tampered, headers); code != 401 || out["error"] == nil {
		t.Errorf("tampered payload: %d %v, want 401 with an error", code, out)
	}
	noSig := map[string]string{"X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": "x"}
	if code, _ := b.hook(t, "shopify", body, noSig); code != 401 {
		t.Errorf("no signature: %d, want 401", code)
	}
	if after := rowCounts(t, b); after != before {
		t.Errorf("a refused webhook changed the database:\nbefore %s\nafter  %s", before, after)
	}

	code, out := b.hook(t, "shopify", body, headers)
	if code != 200 || out["duplicate"] != false || out["type"] != "order.placed" {
		t.Fatalf("signed orders/create: %d %v", code, out)
	}
	// The same journey as a generic order.placed: the thank-you first.
	b.waitTemplate(t, "ana.lopez@example.com", "thank_you", 10*time.Second)
	c := b.customer(t, "ana.lopez@example.com")
	if orders, _ := c["orders"].([]any); len(orders) != 1 {
		t.Errorf("orders: %v", c["orders"])
	}
	// Shopify retries with the same webhook id: nothing happens twice.
	if code, out := b.hook(t, "shopify", body, headers); code != 200 || out["duplicate"] != true {
		t.Errorf("redelivery: %d %v, want 200 duplicate", code, out)
	}
	// A topic aftersale does not use is acknowledged and ignored.
	other := map[string]string{"X-Shopify-Topic": "products/update", "X-Shopify-Webhook-Id": "p1",
		"X-Shopify-Hmac-Sha256": hmacB64(shopifySecret, []byte(`{}`))}
	if code, out := b.hook(t, "shopify", []byte(`{}`), other); code != 200 || out["ignored"] == nil {
		t.Errorf("unused topic: %d %v", code, out)
	}
}

func TestStripeWebhookSignatures(t *testing.T) {
	t.Parallel()
	b := setup(t, 1, withPlatforms)
	body := fixture(t, "../stripe/testdata/checkout_session_completed.json")

	expired := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
		Payload: body, Secret: stripeSecret, Timestamp: time.Now().Add(-time.Hour)})
	before := rowCounts(t, b)
	if code, out := b.hook(t, "stripe", expired.Payload, map[string]string{"Stripe-Signature": expired.Header}); code != 401 {
		t.Errorf("expired timestamp: %d %v, want 401", code, out)
	}
	if after := rowCounts(t, b); after != before {
		t.Errorf("a refused webhook changed the database:\nbefore %s\nafter  %s", before, after)
	}

	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
		Payload: body, Secret: stripeSecret, Timestamp: time.Now()})
	code, out := b.hook(t, "stripe", signed.Payload, map[string]string{"Stripe-Signature": signed.Header})
	if code != 200 || out["type"] != "order.placed" || out["duplicate"] != false {
		t.Fatalf("signed checkout.session.completed: %d %v", code, out)
	}
	var ev struct {
		Data struct {
			Object struct {
				CustomerDetails struct {
					Email string `json:"email"`
				} `json:"customer_details"`
			} `json:"object"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		t.Fatal(err)
	}
	b.waitTemplate(t, strings.ToLower(ev.Data.Object.CustomerDetails.Email), "thank_you", 10*time.Second)
}

func TestWooCommerceWebhook(t *testing.T) {
	t.Parallel()
	b := setup(t, 1, withPlatforms)
	body := fixture(t, "../woocommerce/testdata/order_created.json")
	headers := map[string]string{
		"X-WC-Webhook-Topic": "order.created", "X-WC-Webhook-Resource": "order", "X-WC-Webhook-Event": "created",
		"X-WC-Webhook-Delivery-ID": "3f6c8c1ad6b1e0f0d2a1b4c5d6e7f809", "X-WC-Webhook-ID": "7",
		"X-WC-Webhook-Signature": hmacB64(wooSecret, body),
	}
	bad := map[string]string{}
	for k, v := range headers {
		bad[k] = v
	}
	bad["X-WC-Webhook-Signature"] = hmacB64("another secret", body)
	if code, _ := b.hook(t, "woocommerce", body, bad); code != 401 {
		t.Errorf("wrong secret: %d, want 401", code)
	}
	if code, out := b.hook(t, "woocommerce", body, headers); code != 200 || out["type"] != "order.placed" {
		t.Fatalf("signed order.created: %d %v", code, out)
	}
	b.waitTemplate(t, "anna.schmidt@example.com", "thank_you", 10*time.Second)
	// The ping WooCommerce sends when the webhook is saved.
	if code, out := b.hook(t, "woocommerce", []byte("webhook_id=7"), nil); code != 200 || out["ignored"] == nil {
		t.Errorf("ping: %d %v", code, out)
	}
}

func TestWebhookOfAPlatformNotSetUp(t *testing.T) {
	t.Parallel()
	b := setup(t, 1)
	if code, out := b.hook(t, "shopify", []byte(`{}`), nil); code != 404 || !strings.Contains(out["error"].(string), "not set up") {
		t.Errorf("shopify without a secret: %d %v", code, out)
	}
}
