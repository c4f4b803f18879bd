package shopify

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
)

func TestRefundMapping(t *testing.T) {
	body := fixture(t, "samples/shopify-python-api-refund.json")
	lines := func(m map[string]any) []any { return m["refund_line_items"].([]any) }
	rli := func(m map[string]any, i int) map[string]any { return lines(m)[i].(map[string]any) }
	tx := func(status, amount string) map[string]any {
		return map[string]any{"kind": "refund", "status": status, "amount": amount}
	}
	items := []aftersale.RefundItem{
		{SKU: "IPOD2008BLACK", Name: "IPod Nano - 8gb - black", Quantity: 1},
		{SKU: "IPOD2008GREEN", Name: "IPod Nano - 8gb - green", Quantity: 1},
	}
	withAmounts := func(a, b string) []aftersale.RefundItem {
		out := append([]aftersale.RefundItem(nil), items...)
		out[0].Amount, out[1].Amount = a, b
		return out
	}
	subtotals := func(m map[string]any) {
		rli(m, 0)["subtotal"], rli(m, 0)["total_tax"] = json.Number("195.67"), json.Number("3.98")
		rli(m, 1)["subtotal"], rli(m, 1)["total_tax"] = json.Number("199.0"), json.Number("0")
	}
	base := aftersale.RefundFacts{ID: "509562969", Amount: "209.00", Reason: "it broke during shipping", Items: items}
	tests := []struct {
		name    string
		change  func(m map[string]any)
		want    func() aftersale.RefundFacts
		ignored string
	}{
		{name: "as documented", want: func() aftersale.RefundFacts { return base }},
		{name: "line subtotals become item amounts", change: subtotals, want: func() aftersale.RefundFacts {
			r := base
			r.Items = withAmounts("195.67", "199.00")
			return r
		}},
		{name: "failed and error transactions pay nothing back", change: func(m map[string]any) {
			m["transactions"] = []any{tx("failure", "209.00"), tx("error", "10.00"), tx("success", "5.50"), tx("pending", "1.25")}
		}, want: func() aftersale.RefundFacts { r := base; r.Amount = "6.75"; return r }},
		{name: "a sale beside the refund is not counted", change: func(m map[string]any) {
			m["transactions"] = []any{map[string]any{"kind": "sale", "status": "success", "amount": "409.94"}, tx("success", "20.00")}
		}, want: func() aftersale.RefundFacts { r := base; r.Amount = "20.00"; return r }},
		{name: "no money moved: items only", change: func(m map[string]any) { m["transactions"] = []any{} },
			want: func() aftersale.RefundFacts { r := base; r.Amount = "0.00"; return r }},
		{name: "no transactions key: the lines, their tax and shipping", change: func(m map[string]any) {
			subtotals(m)
			delete(m, "transactions")
			m["refund_shipping_lines"] = []any{map[string]any{"subtotal_amount_set": map[string]any{
				"shop_money": map[string]any{"amount": json.Number("5"), "currency_code": "USD"}}}}
		}, want: func() aftersale.RefundFacts {
			r := base
			r.Items, r.Amount, r.Shipping = withAmounts("195.67", "199.00"), "403.65", "5.00"
			return r
		}},
		{name: "shipping from refund_shipping_lines", change: func(m map[string]any) {
			m["refund_shipping_lines"] = []any{
				map[string]any{"subtotal_amount_set": map[string]any{"shop_money": map[string]any{"amount": "4.00"}}},
				map[string]any{"subtotal_amount_set": map[string]any{"shop_money": map[string]any{"amount": json.Number("1.5")}}},
			}
		}, want: func() aftersale.RefundFacts { r := base; r.Shipping = "5.50"; return r }},
		{name: "shipping from a shipping_refund adjustment", change: func(m map[string]any) {
			m["order_adjustments"] = []any{
				map[string]any{"kind": "shipping_refund", "amount": "-8.00", "tax_amount": "-0.48"},
				map[string]any{"kind": "refund_discrepancy", "amount": "-1.00", "tax_amount": "0.00"},
			}
		}, want: func() aftersale.RefundFacts { r := base; r.Shipping = "8.00"; return r }},
		{name: "adjustment shipping and its tax count without transactions", change: func(m map[string]any) {
			delete(m, "transactions")
			m["refund_line_items"] = []any{}
			m["order_adjustments"] = []any{map[string]any{"kind": "shipping_refund", "amount": "-8.00", "tax_amount": "-0.48"}}
		}, want: func() aftersale.RefundFacts {
			r := base
			r.Items, r.Amount, r.Shipping = nil, "8.48", "8.00"
			return r
		}},
		{name: "money only", change: func(m map[string]any) { m["refund_line_items"] = nil },
			want: func() aftersale.RefundFacts { r := base; r.Items = nil; return r }},
		{name: "a line with no units is left out", change: func(m map[string]any) { rli(m, 1)["quantity"] = 0 },
			want: func() aftersale.RefundFacts { r := base; r.Items = items[:1]; return r }},
		{name: "name from the title", change: func(m map[string]any) {
			li := rli(m, 0)["line_item"].(map[string]any)
			li["sku"], li["name"] = nil, ""
		}, want: func() aftersale.RefundFacts {
			r := base
			r.Items = []aftersale.RefundItem{{Name: "IPod Nano - 8gb", Quantity: 1}, items[1]}
			return r
		}},
		{name: "no line item: named by its id", change: func(m map[string]any) { rli(m, 0)["line_item"] = nil },
			want: func() aftersale.RefundFacts {
				r := base
				r.Items = []aftersale.RefundItem{{Name: "line item 703073504", Quantity: 1}, items[1]}
				return r
			}},
		{name: "no note", change: func(m map[string]any) { m["note"] = nil },
			want: func() aftersale.RefundFacts { r := base; r.Reason = ""; return r }},
		{name: "restock only: no items, no money", change: func(m map[string]any) {
			m["refund_line_items"], m["transactions"], m["restock"] = []any{}, []any{}, true
		}, ignored: "the refund names no items and pays nothing back (a restock or an adjustment only)"},
		{name: "only failed transactions and no items", change: func(m map[string]any) {
			m["refund_line_items"], m["transactions"] = []any{}, []any{tx("failure", "209.00")}
		}, ignored: "the refund names no items and pays nothing back (a restock or an adjustment only)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := body
			if tt.change != nil {
				b = mutate(t, body, tt.change)
			}
			ev, ignored, err := newDecoder(t, "").Event(b, headers("refunds/create", "r1"))
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
			if want := tt.want(); !reflect.DeepEqual(*ev.Refund, want) {
				t.Errorf("refund = %+v\nwant     %+v", *ev.Refund, want)
			}
			if ev.Type != aftersale.EventOrderRefunded || ev.Order.ID != "450789469" || ev.Customer != nil {
				t.Errorf("event %+v", ev)
			}
		})
	}
}

