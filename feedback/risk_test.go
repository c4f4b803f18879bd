package feedback

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/internal/enginetest/fixture"
	"github.com/aftersale/aftersale/internal/testwait"
	"github.com/aftersale/aftersale/team"
)

// TestRefundRiskDirect: three days after two digital purchases, the one
// never opened (no access, no email opened) is at risk and gets one call
// for the owner, however often the check runs; the one whose buyer got in
// is not; a refunded purchase is not watched. The customer view's score
// (the engine's, through engine.Config.RefundRisk) is feedback's.
func TestRefundRiskDirect(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		const pat, quin = "pat@example.com", "quin@example.com"
		h.Ingest(t, fixture.Order("e1", pat, "9401", "digital"))
		h.Ingest(t, fixture.Order("e2", quin, "9402", "digital"))
		h.Ingest(t, &aftersale.Event{ID: "e3", Type: aftersale.EventProductAccessed, Order: &aftersale.OrderFacts{ID: "9402"}})
		if n, err := h.fb.CheckRefundRisk(ctx); err != nil || n != 0 {
			t.Fatalf("at once: %d risk calls, %v; want none", n, err)
		}
		h.Days(t, 4)
		n, err := h.fb.CheckRefundRisk(ctx)
		if err != nil || n != 1 {
			t.Fatalf("after four days: %d risk calls, %v; want one", n, err)
		}
		if n, err := h.fb.CheckRefundRisk(ctx); err != nil || n != 0 {
			t.Errorf("checked again: %d new calls, %v; want none", n, err)
		}
		var calls []team.TaskView
		for _, tk := range h.tasks(t, "open", pat) {
			if tk.Kind == string(aftersale.TaskCall) && tk.Assignee == "owner" && strings.Contains(tk.Script+tk.Title, "not opened") {
				calls = append(calls, tk)
			}
		}
		if len(calls) != 1 {
			t.Errorf("Pat's risk calls %+v, want one for the owner naming the signal", h.tasks(t, "open", pat))
		}
		if r := h.risk(t, "9401"); r.Score < riskNoAccess+riskNoOpen {
			t.Errorf("Pat's risk: %+v", r)
		}
		if r := h.risk(t, "9402"); r.Score >= riskNoAccess {
			t.Errorf("Quin got in; risk %+v", r)
		}
		h.Ingest(t, &aftersale.Event{ID: "e4", Type: aftersale.EventOrderRefunded, Order: &aftersale.OrderFacts{ID: "9401"}})
		if r := h.risk(t, "9401"); r.Score != 0 || len(r.Signals) != 0 {
			t.Errorf("refunded: risk %+v; want none", r)
		}
	}, nil)
}

// checkSignal is a Store that tells when a refund-risk check has read
// the runs (CheckRefundRisk does, once per check).
type checkSignal struct {
	Store
	ran chan struct{}
}

func (c *checkSignal) RunStartsSince(ctx context.Context, since time.Time) (map[int64]time.Time, error) {
	m, err := c.Store.RunStartsSince(ctx, since)
	select {
	case c.ran <- struct{}{}:
	default:
	}
	return m, err
}

// TestRiskJob: the refund-risk job that Jobs adds to the runner (the one
// its periodic job inserts every hour) runs the check on the job queue.
func TestRiskJob(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		sig := h.fst.(*checkSignal)
		if js := h.fb.Jobs(); len(js.Periodic) != 1 || js.Register == nil {
			t.Fatalf("Jobs = %+v, want the worker and one periodic job", js)
		}
		err := h.Store.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
			return h.Svc.InsertJobTx(ctx, tx, RiskArgs{}, nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-sig.ran:
		case <-time.After(testwait.HangGuard):
			t.Fatalf("the refund-risk job did not run within %v", testwait.HangGuard)
		}
	}, func(st Store) Store { return &checkSignal{Store: st, ran: make(chan struct{}, 1)} })
}
