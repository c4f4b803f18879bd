package insiders_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/insiders"
	"github.com/aftersale/aftersale/internal/pgtest"
	"github.com/aftersale/aftersale/internal/testwait"
	"github.com/aftersale/aftersale/journey"
	"github.com/aftersale/aftersale/postgres"
	"github.com/aftersale/aftersale/sqlite"
)

// harness is the engine Service with the built-in journeys and its job
// runner, and the insiders Service wired into it as app does, on one
// database, on a manual clock.
type harness struct {
	svc   *engine.Service
	ins   *insiders.Service
	st    aftersale.Store
	clock *aftersale.Clock
	mail  *captured
}

// captured is a Mailer that keeps what it is given.
type captured struct {
	mu   sync.Mutex
	msgs []*aftersale.Email
}

func (m *captured) Send(_ context.Context, e *aftersale.Email) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, e)
	return nil
}

// of returns the emails rendered from tmpl that went to addr.
func (m *captured) of(addr, tmpl string) []*aftersale.Email {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*aftersale.Email
	for _, e := range m.msgs {
		for _, h := range e.Headers {
			if h.Name == "X-Aftersale-Template" && h.Value == tmpl && e.To.Email == addr {
				out = append(out, e)
			}
		}
	}
	return out
}

// harnessStart is 09:00 UTC on last week's Monday: the weekday and the
// hour are the same whatever day the test runs.
func harnessStart() time.Time {
	now := time.Now().UTC()
	d := time.Date(now.Year(), now.Month(), now.Day(), 9, 0, 0, 0, time.UTC)
	back := (int(d.Weekday()) + 6) % 7 // days since Monday
	return d.AddDate(0, 0, -back-7)
}

// onBoth runs f in a subtest on each database (a SQLite file and
// PostgreSQL) with the job runner started.
func onBoth(t *testing.T, f func(t *testing.T, h *harness)) {
	t.Helper()
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			f(t, startHarness(t, db))
		})
	}
}

// startHarness makes the services on db ("sqlite" or "postgres") and
// starts the job runner.
func startHarness(t *testing.T, db string) *harness {
	t.Helper()
	ctx := context.Background()
	js, err := journey.Default()
	if err != nil {
		t.Fatal(err)
	}
	r, err := email.NewRenderer(nil)
	if err != nil {
		t.Fatal(err)
	}
	clock := aftersale.NewManualClock(harnessStart())
	h := &harness{clock: clock, mail: &captured{}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var st aftersale.Store
	switch db {
	case "sqlite":
		lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "aftersale.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { lite.Close() })
		st = lite
	default:
		pg, err := postgres.Open(ctx, pgtest.Database(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pg.Close() })
		st = pg
	}
	h.st = st
	h.ins, err = insiders.New(insiders.Config{Store: st, Clock: clock, Logger: log, BaseURL: "https://after.example",
		ShopURL: "https://shop.example", ReferralRewardPercent: 15, Journeys: js})
	if err != nil {
		t.Fatal(err)
	}
	cfg := engine.Config{
		Store: st, Journeys: js, Renderer: r, Mailer: h.mail, Clock: clock,
		Schedule: &journey.Schedule{Clock: clock, QuietStart: "21:00", QuietEnd: "08:00"},
		From:     aftersale.Address{Name: "Shop", Email: "hello@shop.example"}, BaseURL: "https://after.example",
		Business: email.Business{Name: "Shop"}, Links: &aftersale.LinkSigner{Key: []byte("0123456789abcdef0123456789abcdef"), Clock: clock},
		Logger:       log,
		StepHandlers: map[aftersale.StepType]engine.StepHandler{aftersale.StepOffer: h.ins.HandleOffer},
		OrderPlaced:  h.ins, Stories: h.ins, ViewParts: []engine.ViewPart{h.ins},
	}
	var run engine.Runner
	if db == "sqlite" {
		if h.svc, err = engine.NewService(cfg); err != nil {
			t.Fatal(err)
		}
		run, err = engine.NewRunner(ctx, riversqlite.New(st.(*sqlite.DB).SQL()), h.svc, engine.RunnerConfig{Logger: log})
	} else {
		cfg.IngestCommitters = 4
		if h.svc, err = engine.NewService(cfg); err != nil {
			t.Fatal(err)
		}
		run, err = engine.NewRunner(ctx, riverpgxv5.New(st.(*postgres.DB).Pool()), h.svc, engine.RunnerConfig{Logger: log})
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = run.Stop(stop)
		h.svc.Close()
	})
	return h
}

