package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/smtptest"
)

// seedPerson is one customer the broadcast tests store.
type seedPerson struct {
	email        string
	sku          string
	consent      bool
	unsubscribed bool
	suppressed   string
}

// seed stores the people with an order each, a thousand per transaction,
// straight through the store: fast, and the same rows events would make.
// The orders were placed a month before the service's now.
func seed(t *testing.T, b *bundle, people []seedPerson) map[string]*aftersale.Customer {
	t.Helper()
	ctx := context.Background()
	st := b.app.Store()
	out := make(map[string]*aftersale.Customer, len(people))
	placed := b.now().AddDate(0, -1, 0)
	for i := 0; i < len(people); i += 1000 {
		chunk := people[i:min(i+1000, len(people))]
		err := st.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
			for j, p := range chunk {
				consent := p.consent
				c, err := tx.CustomerUpsert(ctx, &aftersale.Contact{Email: p.email, Name: fmt.Sprintf("Person%d Test", i+j), MarketingConsent: &consent}, placed)
				if err != nil {
					return err
				}
				if _, err := tx.OrderUpsert(ctx, &aftersale.Order{
					ExternalID: "seed-" + p.email, CustomerID: c.ID, Source: "api", Currency: "USD", Total: "49.00",
					Status: aftersale.OrderPlaced, PlacedAt: placed,
					Items: []aftersale.Item{{SKU: p.sku, Name: "Launch Course", Kind: aftersale.KindCourse, Quantity: 1, Price: "49.00"}},
				}); err != nil {
					return err
				}
				if p.unsubscribed {
					if err := tx.CustomerSetUnsubscribed(ctx, p.email, true, placed); err != nil {
						return err
					}
				}
				if p.suppressed != "" {
					if err := tx.CustomerSetSuppressed(ctx, p.email, p.suppressed, placed); err != nil {
						return err
					}
				}
				out[p.email] = c
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// broadcastMessages returns the broadcast messages received, by recipient.
func broadcastMessages(srv *smtptest.Server) map[string][]*smtptest.Received {
	out := map[string][]*smtptest.Received{}
	for _, m := range srv.Messages() {
		if m.Header.Get("X-Aftersale-Template") == "broadcast" {
			out[m.To[0]] = append(out[m.To[0]], m)
		}
	}
	return out
}

// waitBroadcast waits until the broadcast is no longer sending.
func waitBroadcast(t *testing.T, b *bundle, id int64, timeout time.Duration) *aftersale.Broadcast {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		bc, err := b.app.Broadcasts().Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if bc.Status == aftersale.BroadcastSent || bc.Status == aftersale.BroadcastCancelled {
			return bc
		}
		if time.Now().After(deadline) {
			t.Fatalf("broadcast %d is %s after %v (sent %d, skipped %d, failed %d)", id, bc.Status, timeout, bc.Sent, bc.Skipped, bc.Failed)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// failure is retried.
func TestBroadcastResumes(t *testing.T) {
	t.Parallel()
	b := setupClock(t)
	ctx := context.Background()
	bcs := b.app.Broadcasts()
	var people []seedPerson
	for i := range 300 {
		people = append(people, seedPerson{email: fmt.Sprintf("r%03d@example.com", i), sku: "launch", consent: true})
	}
	seed(t, b, people)
	bc, err := bcs.Save(ctx, &aftersale.Broadcast{Subject: "Hello {{.Name}}", Body: "News.",
		Segment: aftersale.Segment{SKUs: []string{"launch"}}, Rate: 200}, "owner@shop.example")
	if err != nil {
		t.Fatal(err)
	}
	// Sent by hand (no job): going, then stopped after about 100 messages.
	if err := b.app.Store().BroadcastSetStatus(ctx, bc.ID, aftersale.BroadcastDraft, aftersale.BroadcastSending, b.now()); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	go func() {
		b.smtp.WaitFor(100, hangGuard) // on a hang, the count below says so
		stop()
	}()
	done, err := bcs.Run(runCtx, bc.ID, 0)
	if done {
		t.Fatalf("the interrupted run says it is done (%v)", err)
	}
	first := len(broadcastMessages(b.smtp))
	if first < 100 || first >= 300 {
		t.Fatalf("%d messages before the interruption", first)
	}
	// A temporary failure on resuming: the run ends with an error, and
	// the next one sends the rest.
	b.smtp.RejectNext(451, 3)
	if done, err := bcs.Run(ctx, bc.ID, 0); done || !strings.Contains(fmt.Sprint(err), "451") {
		t.Fatalf("a temporary failure: done %v, err %v", done, err)
	}
	for try := 0; ; try++ { // the other rejections may come on the next runs
		done, err := bcs.Run(ctx, bc.ID, 0)
		if done && err == nil {
			break
		}
		if try == 3 || !strings.Contains(fmt.Sprint(err), "451") {
			t.Fatalf("resume: done %v, err %v", done, err)
		}
	}
	got := broadcastMessages(b.smtp)
	if len(got) != 300 {
		t.Errorf("%d recipients, want 300", len(got))
	}
	for to, ms := range got {
		if len(ms) != 1 {
			t.Errorf("%s got %d messages", to, len(ms))
		}
	}
	if fin, _ := bcs.Get(ctx, bc.ID); fin.Status != aftersale.BroadcastSent || fin.Sent != 300 || fin.Failed != 0 {
		t.Errorf("broadcast %s: sent %d, failed %d", fin.Status, fin.Sent, fin.Failed)
	}
}

// TestBroadcastScheduledFirstLook schedules a first look: it starts at its
// time, by itself, and reaches customers only (not a contact who
// consented, not a buyer whose order was refunded).
func TestBroadcastScheduledFirstLook(t *testing.T) {
	t.Parallel()
	b := setupClock(t)
	ctx := context.Background()
	bcs := b.app.Broadcasts()
	seed(t, b, []seedPerson{
		{email: "kept@example.com", sku: "launch", consent: true},
		{email: "refunded@example.com", sku: "launch", consent: true},
	})
	st := b.app.Store()
	yes := true
	if _, err := st.CustomerUpsert(ctx, &aftersale.Contact{Email: "contact@example.com", MarketingConsent: &yes}, b.now()); err != nil {
		t.Fatal(err)
	}
	o, err := st.OrderGetByExternalID(ctx, "seed-refunded@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.OrderSetStatus(ctx, o.ID, aftersale.OrderRefunded, b.now()); err != nil {
		t.Fatal(err)
	}
	everyone, err := bcs.AudienceCount(ctx, aftersale.Segment{}, false)
	if err != nil || everyone != 3 {
		t.Fatalf("everyone: %d %v", everyone, err)
	}
	bc, err := bcs.Save(ctx, &aftersale.Broadcast{Subject: "A first look", Body: "Before anyone else, {{.FirstName}}.",
		FirstLook: true, Rate: 10}, "owner@shop.example")
	if err != nil {
		t.Fatal(err)
	}
	if !bc.Segment.CustomersOnly {
		t.Error("a first look is not for customers only")
	}
	if n, err := bcs.AudienceCount(ctx, bc.Segment, true); err != nil || n != 1 {
		t.Fatalf("first-look audience: %d %v", n, err)
	}
	if _, err := bcs.Schedule(ctx, bc.ID, b.now().Add(-time.Minute)); aftersale.ErrorCode(err) != aftersale.EINVALID {
		t.Fatalf("scheduled in the past: %v", err)
	}
	if _, err := bcs.Schedule(ctx, bc.ID, b.now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Not before its time; at its time, by itself.
	b.advance(t, 59*time.Minute)
	cur, err := bcs.Get(ctx, bc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Status != aftersale.BroadcastScheduled || len(broadcastMessages(b.smtp)) != 0 {
		t.Fatalf("a minute before its time the broadcast is %s, %d sent", cur.Status, len(broadcastMessages(b.smtp)))
	}
	b.advance(t, 2*time.Minute)
	done := waitBroadcast(t, b, bc.ID, hangGuard)
	if done.Sent != 1 || done.StartedAt.IsZero() || done.FinishedAt.IsZero() {
		t.Fatalf("broadcast %+v", done)
	}
	got := broadcastMessages(b.smtp)
	if len(got) != 1 || len(got["kept@example.com"]) != 1 {
		t.Fatalf("first look went to %v", got)
	}
	// The customer's history lists it.
	c, _ := st.CustomerGetByEmail(ctx, "kept@example.com")
	recs, err := st.BroadcastRecipientList(ctx, c.ID)
	if err != nil || len(recs) != 1 || recs[0].Status != "sent" || recs[0].MessageID != got["kept@example.com"][0].Header.Get("Message-Id") {
		t.Fatalf("recipients %+v %v", recs, err)
	}
}
