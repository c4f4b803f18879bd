package contact_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/internal/enginetest/fixture"
)

// TestCustomerLinks follows the links of a buyer's emails: "who will be
// using this?" names a user, who gets the day 1 email as well; the open
// pixel records the open (a forged one is ignored); the one-click
// unsubscribe stops the follow-ups at once, even those already planned,
// while transactional mail still goes; resubscribing brings them back.
func TestCustomerLinks(t *testing.T) {
	onBoth(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		s := h.ct
		const ivy, boss = "ivy@example.com", "boss@example.com"
		h.Ingest(t, order("e1", ivy, "8001"))
		who := h.Mail.LastTo(ivy, "who_uses")
		if who == nil {
			t.Fatalf("no who-uses email: %v", h.Mail.Templates(ivy))
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
		h.Days(t, 1)
		if !has(h.Mail.Templates(boss), "day1_welcome") || !has(h.Mail.Templates(ivy), "day1_welcome") {
			t.Errorf("day 1: buyer got %v, user got %v; want the welcome for both", h.Mail.Templates(ivy), h.Mail.Templates(boss))
		}

		// The open pixel of a follow-up.
		day1 := h.Mail.LastTo(ivy, "day1_welcome")
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
		m, err := h.Store.MessageGetByMessageID(ctx, day1.MessageID)
		if err != nil || m.OpenedAt.IsZero() || !m.OpenedAt.Equal(h.Clock.RealNow()) {
			t.Errorf("the opened message: %+v, %v; want it opened now", m, err)
		}
		if fixture.Header(h.Mail.LastTo(ivy, "thank_you"), "List-Unsubscribe") != "" {
			t.Error("transactional mail carries List-Unsubscribe")
		}

		// One click unsubscribes.
		unsub := strings.Trim(fixture.Header(day1, "List-Unsubscribe"), "<>")
		utok := unsub[strings.LastIndex(unsub, "/")+1:]
		if c, err := s.Preferences(ctx, utok); err != nil || c.Email != ivy {
			t.Fatalf("Preferences: %+v, %v", c, err)
		}
		if c, err := s.SetUnsubscribed(ctx, utok, true); err != nil || !c.Unsubscribed {
			t.Fatalf("SetUnsubscribed: %+v, %v", c, err)
		}
		before := len(h.Mail.Templates(ivy))
		h.Days(t, 3)
		if got := h.Mail.Templates(ivy)[before:]; len(got) != 0 {
			t.Errorf("after unsubscribing Ivy got %v", got)
		}
		msgs, err := h.Store.MessageListByCustomer(ctx, h.Customer(t, ivy).ID)
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
		h.Ingest(t, shipment("s1", "8001", aftersale.ShipmentShipped)) // no physical item: nothing
		if c := h.Customer(t, ivy); !c.Unsubscribed {
			t.Errorf("Ivy after the unsubscribe: %+v", c)
		}
		if _, err := s.SetUnsubscribed(ctx, utok, false); err != nil {
			t.Fatal(err)
		}
		h.Days(t, 4)
		if !has(h.Mail.Templates(ivy)[before:], "day7_checkin") {
			t.Errorf("resubscribed, day 7 did not come: %v", h.Mail.Templates(ivy)[before:])
		}
	})
}

// TestSetOrderUserBuyer: the buyer naming themselves as the user clears
// the user an earlier answer named.
func TestSetOrderUserBuyer(t *testing.T) {
	onBoth(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		const ivy, boss = "ivy@example.com", "boss@example.com"
		h.Ingest(t, order("e1", ivy, "8001"))
		tok := linkToken(h.Mail.LastTo(ivy, "who_uses").Text, "https://after.example/w/")
		if err := h.ct.SetOrderUser(ctx, tok, &aftersale.Contact{Email: boss}); err != nil {
			t.Fatal(err)
		}
		if o, err := h.Store.OrderGetByExternalID(ctx, "8001"); err != nil || o.UserID != h.Customer(t, boss).ID {
			t.Fatalf("order after naming the boss: %+v, %v", o, err)
		}
		if err := h.ct.SetOrderUser(ctx, tok, &aftersale.Contact{Email: ivy}); err != nil {
			t.Fatal(err)
		}
		if o, err := h.Store.OrderGetByExternalID(ctx, "8001"); err != nil || o.UserID != 0 {
			t.Errorf("order after the buyer named themselves: %+v, %v; want no user", o, err)
		}
		if _, err := h.ct.WhoUsesOrder(ctx, "forged"); aftersale.ErrorCode(err) != aftersale.EUNAUTHORIZED {
			t.Errorf("a forged who-uses link: %v, want EUNAUTHORIZED", err)
		}
	})
}
