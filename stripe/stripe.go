// Package stripe maps Stripe's webhooks to aftersale events.
//
// Set it up in the Stripe dashboard (Developers → Webhooks → Add endpoint):
// the endpoint URL is https://YOUR-HOST/webhooks/stripe, and the events to
// select are
//
//   - checkout.session.completed: a one-off purchase through Checkout or a
//     Payment Link becomes order.placed (subscription-mode sessions are
//     ignored: memberships come from invoice.paid);
//   - checkout.session.async_payment_succeeded: the same, for a session paid
//     later by a delayed payment method (SEPA debit, bank transfer, ...);
//   - invoice.paid: a paid subscription invoice (the first one, renewals,
//     or the $0 invoice of a free trial start) becomes order.placed with
//     membership lines;
//   - charge.refunded: becomes order.refunded for every refund, partial or
//     full, with what has been refunded on the charge so far
//     (amount_refunded, cumulative) and whether Stripe counts it fully
//     refunded; the engine decides whether the order is.
//
// Then copy the endpoint's signing secret ("whsec_...") into
// AFTERSALE_STRIPE_WEBHOOK_SECRET. Every request is verified against it
// with stripe-go's webhook package before anything in it is used; events of any
// API version are accepted, since only a few long-stable fields are read.
//
// Stripe does not send a Checkout session's line items in the webhook, so a
// one-off purchase becomes one item, named and typed by the session's (or
// Payment Link's) metadata: "product" (the item's name), "sku", "kind" (one
// of aftersale's item kinds) and "product_type" (for the kind rules). A
// session whose line_items are expanded gives one item per line instead.
// Every item's price is per unit: an invoice line's or Checkout line's
// unit amount, else its amount ÷ its quantity. Stripe has no order number
// (OrderFacts.Number stays empty; the id is shown).
package stripe

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aftersale/aftersale"
	webhook "github.com/stripe/stripe-go/v82/webhook"
)

// Source is the Source of the events this package makes.
const Source = "stripe"

// SignatureHeader is the header that carries Stripe's webhook signature.
const SignatureHeader = "Stripe-Signature"

// Decoder verifies and maps Stripe webhooks.
type Decoder struct {
	// Secret is the endpoint's signing secret, "whsec_..."
	// (AFTERSALE_STRIPE_WEBHOOK_SECRET).
	Secret string
	// Kinds say what kind a line is when its metadata does not; may be nil.
	Kinds *aftersale.KindRules
	// Tolerance is how old a signature's timestamp may be; 0 means
	// stripe-go's default (300 s).
	Tolerance time.Duration
}

// Verify checks the Stripe-Signature header over the raw body with
// stripe-go's webhook package. A missing or malformed header, a signature
// that does not match, a timestamp outside the tolerance or an empty Secret
// give an EUNAUTHORIZED *aftersale.Error saying which.
func (d *Decoder) Verify(body []byte, h http.Header) error {
	if d.Secret == "" {
		return aftersale.Errorf(aftersale.EUNAUTHORIZED,
			"the Stripe webhook secret is not set (AFTERSALE_STRIPE_WEBHOOK_SECRET)")
	}
	header := h.Get(SignatureHeader)
	if header == "" {
		return aftersale.Errorf(aftersale.EUNAUTHORIZED, "the Stripe-Signature header is missing")
	}
	tolerance := d.Tolerance
	if tolerance <= 0 {
		tolerance = webhook.DefaultTolerance
	}
	err := webhook.ValidatePayloadWithTolerance(body, header, d.Secret, tolerance)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, webhook.ErrNotSigned):
		return aftersale.Errorf(aftersale.EUNAUTHORIZED, "the Stripe-Signature header is missing")
	case errors.Is(err, webhook.ErrInvalidHeader):
		return aftersale.Errorf(aftersale.EUNAUTHORIZED, "the Stripe-Signature header is malformed")
	case errors.Is(err, webhook.ErrTooOld):
		return aftersale.Errorf(aftersale.EUNAUTHORIZED,
			"the Stripe-Signature timestamp is outside the tolerance (%s)", tolerance)
	case errors.Is(err, webhook.ErrNoValidSignature):
		return aftersale.Errorf(aftersale.EUNAUTHORIZED,
			"the Stripe-Signature does not match the body and the secret (check AFTERSALE_STRIPE_WEBHOOK_SECRET)")
	}
	return aftersale.Errorf(aftersale.EUNAUTHORIZED, "the Stripe-Signature does not verify")
}

// The Stripe event types that are mapped.
const (
	typeCheckoutCompleted    = "checkout.session.completed"
	typeCheckoutAsyncSuccess = "checkout.session.async_payment_succeeded"
	typeInvoicePaid          = "invoice.paid"
	typeChargeRefunded       = "charge.refunded"
)

// Event maps a verified Stripe event to one aftersale event. It returns
// (nil, reason, nil) for event types and payloads that are deliberately
// ignored (another type, an unpaid or subscription-mode Checkout session,
// a purchase without an email), and an EINVALID *aftersale.Error naming
// the field (as a path in Stripe's JSON, e.g. "data.object.currency") for
// malformed JSON or a payload missing what its type needs. The event
// returned has passed Validate.
func (d *Decoder) Event(body []byte, h http.Header) (ev *aftersale.Event, ignored string, err error) {
	var env envelope
	if err := unmarshal(body, &env, ""); err != nil {
		return nil, "", err
	}
	switch env.Type {
	case typeCheckoutCompleted, typeCheckoutAsyncSuccess, typeInvoicePaid, typeChargeRefunded:
	case "":
		return nil, "", aftersale.FieldError("type", "is required")
	default:
		return nil, fmt.Sprintf("event type %s is not used", env.Type), nil
	}
	switch {
	case env.ID == "":
		return nil, "", aftersale.FieldError("id", "is required")
	case env.Created <= 0:
		return nil, "", aftersale.FieldError("created", "is required (a Unix time)")
	case isNull(env.Data.Object):
		return nil, "", aftersale.FieldError("data.object", "is required")
	}
	if err := checkObject(env.Type, env.Data.Object); err != nil {
		return nil, "", err
	}
	ev = &aftersale.Event{
		ID:         "stripe:" + env.ID,
		OccurredAt: time.Unix(env.Created, 0).UTC(),
		Source:     Source,
	}
	switch env.Type {
	case typeCheckoutCompleted, typeCheckoutAsyncSuccess:
		ignored, err = d.checkout(ev, env.Data.Object)
	case typeInvoicePaid:
		ignored, err = d.invoice(ev, env.Data.Object)
	case typeChargeRefunded:
		ignored, err = refund(ev, env.Data.Object)
	}
	if err != nil || ignored != "" {
		return nil, ignored, err
	}
	// A platform answered 400 retries and in the end turns the webhook
	// off: a stray control character is taken as a space (CleanTexts).
	ev.CleanTexts()
	if err := ev.Validate(); err != nil {
		return nil, "", err
	}
	return ev, "", nil
}
