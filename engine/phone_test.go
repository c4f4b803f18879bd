package engine

import (
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
)

// TestPhoneThatCannotBeDialled runs the default journey for buyers whose
// numbers cannot be dialled ("555-555-SHIP"; a British number without its
// country code where the business is in the US), and for one whose number
// can (the same British number where the business is in Great Britain): only
// the last gets the welcome call; the others get the second personal email,
// and every record keeps the number as given.
func TestPhoneThatCannotBeDialled(t *testing.T) {
	for region, cases := range map[string]map[string]bool{
		"":   {"555-555-SHIP": false, "020 7946 0958": false, "+44 20 7946 0958": true},
		"GB": {"020 7946 0958": true, "555-555-SHIP": false},
	} {
		t.Run("region "+region, func(t *testing.T) {
			running(t, func(t *testing.T, h *harness) {
				i := 0
				addrs := map[string]string{}
				for number := range cases {
					i++
					addr := strings.ToLower(strings.NewReplacer(" ", "", "+", "").Replace(number)) + "@example.com"
					addrs[number] = addr
					ev := order("evt-"+addr, addr, "100"+string(rune('0'+i)), aftersale.KindDigital)
					ev.Customer.Phone = number
					h.ingest(t, ev)
				}
				h.days(t, 3)
				for number, dialable := range cases {
					addr := addrs[number]
					if c := h.customer(t, addr); c.Phone != number {
						t.Errorf("%s: stored phone %q, want it as given", number, c.Phone)
					}
					calls, second := 0, 0
					for _, tk := range h.tasks(t, "open", addr) {
						switch {
						case tk.Kind == string(aftersale.TaskCall):
							calls++
						case strings.HasPrefix(tk.Title, "Second personal email"):
							second++
						}
					}
					if dialable && (calls != 1 || second != 0) || !dialable && (calls != 0 || second != 1) {
						t.Errorf("%s (region %q): %d calls, %d second personal emails; dialable %v", number, region, calls, second, dialable)
					}
				}
			}, func(c *Config) { c.Business.PhoneRegion = region })
		})
	}
}

// TestOrderNumberInEmailsAndTasks checks that emails and tasks name the
// order by the number the buyer knows, keeping the shop's id in the API.
func TestOrderNumberInEmailsAndTasks(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		addr := "eve@example.com"
		ev := order("evt-number", addr, "820982911946154500", aftersale.KindPhysical)
		ev.Order.Number = "#9999"
		// Two lines of the same product.
		ev.Order.Items = append(ev.Order.Items, aftersale.Item{SKU: "sku-2", Name: "Launch Course", Kind: aftersale.KindPhysical, Quantity: 1, Price: "49.00"})
		h.ingest(t, ev)
		h.days(t, 1)
		var thanks *aftersale.Email
		h.mail.mu.Lock()
		for _, m := range h.mail.msgs {
			if m.To.Email == addr && strings.HasPrefix(m.Subject, "Thank you for your order") {
				thanks = m
			}
		}
		h.mail.mu.Unlock()
		if thanks == nil {
			t.Fatal("no thank-you email")
		}
		if !strings.Contains(thanks.Text, "Thank you for your order #9999.") || strings.Contains(thanks.Text, "820982911946154500") {
			t.Errorf("thank-you email does not name the order by its number:\n%s", thanks.Text)
		}
		if !strings.Contains(thanks.Text, "- Launch Course × 2\n") || strings.Count(thanks.Text, "Launch Course") != 1 {
			t.Errorf("thank-you email does not name the product once:\n%s", thanks.Text)
		}
		tasks := h.tasks(t, "open", addr)
		if len(tasks) == 0 {
			t.Fatal("no tasks")
		}
		for _, tk := range tasks {
			if tk.Order != "820982911946154500" || tk.OrderNumber != "#9999" {
				t.Errorf("task %q: order %q, number %q", tk.Title, tk.Order, tk.OrderNumber)
			}
		}
	})
}