// ingest stores ev (occurred now) and waits until it is processed and
// its steps due now are done.
func (h *harness) ingest(t *testing.T, ev *aftersale.Event) {
	t.Helper()
	ev.OccurredAt = h.clock.RealNow()
	if _, err := h.svc.Ingest(context.Background(), ev); err != nil {
		t.Fatalf("ingest %s: %v", ev.ID, err)
	}
	testwait.Settle(t, h.svc)
}

// days lets n days pass, a day at a time, settling after each.
func (h *harness) days(t *testing.T, n int) {
	t.Helper()
	for range n {
		h.clock.Advance(24 * time.Hour)
		testwait.Settle(t, h.svc)
	}
}

// order is an order.placed event for addr (who agreed to offers), of one
// digital item.
func order(id, addr, name, orderID string) *aftersale.Event {
	yes := true
	return &aftersale.Event{ID: id, Type: aftersale.EventOrderPlaced,
		Customer: &aftersale.Contact{Email: addr, Name: name, Timezone: "UTC", MarketingConsent: &yes},
		Order: &aftersale.OrderFacts{ID: orderID, Currency: "USD", Total: "49.00", Items: []aftersale.Item{
			{SKU: "sku-1", Name: "Launch Course", Kind: aftersale.KindDigital, Quantity: 1, Price: "49.00", AccessURL: "https://shop.example/access/abc"}}}}
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
		h.ingest(t, order("e1", ana, "Ana Lima", "1001"))
		h.days(t, 31)

		day7 := h.mail.of(ana, "day7_checkin")
		if len(day7) != 1 || !strings.Contains(day7[0].Text, "She did it in six weeks.") {
			t.Fatalf("day-7 check-ins %d, want one telling the story", len(day7))
		}
		anaC, err := h.st.CustomerGetByEmail(ctx, ana)
		if err != nil {
			t.Fatal(err)
		}
		if ids, err := h.st.StorySentTo(ctx, anaC.ID); err != nil || len(ids) != 1 || ids[0] != story.ID {
			t.Errorf("stories told to Ana %v %v, want [%d]", ids, err, story.ID)
		}

		day30 := h.mail.of(ana, "day30_checkin")
		if len(day30) != 1 {
			t.Fatalf("day-30 emails %d, want the offer", len(day30))
		}
		code := offerCode.FindString(day30[0].Text)
		link := referralLink.FindStringSubmatch(day30[0].Text)
		if code == "" || link == nil {
			t.Fatalf("the offer lacks a code or a referral link:\n%s", day30[0].Text)
		}
		coupons, err := h.st.CouponList(ctx, aftersale.CouponFilter{CustomerID: anaC.ID})
		if err != nil || len(coupons) != 1 || coupons[0].Code != code || coupons[0].PercentOff != 10 || coupons[0].Purpose != aftersale.CouponOffer {
			t.Fatalf("Ana's codes %+v %v, want %s", coupons, err, code)
		}

		// Bo buys with Ana's code and her referral link.
		bo := order("e2", "bo@example.com", "Bo Berg", "2001")
		bo.Order.Coupon, bo.Order.Referral = strings.ToLower(code), link[1]
		h.ingest(t, bo)
		got, err := h.st.CouponGetByCode(ctx, code)
		if err != nil || got.Redemptions != 1 || got.RedeemedOrderID == 0 {
			t.Errorf("Ana's code after Bo's order: %+v %v, want redeemed", got, err)
		}
		refs, err := h.st.ReferralList(ctx, aftersale.ReferralFilter{ReferrerID: anaC.ID})
		if err != nil || len(refs) != 1 || refs[0].Code != link[1] || refs[0].RewardCouponID == 0 {
			t.Fatalf("Ana's referrals %+v %v, want Bo's order with a reward", refs, err)
		}

		orders, err := h.st.OrderListByCustomer(ctx, anaC.ID)
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
