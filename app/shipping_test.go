package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/app"
	"github.com/aftersale/aftersale/config"
	"github.com/aftersale/aftersale/internal/pgtest"
	"github.com/aftersale/aftersale/smtptest"
)

var arrivalLink = regexp.MustCompile(`https?://[^\s)>"]+/a/[A-Za-z0-9_.\-]+\?answer=(yes|no)`)

// shipEvent is a shipment.updated event that happens now on the service's
// clock; url "" leaves the tracking link to the carrier's template.
func (b *bundle) shipEvent(id, orderID, status, carrier, number, url string) string {
	return fmt.Sprintf(`{"id":%q,"type":"shipment.updated","occurred_at":%q,"shipment":{"order_id":%q,"status":%q,"carrier":%q,"tracking_number":%q,"tracking_url":%q}}`,
		id, b.stamp(0), orderID, status, carrier, number, url)
}

// onBothDatabases runs test on the embedded SQLite and on PostgreSQL, in
// parallel subtests.
func onBothDatabases(t *testing.T, test func(t *testing.T, db func(*app.Config))) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		test(t, func(*app.Config) {})
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		url := pgtest.Database(t)
		test(t, func(c *app.Config) { c.DatabaseURL = url })
	})
}

// templates counts the messages to to per template.
func templates(b *bundle, to string) map[string][]*smtptest.Received {
	out := map[string][]*smtptest.Received{}
	for _, m := range b.smtp.Messages() {
		if len(m.To) == 1 && m.To[0] == to {
			tmpl := m.Header.Get("X-Aftersale-Template")
			out[tmpl] = append(out[tmpl], m)
		}
	}
	return out
}

// waitCount waits until to has n messages of the template: on the SMTP
// server's signal, with timeout as the hang guard.
func waitCount(t *testing.T, b *bundle, to, tmpl string, n int, timeout time.Duration) []*smtptest.Received {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msgs := b.smtp.Messages()
		got := templates(b, to)[tmpl]
		if len(got) >= n {
			return got
		}
		left := time.Until(deadline)
		if left <= 0 {
			t.Fatalf("%d %s emails to %s within %v, want %d (%s)", len(got), tmpl, to, timeout, n, b.describe())
		}
		b.smtp.WaitFor(len(msgs)+1, left)
	}
}

