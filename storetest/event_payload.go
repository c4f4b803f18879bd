package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

// testEventPayload follows one event through the inbox, the events set
// aside and the processed events: EventPayload finds its payload in each,
// and {"erased":true} once the customer it named is erased.
func testEventPayload(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	want := func(what, id, payload string) {
		t.Helper()
		p, found, err := s.EventPayload(ctx, id)
		fixture.Ok(t, err)
		if payload == "" {
			fixture.Same(t, what+": found", found, false)
			return
		}
		fixture.Same(t, what+": found", found, true)
		fixture.Same(t, what+": payload", string(p), payload)
	}
	want("unknown", "pay_1", "")

	ev := fixture.InboxEvent("pay_1", time.Second)
	ev.Payload = []byte(`{"id":"pay_1","customer":{"email":"ann@example.com","name":"O\"Brien"}}`)
	_, err := s.InboxAppend(ctx, []*aftersale.StoredEvent{ev})
	fixture.Ok(t, err)
	want("in the inbox", "pay_1", string(ev.Payload))

	fixture.Ok(t, s.DeadEventPut(ctx, &aftersale.DeadEvent{Event: *ev, Error: "boom", Attempts: 1, FailedAt: fixture.At(2 * time.Second)}))
	want("set aside", "pay_1", string(ev.Payload))

	fixture.Ok(t, s.DeadEventRetry(ctx, "pay_1"))
	want("retried", "pay_1", string(ev.Payload))

	cust, err := s.CustomerUpsert(ctx, &aftersale.Contact{Email: "ann@example.com", Name: "Ann"}, fixture.At(3*time.Second))
	fixture.Ok(t, err)
	rec := *ev
	rec.CustomerEmail = "ann@example.com"
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		_, err := tx.EventInsert(ctx, &rec)
		return err
	}))
	want("recorded, still in the inbox", "pay_1", string(ev.Payload))
	fixture.Ok(t, s.InboxDelete(ctx, []string{"pay_1"}))
	want("processed", "pay_1", string(ev.Payload))

	fixture.Ok(t, s.CustomerErase(ctx, cust.ID, fixture.At(4*time.Second)))
	want("erased", "pay_1", `{"erased":true}`)
	want("another unknown", "pay_2", "")
}