func TestRefundErrors(t *testing.T) {
	body := fixture(t, "samples/shopify-python-api-refund.json")
	rli := func(m map[string]any, i int) map[string]any {
		return m["refund_line_items"].([]any)[i].(map[string]any)
	}
	tests := []struct {
		name   string
		change func(m map[string]any)
		field  string
	}{
		{"amount is not money", func(m map[string]any) { m["transactions"].([]any)[0].(map[string]any)["amount"] = "lots" }, "transactions[0].amount"},
		{"amount is negative", func(m map[string]any) { m["transactions"].([]any)[0].(map[string]any)["amount"] = "-209.00" }, "transactions[0].amount"},
		{"amount is an exponent", func(m map[string]any) { m["transactions"].([]any)[0].(map[string]any)["amount"] = json.Number("1e400") }, "transactions[0].amount"},
		{"amount is an object", func(m map[string]any) { m["transactions"].([]any)[0].(map[string]any)["amount"] = map[string]any{} }, "transactions.amount"},
		{"transactions is an object", func(m map[string]any) { m["transactions"] = map[string]any{} }, "transactions"},
		{"subtotal is not money", func(m map[string]any) { rli(m, 1)["subtotal"] = "n/a" }, "refund_line_items[1].subtotal"},
		{"subtotal is negative", func(m map[string]any) { rli(m, 0)["subtotal"] = json.Number("-1") }, "refund_line_items[0].subtotal"},
		{"tax is not money", func(m map[string]any) { rli(m, 0)["total_tax"] = "x" }, "refund_line_items[0].total_tax"},
		{"quantity is negative", func(m map[string]any) { rli(m, 0)["quantity"] = -1 }, "refund_line_items[0].quantity"},
		{"quantity is text", func(m map[string]any) { rli(m, 0)["quantity"] = "one" }, "refund_line_items.quantity"},
		{"shipping is not money", func(m map[string]any) {
			m["refund_shipping_lines"] = []any{map[string]any{"subtotal_amount_set": map[string]any{"shop_money": map[string]any{"amount": "free"}}}}
		}, "refund_shipping_lines[0].subtotal_amount_set.shop_money.amount"},
		{"adjustment is not money", func(m map[string]any) {
			m["order_adjustments"] = []any{map[string]any{"kind": "shipping_refund", "amount": "-8,00"}}
		}, "order_adjustments[0].amount"},
		{"refund id too long", func(m map[string]any) { m["id"] = strings.Repeat("9", 201) }, "refund.id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, ignored, err := newDecoder(t, "").Event(mutate(t, body, tt.change), headers("refunds/create", "r2"))
			if ev != nil || ignored != "" {
				t.Fatalf("Event = %+v, %q, want an error", ev, ignored)
			}
			wantCode(t, err, aftersale.EINVALID, tt.field)
		})
	}
}

