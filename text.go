package aftersale

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// TextRule says what one text field may hold. Every text that comes in
// (events from the API, webhooks and CSV files, forms) is checked with the
// rule of its field before anything is stored:
//
//   - it is valid UTF-8;
//   - it holds no NUL and no other C0 or C1 control character, and no
//     DEL; free text (Multiline) may hold tab, line feed and carriage
//     return, one-line text none of them;
//   - one-line text holds no bidirectional embedding, override or isolate
//     (U+202A–U+202E, U+2066–U+2069) and no line or paragraph separator
//     (U+2028, U+2029): they make a name or an id read differently from
//     what it is;
//   - it is at most Max characters long (runes, not bytes).
//
// Encoded words (=?utf-8?q?…?=) are ordinary text here; the mail layer
// encodes names itself, so that they can only ever be shown as written.
type TextRule struct {
	// Max is the largest number of characters; 0 means no limit.
	Max int
	// Multiline allows tab, line feed and carriage return, and the
	// bidirectional controls that right-to-left writers use in prose.
	Multiline bool
	// Exact marks identifiers: Clean never cuts them to Max, since a cut
	// id would name something else; one too long stays refused.
	Exact bool
}

// The rules of the kinds of text fields.
var (
	// IDText is for identifiers: event, order, refund and shipment ids,
	// SKUs, coupon and tracking numbers.
	IDText = TextRule{Max: 200, Exact: true}
	// NameText is for names of people and short labels.
	NameText = TextRule{Max: 200}
	// ItemNameText is for product names, which shops make from a product
	// title and a variant title.
	ItemNameText = TextRule{Max: 500}
	// CodeText is for short codes: order numbers, referral codes, phone
	// numbers, time zones, sources.
	CodeText = TextRule{Max: 100}
	// URLText is for links (checked further as http(s) URLs).
	URLText = TextRule{Max: 2048}
	// ReasonText is for short free text: a return or refund reason.
	ReasonText = TextRule{Max: 500, Multiline: true}
	// FreeText is for free text: a return comment, a task note.
	FreeText = TextRule{Max: 4000, Multiline: true}
)

// Check returns nil when s follows the rule, and otherwise an EINVALID
// *Error naming field (e.g. "order.items[2].name") that says what is wrong
// and where (the position of the first bad character, counted from 1).
func (r TextRule) Check(field, s string) error {
	n := 0
	for i := 0; i < len(s); {
		c, size := utf8.DecodeRuneInString(s[i:])
		n++
		if c == utf8.RuneError && size == 1 {
			return FieldError(field, "is not valid UTF-8 (byte %d)", i+1)
		}
		if why := r.refuse(c); why != "" {
			return FieldError(field, "must not contain %s (%U at character %d)", why, c, n)
		}
		i += size
	}
	if r.Max > 0 && n > r.Max {
		return FieldError(field, "must be at most %d characters", r.Max)
	}
	return nil
}

// refuse says why c is not allowed by r ("" when it is).
func (r TextRule) refuse(c rune) string {
	switch {
	case c == 0:
		return "a NUL character"
	case c == '\t' || c == '\n' || c == '\r':
		if r.Multiline {
			return ""
		}
		return "a tab or line break"
	case c < 0x20 || c == 0x7f || c >= 0x80 && c <= 0x9f:
		return "a control character"
	case r.Multiline:
		return ""
	case c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069:
		return "a bidirectional control character"
	case c == 0x2028 || c == 0x2029:
		return "a line or paragraph separator"
	}
	return ""
}

// Clean returns s made to follow the rule, for text from a shop platform
// that must be taken rather than refused: invalid UTF-8 becomes U+FFFD,
// NUL and the characters one-line text refuses are dropped, other control
// characters become spaces, and the text is cut to Max characters
// (unless the rule is Exact).
func (r TextRule) Clean(s string) string {
	if r.Check("", s) == nil {
		return s
	}
	var b strings.Builder
	n := 0
	for _, c := range strings.ToValidUTF8(s, "\uFFFD") {
		if r.Max > 0 && n == r.Max && !r.Exact {
			break
		}
		switch why := r.refuse(c); {
		case why == "":
		case c == 0 || c > 0x9f:
			continue
		default:
			c = ' '
		}
		b.WriteRune(c)
		n++
	}
	return b.String()
}