// TestMultiPackageShippingCare follows an order of two packages: an email
// per status change of each package (a repeated status sends nothing), the
// carrier's tracking link when the shop gives none, "did it arrive?" a day
// after the last package arrives, and a "no" that puts a call with the
// order's facts in the owner's queue at once.
func TestMultiPackageShippingCare(t *testing.T) {
	t.Parallel()
	onBothDatabases(t, func(t *testing.T, db func(*app.Config)) {
		b := setupClock(t, db)
		const to = "ivy@example.com"
		if code, body := b.post(t, b.orderEvent("evt_m1", to, "8101", "physical", "")); code != 202 {
			t.Fatalf("post: %d %v", code, body)
		}
		b.settle(t)
		b.waitTemplate(t, to, "shipping_expectations", hangGuard)
		for _, ev := range []string{
			b.shipEvent("evt_m2", "8101", "shipped", "UPS", "1ZAAA", ""),
			b.shipEvent("evt_m3", "8101", "shipped", "DHL", "JD0002", "https://track.example/JD0002"),
			b.shipEvent("evt_m4", "8101", "shipped", "UPS", "1ZAAA", ""), // repeated
			b.shipEvent("evt_m5", "8101", "in_transit", "UPS", "1ZAAA", ""),
			b.shipEvent("evt_m6", "8101", "out_for_delivery", "UPS", "1ZAAA", ""),
			b.shipEvent("evt_m7", "8101", "delivered", "UPS", "1ZAAA", ""),
		} {
			if code, body := b.post(t, ev); code != 202 {
				t.Fatalf("post %s: %d %v", ev, code, body)
			}
		}
		// shipped ×2, out for delivery, delivered: in_transit sends nothing in
		// the built-in journey.
		b.settle(t)
		updates := waitCount(t, b, to, "shipment_update", 4, hangGuard)
		links := map[string]bool{}
		for _, m := range updates {
			txt := m.Text()
			for _, l := range []string{"https://www.ups.com/track?tracknum=1ZAAA", "https://track.example/JD0002"} {
				if strings.Contains(txt, l) {
					links[l] = true
				}
			}
			if m.Header.Get("List-Unsubscribe") != "" {
				t.Errorf("a shipping email is transactional, yet has List-Unsubscribe")
			}
		}
		if len(links) != 2 {
			t.Errorf("tracking links in the updates: %v (want the UPS template link and the shop's DHL link)", links)
		}
		b.days(t, 2)
		if n := len(templates(b, to)["did_it_arrive"]); n != 0 {
			t.Fatalf("%d did_it_arrive emails while the DHL package is still on its way", n)
		}
		if code, body := b.post(t, b.shipEvent("evt_m8", "8101", "delivered", "DHL", "JD0002", "")); code != 202 {
			t.Fatalf("post: %d %v", code, body)
		}
		b.settle(t)
		waitCount(t, b, to, "shipment_update", 5, hangGuard)
		arrive := b.daysUntilTemplate(t, to, "did_it_arrive", 3)
		if got := len(templates(b, to)["shipment_update"]); got != 5 {
			t.Errorf("%d shipment emails, want 5", got)
		}
		if !strings.Contains(arrive.Header.Get("Subject"), "good shape") {
			t.Errorf("did_it_arrive subject %q", arrive.Header.Get("Subject"))
		}
		var no string
		for _, m := range arrivalLink.FindAllStringSubmatch(arrive.Text(), -1) {
			if m[1] == "no" {
				no = m[0]
			}
		}
		if no == "" {
			t.Fatalf("no \"no\" link in\n%s", arrive.Text())
		}
		code, page := getPage(t, no)
		if code != 200 {
			t.Fatalf("GET %s: %d %s", no, code, page)
		}
		call := waitTaskTitle(t, b, to, "It did not arrive well", 0)
		if call.Kind != "call" || call.Assignee != "owner" || !strings.Contains(call.Script, "1ZAAA") || !strings.Contains(call.Script, "Launch Course") {
			t.Errorf("call after \"no\": %+v", call)
		}
		// The same answer again creates nothing more.
		getPage(t, no)
		b.settle(t)
		tasks, _ := b.app.Team().Tasks(context.Background(), "open", to)
		var calls int
		for _, tk := range tasks {
			if strings.HasPrefix(tk.Title, "It did not arrive well") {
				calls++
			}
		}
		if calls != 1 {
			t.Errorf("%d arrival calls after answering twice", calls)
		}
		c := b.customer(t, to)
		o := c["orders"].([]any)[0].(map[string]any)
		if o["arrival"] != "no" || len(o["packages"].([]any)) != 2 || o["delivered_at"] == nil {
			t.Errorf("order view: arrival %v, packages %v, delivered_at %v", o["arrival"], o["packages"], o["delivered_at"])
		}
	})
}

// TestLatePackage: a package the carrier never confirms gets a check-in
// when it is late (the carrier's usual days plus the margin); a "yes" there
// counts the order delivered and stops the late-delivery call. A second
// order that nobody answers gets the call.
func TestLatePackage(t *testing.T) {
	t.Parallel()
	onBothDatabases(t, func(t *testing.T, db func(*app.Config)) {
		// The "yes" comes the day of the check-in, before the call a
		// business day after it.
		b := setupClock(t, db, func(c *app.Config) {
			c.Shipping.CarrierDays, c.Shipping.DeliveryMarginDays = []config.TransitDays{{Carrier: "Acme Post", Days: 1}}, 1
		})
		for _, o := range []struct{ to, id string }{{"kai@example.com", "8201"}, {"lea@example.com", "8202"}} {
			if code, body := b.post(t, b.orderEvent("evt_"+o.id, o.to, o.id, "physical", "")); code != 202 {
				t.Fatalf("post: %d %v", code, body)
			}
			if code, body := b.post(t, b.shipEvent("evt_s"+o.id, o.id, "shipped", "Acme Post", "AP"+o.id, "")); code != 202 {
				t.Fatalf("post: %d %v", code, body)
			}
		}
		check := b.daysUntilTemplate(t, "kai@example.com", "did_it_arrive", 10)
		if !strings.Contains(check.Header.Get("Subject"), "arrived yet") {
			t.Errorf("late check-in subject %q", check.Header.Get("Subject"))
		}
		var yes string
		for _, m := range arrivalLink.FindAllStringSubmatch(check.Text(), -1) {
			if m[1] == "yes" {
				yes = m[0]
			}
		}
		if code, page := getPage(t, yes); yes == "" || code != 200 {
			t.Fatalf("yes link %q: %d %s", yes, code, page)
		}
		// Lea never answers: her call comes a business day later.
		call := waitTaskTitle(t, b, "lea@example.com", "Late delivery?", 10)
		if call.Kind != "call" || call.Order != "8202" {
			t.Errorf("late delivery call: %+v", call)
		}
		b.days(t, 3) // well past Kai's business day too
		tasks, _ := b.app.Team().Tasks(context.Background(), "open", "kai@example.com")
		for _, tk := range tasks {
			if strings.HasPrefix(tk.Title, "Late delivery?") {
				t.Errorf("Kai said it arrived, yet has %q", tk.Title)
			}
		}
		c := b.customer(t, "kai@example.com")
		if o := c["orders"].([]any)[0].(map[string]any); o["arrival"] != "yes" || o["delivered_at"] == nil {
			t.Errorf("Kai's order: arrival %v delivered_at %v", o["arrival"], o["delivered_at"])
		}
		// Kai's "yes" answered "did it arrive?" already: no second question.
		if n := len(templates(b, "kai@example.com")["did_it_arrive"]); n != 1 {
			t.Errorf("Kai got %d did_it_arrive emails, want 1", n)
		}
	})
}

