package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
)

// header is the value of the named header of e.
func header(e *aftersale.Email, name string) string {
	for _, h := range e.Headers {
		if h.Name == name {
			return h.Value
		}
	}
	return ""
}

// TestCustomerLinks follows the links of a buyer's emails: "who will be
// using this?" names a user, who gets the day 1 email as well; the open
// pixel records the open (a forged one is ignored); the one-click
// unsubscribe stops the follow-ups at once, even those already planned,
// while transactional mail still goes; resubscribing brings them back.
func TestCustomerLinks(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		s := h.svc
		const ivy, boss = "ivy@example.com", "boss@example.com"
		h.ingest(t, order("e1", ivy, "8001", "digital"))
		who := h.mail.lastTo(ivy, "who_uses")
		if who == nil {
			t.Fatalf("no who-uses email: %v", h.mail.templates(ivy))
		}
		tok := linkToken(who.Text, "https://after.example/w/")
		if o, err := s.WhoUsesOrder(ctx, tok); err != nil || o.ExternalID != "8001" {
			t.Fatalf("WhoUsesOrder: %+v, %v", o, err)
		}
		if err := s.SetOrderUser(ctx, tok, &aftersale.Contact{Email: "not an address"}); err == nil {
			t.Error("a user without a valid address was taken")
		}
		if err := s.SetOrderUser(ctx, tok, &aftersale.Contact{Email: boss, Name: "The Boss"}); err != nil {
			t.Fatal(err)
		}
		h.days(t, 1)
		if !has(h.mail.templates(boss), "day1_welcome") || !has(h.mail.templates(ivy), "day1_welcome") {
			t.Errorf("day 1: buyer got %v, user got %v; want the welcome for both", h.mail.templates(ivy), h.mail.templates(boss))
		}

		// The open pixel of a follow-up.
		day1 := h.mail.lastTo(ivy, "day1_welcome")
		pixel := linkToken(day1.HTML, "https://after.example/o/")
		pixel = strings.TrimSuffix(pixel, ".gif")
		if pixel == "" {
			t.Fatalf("the follow-up has no open pixel:\n%s", day1.HTML)
		}
		if err := s.RecordOpen(ctx, "forged"); err != nil {
			t.Errorf("a forged pixel: %v, want it ignored", err)
		}
		if err := s.RecordOpen(ctx, pixel); err != nil {
			t.Fatal(err)
		}
		m, err := h.st.MessageGetByMessageID(ctx, day1.MessageID)
		if err != nil || m.OpenedAt.IsZero() || !m.OpenedAt.Equal(h.clock.RealNow()) {
			t.Errorf("the opened message: %+v, %v; want it opened now", m, err)
		}
		if header(h.mail.lastTo(ivy, "thank_you"), "List-Unsubscribe") != "" {
			t.Error("transactional mail carries List-Unsubscribe")
		}

		// One click unsubscribes.
		unsub := strings.Trim(header(day1, "List-Unsubscribe"), "<>")
		utok := unsub[strings.LastIndex(unsub, "/")+1:]
		if c, err := s.Preferences(ctx, utok); err != nil || c.Email != ivy {
			t.Fatalf("Preferences: %+v, %v", c, err)
		}
		if c, err := s.SetUnsubscribed(ctx, utok, true); err != nil || !c.Unsubscribed {
			t.Fatalf("SetUnsubscribed: %+v, %v", c, err)
		}
		before := len(h.mail.templates(ivy))
		h.days(t, 3)
		if got := h.mail.templates(ivy)[before:]; len(got) != 0 {
			t.Errorf("after unsubscribing Ivy got %v", got)
		}
		msgs, err := h.st.MessageListByCustomer(ctx, h.customer(t, ivy).ID)
		if err != nil {
			t.Fatal(err)
		}
		suppressed := false
		for _, m := range msgs {
			suppressed = suppressed || (m.Template == "day3_answers" && m.Status == aftersale.MessageSuppressed)
		}
		if !suppressed {
			t.Errorf("day 3 was not recorded as suppressed: %+v", msgs)
		}
		h.ingest(t, shipment("s1", "8001", aftersale.ShipmentShipped)) // no physical item: nothing
		if c := h.customer(t, ivy); !c.Unsubscribed {
			t.Errorf("Ivy after the unsubscribe: %+v", c)
		}
		if _, err := s.SetUnsubscribed(ctx, utok, false); err != nil {
			t.Fatal(err)
		}
		h.days(t, 4)
		if !has(h.mail.templates(ivy)[before:], "day7_checkin") {
			t.Errorf("resubscribed, day 7 did not come: %v", h.mail.templates(ivy)[before:])
		}
	})
}