// text is one text field of an event: its path, where its value is, and
// its rule.
type text struct {
	field string
	value *string
	rule  TextRule
}

// checkTexts checks every text field of every part of the event with the
// rule of its kind, whatever the event's type (a part the type does not
// use is stored all the same), and returns the first problem.
func (e *Event) checkTexts() error {
	for _, t := range e.texts() {
		if err := t.rule.Check(t.field, *t.value); err != nil {
			return err
		}
	}
	return nil
}

// CleanTexts makes every text field of the event follow its rule (see
// TextRule.Clean), for a shop platform's mapping: a platform that is
// answered 400 retries the delivery and in the end turns the webhook off,
// so a name with a stray tab is better taken with a space. Validate still
// checks the event afterwards.
func (e *Event) CleanTexts() {
	for _, t := range e.texts() {
		*t.value = t.rule.Clean(*t.value)
	}
}

// texts lists the event's text fields, in the order of the event's JSON.
// Email addresses and the fields with a closed set of values (type, kind,
// status, resolution, currency, money) are checked by their own rules.
func (e *Event) texts() []text {
	ts := []text{{"id", &e.ID, IDText}, {"source", &e.Source, CodeText}}
	ts = append(ts, e.Customer.texts("customer")...)
	ts = append(ts, e.User.texts("user")...)
	if o := e.Order; o != nil {
		ts = append(ts, text{"order.id", &o.ID, IDText}, text{"order.number", &o.Number, CodeText},
			text{"order.currency", &o.Currency, CodeText}, text{"order.total", &o.Total, CodeText},
			text{"order.coupon", &o.Coupon, IDText}, text{"order.referral", &o.Referral, CodeText})
		for i := range o.Items {
			it, f := &o.Items[i], index("order.items", i)
			ts = append(ts, text{f + ".sku", &it.SKU, IDText}, text{f + ".name", &it.Name, ItemNameText},
				text{f + ".kind", (*string)(&it.Kind), CodeText}, text{f + ".price", &it.Price, CodeText},
				text{f + ".access_url", &it.AccessURL, URLText})
		}
	}
	if s := e.Shipment; s != nil {
		ts = append(ts, text{"shipment.order_id", &s.OrderID, IDText}, text{"shipment.status", (*string)(&s.Status), CodeText},
			text{"shipment.carrier", &s.Carrier, NameText},
			text{"shipment.tracking_number", &s.TrackingNumber, IDText}, text{"shipment.tracking_url", &s.TrackingURL, URLText})
	}
	if b := e.Booking; b != nil {
		ts = append(ts, text{"booking.order_id", &b.OrderID, IDText}, text{"booking.title", &b.Title, ItemNameText},
			text{"booking.join_url", &b.JoinURL, URLText})
	}
	if r := e.Return; r != nil {
		ts = append(ts, text{"return.order_id", &r.OrderID, IDText}, text{"return.reason", &r.Reason, ReasonText},
			text{"return.resolution", &r.Resolution, CodeText})
		for i := range r.SKUs {
			ts = append(ts, text{index("return.skus", i), &r.SKUs[i], IDText})
		}
		for i := range r.Items {
			it, f := &r.Items[i], index("return.items", i)
			ts = append(ts, text{f + ".sku", &it.SKU, IDText}, text{f + ".name", &it.Name, ItemNameText})
		}
		ts = append(ts, text{"return.comment", &r.Comment, FreeText})
	}
	if r := e.Refund; r != nil {
		ts = append(ts, text{"refund.id", &r.ID, IDText}, text{"refund.amount", &r.Amount, CodeText},
			text{"refund.shipping", &r.Shipping, CodeText})
		for i := range r.Items {
			it, f := &r.Items[i], index("refund.items", i)
			ts = append(ts, text{f + ".sku", &it.SKU, IDText}, text{f + ".name", &it.Name, ItemNameText},
				text{f + ".amount", &it.Amount, CodeText})
		}
		ts = append(ts, text{"refund.reason", &r.Reason, ReasonText})
	}
	return ts
}

// texts lists the contact's text fields (none for nil) under the prefix.
func (c *Contact) texts(field string) []text {
	if c == nil {
		return nil
	}
	return []text{{field + ".name", &c.Name, NameText}, {field + ".phone", &c.Phone, CodeText},
		{field + ".timezone", &c.Timezone, CodeText}}
}

// index names element i of the list field: "order.items[2]".
func index(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }
