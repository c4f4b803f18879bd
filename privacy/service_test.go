package privacy_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/outbox"
	"github.com/aftersale/aftersale/privacy"
)

const (
	ana = "ana@example.com"
	bob = "bob@example.com"
)

// TestExport: the export holds the customer (found by any case of the
// address), their order, the event about it, their emails, journey runs
// and steps, and nothing of another customer; an unknown address is
// ENOTFOUND, none at all EINVALID.
func TestExport(t *testing.T) {
	onBoth(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		h.Ingest(t, order("e1", ana, "A1"))
		h.Ingest(t, order("e2", bob, "B1"))
		x, err := h.priv.Export(ctx, "  Ana@Example.COM ")
		if err != nil {
			t.Fatal(err)
		}
		if x.Customer.ID != h.Customer(t, ana).ID || x.Customer.Email != ana || x.Customer.Name != "Ana Lima" || x.Customer.Phone != "+15551234567" {
			t.Errorf("customer: %+v", x.Customer)
		}
		if !x.ExportedAt.Equal(h.Clock.RealNow()) {
			t.Errorf("exported at %v, want the clock's %v", x.ExportedAt, h.Clock.RealNow())
		}
		if len(x.Orders) != 1 || x.Orders[0].ID != "A1" || x.Orders[0].Role != "buyer" || len(x.Orders[0].Items) != 1 {
			t.Fatalf("orders: %+v", x.Orders)
		}
		if len(x.Events) != 1 || x.Events[0].ID != "e1" || !json.Valid(x.Events[0].Payload) || !strings.Contains(string(x.Events[0].Payload), `"A1"`) {
			t.Errorf("events: %+v", x.Events)
		}
		if len(x.Messages) == 0 {
			t.Error("no emails exported")
		}
		for _, m := range x.Messages {
			if m.Recipient != ana || m.Order != "A1" {
				t.Errorf("message %s: to %q, order %q", m.Template, m.Recipient, m.Order)
			}
		}
		if len(x.JourneyRuns) == 0 {
			t.Error("no journey runs exported")
		}
		pending := 0
		for _, s := range x.JourneySteps {
			if s.Order != "A1" {
				t.Errorf("step %s/%s of order %q", s.Journey, s.Step, s.Order)
			}
			if s.Status == string(aftersale.StepPending) {
				pending++
			}
		}
		if pending == 0 {
			t.Errorf("no pending steps among %d exported", len(x.JourneySteps))
		}
		b, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), bob) || strings.Contains(string(b), `"B1"`) {
			t.Errorf("the export names another customer: %s", b)
		}
		if _, err := h.priv.Export(ctx, "nobody@example.com"); aftersale.ErrorCode(err) != aftersale.ENOTFOUND {
			t.Errorf("an unknown address: %v, want ENOTFOUND", err)
		}
		if _, err := h.priv.Export(ctx, " "); aftersale.ErrorCode(err) != aftersale.EINVALID {
			t.Errorf("no address: %v, want EINVALID", err)
		}
	})
}

