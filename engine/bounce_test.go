package engine

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/bounce"
)

// TestHandleReportReasons: a complaint that hides the recipient suppresses
// through the original Message-ID; blocks never suppress, are counted by
// category, and warn the owner once they add up.
func TestHandleReportReasons(t *testing.T) {
	withMetrics := func(c *Config) { c.Metrics = NewMetrics(prometheus.NewRegistry(), nil, c.Clock) }
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		const lu, bo = "lu@example.com", "bo@example.com"
		h.ingest(t, order("e1", lu, "9101", "digital"))
		h.ingest(t, order("e2", bo, "9102", "digital"))
		h.settle(t)
		var msgID string
		h.mail.mu.Lock()
		for _, e := range h.mail.msgs {
			if e.To.Email == lu {
				msgID = e.MessageID
			}
		}
		h.mail.mu.Unlock()
		if msgID == "" {
			t.Fatal("no mail to", lu)
		}
		m := h.svc.cfg.Metrics
		blocked := &bounce.Report{Kind: bounce.KindBounce, Recipients: []bounce.Recipient{{
			Email: bo, Status: "5.7.1", Action: "failed", Permanent: true, Category: bounce.Blocked}}}
		for i := 0; i < DeliverabilityWarnAt; i++ {
			if h.svc.DeliverabilityWarning() != nil {
				t.Fatalf("a warning after %d blocks", i)
			}
			if err := h.svc.HandleReport(ctx, blocked); err != nil {
				t.Fatal(err)
			}
		}
		if w := h.svc.DeliverabilityWarning(); w == nil || w.Blocked != DeliverabilityWarnAt {
			t.Fatalf("warning %+v", w)
		}
		if got := h.customer(t, bo).Suppressed; got != "" {
			t.Errorf("a blocked bounce suppressed %s: %q", bo, got)
		}
		if n := counterValue(t, m.BounceReasons, "bounce", "blocked"); n != DeliverabilityWarnAt {
			t.Errorf("blocked counted %v times", n)
		}

		hidden := &bounce.Report{Kind: bounce.KindComplaint, FeedbackType: "abuse", OriginalMessageID: msgID,
			Recipients: []bounce.Recipient{{Permanent: true, Suppress: aftersale.SuppressComplaint, Category: bounce.Complaint}}}
		if err := h.svc.HandleReport(ctx, hidden); err != nil {
			t.Fatal(err)
		}
		if got := h.customer(t, lu).Suppressed; got != aftersale.SuppressComplaint {
			t.Errorf("suppressed %q after a complaint about %s", got, msgID)
		}
		if n := counterValue(t, m.BounceReasons, "complaint", "complaint"); n != 1 {
			t.Errorf("complaint counted %v times", n)
		}

		h.clock.Advance(BounceWindowDays * 24 * time.Hour)
		if w := h.svc.DeliverabilityWarning(); w != nil {
			t.Errorf("the warning outlives the window: %+v", w)
		}
	}, withMetrics)
}

// counterValue reads the counter of vec with labels kind and category.
func counterValue(t *testing.T, vec *prometheus.CounterVec, kind, category string) float64 {
	t.Helper()
	r := prometheus.NewRegistry()
	r.MustRegister(vec)
	mfs, err := r.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["kind"] == kind && labels["category"] == category {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
