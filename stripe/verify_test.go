package stripe

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	webhook "github.com/stripe/stripe-go/v82/webhook"
)

func TestVerify(t *testing.T) {
	const secret = "whsec_5a1b9c7d3e8f2a4b6c0d1e9f7a3b5c8d"
	body := fixture(t, checkoutFile)
	signed := func(body []byte, secret string, at time.Time) http.Header {
		p := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: at})
		h := http.Header{}
		h.Set("Stripe-Signature", p.Header)
		return h
	}
	now := time.Now()
	changed := append([]byte(nil), body...)
	changed[len(changed)/2] ^= 1
	tests := []struct {
		name      string
		d         Decoder
		body      []byte
		h         http.Header
		ok        bool
		errSubstr string
	}{
		{name: "signed", d: Decoder{Secret: secret}, body: body, h: signed(body, secret, now), ok: true},
		{name: "signed a minute ago", d: Decoder{Secret: secret}, body: body, h: signed(body, secret, now.Add(-time.Minute)), ok: true},
		{name: "expired", d: Decoder{Secret: secret}, body: body, h: signed(body, secret, now.Add(-6*time.Minute)),
			errSubstr: "the Stripe-Signature timestamp is outside the tolerance"},
		{name: "expired under a shorter tolerance", d: Decoder{Secret: secret, Tolerance: 30 * time.Second}, body: body,
			h: signed(body, secret, now.Add(-time.Minute)), errSubstr: "outside the tolerance (30s)"},
		{name: "within a longer tolerance", d: Decoder{Secret: secret, Tolerance: time.Hour}, body: body,
			h: signed(body, secret, now.Add(-6*time.Minute)), ok: true},
		{name: "a byte changed", d: Decoder{Secret: secret}, body: changed, h: signed(body, secret, now),
			errSubstr: "does not match"},
		{name: "missing header", d: Decoder{Secret: secret}, body: body, h: http.Header{},
			errSubstr: "the Stripe-Signature header is missing"},
		{name: "nil header", d: Decoder{Secret: secret}, body: body, errSubstr: "missing"},
		{name: "malformed header", d: Decoder{Secret: secret}, body: body,
			h: http.Header{"Stripe-Signature": {"t=now,v1"}}, errSubstr: "malformed"},
		{name: "no v1 signature", d: Decoder{Secret: secret}, body: body,
			h: http.Header{"Stripe-Signature": {"t=" + strconv.FormatInt(now.Unix(), 10) + ",v0=abcd"}}, errSubstr: "does not match"},
		{name: "wrong secret", d: Decoder{Secret: "whsec_other"}, body: body, h: signed(body, secret, now),
			errSubstr: "does not match"},
		{name: "empty secret", d: Decoder{}, body: body, h: signed(body, "", now),
			errSubstr: "AFTERSALE_STRIPE_WEBHOOK_SECRET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.d.Verify(tt.body, tt.h)
			if tt.ok {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if aftersale.ErrorCode(err) != aftersale.EUNAUTHORIZED || !strings.Contains(err.Error(), tt.errSubstr) {
				t.Fatalf("Verify = %v; want EUNAUTHORIZED with %q", err, tt.errSubstr)
			}
		})
	}
}

// TestVerifyThenEvent runs a signed delivery through both steps, as the
// web layer does.
func TestVerifyThenEvent(t *testing.T) {
	const secret = "whsec_test"
	d := &Decoder{Secret: secret}
	for _, f := range []string{checkoutFile, subFile, invoiceFile, refundFile} {
		body := fixture(t, f)
		p := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret})
		h := http.Header{"Stripe-Signature": {p.Header}}
		if err := d.Verify(body, h); err != nil {
			t.Fatalf("%s: Verify: %v", f, err)
		}
		if _, _, err := d.Event(body, h); err != nil {
			t.Fatalf("%s: Event: %v", f, err)
		}
	}
}