// TestReturnRequestedFromOutside: a return.requested event stores a return,
// sends the instructions, stops the selling steps and asks what went wrong;
// moving it to received and refunded tells the customer, refunds the order
// and asks nothing twice. An exchange keeps the journey going.
func TestReturnRequestedFromOutside(t *testing.T) {
	t.Parallel()
	onBothDatabases(t, func(t *testing.T, db func(*app.Config)) {
		b := setupClock(t, db, func(c *app.Config) {
			c.Returns.Address, c.Returns.LabelURL = "Shop Returns\nUnit 4, Dock Road\nLeeds LS1 1AA", "https://labels.example/abc"
		})
		ctx := context.Background()
		const to, ex = "max@example.com", "noa@example.com"
		for _, o := range []struct{ to, id string }{{to, "8301"}, {ex, "8302"}} {
			if code, body := b.post(t, b.orderEvent("evt_"+o.id, o.to, o.id, "physical", "")); code != 202 {
				t.Fatalf("post: %d %v", code, body)
			}
		}
		b.settle(t)
		for _, to := range []string{to, ex} {
			b.daysUntilTemplate(t, to, "thank_you", 3)
		}
		if code, body := b.post(t, `{"id":"evt_r8301","type":"return.requested","occurred_at":"`+b.stamp(0)+`","return":{"order_id":"8301","reason":"It doesn't fit","skus":["sku-1"]}}`); code != 202 {
			t.Fatalf("return: %d %v", code, body)
		}
		if code, body := b.post(t, `{"id":"evt_r8302","type":"return.requested","occurred_at":"`+b.stamp(0)+`","return":{"order_id":"8302","reason":"Wrong size","resolution":"exchange"}}`); code != 202 {
			t.Fatalf("return: %d %v", code, body)
		}
		returnedAt := b.now()
		b.settle(t)
		ins := b.waitTemplate(t, to, "return_instructions", hangGuard)
		for _, want := range []string{"Launch Course", "Unit 4, Dock Road", "https://labels.example/abc", "/returns/status/"} {
			if !strings.Contains(ins.Text(), want) {
				t.Errorf("instructions lack %q:\n%s", want, ins.Text())
			}
		}
		b.waitTemplate(t, ex, "return_instructions", hangGuard)
		call := waitTaskTitle(t, b, to, "What went wrong?", 0)
		if call.Kind != "call" {
			t.Errorf("what went wrong task: %+v", call)
		}
		list, err := b.app.Returns().List(ctx, aftersale.ReturnFilter{OrderID: 0})
		if err != nil || len(list) != 2 {
			t.Fatalf("returns: %v %v", list, err)
		}
		var refundID int64
		for _, r := range list {
			if r.Order.ExternalID == "8301" {
				refundID = r.Return.ID
				if r.Return.Resolution != "refund" || r.Return.Reason != "It doesn't fit" || len(r.Return.Items) != 1 || r.Return.Items[0].Name != "Launch Course" {
					t.Errorf("return of 8301: %+v", r.Return)
				}
			}
		}
		c := b.customer(t, to)
		var inTimeline bool
		for _, e := range c["timeline"].([]any) {
			inTimeline = inTimeline || e.(map[string]any)["kind"] == "return"
		}
		if !inTimeline {
			t.Error("the return is not in the customer's timeline")
		}

		if _, err := b.app.Returns().Advance(ctx, refundID, aftersale.ReturnReceived, "owner@shop.example"); err != nil {
			t.Fatal(err)
		}
		b.settle(t)
		b.waitTemplate(t, to, "return_received", hangGuard)
		if _, err := b.app.Returns().Advance(ctx, refundID, aftersale.ReturnReceived, "owner@shop.example"); aftersale.ErrorCode(err) != aftersale.ECONFLICT {
			t.Errorf("received twice: %v, want a conflict", err)
		}
		if _, err := b.app.Returns().Advance(ctx, refundID, aftersale.ReturnRefunded, "owner@shop.example"); err != nil {
			t.Fatal(err)
		}
		b.settle(t)
		b.waitTemplate(t, to, "refund_thanks", hangGuard)
		b.days(t, 32) // past day 30
		for _, m := range templates(b, to) {
			for _, msg := range m {
				tmpl := msg.Header.Get("X-Aftersale-Template")
				d, _ := msg.Header.Date()
				if d.After(returnedAt.Add(time.Second)) && !strings.HasPrefix(tmpl, "return_") && tmpl != "refund_thanks" {
					t.Errorf("%s sent after the return", tmpl)
				}
			}
		}
		if c := b.customer(t, to); c["stage"] != "refunded" {
			t.Errorf("stage after the refund: %v", c["stage"])
		}
		tasks, _ := b.app.Team().Tasks(ctx, "open", to)
		var asks int
		for _, tk := range tasks {
			if strings.HasPrefix(tk.Title, "What went wrong?") {
				asks++
			}
		}
		if asks != 1 {
			t.Errorf("%d \"what went wrong\" tasks after a return and its refund, want 1", asks)
		}
		// The exchange kept the journey: the day-30 check-in came, no call.
		if len(templates(b, ex)["day30_checkin"]) != 1 {
			t.Errorf("the exchange stopped the journey: %v", templates(b, ex))
		}
		tasks, _ = b.app.Team().Tasks(ctx, "open", ex)
		for _, tk := range tasks {
			if strings.HasPrefix(tk.Title, "What went wrong?") {
				t.Errorf("an exchange got %q", tk.Title)
			}
		}
	})
}

