package shopify

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// Shopify's own documented sample payloads (testdata/samples, sources in
// testdata/README.md) and what each maps to: one row per topic and sample.
func TestShopifySamples(t *testing.T) {
	// at is a sample's local time with its UTC offset in hours.
	at := func(y int, mo time.Month, d, h, mi, sec, offset int) time.Time {
		return time.Date(y, mo, d, h, mi, sec, 0, time.FixedZone("", offset*3600))
	}
	// The webhook reference's order #9999 (orders/create, orders/paid):
	// five lines, one unit each, price per unit.
	jon := &aftersale.Contact{Email: "jon@example.com", Name: "John Smith", Phone: "555-555-SHIP"}
	order9999 := &aftersale.OrderFacts{
		ID: "820982911946154500", Number: "#9999", Currency: "USD", Total: "404.95",
		Items: []aftersale.Item{
			{SKU: "SKU2006-001", Name: "Aviator sunglasses", Kind: aftersale.KindPhysical, Quantity: 1, Price: "89.99"},
			{SKU: "LENS-PROTECT-2YR", Name: "Lens Protection Plan (2 Year)", Kind: aftersale.KindPhysical, Quantity: 1, Price: "19.99"},
			{SKU: "CASE-LEATHER-PREM", Name: "Premium Leather Case", Kind: aftersale.KindPhysical, Quantity: 1, Price: "24.99"},
			{SKU: "SKU2006-020", Name: "Mid-century lounger", Kind: aftersale.KindPhysical, Quantity: 1, Price: "159.99"},
			{SKU: "SKU2006-035", Name: "Coffee table", Kind: aftersale.KindPhysical, Quantity: 1, Price: "119.99"},
		},
	}
	tests := []struct {
		topic, file string
		want        *aftersale.Event // ID and Source are filled in
		ignored     string
		field       string // the EINVALID error's field, if the sample is refused
	}{
		{topic: "orders/create", file: "shopify-dev-2026-04-orders_create.json", want: &aftersale.Event{
			Type: aftersale.EventOrderPlaced, OccurredAt: at(2021, 12, 31, 19, 0, 0, -5), Customer: jon, Order: order9999,
		}},
		// The reference shows one voided, cancelled order for every order
		// topic; orders/paid places it as orders/create does (the admin's
		// "Send test notification" sends this sample).
		{topic: "orders/paid", file: "shopify-dev-2026-04-orders_paid.json", want: &aftersale.Event{
			Type: aftersale.EventOrderPlaced, OccurredAt: at(2021, 12, 31, 19, 0, 0, -5), Customer: jon, Order: order9999,
		}},
		{topic: "orders/cancelled", file: "shopify-dev-2026-04-orders_cancelled.json", want: &aftersale.Event{
			Type: aftersale.EventOrderCancelled, OccurredAt: at(2021, 12, 31, 19, 0, 0, -5),
			Order: &aftersale.OrderFacts{ID: "820982911946154500", Number: "#9999"},
		}},
		// Every unit of the five lines, and two refund transactions of
		// 75.00 and 10.00: the money is what went back.
		{topic: "refunds/create", file: "shopify-dev-2026-04-refunds_create.json", want: &aftersale.Event{
			Type: aftersale.EventOrderRefunded, OccurredAt: at(2021, 12, 31, 19, 0, 0, -5),
			Order: &aftersale.OrderFacts{ID: "820982911946154500"},
			Refund: &aftersale.RefundFacts{ID: "890088186047892400", Amount: "85.00", Reason: "Things were damaged", Items: []aftersale.RefundItem{
				{SKU: "SKU2006-001", Name: "Aviator sunglasses", Quantity: 1, Amount: "89.99"},
				{SKU: "LENS-PROTECT-2YR", Name: "Lens Protection Plan (2 Year)", Quantity: 1, Amount: "19.99"},
				{SKU: "CASE-LEATHER-PREM", Name: "Premium Leather Case", Quantity: 1, Amount: "24.99"},
				{SKU: "SKU2006-020", Name: "Mid-century lounger", Quantity: 1, Amount: "159.99"},
				{SKU: "SKU2006-035", Name: "Coffee table", Quantity: 1, Amount: "119.99"},
			}},
		}},
		{topic: "fulfillments/create", file: "shopify-dev-2026-04-fulfillments_create.json", ignored: "the fulfillment's status is pending: not shipped yet"},
		{topic: "fulfillments/update", file: "shopify-dev-2026-04-fulfillments_update.json", ignored: "the fulfillment's status is pending: not shipped yet"},
		// The REST reference's order #1001 (three IPod Nanos, 409.94) and
		// its refund of two of the three lines (209.00).
		{topic: "orders/create", file: "shopify-python-api-order.json", want: &aftersale.Event{
			Type: aftersale.EventOrderPlaced, OccurredAt: at(2008, 1, 10, 11, 0, 0, -5),
			Customer: &aftersale.Contact{Email: "bob.norman@hostmail.com", Name: "Bob Norman", Phone: "555-625-1199", MarketingConsent: ptr(false)},
			Order: &aftersale.OrderFacts{ID: "450789469", Number: "#1001", Currency: "USD", Total: "409.94", Coupon: "TENOFF", Items: []aftersale.Item{
				{SKU: "IPOD2008GREEN", Name: "IPod Nano - 8gb - green", Kind: aftersale.KindPhysical, Quantity: 1, Price: "199.00"},
				{SKU: "IPOD2008RED", Name: "IPod Nano - 8gb - red", Kind: aftersale.KindPhysical, Quantity: 1, Price: "199.00"},
				{SKU: "IPOD2008BLACK", Name: "IPod Nano - 8gb - black", Kind: aftersale.KindPhysical, Quantity: 1, Price: "199.00"},
			}},
		}},
		{topic: "refunds/create", file: "shopify-python-api-refund.json", want: &aftersale.Event{
			Type: aftersale.EventOrderRefunded, OccurredAt: at(2016, 6, 20, 13, 35, 6, -4),
			Order: &aftersale.OrderFacts{ID: "450789469"},
			Refund: &aftersale.RefundFacts{ID: "509562969", Amount: "209.00", Reason: "it broke during shipping", Items: []aftersale.RefundItem{
				{SKU: "IPOD2008BLACK", Name: "IPod Nano - 8gb - black", Quantity: 1},
				{SKU: "IPOD2008GREEN", Name: "IPod Nano - 8gb - green", Quantity: 1},
			}},
		}},
		{topic: "fulfillments/create", file: "shopify-python-api-fulfillment.json", ignored: "the fulfillment's status is pending: not shipped yet"},
	}
	for _, tt := range tests {
		t.Run(tt.topic+" "+tt.file, func(t *testing.T) {
			d := newDecoder(t, "")
			body := fixture(t, filepath.Join("samples", tt.file))
			h := headers(tt.topic, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
			h.Set(HeaderHmac, sign(testSecret, body))
			if err := d.Verify(body, h); err != nil {
				t.Fatal(err)
			}
			ev, ignored, err := d.Event(body, h)
			if tt.field != "" {
				wantCode(t, err, aftersale.EINVALID, tt.field)
				return
			}
			if err != nil {
				t.Fatalf("Event = %v", err)
			}
			if tt.ignored != "" {
				if ev != nil || ignored != tt.ignored {
					t.Fatalf("Event = %+v, %q, want ignored %q", ev, ignored, tt.ignored)
				}
				return
			}
			if ev == nil {
				t.Fatalf("ignored %q", ignored)
			}
			want := *tt.want
			want.ID, want.Source = "shopify:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", "shopify"
			if !ev.OccurredAt.Equal(want.OccurredAt) {
				t.Errorf("OccurredAt = %v, want %v", ev.OccurredAt, want.OccurredAt)
			}
			got := *ev
			got.OccurredAt, want.OccurredAt = time.Time{}, time.Time{}
			if !reflect.DeepEqual(&got, &want) {
				g, _ := json.MarshalIndent(&got, "", " ")
				w, _ := json.MarshalIndent(&want, "", " ")
				t.Errorf("event =\n%s\nwant\n%s", g, w)
			}
		})
	}
}

// The refund of two of order #1001's three lines is partial by units and
// by money: 209.00 of 409.94.
func TestSampleRefundIsPartial(t *testing.T) {
	d := newDecoder(t, "")
	placed, _, err := d.Event(fixture(t, "samples/shopify-python-api-order.json"), headers("orders/create", "p1"))
	if err != nil {
		t.Fatal(err)
	}
	refunded, _, err := d.Event(fixture(t, "samples/shopify-python-api-refund.json"), headers("refunds/create", "p2"))
	if err != nil {
		t.Fatal(err)
	}
	if refunded.Order.ID != placed.Order.ID {
		t.Fatalf("the refund is of order %s, the sample order is %s", refunded.Order.ID, placed.Order.ID)
	}
	r := refunded.Refund
	if r.Full || r.Cumulative {
		t.Errorf("Full %v Cumulative %v, want neither", r.Full, r.Cumulative)
	}
	if aftersale.CompareMoney(r.Amount, placed.Order.Total) >= 0 {
		t.Errorf("refunded %s of %s: want less than the total", r.Amount, placed.Order.Total)
	}
	units := 0
	for _, it := range placed.Order.Items {
		units += it.Quantity
	}
	refundedUnits := 0
	for _, it := range r.Items {
		refundedUnits += it.Quantity
	}
	if refundedUnits != 2 || units != 3 {
		t.Errorf("refunded %d of %d units, want 2 of 3", refundedUnits, units)
	}
}
