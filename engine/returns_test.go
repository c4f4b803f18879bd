package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
)

// TestReturnsPage finds an order by email and number, starts a return on
// its page (the same form twice is one return), sends the instructions with
// the status link and a what-went-wrong call at once, and moves the return
// to received and refunded: the customer is told, the order is refunded
// and the selling steps stop.
func TestReturnsPage(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		s := h.svc
		const fay = "fay@example.com"
		h.ingest(t, order("e1", fay, "5001", "physical"))
		for _, bad := range [][2]string{{"other@example.com", "5001"}, {fay, "9999"}} {
			if _, err := s.FindReturnOrder(ctx, bad[0], bad[1]); aftersale.ErrorCode(err) != aftersale.ENOTFOUND {
				t.Errorf("FindReturnOrder(%q, %q): %v, want not found", bad[0], bad[1], err)
			}
		}
		if _, err := s.FindReturnOrder(ctx, fay, ""); aftersale.ErrorCode(err) != aftersale.EINVALID {
			t.Errorf("FindReturnOrder without a number: %v, want invalid", err)
		}
		token, err := s.FindReturnOrder(ctx, " FAY@example.com ", "#5001")
		if err != nil {
			t.Fatalf("FindReturnOrder: %v", err)
		}
		page, err := s.ReturnStartPage(ctx, token)
		if err != nil || page.Order.ExternalID != "5001" || len(page.Policy.Reasons) == 0 || len(page.Returns) != 0 {
			t.Fatalf("ReturnStartPage: %+v, %v", page, err)
		}
		reason := page.Policy.Reasons[0]
		for _, bad := range []ReturnInput{
			{Key: "short", Items: []aftersale.ReturnItem{{SKU: "sku-1", Quantity: 1}}, Reason: reason},
			{Key: "form-key-1", Items: []aftersale.ReturnItem{{SKU: "nope", Quantity: 1}}, Reason: reason},
			{Key: "form-key-1", Items: []aftersale.ReturnItem{{SKU: "sku-1", Quantity: 2}}, Reason: reason},
			{Key: "form-key-1", Reason: reason},
			{Key: "form-key-1", Items: []aftersale.ReturnItem{{SKU: "sku-1", Quantity: 1}}, Reason: "made up"},
		} {
			if _, err := s.StartReturn(ctx, token, bad); aftersale.ErrorCode(err) != aftersale.EINVALID {
				t.Errorf("StartReturn(%+v): %v, want invalid", bad, err)
			}
		}
		in := ReturnInput{Key: "form-key-1", Items: []aftersale.ReturnItem{{SKU: "sku-1", Quantity: 1}}, Reason: reason, Comment: " too small "}
		rv, err := s.StartReturn(ctx, token, in)
		if err != nil {
			t.Fatalf("StartReturn: %v", err)
		}
		again, err := s.StartReturn(ctx, token, in)
		if err != nil || again.Return.ID != rv.Return.ID {
			t.Fatalf("the same form again: %+v, %v; want return %d", again, err, rv.Return.ID)
		}
		h.settle(t)
		if rv.Return.Status != aftersale.ReturnRequested || rv.Return.Reason != reason || !strings.HasPrefix(rv.StatusURL, "https://after.example/") || len(rv.Next) == 0 {
			t.Errorf("the return: %+v", rv)
		}
		instr := h.mail.lastTo(fay, "return_instructions")
		if instr == nil || !strings.Contains(instr.Text, rv.StatusURL) {
			t.Fatalf("no return instructions with the status link %s: %v", rv.StatusURL, h.mail.templates(fay))
		}
		if n := count(h.mail.templates(fay), "return_instructions"); n != 1 {
			t.Errorf("%d return instructions, want 1", n)
		}
		call := false
		for _, tk := range h.tasks(t, "open", fay) {
			call = call || strings.HasPrefix(tk.Title, "What went wrong? Call Ana about the return of order #5001")
		}
		if !call {
			t.Errorf("no what-went-wrong call for the return: %+v", h.tasks(t, "open", fay))
		}
		status := rv.StatusURL[strings.LastIndex(rv.StatusURL, "/")+1:]
		if v, err := s.ReturnStatusPage(ctx, status); err != nil || v.Return.ID != rv.Return.ID {
			t.Errorf("ReturnStatusPage: %+v, %v", v, err)
		}
		if list, err := s.Returns(ctx, aftersale.ReturnFilter{}); err != nil || len(list) != 1 {
			t.Errorf("Returns: %d, %v; want 1", len(list), err)
		}

		if _, err := s.AdvanceReturn(ctx, rv.Return.ID, "lost", "olga@shop.example"); aftersale.ErrorCode(err) != aftersale.EINVALID {
			t.Errorf("an unknown status: %v", err)
		}
		if _, err := s.AdvanceReturn(ctx, rv.Return.ID, aftersale.ReturnReceived, "olga@shop.example"); err != nil {
			t.Fatal(err)
		}
		h.settle(t)
		if !has(h.mail.templates(fay), "return_received") {
			t.Errorf("received: the customer was not told: %v", h.mail.templates(fay))
		}
		done, err := s.AdvanceReturn(ctx, rv.Return.ID, aftersale.ReturnRefunded, "olga@shop.example")
		if err != nil || done.Order.Status != aftersale.OrderRefunded {
			t.Fatalf("refunded: %+v, %v; want the order refunded", done, err)
		}
		if _, err := s.AdvanceReturn(ctx, rv.Return.ID, aftersale.ReturnReceived, "olga@shop.example"); aftersale.ErrorCode(err) != aftersale.ECONFLICT {
			t.Errorf("back from refunded to received: %v, want a conflict", err)
		}
		h.settle(t)
		page, err = s.ReturnStartPage(ctx, token)
		if err != nil || len(page.Returns) != 1 || page.Returns[0].Return.Status != aftersale.ReturnRefunded {
			t.Errorf("ReturnStartPage after the return: %+v, %v", page, err)
		}
		before := h.mail.templates(fay)
		h.days(t, 31)
		for _, selling := range []string{"day7_checkin", "survey_performance", "day30_checkin"} {
			if has(h.mail.templates(fay)[len(before):], selling) {
				t.Errorf("after the returned refund %s was sent", selling)
			}
		}
		if _, err := s.FindReturnOrder(ctx, fay, "5001"); err != nil {
			t.Errorf("FindReturnOrder of a refunded order: %v", err)
		}
		// A month on (by the clock), the page's link has expired.
		if _, err := s.ReturnStartPage(ctx, token); err == nil {
			t.Error("the returns page link still works a month later")
		}
	})
}
