package broadcast

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/email"
	"github.com/aftersale/aftersale/engine"
)

func TestNormalizeBroadcast(t *testing.T) {
	t.Parallel()
	b := &aftersale.Broadcast{
		Subject: "  News, {{.FirstName}} ", Body: "Hi\r\n{{.Name}}", FirstLook: true,
		Segment: aftersale.Segment{
			SKUs: []string{" a ", "", "b", "a"}, Kinds: []string{"Course", "course"}, Stages: []string{"loyal", "LOYAL"},
			PurchasedFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3600)),
		},
	}
	if err := normalizeBroadcast(b); err != nil {
		t.Fatal(err)
	}
	seg := b.Segment
	if b.Title != "News, {{.FirstName}}" || b.Subject != b.Title || b.Body != "Hi\n{{.Name}}" || b.Rate != DefaultRate ||
		!seg.CustomersOnly || strings.Join(seg.SKUs, ",") != "a,b" || strings.Join(seg.Kinds, ",") != "course" ||
		strings.Join(seg.Stages, ",") != "loyal" || seg.PurchasedFrom.Location() != time.UTC {
		t.Fatalf("normalized: %+v", b)
	}

	for _, c := range []struct {
		change func(b *aftersale.Broadcast)
		field  string
	}{
		{func(b *aftersale.Broadcast) { b.Subject = "" }, "subject"},
		{func(b *aftersale.Broadcast) { b.Body = "Hi {{.Frist}}" }, "body"},
		{func(b *aftersale.Broadcast) { b.Body = strings.Repeat("x", maxBody+1) }, "body"},
		{func(b *aftersale.Broadcast) { b.Title = "two\nlines" }, "title"},
		{func(b *aftersale.Broadcast) { b.Rate = MaxRate + 1 }, "rate"},
		{func(b *aftersale.Broadcast) { b.Rate = -1 }, "rate"},
		{func(b *aftersale.Broadcast) { b.Segment.Kinds = []string{"ebook"} }, "kinds"},
		{func(b *aftersale.Broadcast) { b.Segment.Stages = []string{"famous"} }, "stages"},
		{func(b *aftersale.Broadcast) {
			b.Segment.PurchasedFrom = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
			b.Segment.PurchasedTo = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		}, "purchased_to"},
	} {
		b := &aftersale.Broadcast{Subject: "Hi", Body: "Hello", Rate: 5}
		c.change(b)
		err := normalizeBroadcast(b)
		var e *aftersale.Error
		if !errors.As(err, &e) || e.Code != aftersale.EINVALID || e.Field != c.field {
			t.Errorf("%s: %v", c.field, err)
		}
	}
}

