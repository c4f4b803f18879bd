package aftersale_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aftersale/aftersale"
)

func TestTextRuleCheck(t *testing.T) {
	tests := []struct {
		name     string
		rule     aftersale.TextRule
		in       string
		contains string // "" when valid
	}{
		{"plain name", aftersale.NameText, "Ana Lima", ""},
		{"odd quote", aftersale.NameText, `O"Brien`, ""},
		{"encoded word", aftersale.NameText, "=?utf-8?q?Ana?=", ""},
		{"accents and RTL letters", aftersale.NameText, "Zoë Ñandú שרה", ""},
		{"emoji with joiner", aftersale.NameText, "Sam 👩‍💻", ""},
		{"NUL", aftersale.NameText, "A\x00B", "NUL"},
		{"NUL in free text", aftersale.FreeText, "A\x00B", "NUL"},
		{"tab in a name", aftersale.NameText, "A\tB", "tab or line break"},
		{"CRLF in a name", aftersale.NameText, "A\r\nBcc: x@y.z", "tab or line break"},
		{"escape", aftersale.NameText, "A\x1bB", "control character"},
		{"DEL", aftersale.NameText, "A\x7fB", "control character"},
		{"C1", aftersale.NameText, "A\u0085B", "control character"},
		{"C1 in free text", aftersale.FreeText, "A\u009bB", "control character"},
		{"RLO", aftersale.NameText, "Ana\u202Egnp.exe", "bidirectional"},
		{"isolate", aftersale.IDText, "a\u2066b", "bidirectional"},
		{"line separator", aftersale.NameText, "a\u2028b", "separator"},
		{"invalid UTF-8", aftersale.NameText, "Ana \xff", "UTF-8"},
		{"free text lines", aftersale.FreeText, "Too small.\r\n\tSecond line\n", ""},
		{"free text RTL marks", aftersale.FreeText, "\u202Bשלום\u202C", ""},
		{"at the limit", aftersale.NameText, strings.Repeat("é", 200), ""},
		{"over the limit", aftersale.NameText, strings.Repeat("a", 201), "at most 200"},
		{"url limit", aftersale.URLText, "https://x.example/" + strings.Repeat("a", 2048), "at most 2048"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rule.Check("customer.name", tt.in)
			if tt.contains == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e, ok := err.(*aftersale.Error)
			if !ok || e.Code != aftersale.EINVALID || e.Field != "customer.name" {
				t.Fatalf("err = %#v, want EINVALID on customer.name", err)
			}
			if !strings.Contains(e.Message, tt.contains) {
				t.Errorf("message %q does not say %q", e.Message, tt.contains)
			}
		})
	}
}

func TestTextRuleClean(t *testing.T) {
	tests := []struct {
		rule    aftersale.TextRule
		in, out string
	}{
		{aftersale.NameText, "Ana\tLima", "Ana Lima"},
		{aftersale.NameText, "A\x00B", "AB"},
		{aftersale.NameText, "Ana\u202Egnp", "Anagnp"},
		{aftersale.NameText, "Ana \xff", "Ana \uFFFD"},
		{aftersale.FreeText, "a\n\x1bb", "a\n b"},
		{aftersale.TextRule{Max: 3}, "abcdef", "abc"},
		{aftersale.NameText, `O"Brien`, `O"Brien`},
	}
	for _, tt := range tests {
		if got := tt.rule.Clean(tt.in); got != tt.out {
			t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.out)
		}
	}
}

// TestValidateEveryTextField puts a NUL in each text field of an event
// in turn: each is refused, naming the field with its path.
func TestValidateEveryTextField(t *testing.T) {
	fields := []string{
		"id", "source", "customer.name", "customer.phone", "customer.timezone", "user.name",
		"order.id", "order.number", "order.currency", "order.total", "order.coupon", "order.referral",
		"order.items[1].sku", "order.items[1].name", "order.items[1].kind", "order.items[1].price", "order.items[1].access_url",
		"shipment.order_id", "shipment.status", "shipment.carrier", "shipment.tracking_number", "shipment.tracking_url",
		"booking.order_id", "booking.title", "booking.join_url",
		"return.order_id", "return.reason", "return.skus[0]", "return.items[0].sku", "return.items[0].name", "return.comment",
		"return.resolution", "refund.id", "refund.amount", "refund.shipping",
		"refund.items[0].sku", "refund.items[0].name", "refund.items[0].amount", "refund.reason",
	}
	for _, field := range fields {
		t.Run(field, func(t *testing.T) {
			ev := fullEvent()
			setText(t, ev, field, "x\x00y")
			err := ev.Validate()
			e, ok := err.(*aftersale.Error)
			if !ok || e.Field != field || !strings.Contains(e.Message, "NUL") {
				t.Fatalf("err = %v, want a NUL refused in %s", err, field)
			}
		})
	}
	if err := fullEvent().Validate(); err != nil {
		t.Fatalf("the full event itself: %v", err)
	}
}

func TestValidateCleanTexts(t *testing.T) {
	ev := fullEvent()
	ev.Customer.Name = "Ana\tLima\x00"
	ev.Order.Items[1].Name = "Course\u202E"
	ev.Return.Comment = "line\n\x07two"
	ev.CleanTexts()
	if err := ev.Validate(); err != nil {
		t.Fatal(err)
	}
	if ev.Customer.Name != "Ana Lima" || ev.Order.Items[1].Name != "Course" || ev.Return.Comment != "line\n two" {
		t.Errorf("cleaned %q %q %q", ev.Customer.Name, ev.Order.Items[1].Name, ev.Return.Comment)
	}
}

