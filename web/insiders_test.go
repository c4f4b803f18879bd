package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/insiders"
	"github.com/aftersale/aftersale/web"
)

// TestReferralLink: /r/CODE counts a click and sends the visitor to the
// shop with ?ref=CODE; an unknown code is a 404 page.
func TestReferralLink(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, envOptions{insiders: func(c *insiders.Config) { c.ShopURL = "https://shop.example/store?utm_source=aftersale" }})
	ctx := context.Background()
	e.customer(t, "ana@example.com", "")
	rv, err := e.ins.ReferralCode(ctx, "ANA@example.com")
	if err != nil || !strings.HasPrefix(rv.Code, "ANA-") || rv.URL != "http://shop.example/r/"+rv.Code || rv.Clicks != 0 {
		t.Fatalf("ReferralCode = %+v, %v", rv, err)
	}
	if again, err := e.ins.ReferralCode(ctx, "ana@example.com"); err != nil || again.Code != rv.Code {
		t.Errorf("a second ReferralCode = %+v, %v; want the same code", again, err)
	}
	c := e.client(t)
	r := c.Get("/r/" + strings.ToLower(rv.Code))
	r.Want(t, http.StatusFound)
	if loc := r.Header.Get("Location"); loc != "https://shop.example/store?ref="+rv.Code+"&utm_source=aftersale" {
		t.Errorf("Location %q", loc)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	c.Get("/r/NOBODY-2345").Want(t, http.StatusNotFound, "this referral link is not known")
	c.Get("/r/"+strings.Repeat("A", 300)).Want(t, http.StatusNotFound)
	if rv, _ = e.ins.ReferralCode(ctx, "ana@example.com"); rv.Clicks != 1 {
		t.Errorf("clicks = %d, want 1", rv.Clicks)
	}

	// Without a shop URL the link leads to this install.
	e2 := newEnv(t)
	e2.customer(t, "bo@example.com", "")
	rv2, err := e2.ins.ReferralCode(ctx, "bo@example.com")
	if err != nil {
		t.Fatal(err)
	}
	r = e2.client(t).Get("/r/" + rv2.Code)
	r.Want(t, http.StatusFound)
	if loc := r.Header.Get("Location"); loc != "http://shop.example/?ref="+rv2.Code {
		t.Errorf("Location without a shop URL %q", loc)
	}
}