// TestBroadcastCompose checks one broadcast message: the recipient's
// one-click unsubscribe link in the headers and the footer, category
// headers, and a Message-ID that is the same for the same (broadcast,
// customer) and differs otherwise.
func TestBroadcastCompose(t *testing.T) {
	t.Parallel()
	hs := startHarness(t, "sqlite", nil, false)
	s, links := hs.bc, hs.Config.Links
	b := &aftersale.Broadcast{ID: 7, Subject: "News, {{.FirstName}}", Body: "Hi {{.FirstName}}"}
	tmpl, err := email.ParseBroadcast(b.Subject, b.Body)
	if err != nil {
		t.Fatal(err)
	}
	c := &aftersale.Customer{ID: 42, Email: "ana@example.com", Name: "Ana Lima", MarketingConsent: true}
	id := s.messageID(b.ID, c.ID)
	if id != s.messageID(7, 42) || id == s.messageID(7, 43) || id == s.messageID(8, 42) || !strings.HasSuffix(id, "@shop.example>") {
		t.Fatalf("Message-ID %s", id)
	}
	m, err := s.compose(b, tmpl, c, id)
	if err != nil {
		t.Fatal(err)
	}
	h := map[string]string{}
	for _, x := range m.Headers {
		h[x.Name] = x.Value
	}
	unsub := strings.Trim(h["List-Unsubscribe"], "<>")
	if !strings.HasPrefix(unsub, "https://after.example/u/") || h["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" || h["X-Aftersale-Broadcast"] != "7" {
		t.Fatalf("headers %v", h)
	}
	if sub, err := links.Verify(aftersale.LinkUnsubscribe, strings.TrimPrefix(unsub, "https://after.example/u/")); err != nil || sub != "42" {
		t.Fatalf("unsubscribe link names %q: %v", sub, err)
	}
	if m.Subject != "News, Ana" || m.MessageID != id || m.To.Email != c.Email || !strings.Contains(m.Text, unsub) || !strings.Contains(m.HTML, unsub) {
		t.Fatalf("message %+v", m)
	}

	// Consent is checked at send time.
	for _, who := range []*aftersale.Customer{
		{MarketingConsent: false},
		{MarketingConsent: true, Unsubscribed: true},
		{MarketingConsent: true, Suppressed: "bounce 5.1.1"},
		{MarketingConsent: true, Suppressed: aftersale.SuppressComplaint},
	} {
		if engine.Suppressed(aftersale.CategoryMarketing, who) == "" {
			t.Errorf("%+v would get a broadcast", who)
		}
	}
}

// TestPacer checks that messages are spaced at the rate (each wait returns
// no sooner than its slot, and the slots are at least the period apart),
// without a burst after a pause (a pause gives no credit: the next slot is
// not in the past), and that a stop ends a wait before its slot.
func TestPacer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newPacer(100) // one every 10ms
	// slotWait waits and returns the slot the wait was given.
	slotWait := func(p *pacer) time.Time {
		t.Helper()
		p.mu.Lock()
		before := p.next
		p.mu.Unlock()
		called := time.Now()
		if !p.wait(ctx, nil) {
			t.Fatal("wait refused")
		}
		slot := before
		if slot.Before(called) {
			slot = called // a slot in the past is taken from now
		}
		if now := time.Now(); now.Before(slot) {
			t.Fatalf("wait returned at %v, before its slot %v", now, slot)
		}
		return slot
	}
	var slots []time.Time
	for range 21 {
		slots = append(slots, slotWait(p))
	}
	for i := 1; i < len(slots); i++ {
		if gap := slots[i].Sub(slots[i-1]); gap < p.every {
			t.Errorf("messages %d and %d are %v apart, want at least %v", i-1, i, gap, p.every)
		}
	}
	if total := slots[20].Sub(slots[0]); total < 20*p.every {
		t.Errorf("21 messages at 100/s over %v", total)
	}

	// A pause: the last slot was long ago. The next three are spaced from
	// now, not squeezed into the past.
	p.mu.Lock()
	p.next = time.Now().Add(-50 * time.Millisecond)
	p.mu.Unlock()
	resumed := time.Now()
	after := []time.Time{slotWait(p)}
	p.mu.Lock()
	next := p.next
	p.mu.Unlock()
	if next.Before(resumed.Add(p.every)) {
		t.Errorf("after a pause the next slot %v is less than a period after the resumption %v: credit", next, resumed)
	}
	after = append(after, slotWait(p), slotWait(p))
	if d := after[2].Sub(after[0]); d < 2*p.every {
		t.Errorf("3 messages after a pause over %v: a burst", d)
	}

	// A stop ends a wait whose slot is a second away: it returns false (a
	// wait that reaches its slot returns true).
	slow := newPacer(1)
	if !slow.wait(ctx, nil) {
		t.Fatal("the first wait of a slow pacer refused")
	}
	stop := make(chan struct{})
	done := make(chan bool)
	go func() { done <- slow.wait(ctx, stop) }()
	close(stop)
	if <-done {
		t.Error("a stop did not end the wait: it ran to its slot")
	}
}