// TestReturnsPageOverHTTP starts a return on the public page with only the
// email and the order number, on both databases: a resubmitted form is one
// return, and the status page and the admin's list show it.
func TestReturnsPageOverHTTP(t *testing.T) {
	t.Parallel()
	onBothDatabases(t, func(t *testing.T, db func(*app.Config)) {
		b := setup(t, 1, db)
		const to = "ola@example.com"
		if code, body := b.post(t, orderEvent("evt_rp", to, "8401", "physical", "")); code != 202 {
			t.Fatalf("post: %d %v", code, body)
		}
		resp, err := http.PostForm(b.base+"/returns", url.Values{"email": {"OLA@example.com"}, "order": {"8401"}})
		if err != nil {
			t.Fatal(err)
		}
		code, page := resp.StatusCode, readBody(t, resp)
		if code != 200 || !strings.Contains(page, `id="qty-sku-1"`) {
			t.Fatalf("lookup: %d\n%s", code, page)
		}
		form := url.Values{"key": {"k-0123456789abcdef"}, "qty-sku-1": {"1"}, "reason": {"It arrived damaged or faulty"}, "resolution": {"exchange"}}
		choose := resp.Request.URL.String() // the signed page the lookup led to
		for range 2 {                       // a double click
			code, page = postPage(t, choose, form)
			if code != 200 || !strings.Contains(page, `id="return-status"`) {
				t.Fatalf("start: %d\n%s", code, page)
			}
		}
		list, err := b.app.Returns().List(context.Background(), aftersale.ReturnFilter{})
		if err != nil || len(list) != 1 || list[0].Return.Resolution != "exchange" || list[0].Return.Source != "page" {
			t.Fatalf("returns after a double submit: %+v %v", list, err)
		}
		b.waitTemplate(t, to, "return_instructions", 10*time.Second)
	})
}