// TestErase: the customer's journeys are exited with their pending steps,
// their record keeps only its ID, the outbox loses their emails (and
// keeps the others'), their old address is unknown afterwards; another
// customer is untouched.
func TestErase(t *testing.T) {
	onBoth(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		h.Ingest(t, order("e1", ana, "A1"))
		h.Ingest(t, order("e2", bob, "B1"))
		c := h.Customer(t, ana)
		ob, err := outbox.New(h.outbox)
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range []string{ana, bob} {
			if err := ob.Send(ctx, &aftersale.Email{MessageID: "<" + strings.Split(to, "@")[0] + "@shop.example>", Date: h.Clock.RealNow(),
				From: aftersale.Address{Email: "hello@shop.example"}, To: aftersale.Address{Email: to}, Subject: "Hi", Text: "Hi\n"}); err != nil {
				t.Fatal(err)
			}
		}

		rep, err := h.priv.Erase(ctx, "Ana@Example.com", "test")
		if err != nil {
			t.Fatal(err)
		}
		if rep.CustomerID != c.ID || rep.RunsExited == 0 || rep.StepsStopped == 0 || rep.OutboxFiles != 1 {
			t.Errorf("report: %+v", rep)
		}
		if _, err := h.Store.CustomerGetByEmail(ctx, ana); !aftersale.IsNotFound(err) {
			t.Errorf("the old address still finds a customer: %v", err)
		}
		erased, err := h.Store.CustomerGet(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if erased.Email != aftersale.ErasedEmail(c.ID) || erased.Name != "" || erased.Phone != "" {
			t.Errorf("erased customer: %+v", erased)
		}
		o, err := h.Store.OrderGetByExternalID(ctx, "A1")
		if err != nil {
			t.Fatalf("the order is kept: %v", err)
		}
		runs, err := h.Store.RunListByOrder(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		exited := 0
		for _, r := range runs {
			if r.Status == aftersale.RunActive {
				t.Errorf("run %d of %s is still active", r.ID, r.JourneyID)
			}
			if r.ExitReason == "customer erased" {
				exited++
			}
		}
		if exited != rep.RunsExited {
			t.Errorf("%d runs exited by the erase, the report says %d", exited, rep.RunsExited)
		}
		steps, err := h.Store.StepListByCustomer(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range steps {
			if s.Status == aftersale.StepPending {
				t.Errorf("step %s/%s is still pending", s.JourneyID, s.StepID)
			}
		}
		if plans, err := h.Store.StepPlanListByCustomer(ctx, c.ID); err != nil || len(plans) != 0 {
			t.Errorf("plans left: %d, %v", len(plans), err)
		}
		left, err := os.ReadDir(h.outbox)
		if err != nil {
			t.Fatal(err)
		}
		if len(left) != 1 || left[0].Name() != outbox.FileName("<bob@shop.example>") {
			t.Errorf("left in the outbox: %v", left)
		}
		if _, err := h.priv.Export(ctx, ana); aftersale.ErrorCode(err) != aftersale.ENOTFOUND {
			t.Errorf("export after the erase: %v, want ENOTFOUND", err)
		}
		if _, err := h.priv.Erase(ctx, ana, "test"); aftersale.ErrorCode(err) != aftersale.ENOTFOUND {
			t.Errorf("erase again: %v, want ENOTFOUND", err)
		}
		x, err := h.priv.Export(ctx, bob)
		if err != nil || x.Customer.Email != bob || len(x.Orders) != 1 || len(x.Messages) == 0 {
			t.Errorf("bob after ana's erase: %+v, %v", x, err)
		}
	})
}

// TestEraseProcessesTheInboxFirst: an event about the customer still
// waiting in the inbox is applied before the erase, so its order and its
// journeys are erased with the rest, and the inbox holds nothing of them.
func TestEraseProcessesTheInboxFirst(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			h := startHarness(t, db, false) // events wait in the inbox
			ctx := context.Background()
			h.Put(t, order("e1", ana, "A1"))
			if err := h.Svc.ProcessPending(ctx); err != nil {
				t.Fatal(err)
			}
			c := h.Customer(t, ana)
			h.Clock.Advance(time.Minute)
			h.Put(t, order("e2", ana, "A2"))
			if evs, err := h.Store.InboxList(ctx, 10); err != nil || len(evs) != 1 {
				t.Fatalf("inbox before the erase: %d events, %v; want 1", len(evs), err)
			}
			rep, err := h.priv.Erase(ctx, ana, "test")
			if err != nil {
				t.Fatal(err)
			}
			if evs, err := h.Store.InboxList(ctx, 10); err != nil || len(evs) != 0 {
				t.Errorf("inbox after the erase: %d events, %v; want none", len(evs), err)
			}
			orders, err := h.Store.OrderListByCustomer(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(orders) != 2 {
				t.Fatalf("the erased customer's orders: %d, want both", len(orders))
			}
			exited := 0
			for _, o := range orders {
				runs, err := h.Store.RunListByOrder(ctx, o.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(runs) == 0 {
					t.Errorf("order %s has no journey run", o.ExternalID)
				}
				for _, r := range runs {
					if r.Status == aftersale.RunActive {
						t.Errorf("run %d of order %s is still active", r.ID, o.ExternalID)
					}
					exited++
				}
			}
			if rep.RunsExited != exited {
				t.Errorf("report: %d runs exited, want %d", rep.RunsExited, exited)
			}
			ev, err := h.Store.EventGet(ctx, "e2")
			if err != nil {
				t.Fatalf("the waiting event was not processed: %v", err)
			}
			if strings.Contains(string(ev.Payload), ana) {
				t.Errorf("the waiting event keeps the address: %s", ev.Payload)
			}
		})
	}
}

// TestNewNeedsStoreAndPipeline: a Service without its store or the
// pipeline is refused.
func TestNewNeedsStoreAndPipeline(t *testing.T) {
	h := startHarness(t, "sqlite", false)
	if _, err := privacy.New(privacy.Config{Pipeline: h.Svc}); err == nil {
		t.Error("no Store: no error")
	}
	if _, err := privacy.New(privacy.Config{Store: h.Store}); err == nil {
		t.Error("no Pipeline: no error")
	}
}