// TestInsidersReport: the Insiders panel of the dashboard and the report
// in the API, as JSON and CSV.
func TestInsidersReport(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *web.Config) { c.APIKey = apiKey })
	ctx := context.Background()
	st := e.store
	now := time.Now().UTC()
	ana := e.customer(t, "ana@example.com", "")
	bo := e.customer(t, "bo@example.com", "")
	for i, code := range []string{"THANKS-AAAA-2222", "THANKS-BBBB-3333", "THANKS-CCCC-4444"} {
		cust := ana
		if i > 0 {
			cust = bo
		}
		if _, _, err := st.CouponIssue(ctx, &aftersale.Coupon{Code: code, CustomerID: cust.ID, Purpose: aftersale.CouponOffer,
			StepID: int64(i + 1), PercentOff: 10, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	orders, err := st.OrderList(ctx, time.Time{}, time.Time{})
	if err != nil || len(orders) != 2 {
		t.Fatalf("orders %v %v", orders, err)
	}
	// Ana's code is used by both orders: redeemed once, one repeat.
	for _, o := range orders {
		o.Coupon = "thanks-aaaa-2222"
		if _, err := st.OrderUpsert(ctx, o); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.CouponRedeem(ctx, o.Coupon, o.ID, now); err != nil {
			t.Fatal(err)
		}
	}
	rv, err := e.ins.ReferralCode(ctx, "ana@example.com")
	if err != nil {
		t.Fatal(err)
	}
	e.client(t).Get("/r/"+rv.Code).Want(t, http.StatusFound)
	var boOrder *aftersale.Order
	for _, o := range orders {
		if o.CustomerID == bo.ID {
			boOrder = o
		}
	}
	if _, _, err := st.ReferralRecord(ctx, &aftersale.Referral{ReferrerID: ana.ID, CustomerID: bo.ID, OrderID: boOrder.ID, Code: rv.Code, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}

	c := e.client(t)
	var rep struct {
		Issued       int     `json:"issued"`
		Redeemed     int     `json:"redeemed"`
		RedeemRate   float64 `json:"redeem_rate"`
		Repeats      int     `json:"repeats"`
		Clicks       int     `json:"referral_clicks"`
		Referred     int     `json:"referred_purchases"`
		Rewards      int     `json:"referral_rewards"`
		TopReferrers []struct {
			Email    string `json:"email"`
			Code     string `json:"code"`
			Clicks   int    `json:"clicks"`
			Referred int    `json:"referred"`
		} `json:"top_referrers"`
	}
	decodeInto(t, c.API("/api/v1/reports/insiders", apiKey).OK(t), &rep)
	if rep.Issued != 3 || rep.Redeemed != 1 || rep.Repeats != 1 || rep.Clicks != 1 || rep.Referred != 1 || rep.Rewards != 0 ||
		rep.RedeemRate < 0.33 || rep.RedeemRate > 0.34 || len(rep.TopReferrers) != 1 ||
		rep.TopReferrers[0].Email != "ana@example.com" || rep.TopReferrers[0].Code != rv.Code || rep.TopReferrers[0].Clicks != 1 {
		t.Errorf("insiders report = %+v", rep)
	}
	// A period before any of it: nothing issued, nothing referred.
	decodeInto(t, c.API("/api/v1/reports/insiders?to=2020-01-01", apiKey).OK(t), &rep)
	if rep.Issued != 0 || rep.Referred != 0 || rep.RedeemRate != 0 || len(rep.TopReferrers) != 0 {
		t.Errorf("insiders report before 2020 = %+v", rep)
	}
	wantCSV(t, c.API("/api/v1/reports/insiders.csv?to=2099-12-31", apiKey), "metric,value", "aftersale-insiders-2099-12-31.csv")
	csv := c.API("/api/v1/reports/insiders.csv", apiKey).Text
	for _, want := range []string{"codes_issued,3\n", "codes_redeemed,1\n", "redeem_rate,0.333\n", "repeat_uses,1\n", "referral_clicks,1\n", "referred_purchases,1\n"} {
		if !strings.Contains(csv, want) {
			t.Errorf("insiders.csv lacks %q:\n%s", want, csv)
		}
	}
	c.API("/api/v1/reports/insiders", "").Want(t, http.StatusUnauthorized)

	m := e.member(t, "helper@shop.example", aftersale.RoleAssistant)
	c.Login(m.Email, password)
	c.Get("/admin/dashboard").Want(t, http.StatusOK, `<h2 id="h-insiders">Insiders</h2>`,
		`<span class="tile-label">Offer codes issued</span><span class="tile-value">3</span>`,
		`<span class="tile-value">33.3%</span><span class="tile-note">1 of 3 codes used</span>`,
		`<span class="tile-label">Repeats</span><span class="tile-value">1</span>`,
		`<span class="tile-label">Referral link clicks</span><span class="tile-value">1</span>`,
		`<span class="tile-label">Referred purchases</span><span class="tile-value">1</span>`,
		`<td data-label="Code">`+rv.Code+`</td>`, `href="/admin/customers/ana@example.com"`)

	// The customer API shows the codes, the link and the history.
	view := decode[web.CustomerView](t, c.API("/api/v1/customers/ana@example.com", apiKey).OK(t))
	if len(view.Coupons) != 1 || view.Coupons[0].Redemptions != 2 || view.Referral == nil || view.Referral.Referred != 1 {
		t.Errorf("ana's view: coupons %+v, referral %+v", view.Coupons, view.Referral)
	}
	var kinds []string
	for _, it := range view.Timeline {
		if it.Kind == "coupon" || it.Kind == "referral" {
			kinds = append(kinds, it.Status+": "+it.Summary)
		}
	}
	all := strings.Join(kinds, "\n")
	for _, want := range []string{"redeemed: code THANKS-AAAA-2222 issued (10% off)", "redeemed: code THANKS-AAAA-2222 redeemed by order 1001-ana@example.com",
		"credited: referral: order 1001-bo@example.com by bo@example.com credited to code " + rv.Code} {
		if !strings.Contains(all, want) {
			t.Errorf("ana's timeline lacks %q:\n%s", want, all)
		}
	}
	bv := decode[web.CustomerView](t, c.API("/api/v1/customers/bo@example.com", apiKey).OK(t))
	found := false
	for _, it := range bv.Timeline {
		found = found || it.Kind == "coupon" && it.Status == "repeat" && strings.Contains(it.Summary, "code THANKS-AAAA-2222 used again by order 1001-bo@example.com")
	}
	if !found {
		t.Errorf("bo's timeline has no repeat: %+v", bv.Timeline)
	}
}
