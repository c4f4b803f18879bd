package returns

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/internal/enginetest/fixture"
)

// TestReturnsPage finds an order by email and number, starts a return on
// its page (the same form twice is one return), sends the instructions with
// the status link and a what-went-wrong call at once, and moves the return
// to received and refunded: the customer is told, the order is refunded
// and the selling steps stop.
func TestReturnsPage(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		s := h.ret
		const fay = "fay@example.com"
		h.Ingest(t, order("e1", fay, "5001", "physical"))
		for _, bad := range [][2]string{{"other@example.com", "5001"}, {fay, "9999"}} {
			if _, err := s.FindOrder(ctx, bad[0], bad[1]); aftersale.ErrorCode(err) != aftersale.ENOTFOUND {
				t.Errorf("FindOrder(%q, %q): %v, want not found", bad[0], bad[1], err)
			}
		}
		if _, err := s.FindOrder(ctx, fay, ""); aftersale.ErrorCode(err) != aftersale.EINVALID {
			t.Errorf("FindOrder without a number: %v, want invalid", err)
		}
		token, err := s.FindOrder(ctx, " FAY@example.com ", "#5001")
		if err != nil {
			t.Fatalf("FindOrder: %v", err)
		}
		page, err := s.StartPage(ctx, token)
		if err != nil || page.Order.ExternalID != "5001" || len(page.Policy.Reasons) == 0 || len(page.Returns) != 0 {
			t.Fatalf("StartPage: %+v, %v", page, err)
		}
		reason := page.Policy.Reasons[0]
		for _, bad := range []Input{
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
		in := Input{Key: "form-key-1", Items: []aftersale.ReturnItem{{SKU: "sku-1", Quantity: 1}}, Reason: reason, Comment: " too small "}
		rv, err := s.StartReturn(ctx, token, in)
		if err != nil {
			t.Fatalf("StartReturn: %v", err)
		}
		again, err := s.StartReturn(ctx, token, in)
		if err != nil || again.Return.ID != rv.Return.ID {
			t.Fatalf("the same form again: %+v, %v; want return %d", again, err, rv.Return.ID)
		}
		h.Settle(t)
		if rv.Return.Status != aftersale.ReturnRequested || rv.Return.Reason != reason || rv.Return.Comment != "too small" ||
			!strings.HasPrefix(rv.StatusURL, "https://after.example/") || len(rv.Next) == 0 {
			t.Errorf("the return: %+v", rv)
		}
		instr := h.Mail.LastTo(fay, "return_instructions")
		if instr == nil || !strings.Contains(instr.Text, rv.StatusURL) {
			t.Fatalf("no return instructions with the status link %s: %v", rv.StatusURL, h.Mail.Templates(fay))
		}
		if n := fixture.Count(h.Mail.Templates(fay), "return_instructions"); n != 1 {
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
		if v, err := s.StatusPage(ctx, status); err != nil || v.Return.ID != rv.Return.ID {
			t.Errorf("StatusPage: %+v, %v", v, err)
		}
		if _, err := s.StatusPage(ctx, token); aftersale.ErrorCode(err) != aftersale.EUNAUTHORIZED {
			t.Errorf("StatusPage of the returns page's token: %v, want unauthorized", err)
		}
		if list, err := s.List(ctx, aftersale.ReturnFilter{}); err != nil || len(list) != 1 {
			t.Errorf("List: %d, %v; want 1", len(list), err)
		}

		if _, err := s.Advance(ctx, rv.Return.ID, "lost", "olga@shop.example"); aftersale.ErrorCode(err) != aftersale.EINVALID {
			t.Errorf("an unknown status: %v", err)
		}
		if _, err := s.Advance(ctx, rv.Return.ID, aftersale.ReturnReceived, "olga@shop.example"); err != nil {
			t.Fatal(err)
		}
		h.Settle(t)
		if !has(h.Mail.Templates(fay), "return_received") {
			t.Errorf("received: the customer was not told: %v", h.Mail.Templates(fay))
		}
		done, err := s.Advance(ctx, rv.Return.ID, aftersale.ReturnRefunded, "olga@shop.example")
		if err != nil || done.Order.Status != aftersale.OrderRefunded || done.Return.Status != aftersale.ReturnRefunded {
			t.Fatalf("refunded: %+v, %v; want the order refunded", done, err)
		}
		if _, err := s.Advance(ctx, rv.Return.ID, aftersale.ReturnReceived, "olga@shop.example"); aftersale.ErrorCode(err) != aftersale.ECONFLICT {
			t.Errorf("back from refunded to received: %v, want a conflict", err)
		}
		h.Settle(t)
		page, err = s.StartPage(ctx, token)
		if err != nil || len(page.Returns) != 1 || page.Returns[0].Return.Status != aftersale.ReturnRefunded {
			t.Errorf("StartPage after the return: %+v, %v", page, err)
		}
		if _, err := s.StartReturn(ctx, token, Input{Key: "form-key-2", Items: in.Items, Reason: reason}); aftersale.ErrorCode(err) != aftersale.EINVALID {
			t.Errorf("a return of the refunded order: %v, want invalid", err)
		}
		before := h.Mail.Templates(fay)
		h.Days(t, 31)
		for _, selling := range []string{"day7_checkin", "survey_performance", "day30_checkin"} {
			if has(h.Mail.Templates(fay)[len(before):], selling) {
				t.Errorf("after the returned refund %s was sent", selling)
			}
		}
		if _, err := s.FindOrder(ctx, fay, "5001"); err != nil {
			t.Errorf("FindOrder of a refunded order: %v", err)
		}
		// A month on (by the clock), the page's link has expired.
		if _, err := s.StartPage(ctx, token); err == nil {
			t.Error("the returns page link still works a month later")
		}
	})
}

