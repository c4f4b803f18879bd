package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// fixtureStamp is the occurred_at of the bodies here: a past moment that
// nothing compares with now.
var fixtureStamp = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC).Format(time.RFC3339)

// TestIngestSameIDOtherContent: an event ID received again with the same
// content is a duplicate, while still in the inbox and once processed; with
// other content it is refused with ECONFLICT and changes nothing; a shop
// platform's webhook redelivery with other content stays a duplicate, but
// the same sent to the API (its source field says "shopify") is refused:
// the exemption goes by how the event arrived; and once the
// customer is erased the stored event cannot be compared, so a
// redelivery is a duplicate again.
func TestIngestSameIDOtherContent(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		first := order("evt_c1", "ana@example.com", "c1", aftersale.KindDigital)
		first.OccurredAt = h.clock.RealNow()
		h.ingest(t, first)
		again := order("evt_c1", "ana@example.com", "c1", aftersale.KindDigital)
		again.OccurredAt = first.OccurredAt
		dup, err := h.svc.Ingest(ctx, again)
		if err != nil || !dup {
			t.Fatalf("the same event again: duplicate %v, err %v", dup, err)
		}

		other := order("evt_c1", "ana@example.com", "c1", aftersale.KindDigital)
		other.OccurredAt = first.OccurredAt
		other.Customer.Name = "Someone Else"
		_, err = h.svc.Ingest(ctx, other)
		if aftersale.ErrorCode(err) != aftersale.ECONFLICT || !strings.Contains(err.Error(), `"evt_c1" was received before with different content`) {
			t.Fatalf("other content: err %v, want ECONFLICT naming the id", err)
		}
		h.settle(t)
		if c := h.customer(t, "ana@example.com"); c.Name != "Ana Lima" {
			t.Errorf("the refused event changed the customer: name %q", c.Name)
		}

		shop := order("shopify:wh-1", "bo@example.com", "c2", aftersale.KindDigital)
		shop.OccurredAt, shop.Source = first.OccurredAt, "shopify"
		h.ingest(t, shop)
		shop2 := order("shopify:wh-1", "bo@example.com", "c2", aftersale.KindPhysical)
		shop2.OccurredAt, shop2.Source = first.OccurredAt, "shopify"
		if _, err := h.svc.Ingest(ctx, shop2); aftersale.ErrorCode(err) != aftersale.ECONFLICT {
			t.Fatalf("other content by the API with a platform's source field: err %v, want ECONFLICT", err)
		}
		if dup, err := h.svc.IngestWebhook(ctx, shop2); err != nil || !dup {
			t.Fatalf("a platform's webhook redelivery with other content: duplicate %v, err %v; want a duplicate", dup, err)
		}

		if _, err := eraser(t, h.svc).Erase(ctx, "ana@example.com", "test"); err != nil {
			t.Fatal(err)
		}
		if dup, err := h.svc.Ingest(ctx, other); err != nil || !dup {
			t.Fatalf("after the erase: duplicate %v, err %v; want a duplicate", dup, err)
		}
	})
}

// TestIngestConflictInInbox: the conflict is seen while the first event
// still waits in the inbox (no processor runs).
func TestIngestConflictInInbox(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			h := startHarness(t, db, aftersale.NewManualClock(harnessStart()), nil, false)
			ctx := context.Background()
			ev := func(name string) *aftersale.Event {
				e := order("evt_i1", "ana@example.com", "i1", aftersale.KindDigital)
				e.OccurredAt, e.Customer.Name = h.clock.RealNow(), name
				return e
			}
			if dup, err := h.svc.Ingest(ctx, ev("Ana")); err != nil || dup {
				t.Fatalf("first: duplicate %v, err %v", dup, err)
			}
			if dup, err := h.svc.Ingest(ctx, ev("Ana")); err != nil || !dup {
				t.Fatalf("the same again: duplicate %v, err %v", dup, err)
			}
			if _, err := h.svc.Ingest(ctx, ev("Bea")); aftersale.ErrorCode(err) != aftersale.ECONFLICT {
				t.Fatalf("other content: err %v, want ECONFLICT", err)
			}
		})
	}
}

// TestSamePayloadAcrossVersions: a stored event is compared as this
// version would store it, so a payload written with other spacing or key
// order (an older version) is still the same event.
func TestSamePayloadAcrossVersions(t *testing.T) {
	ev, err := aftersale.DecodeEvent([]byte(`{"id":"e1","type":"shipment.updated","occurred_at":"` + fixtureStamp + `","shipment":{"order_id":"1","status":"shipped"}}`))
	if err != nil {
		t.Fatal(err)
	}
	stored, err := storedEvent(ev, ev.OccurredAt)
	if err != nil {
		t.Fatal(err)
	}
	old := []byte(`{"type":"shipment.updated", "id":" e1 ","occurred_at":"` + fixtureStamp + `","shipment":{"status":"shipped","order_id":"1"}}`)
	if !samePayload(old, stored.Payload) {
		t.Errorf("%s and %s are the same event", old, stored.Payload)
	}
	if samePayload([]byte(`{"id":"e1","type":"shipment.updated","occurred_at":"`+fixtureStamp+`","shipment":{"order_id":"1","status":"delivered"}}`), stored.Payload) {
		t.Error("another status counted as the same")
	}
	if !erasedPayload([]byte(`{"erased":true}`)) || erasedPayload(stored.Payload) {
		t.Error("erasedPayload")
	}
}
