package app_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/app"
	"github.com/aftersale/aftersale/internal/pgtest"
)

// TestLaterStepsWaitInPlans runs the default journey on a manual clock
// with a four-day planning horizon, so that its steps from day 5 on wait in
// a plan and become rows while the days pass. The buyer gets the
// same emails as a buyer whose steps all had rows at once; the
// timeline shows the planned steps before they have rows; a refund turns a
// plan's steps into exited rows and nothing of it is sent.
func TestLaterStepsWaitInPlans(t *testing.T) {
	onBothDatabases(t, func(t *testing.T, db func(*app.Config)) {
		lazy := setupClock(t, db, func(c *app.Config) { c.PlanAhead = 4 * 24 * time.Hour })
		var cfg app.Config
		if db(&cfg); cfg.DatabaseURL != "" {
			url := pgtest.Database(t)
			db = func(c *app.Config) { c.DatabaseURL = url }
		}
		// Sixty days: every step has its row at once.
		eager := setupClock(t, db, func(c *app.Config) { c.PlanAhead = 60 * 24 * time.Hour })
		bought := map[*bundle]time.Time{lazy: lazy.now(), eager: eager.now()}
		for _, b := range []*bundle{lazy, eager} {
			if code, body := b.post(t, b.orderEvent("evt_p1", "pia@example.com", "9101", "digital", "")); code != 202 {
				t.Fatalf("post: %d %v", code, body)
			}
		}
		if code, body := lazy.post(t, lazy.orderEvent("evt_p2", "rob@example.com", "9102", "digital", "")); code != 202 {
			t.Fatalf("post: %d %v", code, body)
		}
		lazy.settle(t)
		lazy.waitTemplate(t, "pia@example.com", "thank_you", hangGuard)
		lazy.waitTemplate(t, "rob@example.com", "thank_you", hangGuard)
		ctx := context.Background()
		st := lazy.app.Store()

		// Day 30 is far beyond the horizon (a row from day 26 on): planned,
		// shown, without a row.
		pia := lazy.customer(t, "pia@example.com")
		if !stepInTimeline(pia, "default/day30-checkin", "pending") {
			t.Errorf("the planned day-30 step is not in the timeline: %v", pia["timeline"])
		}
		c, err := st.CustomerGetByEmail(ctx, "pia@example.com")
		if err != nil {
			t.Fatal(err)
		}
		plans, err := st.StepPlanListByCustomer(ctx, c.ID)
		if err != nil || len(plans) != 1 {
			t.Fatalf("plans after the purchase: %d, %v; want 1", len(plans), err)
		}
		rows, err := st.StepListByCustomer(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range rows {
			if s.StepID == "day30-checkin" {
				t.Errorf("day-30 step has a row already: %+v", s)
			}
		}

		// The refund exits the run: the plan's steps become exited rows.
		rob, err := st.CustomerGetByEmail(ctx, "rob@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if plans, err := st.StepPlanListByCustomer(ctx, rob.ID); err != nil || len(plans) != 1 {
			t.Fatalf("rob's plans before the refund: %d, %v; want 1", len(plans), err)
		}
		if code, body := lazy.post(t, `{"id":"evt_p3","type":"order.refunded","occurred_at":"`+lazy.stamp(0)+`","order":{"id":"9102"}}`); code != 202 {
			t.Fatalf("refund: %d %v", code, body)
		}
		refundAt := lazy.now()
		lazy.settle(t)
		lazy.waitTemplate(t, "rob@example.com", "refund_thanks", hangGuard)
		if plans, err := st.StepPlanListByCustomer(ctx, rob.ID); err != nil || len(plans) != 0 {
			t.Errorf("plans after the refund: %d, %v; want none", len(plans), err)
		}
		if !stepInTimeline(lazy.customer(t, "rob@example.com"), "default/day30-checkin", "exited") {
			t.Errorf("the planned day-30 step is not exited in the timeline")
		}

		// Day 45 is the last step: fifty days pass on both.
		lazy.daysUntilTemplate(t, "pia@example.com", "day30_checkin", 35)
		eager.daysUntilTemplate(t, "pia@example.com", "day30_checkin", 35)
		for _, b := range []*bundle{lazy, eager} {
			for b.now().Before(bought[b].AddDate(0, 0, 50)) {
				b.days(t, 1)
			}
		}
		if pending, _, err := st.StepCountPending(ctx, lazy.now()); err != nil || pending != 0 {
			t.Fatalf("%d steps still pending on day 50 (%v)", pending, err)
		}
		got, want := templates(lazy, "pia@example.com"), templates(eager, "pia@example.com")
		if g, w := slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)); !slices.Equal(g, w) {
			t.Errorf("emails with plans %v, without %v", g, w)
		}
		for tmpl, ms := range got {
			if len(ms) != len(want[tmpl]) {
				t.Errorf("%d %s emails with plans, %d without", len(ms), tmpl, len(want[tmpl]))
			}
		}
		if plans, err := st.StepPlanListByCustomer(ctx, c.ID); err != nil || len(plans) != 0 {
			t.Errorf("plans at the end: %d, %v; want none", len(plans), err)
		}
		rows, err = st.StepListByCustomer(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range rows {
			if s.Status == aftersale.StepPending {
				t.Errorf("step %s still pending at the end", s.Key)
			}
		}
		for tmpl, ms := range templates(lazy, "rob@example.com") {
			for _, m := range ms {
				if d, _ := m.Header.Date(); d.After(refundAt.Add(time.Second)) && tmpl != "refund_thanks" {
					t.Errorf("rob got %s after the refund", tmpl)
				}
			}
		}
	})
}

// stepInTimeline reports whether the customer's timeline has a step whose
// summary names step (journey/step) with the status.
func stepInTimeline(c map[string]any, step, status string) bool {
	items, _ := c["timeline"].([]any)
	for _, e := range items {
		it, _ := e.(map[string]any)
		if it["kind"] == "step" && it["status"] == status && strings.Contains(it["summary"].(string), step) {
			return true
		}
	}
	return false
}
