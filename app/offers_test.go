package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale/app"
)

// offerCode is a generated offer code: THANKS and two groups of four
// characters without the ambiguous ones (0 O 1 I L).
var offerCode = regexp.MustCompile(`\bTHANKS-[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}\b`)

// buyEvent is an order.placed of one course, placed now on the service's
// clock, by a buyer who agreed to marketing email or not; extra is added to
// the order (`"coupon":"X"`).
func (b *bundle) buyEvent(id, email, name, orderID string, consent bool, extra string) string {
	if extra != "" {
		extra = "," + extra
	}
	return fmt.Sprintf(`{"id":%q,"type":"order.placed","occurred_at":%q,
	 "customer":{"email":%q,"name":%q,"timezone":"Europe/Lisbon","marketing_consent":%t},
	 "order":{"id":%q,"currency":"EUR","total":"49.00"%s,"items":[{"sku":"sku-1","name":"Launch Course","kind":"course","quantity":1,"price":"49.00"}]}}`,
		id, b.stamp(0), email, name, consent, orderID, extra)
}

// settled lets the service settle and then checks cond: what the events
// posted so far lead to has happened by then.
func (b *bundle) settled(t *testing.T, what string, cond func() bool) {
	t.Helper()
	b.settle(t)
	if !cond() {
		t.Fatalf("%s: not once the service settled (%s)", what, b.describe())
	}
}

// coupons returns the codes of a customer as the API shows them.
func coupons(c map[string]any) []map[string]any {
	var out []map[string]any
	list, _ := c["coupons"].([]any)
	for _, x := range list {
		out = append(out, x.(map[string]any))
	}
	return out
}

// timelineHas reports whether a timeline entry of the kind has all the
// words in its summary.
func timelineHas(c map[string]any, kind string, words ...string) bool {
	for _, e := range c["timeline"].([]any) {
		e := e.(map[string]any)
		if e["kind"] != kind {
			continue
		}
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(e["summary"].(string), w)
		}
		if ok {
			return true
		}
	}
	return false
}

