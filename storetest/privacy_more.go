package storetest

import (
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// RunPrivacyMore runs the conformance tests of CustomerErase added when it
// was written once for both databases (package sqlstore), each on a new
// store from open.
func RunPrivacyMore(t *testing.T, open func(t *testing.T) aftersale.Store) {
	t.Run("EraseAgainIgnoresInbox", func(t *testing.T) { testCustomerEraseAgainIgnoresInbox(t, open(t)) })
}

// testCustomerEraseAgainIgnoresInbox checks that erasing a customer erased
// already does not look at the inbox: its address is no one's, so an event
// waiting there that names it is about no one to erase, and does not make
// the erase fail with ECONFLICT as an event naming a live address does.
func testCustomerEraseAgainIgnoresInbox(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	c := newCustomer(t, s, "again@example.com")
	ok(t, s.CustomerErase(ctx, c.ID, at(time.Hour)))
	erased, err := s.CustomerGet(ctx, c.ID)
	ok(t, err)
	if !erased.Erased() {
		t.Fatalf("after CustomerErase: %s, not erased", show(erased))
	}

	ev := inboxEvent("evt_names_erased", time.Minute)
	ev.Payload = []byte(`{"customer":{"email":"` + erased.Email + `"}}`)
	_, err = s.InboxAppend(ctx, []*aftersale.StoredEvent{ev})
	ok(t, err)
	live := newCustomer(t, s, "live@example.com")
	named := inboxEvent("evt_names_live", 2*time.Minute)
	named.Payload = []byte(`{"customer":{"email":"LIVE@example.com"}}`)
	_, err = s.InboxAppend(ctx, []*aftersale.StoredEvent{named})
	ok(t, err)
	wantCode(t, "CustomerErase of a customer named in the inbox", s.CustomerErase(ctx, live.ID, at(time.Hour)), aftersale.ECONFLICT)

	ok(t, s.CustomerErase(ctx, c.ID, at(2*time.Hour)))
	again, err := s.CustomerGet(ctx, c.ID)
	ok(t, err)
	same(t, "the customer erased again", again, erased)
	waiting, err := s.InboxList(ctx, 100)
	ok(t, err)
	same(t, "the inbox after the second erase", inboxIDs(waiting), []string{"evt_names_erased", "evt_names_live"})
}
