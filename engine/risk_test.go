package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
)

// TestRefundRiskDirect: three days after two digital purchases, the one
// never opened (no access, no email opened) is at risk and gets one call
// for the owner, however often the check runs; the one whose buyer got in
// is not; a refunded purchase is not watched.
func TestRefundRiskDirect(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		const pat, quin = "pat@example.com", "quin@example.com"
		h.ingest(t, order("e1", pat, "9401", "digital"))
		h.ingest(t, order("e2", quin, "9402", "digital"))
		h.ingest(t, &aftersale.Event{ID: "e3", Type: aftersale.EventProductAccessed, Order: &aftersale.OrderFacts{ID: "9402"}})
		if n, err := h.svc.CheckRefundRisk(ctx); err != nil || n != 0 {
			t.Fatalf("at once: %d risk calls, %v; want none", n, err)
		}
		h.days(t, 4)
		n, err := h.svc.CheckRefundRisk(ctx)
		if err != nil || n != 1 {
			t.Fatalf("after four days: %d risk calls, %v; want one", n, err)
		}
		if n, err := h.svc.CheckRefundRisk(ctx); err != nil || n != 0 {
			t.Errorf("checked again: %d new calls, %v; want none", n, err)
		}
		var calls []TaskView
		for _, tk := range h.tasks(t, "open", pat) {
			if tk.Kind == string(aftersale.TaskCall) && tk.Assignee == "owner" && strings.Contains(tk.Script+tk.Title, "not opened") {
				calls = append(calls, tk)
			}
		}
		if len(calls) != 1 {
			t.Errorf("Pat's risk calls %+v, want one for the owner naming the signal", h.tasks(t, "open", pat))
		}
		v, err := h.svc.Customer(ctx, pat)
		if err != nil || v.Orders[0].RefundRisk == nil || v.Orders[0].RefundRisk.Score < riskNoAccess+riskNoOpen {
			t.Errorf("Pat's risk: %+v, %v", v.Orders[0].RefundRisk, err)
		}
		if v, err := h.svc.Customer(ctx, quin); err != nil || v.Orders[0].RefundRisk == nil || v.Orders[0].RefundRisk.Score >= riskNoAccess {
			t.Errorf("Quin got in; risk %+v, %v", v.Orders[0].RefundRisk, err)
		}
		h.ingest(t, &aftersale.Event{ID: "e4", Type: aftersale.EventOrderRefunded, Order: &aftersale.OrderFacts{ID: "9401"}})
		if v, err := h.svc.Customer(ctx, pat); err != nil || (v.Orders[0].RefundRisk != nil && v.Orders[0].RefundRisk.Score != 0) {
			t.Errorf("refunded: risk %+v, %v; want none", v.Orders[0].RefundRisk, err)
		}
	})
}