// TestOfferCodesAndRedemption: the day-30 email of a consenting customer is
// the check-in with a unique code and their referral link after it; a
// customer without consent gets the check-in alone; an order with the code
// redeems it, a second order with it is a repeat.
func TestOfferCodesAndRedemption(t *testing.T) {
	t.Parallel()
	onBothDatabases(t, func(t *testing.T, db func(*app.Config)) {
		b := setupClock(t, db, func(c *app.Config) { c.Insiders.ShopURL = "https://shop.example" })
		for _, ev := range []string{
			b.buyEvent("o-ana", "ana@example.com", "Ana Lima", "1001", true, ""),
			b.buyEvent("o-cy", "cy@example.com", "Cy Ortega", "1002", true, ""),
			b.buyEvent("o-bo", "bo@example.com", "Bo Berg", "1003", false, ""),
		} {
			if code, body := b.post(t, ev); code != http.StatusAccepted {
				t.Fatalf("post: %d %v", code, body)
			}
		}
		b.settle(t)
		ana := b.daysUntilTemplate(t, "ana@example.com", "day30_checkin", 35)
		cy := b.waitTemplate(t, "cy@example.com", "day30_checkin", hangGuard)
		bo := b.waitTemplate(t, "bo@example.com", "day30_checkin", hangGuard)

		text := ana.Text()
		code := offerCode.FindString(text)
		if code == "" {
			t.Fatalf("the consenting customer's day-30 email has no code:\n%s", text)
		}
		if !strings.Contains(ana.HTML(), "<strong>"+code+"</strong>") {
			t.Errorf("the code is not shown prominently in the HTML part:\n%s", ana.HTML())
		}
		checkin, offer := strings.Index(text, "How is it going?"), strings.Index(text, code)
		if checkin < 0 || offer < checkin {
			t.Errorf("the check-in does not come first, the offer after it:\n%s", text)
		}
		for _, want := range []string{"10% off", "https://shop.example", "Share this link with a friend: <" + b.base + "/r/ANA-"} {
			if !strings.Contains(text, want) {
				t.Errorf("the day-30 offer lacks %q:\n%s", want, text)
			}
		}
		// Valid 30 days from now, shown as a date in Lisbon.
		until := b.now().In(mustZone(t, "Europe/Lisbon")).AddDate(0, 0, 30).Format("2 Jan 2006")
		if !strings.Contains(text, "until "+until) {
			t.Errorf("the code is not said to be valid until %s:\n%s", until, text)
		}
		if ana.Header.Get("List-Unsubscribe") == "" {
			t.Error("the offer carries no one-click unsubscribe")
		}
		if other := offerCode.FindString(cy.Text()); other == "" || other == code {
			t.Errorf("two customers' codes: %q and %q, want two different codes", code, other)
		}
		if t2 := bo.Text(); offerCode.MatchString(t2) || strings.Contains(t2, "THANKS-") || strings.Contains(t2, "/r/") || !strings.Contains(t2, "How is it going?") {
			t.Errorf("the day-30 email of a customer without consent is not the plain check-in:\n%s", t2)
		}
		// One day-30 email each, whatever the consent.
		b.days(t, 3)
		for _, to := range []string{"ana@example.com", "bo@example.com"} {
			if n := len(templates(b, to)["day30_checkin"]); n != 1 {
				t.Errorf("%s got %d day-30 emails, want 1", to, n)
			}
		}

		// The code in the customer API and timeline, not used yet.
		c := b.customer(t, "ana@example.com")
		if cs := coupons(c); len(cs) != 1 || cs[0]["code"] != code || cs[0]["percent_off"] != 10.0 || cs[0]["purpose"] != "offer" || cs[0]["redemptions"] != 0.0 {
			t.Errorf("ana's coupons = %v", c["coupons"])
		}
		if !timelineHas(c, "coupon", "code "+code+" issued", "10% off", "until "+until) {
			t.Errorf("no issued code in the timeline: %v", c["timeline"])
		}
		if cs := coupons(b.customer(t, "bo@example.com")); len(cs) != 0 {
			t.Errorf("the customer without consent was given codes: %v", cs)
		}

		// Ana uses her code (in lower case): redeemed by that order.
		if st, body := b.post(t, b.buyEvent("o-ana-2", "ana@example.com", "Ana Lima", "1101", true, fmt.Sprintf(`"coupon":%q`, strings.ToLower(code)))); st != http.StatusAccepted {
			t.Fatalf("post: %d %v", st, body)
		}
		b.settled(t, "the code redeemed", func() bool {
			cs := coupons(b.customer(t, "ana@example.com"))
			return len(cs) > 0 && cs[0]["redemptions"] == 1.0
		})
		c = b.customer(t, "ana@example.com")
		if cs := coupons(c); cs[0]["redeemed_by"] != "1101" || cs[0]["redeemed_at"] == nil {
			t.Errorf("redeemed code = %v", cs[0])
		}
		if !timelineHas(c, "coupon", "code "+code+" redeemed by order 1101") {
			t.Errorf("no redemption in the timeline: %v", c["timeline"])
		}
		// The same order again (a second event for it) is not a repeat.
		b.post(t, b.buyEvent("o-ana-2b", "ana@example.com", "Ana Lima", "1101", true, fmt.Sprintf(`"coupon":%q`, code)))
		// Somebody else uses it again: a repeat.
		b.post(t, b.buyEvent("o-dan", "dan@example.com", "Dan Ito", "1201", false, fmt.Sprintf(`"coupon":%q`, code)))
		b.settled(t, "the repeat", func() bool {
			return timelineHas(b.customer(t, "dan@example.com"), "coupon", "code "+code+" used again by order 1201", "repeat")
		})
		if cs := coupons(b.customer(t, "ana@example.com")); cs[0]["redemptions"] != 2.0 || cs[0]["redeemed_by"] != "1101" {
			t.Errorf("after the repeat: %v", cs[0])
		}
		// An unknown code is no error: the order is recorded.
		b.post(t, b.buyEvent("o-eve", "eve@example.com", "Eve", "1301", false, `"coupon":"BLACKFRIDAY"`))
		b.settled(t, "the order with a shop-wide code", func() bool {
			code, _ := b.do(t, "GET", "/api/v1/customers/eve@example.com", apiKey, "", nil)
			return code == http.StatusOK
		})

		// The report and the engine agree.
		rep, err := b.app.Insiders().Report(context.Background(), time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Issued < 2 || rep.Redeemed != 1 || rep.Repeats != 1 {
			t.Errorf("insiders report = %+v", rep)
		}
		st, body := b.do(t, "GET", "/api/v1/reports/insiders", apiKey, "", nil)
		if st != http.StatusOK || body["redeemed"] != 1.0 || body["repeats"] != 1.0 || body["issued"].(float64) < 2 {
			t.Errorf("GET /api/v1/reports/insiders: %d %v", st, body)
		}
	})
}

// TestReferralAttribution: a referral link counts clicks and leads to the
// shop; a purchase with a customer's referral code credits them and gives
// them a reward code; their own code credits nobody.
func TestReferralAttribution(t *testing.T) {
	t.Parallel()
	onBothDatabases(t, func(t *testing.T, db func(*app.Config)) {
		b := setupClock(t, db, func(c *app.Config) {
			c.Insiders.ShopURL = "https://shop.example/store"
			c.Insiders.ReferralRewardPercent, c.Insiders.ReferralRewardDays = 15, 45
		})
		b.post(t, b.buyEvent("o-ana", "ana@example.com", "Ana Lima", "1001", true, ""))
		b.settle(t)
		m := b.daysUntilTemplate(t, "ana@example.com", "day30_checkin", 35)
		link := regexp.MustCompile(regexp.QuoteMeta(b.base) + `/r/ANA-[A-HJKMNP-Z2-9]{4}\b`).FindString(m.Text())
		if link == "" {
			t.Fatalf("no referral link in:\n%s", m.Text())
		}
		ref := link[strings.LastIndex(link, "/")+1:]

		// Following the link: a click, and on to the shop with ?ref=.
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		for range 2 {
			resp, err := noFollow.Get(link)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			loc, _ := url.Parse(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusFound || loc == nil || loc.Host != "shop.example" || loc.Path != "/store" || loc.Query().Get("ref") != ref {
				t.Fatalf("GET %s: %d, Location %q", link, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
		// Any case works; an unknown code is a 404 page.
		resp, err := noFollow.Get(b.base + "/r/" + strings.ToLower(ref))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			t.Errorf("lower-case code: %d", resp.StatusCode)
		}
		resp, err = noFollow.Get(b.base + "/r/NOBODY-2345")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("unknown code: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		c := b.customer(t, "ana@example.com")
		if r, _ := c["referral"].(map[string]any); r == nil || r["code"] != ref || r["clicks"] != 3.0 || r["url"] != link || r["referred"] != 0.0 {
			t.Errorf("ana's referral = %v", c["referral"])
		}

		// Ana's own code on her own order credits nobody.
		b.post(t, b.buyEvent("o-ana-2", "ana@example.com", "Ana Lima", "1002", true, fmt.Sprintf(`"referral":%q`, ref)))
		// A friend comes with the link (order.referral), another gives the
		// code as a coupon: both credit Ana, each with a reward code.
		b.post(t, b.buyEvent("o-fay", "fay@example.com", "Fay Moss", "2001", false, fmt.Sprintf(`"referral":%q`, ref)))
		b.post(t, b.buyEvent("o-gus", "gus@example.com", "Gus Hale", "2002", false, fmt.Sprintf(`"coupon":%q`, strings.ToLower(ref))))
		// The same order again credits once.
		b.post(t, b.buyEvent("o-gus-2", "gus@example.com", "Gus Hale", "2002", false, fmt.Sprintf(`"coupon":%q`, ref)))
		b.settled(t, "two referred purchases", func() bool {
			r, _ := b.customer(t, "ana@example.com")["referral"].(map[string]any)
			_, gus := b.do(t, "GET", "/api/v1/customers/gus@example.com", apiKey, "", nil)
			return r != nil && r["referred"] == 2.0 && gus != nil && len(gus["orders"].([]any)) == 1
		})
		c = b.customer(t, "ana@example.com")
		if r := c["referral"].(map[string]any); r["referred"] != 2.0 {
			t.Errorf("referred = %v, want 2 (self-referral ignored, one credit per order)", r["referred"])
		}
		var rewards []map[string]any
		for _, cp := range coupons(c) {
			if cp["purpose"] == "referral_reward" {
				rewards = append(rewards, cp)
			}
		}
		if len(rewards) != 2 || rewards[0]["percent_off"] != 15.0 || rewards[0]["code"] == rewards[1]["code"] ||
			!strings.HasPrefix(rewards[0]["code"].(string), "REWARD-") {
			t.Errorf("reward codes = %v", rewards)
		}
		if exp, _ := time.Parse(time.RFC3339, rewards[0]["expires_at"].(string)); exp.Before(b.now().AddDate(0, 0, 44)) || exp.After(b.now().AddDate(0, 0, 46)) {
			t.Errorf("the reward expires at %v, want in 45 days", exp)
		}
		if !timelineHas(c, "referral", "order 2001", "fay@example.com") || !timelineHas(c, "referral", "order 2002", "gus@example.com") ||
			!timelineHas(c, "coupon", "referral reward code REWARD-", "15% off") {
			t.Errorf("referrals not in the timeline: %v", c["timeline"])
		}

		rep, err := b.app.Insiders().Report(context.Background(), time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Clicks != 3 || rep.Referred != 2 || rep.Rewards != 2 || len(rep.TopReferrers) != 1 ||
			rep.TopReferrers[0].Email != "ana@example.com" || rep.TopReferrers[0].Referred != 2 || rep.TopReferrers[0].Code != ref {
			t.Errorf("insiders report = %+v", rep)
		}
		req, _ := http.NewRequest("GET", b.base+"/api/v1/reports/insiders.csv", nil)
		req.Header.Set("Authorization", "Bearer "+apiKey)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		csv, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, want := range []string{"metric,value\n", "referred_purchases,2\n", "referral_clicks,3\n", "referral_rewards,2\n"} {
			if resp.StatusCode != 200 || !strings.Contains(string(csv), want) {
				t.Errorf("insiders.csv lacks %q: %d\n%s", want, resp.StatusCode, csv)
			}
		}
	})
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