func fullEvent() *aftersale.Event {
	ev, err := aftersale.DecodeEvent([]byte(validOrder))
	if err != nil {
		panic(err)
	}
	ev.Order.Number, ev.Order.Coupon, ev.Order.Referral = "#1001", "SAVE10", "ANA-7"
	ev.Order.Items = append(ev.Order.Items, aftersale.Item{SKU: "c2", Name: "Coaching", Kind: aftersale.KindCoaching, Quantity: 1, AccessURL: "https://x.example/a"})
	ev.Shipment = &aftersale.Shipment{OrderID: "1001", Status: aftersale.ShipmentShipped, Carrier: "UPS", TrackingNumber: "1Z", TrackingURL: "https://ups.example/1Z"}
	ev.Booking = &aftersale.Booking{OrderID: "1001", StartsAt: ev.OccurredAt, Title: "Kickoff", JoinURL: "https://meet.example/k"}
	ev.Return = &aftersale.ReturnFacts{OrderID: "1001", Reason: "Too small", SKUs: []string{"course-101"},
		Items: []aftersale.ReturnItem{{SKU: "c2", Name: "Coaching", Quantity: 1}}, Comment: "Sorry.\nThanks"}
	ev.Refund = &aftersale.RefundFacts{ID: "r1", Reason: "asked", Items: []aftersale.RefundItem{{SKU: "c2", Name: "Coaching", Quantity: 1}}}
	return ev
}

// setText sets the text field at the path (as fullEvent has it).
func setText(t *testing.T, ev *aftersale.Event, field, v string) {
	o, s, b, r, f := ev.Order, ev.Shipment, ev.Booking, ev.Return, ev.Refund
	p := map[string]*string{
		"id": &ev.ID, "source": &ev.Source, "customer.name": &ev.Customer.Name, "customer.phone": &ev.Customer.Phone,
		"customer.timezone": &ev.Customer.Timezone, "user.name": &ev.User.Name,
		"order.id": &o.ID, "order.number": &o.Number, "order.coupon": &o.Coupon, "order.referral": &o.Referral,
		"order.currency": &o.Currency, "order.total": &o.Total,
		"order.items[1].sku": &o.Items[1].SKU, "order.items[1].name": &o.Items[1].Name, "order.items[1].access_url": &o.Items[1].AccessURL,
		"order.items[1].kind": (*string)(&o.Items[1].Kind), "order.items[1].price": &o.Items[1].Price,
		"shipment.order_id": &s.OrderID, "shipment.status": (*string)(&s.Status), "shipment.carrier": &s.Carrier, "shipment.tracking_number": &s.TrackingNumber, "shipment.tracking_url": &s.TrackingURL,
		"booking.order_id": &b.OrderID, "booking.title": &b.Title, "booking.join_url": &b.JoinURL,
		"return.order_id": &r.OrderID, "return.reason": &r.Reason, "return.skus[0]": &r.SKUs[0],
		"return.items[0].sku": &r.Items[0].SKU, "return.items[0].name": &r.Items[0].Name, "return.comment": &r.Comment,
		"return.resolution": &r.Resolution, "refund.amount": &f.Amount, "refund.shipping": &f.Shipping,
		"refund.items[0].amount": &f.Items[0].Amount,
		"refund.id":              &f.ID, "refund.items[0].sku": &f.Items[0].SKU, "refund.items[0].name": &f.Items[0].Name, "refund.reason": &f.Reason,
	}[field]
	if p == nil {
		t.Fatalf("no field %s", field)
	}
	*p = v
}

// FuzzTextRule checks that Check never panics, that what it accepts is
// valid UTF-8 within the limit, and that Clean always gives text that
// Check accepts.
func FuzzTextRule(f *testing.F) {
	for _, s := range []string{"Ana", "A\x00B", "O\"Brien", "a\u202Eb", "\xff\xfe", "a\r\nb", "=?utf-8?q?a=0D=0A?="} {
		f.Add(s, false, 10)
	}
	f.Fuzz(func(t *testing.T, s string, multiline bool, max int) {
		r := aftersale.TextRule{Max: max % 300, Multiline: multiline}
		if r.Max < 0 {
			r.Max = -r.Max
		}
		if r.Check("f", s) == nil {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				t.Fatalf("accepted %q", s)
			}
			if r.Clean(s) != s {
				t.Fatalf("Clean changed accepted %q", s)
			}
		}
		if c := r.Clean(s); r.Check("f", c) != nil {
			t.Fatalf("Clean(%q) = %q, which Check refuses: %v", s, c, r.Check("f", c))
		}
	})
}

// TestCleanKeepsIDsWhole: Clean cuts a long name to its rule's length but
// never an identifier (a cut id would name something else), which stays
// refused.
func TestCleanKeepsIDsWhole(t *testing.T) {
	long := strings.Repeat("a", 300)
	if got := aftersale.NameText.Clean(long); len(got) != aftersale.NameText.Max {
		t.Errorf("aftersale.NameText.Clean of 300 characters is %d long, want %d", len(got), aftersale.NameText.Max)
	}
	got := aftersale.IDText.Clean(long + "\x00")
	if got != long {
		t.Errorf("aftersale.IDText.Clean cut or kept the NUL: %d characters", len(got))
	}
	if aftersale.IDText.Check("id", got) == nil {
		t.Error("a 300-character id passes aftersale.IDText after Clean")
	}
}
