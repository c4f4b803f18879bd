package contact_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/bounce"
	"github.com/aftersale/aftersale/contact"
)

// TestHandleReportReasons: a complaint that hides the recipient suppresses
// through the original Message-ID; blocks never suppress, are counted by
// category, and warn the owner once they add up.
func TestHandleReportReasons(t *testing.T) {
	onBoth(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		const lu, bo = "lu@example.com", "bo@example.com"
		h.Put(t, order("e1", lu, "9101"))
		h.Put(t, order("e2", bo, "9102"))
		h.Settle(t)
		var msgID string
		for _, e := range h.Mail.Messages() {
			if e.To.Email == lu {
				msgID = e.MessageID
			}
		}
		if msgID == "" {
			t.Fatal("no mail to", lu)
		}
		m := h.Config.Metrics
		blocked := &bounce.Report{Kind: bounce.KindBounce, Recipients: []bounce.Recipient{{
			Email: bo, Status: "5.7.1", Action: "failed", Permanent: true, Category: bounce.Blocked}}}
		for i := 0; i < contact.DeliverabilityWarnAt; i++ {
			if h.ct.DeliverabilityWarning() != nil {
				t.Fatalf("a warning after %d blocks", i)
			}
			if err := h.ct.HandleReport(ctx, blocked); err != nil {
				t.Fatal(err)
			}
		}
		if w := h.ct.DeliverabilityWarning(); w == nil || w.Blocked != contact.DeliverabilityWarnAt {
			t.Fatalf("warning %+v", w)
		}
		if got := h.Customer(t, bo).Suppressed; got != "" {
			t.Errorf("a blocked bounce suppressed %s: %q", bo, got)
		}
		if n := counterValue(t, m.BounceReasons, "bounce", "blocked"); n != contact.DeliverabilityWarnAt {
			t.Errorf("blocked counted %v times", n)
		}

		hidden := &bounce.Report{Kind: bounce.KindComplaint, FeedbackType: "abuse", OriginalMessageID: msgID,
			Recipients: []bounce.Recipient{{Permanent: true, Suppress: aftersale.SuppressComplaint, Category: bounce.Complaint}}}
		if err := h.ct.HandleReport(ctx, hidden); err != nil {
			t.Fatal(err)
		}
		if got := h.Customer(t, lu).Suppressed; got != aftersale.SuppressComplaint {
			t.Errorf("suppressed %q after a complaint about %s", got, msgID)
		}
		if n := counterValue(t, m.BounceReasons, "complaint", "complaint"); n != 1 {
			t.Errorf("complaint counted %v times", n)
		}
		if n := counterValue(t, m.Reports, "complaint", ""); n != 1 {
			t.Errorf("complaint reports counted %v times", n)
		}

		// A report about an address nobody has, or a message not stored,
		// changes nothing and is no error.
		stray := &bounce.Report{Kind: bounce.KindBounce, OriginalMessageID: "<nobody@after.example>", Recipients: []bounce.Recipient{
			{Email: "stranger@example.com", Status: "5.1.1", Permanent: true, Suppress: aftersale.SuppressBounce, Category: bounce.UserUnknown},
			{Status: "5.1.1", Permanent: true, Suppress: aftersale.SuppressBounce, Category: bounce.UserUnknown}}}
		if err := h.ct.HandleReport(ctx, stray); err != nil {
			t.Errorf("a stray report: %v", err)
		}

		h.Clock.Advance(contact.BounceWindowDays * 24 * time.Hour)
		if w := h.ct.DeliverabilityWarning(); w != nil {
			t.Errorf("the warning outlives the window: %+v", w)
		}
	})
}

// TestBounceWindow: the window counts by day and forgets a day once it is
// BounceWindowDays old, also when its slot is reused.
func TestBounceWindow(t *testing.T) {
	w := contact.NewBounceWindow()
	day0 := time.Date(2024, time.March, 4, 23, 0, 0, 0, time.UTC)
	w.Add(day0, bounce.Blocked)
	w.Add(day0.Add(2*time.Hour), bounce.SpamPolicy) // the next day
	w.Add(day0.Add(2*time.Hour), bounce.Blocked)
	if c := w.Counts(day0.Add(2 * time.Hour)); c[bounce.Blocked] != 2 || c[bounce.SpamPolicy] != 1 {
		t.Errorf("counts %v, want 2 blocks and 1 spam policy", c)
	}
	if c := w.Counts(day0); c[bounce.Blocked] != 1 || c[bounce.SpamPolicy] != 0 {
		t.Errorf("counts of the first day %v: a later day counted", c)
	}
	week := day0.AddDate(0, 0, contact.BounceWindowDays)
	if c := w.Counts(week); c[bounce.Blocked] != 1 || c[bounce.SpamPolicy] != 1 {
		t.Errorf("a week on %v, want the first day forgotten", c)
	}
	w.Add(week, bounce.Blocked) // reuses the first day's slot
	if c := w.Counts(week); c[bounce.Blocked] != 2 {
		t.Errorf("after reusing the slot %v, want 2 blocks", c)
	}
	var none *contact.BounceWindow
	none.Add(day0, bounce.Blocked)
	if c := none.Counts(day0); len(c) != 0 {
		t.Errorf("a nil window counts %v", c)
	}
}

// counterValue reads the counter of vec with labels kind and category (or
// suppressed, for Reports: "" is any).
func counterValue(t *testing.T, vec *prometheus.CounterVec, kind, category string) float64 {
	t.Helper()
	r := prometheus.NewRegistry()
	r.MustRegister(vec)
	mfs, err := r.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["kind"] == kind && (category == "" || labels["category"] == category) {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}
