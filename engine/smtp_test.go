package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/smtp"
	"github.com/aftersale/aftersale/smtptest"
)

// TestStepsOverSMTP sends a journey's emails through the smtp package's
// pool to a real SMTP server: the at-once emails arrive once each, with the
// envelope and headers of journey mail; a temporary refusal (451) is
// retried and the email arrives once; a permanent one (550) is recorded as
// failed with the server's answer and not retried.
func TestStepsOverSMTP(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			srv := smtptest.Start(t)
			pool, err := smtp.NewPool(srv.URL(), 2)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { pool.Close() })
			h := startHarness(t, db, aftersale.NewManualClock(harnessStart()), pool, true,
				func(c *Config) { c.ReturnPath = "bounces@shop.example" })
			const nia = "nia@example.com"
			srv.RejectNext(451, 1) // the first email is deferred once
			h.ingest(t, order("e1", nia, "9301", "digital"))
			msgs, err := srv.WaitFor(3, hang)
			if err != nil {
				t.Fatalf("waiting for the three at-once emails: %v", err)
			}
			h.settle(t)
			seen := map[string]int{}
			for _, m := range srv.Messages() {
				seen[m.Header.Get("X-Aftersale-Template")]++
				if m.From != "bounces@shop.example" || len(m.To) != 1 || m.To[0] != nia {
					t.Errorf("envelope %s → %v", m.From, m.To)
				}
				if !strings.Contains(m.Header.Get("From"), "hello@shop.example") || m.Header.Get("Message-Id") == "" {
					t.Errorf("headers %v", m.Header)
				}
			}
			for _, tmpl := range []string{"thank_you", "access", "who_uses"} {
				if seen[tmpl] != 1 {
					t.Errorf("%s arrived %d times, want once (after the deferral): %v", tmpl, seen[tmpl], seen)
				}
			}
			for _, m := range msgs {
				if m.Header.Get("X-Aftersale-Template") == "thank_you" && m.Header.Get("List-Unsubscribe") != "" {
					t.Error("the transactional thank-you carries List-Unsubscribe")
				}
			}
			if got := h.sent(t, nia); len(got) != 3 {
				t.Errorf("recorded as sent: %v", got)
			}

			// Day 1: the first email is refused for good; day 3's arrives.
			// (Day 1's survey is package feedback's step, not sent here.)
			srv.RejectNext(550, 1)
			before := len(srv.Messages())
			h.days(t, 3)
			after := srv.Messages()[before:]
			list, err := h.st.MessageListByCustomer(ctx, h.customer(t, nia).ID)
			if err != nil {
				t.Fatal(err)
			}
			failed := 0
			for _, m := range list {
				if m.Status == aftersale.MessageFailed {
					failed++
					if !strings.Contains(m.Error, "550") {
						t.Errorf("failed %s: %q, want the server's 550", m.Template, m.Error)
					}
					for _, r := range after {
						if r.Header.Get("X-Aftersale-Template") == m.Template {
							t.Errorf("%s was refused for good and arrived all the same", m.Template)
						}
					}
				}
			}
			if failed != 1 || len(after) == 0 {
				t.Errorf("days 1 to 3: %d failed, %d arrived; want one refused and the rest delivered", failed, len(after))
			}
		})
	}
}
