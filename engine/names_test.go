package engine

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/smtp"
	"github.com/aftersale/aftersale/smtptest"
)

// strictMailer is a Sender to a real SMTP server that refuses, as strict
// relays do, a header line over 998 characters or an address field that
// does not parse (smtptest.WithStrictHeaders).
func strictMailer(t *testing.T, opts ...smtptest.Option) (*smtptest.Server, *smtp.Sender) {
	t.Helper()
	srv := smtptest.Start(t, append(opts, smtptest.WithStrictHeaders())...)
	s, err := smtp.New(srv.URL(), smtp.WithHELO("test.aftersale.example"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return srv, s
}

// toName is the display name of a received message's To, failing the test
// when it does not parse.
func toName(t *testing.T, m *smtptest.Received, field string) string {
	t.Helper()
	list, err := m.Header.AddressList(field)
	if err != nil || len(list) != 1 {
		t.Fatalf("%s %q: %v", field, m.Header.Get(field), err)
	}
	return list[0].Name
}

// TestNamesOverSMTP: an order by a customer named O"Brien (an odd quote
// made every email to them fail for good) with an item name as long as
// the door allows and without spaces gets its at-once emails delivered
// through a real, strict SMTP conversation, addressed to O"Brien.
func TestNamesOverSMTP(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			srv, mailer := strictMailer(t)
			h := startHarness(t, db, aftersale.NewManualClock(harnessStart()), mailer, true)
			const addr = "obrien@example.com"
			ev := order("n1", addr, "9401", "digital")
			ev.Customer.Name = `O"Brien`
			ev.Order.Items[0].Name = strings.Repeat("x", aftersale.ItemNameText.Max)
			h.ingest(t, ev)
			msgs, err := srv.WaitFor(3, hang)
			if err != nil {
				t.Fatalf("waiting for the three at-once emails: %v", err)
			}
			h.settle(t)
			for _, m := range msgs {
				if got := toName(t, m, "To"); got != `O"Brien` {
					t.Errorf("%s: To name %q", m.Header.Get("X-Aftersale-Template"), got)
				}
			}
			if got := h.sent(t, addr); len(got) != 3 {
				t.Errorf("recorded as sent: %v, want the three at-once emails", got)
			}
		})
	}
}

// syncBuffer is a log destination safe for the service's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMalformedLoggedLoudly: an email the server refuses for its syntax
// (554 5.6.0) is recorded as failed, and logged at ERROR as a bug in
// aftersale, with step and message ids and no address, and counted in
// aftersale_emails_malformed_total; a refused recipient (550 5.1.1) is not.
func TestMalformedLoggedLoudly(t *testing.T) {
	srv, mailer := strictMailer(t)
	var logs syncBuffer
	metrics := NewMetrics(prometheus.NewRegistry(), nil, nil)
	h := startHarness(t, "sqlite", aftersale.NewManualClock(harnessStart()), mailer, true, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		c.Metrics = metrics
	})
	srv.RejectNextWith(554, "5.6.0 Header line too long", 1)
	srv.RejectNextWith(550, "5.1.1 No such user", 1)
	const addr = "ana@example.com"
	h.ingest(t, order("m1", addr, "9403", "digital"))
	if _, err := srv.WaitFor(1, hang); err != nil {
		t.Fatal(err)
	}
	h.settle(t)
	list, err := h.st.MessageListByCustomer(context.Background(), h.customer(t, addr).ID)
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, m := range list {
		if m.Status == aftersale.MessageFailed {
			failed++
		}
	}
	if failed != 2 {
		t.Errorf("%d emails failed, want 2 (one malformed, one refused recipient)", failed)
	}
	var counted dto.Metric
	if err := metrics.EmailsMalformed.Write(&counted); err != nil || counted.GetCounter().GetValue() != 1 {
		t.Errorf("aftersale_emails_malformed_total = %v (%v), want 1", counted.GetCounter().GetValue(), err)
	}
	var loud []string
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "this is a bug in aftersale") {
			loud = append(loud, line)
		}
	}
	if len(loud) != 1 || !strings.Contains(loud[0], "level=ERROR") || !strings.Contains(loud[0], "step_id=") ||
		!strings.Contains(loud[0], "message_id=") || strings.Contains(loud[0], addr) {
		t.Errorf("malformed log lines %q, want one ERROR with step and message ids and no address", loud)
	}
}
