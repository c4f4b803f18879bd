package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/app"
	"github.com/aftersale/aftersale/config"
	"github.com/aftersale/aftersale/smtptest"
)

const apiKey = "test-key-0123456789"

// bundle is one running aftersale with its SMTP server.
type bundle struct {
	app   *app.App
	smtp  *smtptest.Server
	base  string
	clock *aftersale.Clock // the manual clock of setupClock; nil on the real one
}

// setup boots the whole service in-process on port 0 with a temp data dir
// and a real SMTP server, and stops it when the test ends.
func setup(t *testing.T, scale float64, opts ...func(*app.Config)) *bundle {
	t.Helper()
	srv := smtptest.Start(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cfg := app.Config{Listener: l, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	cfg.DataDir, cfg.SMTPURL, cfg.Sender.From = t.TempDir(), srv.URL(), "Ana at Shop <hello@shop.example>"
	cfg.APIKey, cfg.TimeScale, cfg.QuietHours = apiKey, scale, "off"
	for _, o := range opts {
		o(&cfg)
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		a.Close()
	})
	b := &bundle{app: a, smtp: srv, base: "http://" + l.Addr().String()}
	pollUntil(t, "/healthz to answer 200", func() bool {
		resp, err := http.Get(b.base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return b
}

func (b *bundle) do(t *testing.T, method, path, key, contentType string, body []byte) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, b.base+path, bytes.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func (b *bundle) post(t *testing.T, event string) (int, map[string]any) {
	return b.do(t, "POST", "/api/v1/events", apiKey, "application/json", []byte(event))
}

func (b *bundle) customer(t *testing.T, email string) map[string]any {
	t.Helper()
	code, c := b.do(t, "GET", "/api/v1/customers/"+email, apiKey, "", nil)
	if code != 200 {
		t.Fatalf("GET customer %s: %d %v", email, code, c)
	}
	return c
}

// waitTemplate waits until a message rendered from tmpl reaches to.
func (b *bundle) waitTemplate(t *testing.T, to, tmpl string, timeout time.Duration) *smtptest.Received {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msgs := b.smtp.Messages()
		for _, m := range msgs {
			if m.Header.Get("X-Aftersale-Template") == tmpl && len(m.To) == 1 && m.To[0] == to {
				return m
			}
		}
		left := time.Until(deadline)
		if left <= 0 {
			var got []string
			for _, m := range msgs {
				got = append(got, m.To[0]+":"+m.Header.Get("X-Aftersale-Template"))
			}
			t.Fatalf("no %s email to %s within %v; got %v", tmpl, to, timeout, got)
		}
		b.smtp.WaitFor(len(msgs)+1, left)
	}
}

// orderEvent is an order.placed event placed now (by the real clock: for a
// service on the real or a scaled clock; b.orderEvent is for a manual one).
func orderEvent(id, email, orderID, kind string, extra string) string {
	return orderEventAt(time.Now(), id, email, orderID, kind, extra)
}

// orderEventAt is an order.placed event placed at at.
func orderEventAt(at time.Time, id, email, orderID, kind string, extra string) string {
	return fmt.Sprintf(`{"id":%q,"type":"order.placed","occurred_at":%q,
	 "customer":{"email":%q,"name":"Ana Lima","phone":"+15551234567","timezone":"America/New_York","marketing_consent":true}%s,
	 "order":{"id":%q,"currency":"USD","total":"49.00","items":[{"sku":"sku-1","name":"Launch Course","kind":%q,"quantity":1,"price":"49.00","access_url":"https://shop.example/access/abc"}]}}`,
		id, at.UTC().Format(time.RFC3339), email, extra, orderID, kind)
}

func TestOrderRunsTheDefaultJourney(t *testing.T) {
	t.Parallel()
	b := setupClock(t)
	ev := b.orderEvent("evt_1", "ana@example.com", "1001", "digital", "")
	code, body := b.post(t, ev)
	if code != http.StatusAccepted || body["duplicate"] != false || body["id"] != "evt_1" {
		t.Fatalf("first post: %d %v", code, body)
	}
	b.settle(t)

	thanks := b.waitTemplate(t, "ana@example.com", "thank_you", hangGuard)
	if id := thanks.Header.Get("Message-Id"); !regexp.MustCompile(`^<[0-9a-f]{32}@shop\.example>$`).MatchString(id) {
		t.Errorf("Message-ID %q", id)
	}
	if thanks.Header.Get("List-Unsubscribe") != "" {
		t.Error("the transactional thank-you must not carry List-Unsubscribe")
	}
	if from := thanks.Header.Get("From"); !strings.Contains(from, "hello@shop.example") {
		t.Errorf("From = %q", from)
	}
	access := b.waitTemplate(t, "ana@example.com", "access", hangGuard)
	if !strings.Contains(access.Text(), "https://shop.example/access/abc") || !strings.Contains(access.HTML(), `href="https://shop.example/access/abc"`) {
		t.Errorf("access email lacks the access link:\n%s", access.Text())
	}

	// The same event again: 200, duplicate, and nothing new is planned.
	code, body = b.post(t, ev)
	if code != http.StatusOK || body["duplicate"] != true {
		t.Fatalf("second post: %d %v", code, body)
	}

	// Follow-ups of day 1, 3, 7 and 30 arrive, each with RFC 8058 headers.
	b.days(t, 31)
	var first, last time.Time
	for _, tmpl := range []string{"day1_welcome", "day3_answers", "day7_checkin", "day30_checkin"} {
		m := b.waitTemplate(t, "ana@example.com", tmpl, hangGuard)
		if got := m.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
			t.Errorf("%s: List-Unsubscribe-Post = %q", tmpl, got)
		}
		if lu := m.Header.Get("List-Unsubscribe"); !strings.HasPrefix(lu, "<"+b.base+"/u/") {
			t.Errorf("%s: List-Unsubscribe = %q", tmpl, lu)
		}
		d, _ := m.Header.Date()
		if first.IsZero() {
			first = d
		}
		last = d
	}
	if !last.After(first) {
		t.Errorf("day 30 (%v) not after day 1 (%v)", last, first)
	}

	// Every message is unique: no Message-ID twice.
	seen := map[string]bool{}
	for _, m := range b.smtp.Messages() {
		id := m.Header.Get("Message-Id")
		if seen[id] {
			t.Errorf("Message-ID %s delivered twice", id)
		}
		seen[id] = true
	}

	c := b.customer(t, "ana@example.com")
	if c["email"] != "ana@example.com" || c["stage"] != "purchased" || c["marketing_consent"] != true || c["unsubscribed"] != false {
		t.Errorf("customer = %v", c)
	}
	if orders := c["orders"].([]any); len(orders) != 1 || orders[0].(map[string]any)["id"] != "1001" {
		t.Errorf("orders = %v", c["orders"])
	}
	if tl := c["timeline"].([]any); len(tl) < 8 {
		t.Errorf("timeline has %d entries", len(tl))
	}
}

func TestOneClickUnsubscribe(t *testing.T) {
	t.Parallel()
	b := setupClock(t)
	if code, body := b.post(t, b.orderEvent("evt_u", "bo@example.com", "2001", "physical", "")); code != 202 {
		t.Fatalf("post: %d %v", code, body)
	}
	b.settle(t)
	who := b.waitTemplate(t, "bo@example.com", "who_uses", hangGuard)
	lu := who.Header.Get("List-Unsubscribe")
	unsubURL := strings.Trim(lu, "<>")

	// RFC 8058: a POST with this body, no cookies and no auth.
	resp, err := http.Post(unsubURL, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("one-click POST answered %d", resp.StatusCode)
	}
	unsubAt := b.now()
	c := b.customer(t, "bo@example.com")
	if c["unsubscribed"] != true {
		t.Fatalf("customer after unsubscribe: %v", c)
	}

	// Let the whole journey (30 days) run out.
	b.days(t, 31)
	for _, m := range b.smtp.Messages() {
		d, _ := m.Header.Date()
		if m.Header.Get("List-Unsubscribe") != "" && d.After(unsubAt) {
			t.Errorf("non-transactional %s sent after the unsubscribe", m.Header.Get("X-Aftersale-Template"))
		}
	}
	c = b.customer(t, "bo@example.com")
	var suppressed []string
	for _, e := range c["timeline"].([]any) {
		if e := e.(map[string]any); e["status"] == "suppressed" {
			suppressed = append(suppressed, e["summary"].(string))
		}
	}
	if len(suppressed) == 0 || !strings.Contains(strings.Join(suppressed, "|"), "day30_checkin") {
		t.Errorf("suppressed follow-ups in the timeline: %q, want the day-30 check-in among them", suppressed)
	}

	// The preferences page shows the state and resubscribes.
	resp, err = http.Get(unsubURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "You are unsubscribed") {
		t.Errorf("preferences page %d:\n%s", resp.StatusCode, page)
	}
	resp, err = http.PostForm(unsubURL, url.Values{"action": {"resubscribe"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := b.customer(t, "bo@example.com"); c["unsubscribed"] != false {
		t.Errorf("resubscribe did not take: %v", c)
	}

	// A forged or tampered link is refused.
	resp, _ = http.Post(unsubURL+"x", "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if resp.StatusCode != 401 {
		t.Errorf("tampered link answered %d", resp.StatusCode)
	}
	resp.Body.Close()
}

func TestEventAPIRejectsBadInputAndStoresNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, 1)
	good := orderEvent("evt_bad", "cy@example.com", "3001", "digital", "")
	big := `{"id":"evt_big","type":"order.placed","pad":"` + strings.Repeat("x", aftersale.MaxEventSize) + `"}`
	tests := []struct {
		name, key, body string
		code            int
		field           string
	}{
		{"no key", "", good, 401, ""},
		{"wrong key", "nope", good, 401, ""},
		{"malformed", apiKey, `{"id": "evt_bad",`, 400, ""},
		{"missing email", apiKey, strings.Replace(good, `"email":"cy@example.com",`, "", 1), 400, "customer.email"},
		{"bad kind", apiKey, strings.Replace(good, `"kind":"digital"`, `"kind":"vapour"`, 1), 400, "order.items[0].kind"},
		{"too large", apiKey, big, 413, ""},
	}
	for _, tt := range tests {
		code, body := b.do(t, "POST", "/api/v1/events", tt.key, "application/json", []byte(tt.body))
		if code != tt.code {
			t.Errorf("%s: %d %v, want %d", tt.name, code, body, tt.code)
		}
		if msg, _ := body["error"].(string); msg == "" {
			t.Errorf("%s: no error message in %v", tt.name, body)
		}
		if tt.field != "" && (body["field"] != tt.field || !strings.Contains(body["error"].(string), tt.field)) {
			t.Errorf("%s: error %v does not name %s", tt.name, body, tt.field)
		}
	}
	ctx := context.Background()
	if _, err := b.app.Store().EventGet(ctx, "evt_bad"); !aftersale.IsNotFound(err) {
		t.Errorf("a rejected event was stored: %v", err)
	}
	if code, _ := b.do(t, "GET", "/api/v1/customers/cy@example.com", apiKey, "", nil); code != 404 {
		t.Errorf("a rejected event created a customer: %d", code)
	}
	if code, _ := b.do(t, "GET", "/api/v1/customers/cy@example.com", "", "", nil); code != 401 {
		t.Errorf("customer API without key: %d", code)
	}
	// The good event still goes through afterwards.
	if code, body := b.post(t, good); code != 202 {
		t.Errorf("good event: %d %v", code, body)
	}
}

func TestBuyerAndUser(t *testing.T) {
	t.Parallel()
	b := setupClock(t)
	if code, body := b.post(t, b.orderEvent("evt_bu", "boss@example.com", "4001", "course", `,"user":{"email":"sam@example.com","name":"Sam Reed"}`)); code != 202 {
		t.Fatalf("post: %d %v", code, body)
	}
	b.settle(t)
	// Access goes to both; the receipt-like thank-you to the buyer only.
	b.waitTemplate(t, "boss@example.com", "access", hangGuard)
	toUser := b.waitTemplate(t, "sam@example.com", "access", hangGuard)
	if !strings.Contains(toUser.Text(), "Sam") {
		t.Errorf("user's access email does not greet them:\n%s", toUser.Text())
	}
	b.daysUntilTemplate(t, "sam@example.com", "day1_welcome", 2)
	for _, m := range b.smtp.Messages() {
		if m.To[0] == "sam@example.com" && m.Header.Get("X-Aftersale-Template") == "thank_you" {
			t.Error("the thank-you went to the user")
		}
	}
	if c := b.customer(t, "sam@example.com"); c["orders"].([]any)[0].(map[string]any)["role"] != "user" {
		t.Errorf("user's orders = %v", c["orders"])
	}

	// "Who will be using this?": the buyer names another person on the signed page.
	who := b.waitTemplate(t, "boss@example.com", "who_uses", hangGuard)
	link := regexp.MustCompile(`http://[^\s>]+/w/[A-Za-z0-9_.-]+`).FindString(strings.ReplaceAll(who.Text(), "=\r\n", ""))
	if link == "" {
		t.Fatalf("no who-uses link in:\n%s", who.Text())
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("who-uses page: %d", resp.StatusCode)
	}
	resp, err = http.PostForm(link, url.Values{"name": {"Kim"}, "email": {"not-an-email"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("bad email on the who-uses form: %d", resp.StatusCode)
	}
	resp, err = http.PostForm(link, url.Values{"name": {"Kim"}, "email": {"kim@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := b.customer(t, "boss@example.com"); c["orders"].([]any)[0].(map[string]any)["user"] != "kim@example.com" {
		t.Errorf("order user after the form: %v", c["orders"])
	}
	b.daysUntilTemplate(t, "kim@example.com", "day30_checkin", 31)
}

func TestTasksFromTheJourney(t *testing.T) {
	t.Parallel()
	b := setupClock(t)
	if code, body := b.post(t, b.orderEvent("evt_t", "di@example.com", "5001", "coaching", "")); code != 202 {
		t.Fatalf("post: %d %v", code, body)
	}
	b.settle(t)
	tasks := func(q string) []map[string]any { return b.apiTasks(t, q) }
	var call map[string]any
	b.daysUntil(t, 10, "a call task", func() bool {
		for _, tk := range tasks("status=open&customer=di@example.com") {
			if tk["kind"] == "call" {
				call = tk
			}
		}
		return call != nil
	})
	if s, _ := call["script"].(string); !strings.Contains(s, "1.") || strings.Contains(s, "{{") {
		t.Errorf("call script = %q", s)
	}
	kinds := map[string]bool{}
	// The steps run as they fall due, each in its own job: wait for both.
	b.daysUntil(t, 10, "a personal_email task", func() bool {
		for _, tk := range tasks("status=open&customer=di@example.com") {
			kinds[tk["kind"].(string)] = true
			for _, f := range []string{"id", "kind", "customer", "due_at", "assignee"} {
				if tk[f] == nil || tk[f] == "" {
					t.Errorf("task lacks %s: %v", f, tk)
				}
			}
		}
		return kinds["personal_email"]
	})

	id := fmt.Sprint(call["id"])
	if code, body := b.do(t, "POST", "/api/v1/tasks/"+id+"/complete", apiKey, "application/json", []byte(`{"outcome":"maybe"}`)); code != 400 || body["field"] != "outcome" {
		t.Errorf("bad outcome: %d %v", code, body)
	}
	if code, body := b.do(t, "POST", "/api/v1/tasks/"+id+"/complete", apiKey, "application/json", []byte(`{"outcome":"no_answer"}`)); code != 200 || body["status"] != "done" {
		t.Fatalf("complete: %d %v", code, body)
	}
	if code, _ := b.do(t, "POST", "/api/v1/tasks/"+id+"/complete", apiKey, "application/json", []byte(`{"outcome":"reached"}`)); code != 409 {
		t.Errorf("completing twice answered %d, want 409", code)
	}
	var retried bool
	for _, tk := range tasks("status=open&customer=di@example.com") {
		retried = retried || tk["kind"] == "call" && fmt.Sprint(tk["id"]) != id
	}
	if !retried {
		t.Error("no_answer did not schedule another call")
	}
}

func TestMetricsAndHealth(t *testing.T) {
	t.Parallel()
	b := setupClock(t)
	b.post(t, b.orderEvent("evt_m", "ed@example.com", "6001", "digital", ""))
	b.post(t, b.orderEvent("evt_m", "ed@example.com", "6001", "digital", ""))
	b.settle(t)
	b.waitTemplate(t, "ed@example.com", "thank_you", hangGuard)
	var raw []byte
	// The counter moves just after the SMTP hand-off.
	pollUntil(t, `a sent email counted on /metrics`, func() bool {
		resp, err := http.Get(b.base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		return strings.Contains(string(raw), `status="sent"`)
	})
	for _, want := range []string{
		`aftersale_events_received_total{source="api",type="order.placed"} 1`,
		"aftersale_events_duplicate_total 1",
		`aftersale_emails_total{category="transactional",status="sent"}`,
		"aftersale_steps_pending ",
		"aftersale_step_lag_seconds_bucket",
	} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(string(raw), "ed@example.com") {
		t.Error("/metrics shows an email address")
	}
}

func TestRefundExitsSellingStepsAndStartsCare(t *testing.T) {
	t.Parallel()
	b := setupClock(t)
	if code, body := b.post(t, b.orderEvent("evt_r1", "fay@example.com", "7001", "digital", "")); code != 202 {
		t.Fatalf("post: %d %v", code, body)
	}
	b.settle(t)
	b.waitTemplate(t, "fay@example.com", "thank_you", hangGuard)
	b.advance(t, time.Hour)
	code, body := b.post(t, `{"id":"evt_r2","type":"order.refunded","occurred_at":"`+b.stamp(0)+`","order":{"id":"7001"}}`)
	if code != 202 {
		t.Fatalf("refund: %d %v", code, body)
	}
	refundAt := b.now()
	b.settle(t)
	b.waitTemplate(t, "fay@example.com", "refund_thanks", hangGuard)
	b.days(t, 31) // past day 30
	for _, m := range b.smtp.Messages() {
		tmpl := m.Header.Get("X-Aftersale-Template")
		d, _ := m.Header.Date()
		if d.After(refundAt) && tmpl != "refund_thanks" {
			t.Errorf("%s sent after the refund", tmpl)
		}
	}
	c := b.customer(t, "fay@example.com")
	if c["stage"] != "refunded" || c["orders"].([]any)[0].(map[string]any)["status"] != "refunded" {
		t.Errorf("customer after refund: stage %v orders %v", c["stage"], c["orders"])
	}
	var exited int
	for _, e := range c["timeline"].([]any) {
		if e.(map[string]any)["status"] == "exited" {
			exited++
		}
	}
	if exited == 0 {
		t.Error("no exited steps in the timeline")
	}
	req, _ := http.NewRequest("GET", b.base+"/api/v1/tasks?status=open&customer=fay@example.com", nil)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tasks []map[string]any
	json.NewDecoder(resp.Body).Decode(&tasks)
	resp.Body.Close()
	var care bool
	for _, tk := range tasks {
		care = care || tk["kind"] == "call" && tk["assignee"] == "owner"
		// The selling journey's tasks ended with it.
		if tk["kind"] == "personal_email" {
			t.Errorf("the welcome personal email task is still open after the refund: %v", tk)
		}
	}
	if !care {
		t.Errorf("no \"what went wrong\" call task for the owner: %v", tasks)
	}
}

func TestShipmentUpdatesAndDidItArrive(t *testing.T) {
	t.Parallel()
	b := setupClock(t)
	if code, body := b.post(t, b.orderEvent("evt_s1", "gus@example.com", "8001", "physical", "")); code != 202 {
		t.Fatalf("post: %d %v", code, body)
	}
	b.settle(t)
	b.waitTemplate(t, "gus@example.com", "shipping_expectations", hangGuard)
	shipAt := b.stamp(time.Hour) // the parcel leaves within the day
	b.advance(t, time.Hour)
	ship := func(id, status string) {
		t.Helper()
		ev := fmt.Sprintf(`{"id":%q,"type":"shipment.updated","occurred_at":%q,"shipment":{"order_id":"8001","status":%q,"carrier":"UPS","tracking_number":"1Z999","tracking_url":"https://track.example/1Z999"}}`, id, shipAt, status)
		if code, body := b.post(t, ev); code != 202 {
			t.Fatalf("%s: %d %v", status, code, body)
		}
	}
	ship("evt_s2", "shipped")
	b.settle(t)
	shipped := b.waitTemplate(t, "gus@example.com", "shipment_update", hangGuard)
	if !strings.Contains(shipped.Text(), "https://track.example/1Z999") || shipped.Header.Get("List-Unsubscribe") != "" {
		t.Errorf("shipped email:\n%s", shipped.Text())
	}
	ship("evt_s3", "shipped") // a repeated status sends nothing new
	ship("evt_s4", "delivered")
	b.settle(t)
	b.daysUntilTemplate(t, "gus@example.com", "did_it_arrive", 5)
	var updates int
	for _, m := range b.smtp.Messages() {
		if m.Header.Get("X-Aftersale-Template") == "shipment_update" {
			updates++
		}
	}
	if updates != 2 {
		t.Errorf("%d shipment emails, want shipped and delivered", updates)
	}
}

func TestCustomJourneysAndTemplates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("mine.yaml", "id: mine\ntrigger: purchase\nsteps:\n  - id: hello\n    type: email\n    template: hello\n    category: transactional\n")
	write("templates/hello.md", "---\nsubject: \"Hello {{.Recipient.FirstName}}\"\n---\nHi {{.Recipient.FirstName | md}}, this is our own journey.\n")
	set, err := app.ValidateJourneys(dir)
	if err != nil || len(set.Journeys) != 1 {
		t.Fatalf("ValidateJourneys: %v", err)
	}

	write("bad/mine.yaml", "id: mine\nsteps:\n  - id: hello\n    type: email\n    template: nope\n  - id: later\n    type: email\n    template: hello\n    wait: 3x\n")
	_, err = app.ValidateJourneys(filepath.Join(dir, "bad"))
	if err == nil || !strings.Contains(err.Error(), "mine.yaml:9: steps[1].wait") {
		t.Errorf("bad journey error = %v, want file:line: field", err)
	}
	write("missing/mine.yaml", "id: mine\nsteps:\n  - id: hello\n    type: email\n    template: nope\n")
	_, err = app.ValidateJourneys(filepath.Join(dir, "missing"))
	if err == nil || !strings.Contains(err.Error(), `mine.yaml:5`) || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("missing template error = %v", err)
	}
	write("offer/mine.yaml", "id: mine\nsteps:\n  - id: hello\n    type: email\n    template: thank_you\n  - id: deal\n    type: offer\n    offer: {percent_of: 10}\n")
	if _, err = app.ValidateJourneys(filepath.Join(dir, "offer")); err == nil || !strings.Contains(err.Error(), "mine.yaml:6") || !strings.Contains(err.Error(), `"percent_of"`) {
		t.Errorf("offer parameter typo: %v", err)
	}
	if _, err := app.New(context.Background(), app.Config{Settings: config.Settings{Process: config.Process{DataDir: t.TempDir()}, Journeys: filepath.Join(dir, "offer")}}); err == nil {
		t.Error("the service started with an offer parameter typo")
	}
	if _, err := app.New(context.Background(), app.Config{Settings: config.Settings{Process: config.Process{DataDir: t.TempDir()}, Journeys: filepath.Join(dir, "bad")}}); err == nil {
		t.Error("the service started with a broken journey file")
	}

	out, err := app.PreviewJourneys("", "coaching", "Europe/Berlin", true, true)
	if err != nil || !strings.Contains(out, "first_session") || strings.Contains(out, "shipping_expectations ") && !strings.Contains(out, "skipped") {
		t.Errorf("preview: %v\n%s", err, out)
	}
}

func TestSMTPFailuresRetryOrFail(t *testing.T) {
	t.Parallel()
	t.Run("451 then 250: sent once", func(t *testing.T) {
		t.Parallel()
		b := setupClock(t)
		b.smtp.RejectNext(451, 1)
		if code, body := b.post(t, b.orderEvent("evt_451", "hal@example.com", "9001", "digital", "")); code != 202 {
			t.Fatalf("post: %d %v", code, body)
		}
		// The retry comes after River's backoff, in real time: the step
		// stays due and unfinished until it is sent.
		b.settle(t)
		b.waitTemplate(t, "hal@example.com", "thank_you", hangGuard)
		count := 0
		for _, m := range b.smtp.Messages() {
			if m.Header.Get("X-Aftersale-Template") == "thank_you" {
				count++
			}
		}
		if count != 1 {
			t.Errorf("thank-you delivered %d times", count)
		}
		// The message is recorded as sent with its step's outcome: by the
		// time the service has settled.
		var pending []any
		for _, e := range b.customer(t, "hal@example.com")["timeline"].([]any) {
			if e := e.(map[string]any); e["kind"] == "email" && e["status"] != "sent" {
				pending = append(pending, e)
			}
		}
		if len(pending) != 0 {
			t.Fatalf("emails not recorded as sent after the retry: %v", pending)
		}
	})
	t.Run("550: failed, not retried", func(t *testing.T) {
		t.Parallel()
		b := setupClock(t)
		b.smtp.RejectNext(550, 1)
		if code, body := b.post(t, b.orderEvent("evt_550", "ida@example.com", "9002", "digital", "")); code != 202 {
			t.Fatalf("post: %d %v", code, body)
		}
		b.settle(t)
		b.waitTemplate(t, "ida@example.com", "who_uses", hangGuard)
		// No job is left that could send it again: the step job ends
		// without an error to retry.
		pollUntil(t, "the step jobs to end", func() bool { return stepJobs(t, b, "running") == 0 })
		if n := failedStepJobs(t, b); n != 0 {
			t.Errorf("%d step jobs failed after a 550: a retry is planned", n)
		}
		for _, m := range b.smtp.Messages() {
			if m.Header.Get("X-Aftersale-Template") == "thank_you" {
				t.Error("a message refused with 550 was sent again")
			}
		}
		var failed []string
		for _, e := range b.customer(t, "ida@example.com")["timeline"].([]any) {
			if e := e.(map[string]any); e["kind"] == "email" && e["status"] == "failed" {
				failed = append(failed, e["summary"].(string))
			}
		}
		if len(failed) != 1 || !strings.Contains(failed[0], "thank_you") || !strings.Contains(failed[0], "550") {
			t.Errorf("failed emails in the timeline: %q", failed)
		}
	})
	t.Run("server down, then back: delayed, not lost", func(t *testing.T) {
		t.Parallel()
		b := setupClock(t)
		b.smtp.Down()
		if code, body := b.post(t, b.orderEvent("evt_down", "jo@example.com", "9003", "digital", "")); code != 202 {
			t.Fatalf("post: %d %v", code, body)
		}
		pollUntil(t, "a delivery attempt refused while the server is down (a job to retry)", func() bool {
			return failedStepJobs(t, b) > 0
		})
		b.smtp.Up()
		b.settle(t)
		b.waitTemplate(t, "jo@example.com", "thank_you", hangGuard)
		b.waitTemplate(t, "jo@example.com", "access", hangGuard)
		b.waitTemplate(t, "jo@example.com", "who_uses", hangGuard)
	})
}
