package contact_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
)

// TestConfirmOptIn: the opt-in link the engine signs names the customer,
// and reading it changes nothing; confirming records the consent and lifts
// an earlier unsubscribe; a forged link, or one of another kind, is
// refused.
func TestConfirmOptIn(t *testing.T) {
	onBoth(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		const dora = "dora@example.com"
		ev := order("e1", dora, "5001")
		no := false
		ev.Customer.MarketingConsent = &no
		h.Ingest(t, ev)
		c := h.Customer(t, dora)
		if c.MarketingConsent {
			t.Fatalf("%s consented at checkout: %+v", dora, c)
		}
		if err := h.Store.CustomerSetUnsubscribed(ctx, dora, true, h.Clock.RealNow()); err != nil {
			t.Fatal(err)
		}
		link := h.Svc.OptInURL(c)
		tok := strings.TrimPrefix(link, "https://after.example/c/")
		if tok == link {
			t.Fatalf("opt-in link %q", link)
		}

		got, err := h.ct.OptInCustomer(ctx, tok)
		if err != nil || got.Email != dora {
			t.Fatalf("OptInCustomer: %+v, %v", got, err)
		}
		if c := h.Customer(t, dora); c.MarketingConsent || !c.Unsubscribed {
			t.Errorf("reading the link changed the customer: %+v", c)
		}

		got, err = h.ct.ConfirmOptIn(ctx, tok)
		if err != nil || !got.MarketingConsent || got.Unsubscribed {
			t.Fatalf("ConfirmOptIn: %+v, %v", got, err)
		}
		if c := h.Customer(t, dora); !c.MarketingConsent || c.Unsubscribed {
			t.Errorf("after confirming: consent %v, unsubscribed %v; want consent, subscribed", c.MarketingConsent, c.Unsubscribed)
		}
		if _, err := h.ct.ConfirmOptIn(ctx, tok); err != nil {
			t.Errorf("confirming again: %v", err)
		}

		for name, bad := range map[string]string{
			"forged":      "forged.link",
			"unsubscribe": h.Config.Links.Sign(aftersale.LinkUnsubscribe, "1", engine.OptInTTL),
		} {
			if _, err := h.ct.ConfirmOptIn(ctx, bad); aftersale.ErrorCode(err) != aftersale.EUNAUTHORIZED {
				t.Errorf("%s link: %v, want EUNAUTHORIZED", name, err)
			}
		}
		if _, err := h.ct.OptInCustomer(ctx, h.Config.Links.Sign(aftersale.LinkOptIn, "999999", engine.OptInTTL)); aftersale.ErrorCode(err) != aftersale.EUNAUTHORIZED {
			t.Errorf("the link of nobody: %v, want EUNAUTHORIZED", err)
		}
	})
}