// Shopify's line item price is the price of one unit: an order of three
// keeps it, and the total stays the order's.
func TestUnitPrices(t *testing.T) {
	body := mutate(t, fixture(t, "samples/shopify-dev-2026-04-orders_create.json"), func(m map[string]any) { line(m, 0)["quantity"] = 3 })
	ev, _, err := newDecoder(t, "").Event(body, headers("orders/create", "u1"))
	if err != nil {
		t.Fatal(err)
	}
	if it := ev.Order.Items[0]; it.Quantity != 3 || it.Price != "89.99" {
		t.Errorf("item = %+v, want 3 at 89.99 each", it)
	}
	// The project's own fixture: 2 × 29.00 tee + 1 × 49.00 course (+ shipping, tax) = 101.90.
	ev, _, err = newDecoder(t, "").Event(fixture(t, "orders_create.json"), headers("orders/create", "u2"))
	if err != nil {
		t.Fatal(err)
	}
	if it := ev.Order.Items[0]; it.Quantity != 2 || it.Price != "29.00" {
		t.Errorf("item = %+v, want 2 at 29.00 each", it)
	}
}

func TestOrderNumber(t *testing.T) {
	body := fixture(t, "samples/shopify-dev-2026-04-orders_create.json")
	tests := []struct {
		name   string
		change func(m map[string]any)
		want   string
	}{
		{"name", func(map[string]any) {}, "#9999"},
		{"trimmed", func(m map[string]any) { m["name"] = "  #1001-EU " }, "#1001-EU"},
		{"none", func(m map[string]any) { delete(m, "name") }, ""},
		{"null", func(m map[string]any) { m["name"] = nil }, ""},
		{"too long is clipped", func(m map[string]any) { m["name"] = strings.Repeat("9", 150) }, strings.Repeat("9", 100)},
	}
	for _, tt := range tests {
		for _, topic := range []string{"orders/create", "orders/paid", "orders/cancelled"} {
			paid := func(m map[string]any) { tt.change(m); m["financial_status"] = "paid" }
			ev, _, err := newDecoder(t, "").Event(mutate(t, body, paid), headers(topic, "n1"))
			if err != nil {
				t.Fatalf("%s %s: %v", tt.name, topic, err)
			}
			if ev.Order.Number != tt.want {
				t.Errorf("%s %s: number = %q, want %q", tt.name, topic, ev.Order.Number, tt.want)
			}
		}
	}
}

func FuzzRefund(f *testing.F) {
	for _, name := range []string{"samples/shopify-python-api-refund.json", "samples/shopify-dev-2026-04-refunds_create.json", "refunds_create.json"} {
		f.Add(fixture(f, name))
	}
	f.Add([]byte(`{"order_id":1,"refund_line_items":[{"quantity":2,"subtotal":-1}],"transactions":null}`))
	f.Add([]byte(`{"order_id":1,"order_adjustments":[{"kind":"shipping_refund","amount":"-8.00","tax_amount":1e3}]}`))
	f.Add([]byte(`{"order_id":1,"refund_shipping_lines":[{"subtotal_amount_set":{"shop_money":{"amount":"5"}}}],"transactions":[]}`))
	d := newDecoder(f, "")
	f.Fuzz(func(t *testing.T, body []byte) {
		checkEvent(t, d, "refunds/create", "r-1", body)
		ev, _, err := d.Event(body, headers("refunds/create", "r-1"))
		if err != nil || ev == nil {
			return
		}
		r := ev.Refund
		if r == nil || r.Cumulative || r.Full {
			t.Fatalf("refund part %+v", r)
		}
		if len(r.Items) == 0 && aftersale.CompareMoney(r.Amount, "0") <= 0 {
			t.Fatalf("a refund of nothing was mapped: %+v", r)
		}
		for _, m := range append([]string{r.Amount, r.Shipping}, itemAmounts(r)...) {
			if strings.HasPrefix(m, "-") {
				t.Fatalf("negative money %q in %+v", m, r)
			}
		}
	})
}

func itemAmounts(r *aftersale.RefundFacts) []string {
	var out []string
	for _, it := range r.Items {
		out = append(out, it.Amount)
	}
	return out
}
