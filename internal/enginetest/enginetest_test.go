package enginetest_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
	"github.com/aftersale/aftersale/internal/enginetest"
	"github.com/aftersale/aftersale/internal/enginetest/fixture"
)

// TestHarness runs a digital order through the harness on both
// databases: the day-1 welcome is mailed and recorded as sent, the
// Configure option reaches the Config the Service was made with, and the
// jobs of Jobs are asked for once the Service is made.
func TestHarness(t *testing.T) {
	enginetest.Each(t, func(t *testing.T, db string) {
		var jobsSaw *engine.Service
		h := enginetest.New(t, db,
			enginetest.Configure(func(c *engine.Config) { c.BaseURL = "https://configured.example" }),
			enginetest.Jobs(func(h *enginetest.Harness) engine.Jobs { jobsSaw = h.Svc; return engine.Jobs{} }))
		if h.DB != db || h.Config.BaseURL != "https://configured.example" || jobsSaw == nil || jobsSaw != h.Svc {
			t.Fatalf("harness %s: base URL %q, jobs saw the Service %v", h.DB, h.Config.BaseURL, jobsSaw == h.Svc)
		}
		const ana = "ana@example.com"
		h.Ingest(t, fixture.Order("e1", ana, "1001", aftersale.KindDigital))
		if c := h.Customer(t, ana); c.Name != "Ana Lima" || !c.MarketingConsent {
			t.Errorf("customer %+v", c)
		}
		h.Days(t, 1)
		mailed := h.Mail.Templates(ana)
		if fixture.Count(mailed, "day1_welcome") != 1 || len(h.Mail.Of(ana, "day1_welcome")) != 1 || h.Mail.LastTo(ana, "day1_welcome") == nil {
			t.Fatalf("mailed %v, want one day1_welcome", mailed)
		}
		sorted := slices.Sorted(slices.Values(mailed))
		if got := h.Sent(t, ana); !slices.Equal(got, sorted) {
			t.Errorf("recorded as sent %v, mailed %v", got, sorted)
		}
	})
}

// TestHarnessStopped: a Stopped harness stores what is Put and processes
// nothing; the Mailer of WithMailer is the Service's.
func TestHarnessStopped(t *testing.T) {
	enginetest.Each(t, func(t *testing.T, db string) {
		m := &fixture.Mailer{}
		h := enginetest.New(t, db, enginetest.Stopped(), enginetest.WithMailer(m))
		if h.Config.Mailer != m {
			t.Fatalf("the Service's Mailer is %T, want the one given", h.Config.Mailer)
		}
		h.Put(t, fixture.Order("e1", "ana@example.com", "1001", aftersale.KindDigital))
		if _, err := h.Store.CustomerGetByEmail(context.Background(), "ana@example.com"); !aftersale.IsNotFound(err) {
			t.Errorf("the event was processed without a runner: %v", err)
		}
	})
}
