package insiders_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/insiders"
	"github.com/aftersale/aftersale/internal/enginetest"
	"github.com/aftersale/aftersale/internal/enginetest/fixture"
)

// harness is the engine Service with the built-in journeys and its job
// runner, and the insiders Service wired into it as app does, on one
// database, on a manual clock.
type harness struct {
	*enginetest.Harness
	ins *insiders.Service
}

// onBoth runs f in a subtest on each database (a SQLite file and
// PostgreSQL) with the job runner started.
func onBoth(t *testing.T, f func(t *testing.T, h *harness)) {
	t.Helper()
	enginetest.Each(t, func(t *testing.T, db string) { f(t, startHarness(t, db)) })
}

// startHarness makes the services on db ("sqlite" or "postgres") and
// starts the job runner.
func startHarness(t *testing.T, db string) *harness {
	t.Helper()
	h := &harness{}
	h.Harness = enginetest.New(t, db, enginetest.Configure(func(c *engine.Config) {
		var err error
		h.ins, err = insiders.New(insiders.Config{Store: c.Store, Clock: c.Clock, Logger: c.Logger, BaseURL: "https://after.example",
			ShopURL: "https://shop.example", ReferralRewardPercent: 15, Journeys: c.Journeys})
		if err != nil {
			t.Fatal(err)
		}
		c.StepHandlers = map[aftersale.StepType]engine.StepHandler{aftersale.StepOffer: h.ins.HandleOffer}
		c.OrderPlaced, c.Stories, c.ViewParts = h.ins, h.ins, []engine.ViewPart{h.ins}
	}))
	return h
}

// order is an order.placed event for addr (who agreed to offers) named
// name, of one digital item.
func order(id, addr, name, orderID string) *aftersale.Event {
	ev := fixture.Order(id, addr, orderID, aftersale.KindDigital)
	ev.Customer.Name, ev.Customer.Phone = name, ""
	return ev
}

var (
	offerCode    = regexp.MustCompile(`\bTHANKS-[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}\b`)
	referralLink = regexp.MustCompile(`https://after\.example/r/(ANA-[A-HJKMNP-Z2-9]{4})\b`)
)

// TestOfferStepThroughThePipeline runs the insiders through the engine
// as app wires them: the day-7 check-in tells the client story that suits
// the purchase (StoryPicker) and records it as told; the day-30 offer
// step (the StepHandler) gives the consenting buyer a code and a referral
// link; an order naming the code redeems it and one naming the link
// credits the referrer with a reward code (OrderHook); the customer view
// (ViewPart) and the report show it all.
func TestOfferStepThroughThePipeline(t *testing.T) {
	onBoth(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		story, err := h.ins.SaveStory(ctx, 0, insiders.StoryInput{Title: "Maria launched", Body: "She did it in six weeks.", Match: "sku-1", Permission: true})
		if err != nil {
			t.Fatal(err)
		}
		const ana = "ana@example.com"
		h.Ingest(t, order("e1", ana, "Ana Lima", "1001"))
		h.Pass(t, 31, 24*time.Hour) // a day at a time

		day7 := h.Mail.Of(ana, "day7_checkin")
		if len(day7) != 1 || !strings.Contains(day7[0].Text, "She did it in six weeks.") {
			t.Fatalf("day-7 check-ins %d, want one telling the story", len(day7))
		}
		anaC, err := h.Store.CustomerGetByEmail(ctx, ana)
		if err != nil {
			t.Fatal(err)
		}
		if ids, err := h.Store.StorySentTo(ctx, anaC.ID); err != nil || len(ids) != 1 || ids[0] != story.ID {
			t.Errorf("stories told to Ana %v %v, want [%d]", ids, err, story.ID)
		}

		day30 := h.Mail.Of(ana, "day30_checkin")
		if len(day30) != 1 {
			t.Fatalf("day-30 emails %d, want the offer", len(day30))
		}
		code := offerCode.FindString(day30[0].Text)
		link := referralLink.FindStringSubmatch(day30[0].Text)
		if code == "" || link == nil {
			t.Fatalf("the offer lacks a code or a referral link:\n%s", day30[0].Text)
		}
		coupons, err := h.Store.CouponList(ctx, aftersale.CouponFilter{CustomerID: anaC.ID})
		if err != nil || len(coupons) != 1 || coupons[0].Code != code || coupons[0].PercentOff != 10 || coupons[0].Purpose != aftersale.CouponOffer {
			t.Fatalf("Ana's codes %+v %v, want %s", coupons, err, code)
		}

		// Bo buys with Ana's code and her referral link.
		bo := order("e2", "bo@example.com", "Bo Berg", "2001")
		bo.Order.Coupon, bo.Order.Referral = strings.ToLower(code), link[1]
		h.Ingest(t, bo)
		got, err := h.Store.CouponGetByCode(ctx, code)
		if err != nil || got.Redemptions != 1 || got.RedeemedOrderID == 0 {
			t.Errorf("Ana's code after Bo's order: %+v %v, want redeemed", got, err)
		}
		refs, err := h.Store.ReferralList(ctx, aftersale.ReferralFilter{ReferrerID: anaC.ID})
		if err != nil || len(refs) != 1 || refs[0].Code != link[1] || refs[0].RewardCouponID == 0 {
			t.Fatalf("Ana's referrals %+v %v, want Bo's order with a reward", refs, err)
		}

		orders, err := h.Store.OrderListByCustomer(ctx, anaC.ID)
		if err != nil {
			t.Fatal(err)
		}
		v := &engine.CustomerView{}
		if err := h.ins.AddToView(ctx, anaC, orders, v); err != nil {
			t.Fatal(err)
		}
		if len(v.Coupons) != 2 || v.Referral == nil || v.Referral.Code != link[1] || v.Referral.Referred != 1 || v.Referral.URL != link[0] {
			t.Errorf("Ana's view: coupons %+v, referral %+v", v.Coupons, v.Referral)
		}
		rep, err := h.ins.Report(ctx, time.Time{}, time.Time{})
		if err != nil || rep.Issued != 1 || rep.Redeemed != 1 || rep.Referred != 1 || rep.Rewards != 1 || len(rep.TopReferrers) != 1 {
			t.Errorf("report %+v %v", rep, err)
		}
	})
}