// TestReturnBounds: a return is bounded to what was bought and is not in
// a return already. Of an order of two: one on the page, then two more
// (refused), one more (fine), then the whole order again from outside
// (refused at the door, 409), and a quantity of 9.2e18 (refused, naming
// the field). A cancelled return gives its units back.
func TestReturnBounds(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		s := h.ret
		const gil = "gil@example.com"
		ev := order("b1", gil, "6001", "physical")
		ev.Order.Items[0].Quantity = 2
		h.Ingest(t, ev)
		token, err := s.FindOrder(ctx, gil, "6001")
		if err != nil {
			t.Fatal(err)
		}
		page, err := s.StartPage(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		reason := page.Policy.Reasons[0]
		start := func(key string, n int) (*View, error) {
			return s.StartReturn(ctx, token, Input{Key: key, Items: []aftersale.ReturnItem{{SKU: "sku-1", Quantity: n}}, Reason: reason})
		}
		first, err := start("bound-key-1", 1)
		if err != nil {
			t.Fatalf("return 1 of 2: %v", err)
		}
		if _, err := start("bound-key-1", 1); err != nil {
			t.Fatalf("the same form again: %v", err)
		}
		_, err = start("bound-key-2", 2)
		if aftersale.ErrorCode(err) != aftersale.EINVALID || aftersale.ErrorMessage(err) != "only 1 more of Launch Course can be sent back" {
			t.Fatalf("2 more after 1 of 2: %v, want invalid", err)
		}
		second, err := start("bound-key-3", 1)
		if err != nil {
			t.Fatalf("1 more: %v", err)
		}
		if _, err := start("bound-key-4", 1); aftersale.ErrorCode(err) != aftersale.ECONFLICT {
			t.Fatalf("a third of two: %v, want a conflict", err)
		}
		whole := &aftersale.Event{ID: "b-whole", Type: aftersale.EventReturnRequested, OccurredAt: h.Clock.RealNow(),
			Return: &aftersale.ReturnFacts{OrderID: "6001", Reason: "changed my mind"}}
		if _, err := h.Svc.Ingest(ctx, whole); aftersale.ErrorCode(err) != aftersale.ECONFLICT || aftersale.ErrorMessage(err) != "everything on this order is already being returned" {
			t.Fatalf("the whole order again: %v, want a conflict", err)
		}
		huge := &aftersale.Event{ID: "b-huge", Type: aftersale.EventReturnRequested, OccurredAt: h.Clock.RealNow(),
			Return: &aftersale.ReturnFacts{OrderID: "6001", Items: []aftersale.ReturnItem{{SKU: "sku-1", Quantity: 9_200_000_000_000_000_000}}}}
		var e *aftersale.Error
		if _, err := h.Svc.Ingest(ctx, huge); !errors.As(err, &e) || e.Code != aftersale.EINVALID || e.Field != "return.items[0].quantity" {
			t.Fatalf("9.2e18: %v, want invalid on return.items[0].quantity", err)
		}
		h.Settle(t)
		if list, err := s.List(ctx, aftersale.ReturnFilter{OrderID: first.Order.ID}); err != nil || len(list) != 2 {
			t.Fatalf("returns: %d, %v; want 2", len(list), err)
		}

		// A cancelled return gives its unit back: the whole order is that unit.
		if _, err := s.Advance(ctx, second.Return.ID, aftersale.ReturnCancelled, "olga@shop.example"); err != nil {
			t.Fatal(err)
		}
		if _, err := h.Svc.Ingest(ctx, whole); err != nil {
			t.Fatalf("the whole order after a cancel: %v", err)
		}
		h.Settle(t)
		r, err := h.Store.ReturnGetByEventID(ctx, "b-whole")
		if err != nil || len(r.Items) != 1 || r.Items[0].Quantity != 1 {
			t.Fatalf("the whole order after a cancel: %+v, %v; want the one unit left", r, err)
		}
		// Sent again, the same event is a duplicate, not a conflict.
		if dup, err := h.Svc.Ingest(ctx, whole); err != nil || !dup {
			t.Fatalf("the same event again: %v, %v; want a duplicate", dup, err)
		}
	})
}
