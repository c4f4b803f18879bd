package stripe

import (
	"encoding/json"

	"github.com/aftersale/aftersale"
)

// objectTypes is the "object" each mapped event type carries in
// data.object.
var objectTypes = map[string]string{
	typeCheckoutCompleted:    "checkout.session",
	typeCheckoutAsyncSuccess: "checkout.session",
	typeInvoicePaid:          "invoice",
	typeChargeRefunded:       "charge",
}

// checkObject checks that data.object is the kind of object the event type
// carries (a charge.refunded carries a charge). Stripe signs the whole
// event, type included, so this guards against a malformed or hand-made
// event rather than a replay: an invoice read as a charge would be
// mapped field by field from the wrong thing.
func checkObject(typ string, raw json.RawMessage) error {
	want := objectTypes[typ]
	var o struct {
		Object string `json:"object"`
	}
	if err := unmarshal(raw, &o, obj); err != nil {
		return err
	}
	switch {
	case o.Object == "":
		return aftersale.FieldError(obj+".object", "is required: event type %s needs object %q", typ, want)
	case o.Object != want:
		return aftersale.FieldError(obj+".object", "is %.40q, but event type %s needs object %q", o.Object, typ, want)
	}
	return nil
}
