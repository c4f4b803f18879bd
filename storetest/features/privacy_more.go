package features

import (
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
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
	c := fixture.NewCustomer(t, s, "again@example.com")
	fixture.Ok(t, s.CustomerErase(ctx, c.ID, fixture.At(time.Hour)))
	erased, err := s.CustomerGet(ctx, c.ID)
	fixture.Ok(t, err)
	if !erased.Erased() {
		t.Fatalf("after CustomerErase: %s, not erased", fixture.Show(erased))
	}

	ev := fixture.InboxEvent("evt_names_erased", time.Minute)
	ev.Payload = []byte(`{"customer":{"email":"` + erased.Email + `"}}`)
	_, err = s.InboxAppend(ctx, []*aftersale.StoredEvent{ev})
	fixture.Ok(t, err)
	live := fixture.NewCustomer(t, s, "live@example.com")
	named := fixture.InboxEvent("evt_names_live", 2*time.Minute)
	named.Payload = []byte(`{"customer":{"email":"LIVE@example.com"}}`)
	_, err = s.InboxAppend(ctx, []*aftersale.StoredEvent{named})
	fixture.Ok(t, err)
	fixture.WantCode(t, "CustomerErase of a customer named in the inbox", s.CustomerErase(ctx, live.ID, fixture.At(time.Hour)), aftersale.ECONFLICT)

	fixture.Ok(t, s.CustomerErase(ctx, c.ID, fixture.At(2*time.Hour)))
	again, err := s.CustomerGet(ctx, c.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "the customer erased again", again, erased)
	waiting, err := s.InboxList(ctx, 100)
	fixture.Ok(t, err)
	fixture.Same(t, "the inbox after the second erase", fixture.InboxIDs(waiting), []string{"evt_names_erased", "evt_names_live"})
}
