package aftersale_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// refundEvent is an order.refunded event with the given order and refund
// parts (JSON, "" to leave out).
func refundEvent(order, refund string) string {
	at := time.Unix(1_800_000_000, 0).UTC().Format(time.RFC3339)
	s := fmt.Sprintf(`{"id":"r1","type":"order.refunded","occurred_at":%q,"order":%s`, at, order)
	if refund != "" {
		s += `,"refund":` + refund
	}
	return s + "}"
}

func TestDecodeRefund(t *testing.T) {
	ev, err := aftersale.DecodeEvent([]byte(refundEvent(`{"id":"1001"}`, "")))
	if err != nil || ev.Refund != nil {
		t.Fatalf("a bare refund: %v, refund %+v; want the whole order (no refund part)", err, ev.Refund)
	}
	ev, err = aftersale.DecodeEvent([]byte(refundEvent(`{"id":"1001","items":[{"sku":"kit"},{"name":"Guide","quantity":2}]}`, "")))
	if err != nil {
		t.Fatal(err)
	}
	want := []aftersale.RefundItem{{SKU: "kit", Quantity: 1}, {Name: "Guide", Quantity: 2}}
	if ev.Refund == nil || fmt.Sprint(ev.Refund.Items) != fmt.Sprint(want) || ev.Refund.Amount != "" {
		t.Errorf("items in the order part: refund %+v, want items %+v", ev.Refund, want)
	}
	ev, err = aftersale.DecodeEvent([]byte(refundEvent(`{"id":"1001","total":"20.00"}`, "")))
	if err != nil || ev.Refund == nil || ev.Refund.Amount != "20.00" {
		t.Errorf("a total in the order part: %v %+v, want amount 20.00", err, ev.Refund)
	}
	ev, err = aftersale.DecodeEvent([]byte(refundEvent(`{"id":"1001"}`, `{"id":"re_1","amount":"25.00","shipping":"5.00","items":[{"sku":"kit","amount":"20.00"}],"reason":"broken"}`)))
	if err != nil || ev.Refund.Items[0].Quantity != 1 || ev.Refund.Shipping != "5.00" || ev.Refund.ID != "re_1" {
		t.Errorf("a refund part: %v %+v", err, ev.Refund)
	}

	for _, c := range []struct{ name, order, refund, field, contains string }{
		{"negative amount", `{"id":"1"}`, `{"amount":"-5.00"}`, "refund.amount", "non-negative"},
		{"amount as words", `{"id":"1"}`, `{"amount":"five"}`, "refund.amount", "decimal"},
		{"amount as number", `{"id":"1"}`, `{"amount":5}`, "refund.amount", "string"},
		{"bad shipping", `{"id":"1"}`, `{"shipping":"1,50"}`, "refund.shipping", "decimal"},
		{"item without sku", `{"id":"1"}`, `{"items":[{"quantity":1}]}`, "refund.items[0].sku", "required"},
		{"negative quantity", `{"id":"1"}`, `{"items":[{"sku":"a","quantity":-1}]}`, "refund.items[0].quantity", "negative"},
		{"bad item amount", `{"id":"1"}`, `{"items":[{"sku":"a","amount":"x"}]}`, "refund.items[0].amount", "decimal"},
		{"order item without sku", `{"id":"1","items":[{"quantity":1}]}`, "", "order.items[0].sku", "required"},
		{"bad order total", `{"id":"1","total":"lots"}`, "", "order.total", "decimal"},
		{"long reason", `{"id":"1"}`, `{"reason":"` + strings.Repeat("x", 501) + `"}`, "refund.reason", "500"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := aftersale.DecodeEvent([]byte(refundEvent(c.order, c.refund)))
			e, _ := err.(*aftersale.Error)
			if e == nil || e.Code != aftersale.EINVALID || e.Field != c.field || !strings.Contains(err.Error(), c.contains) {
				t.Errorf("error %v, want EINVALID on %s mentioning %q", err, c.field, c.contains)
			}
		})
	}
}

func TestDecodeOrderNumber(t *testing.T) {
	at := time.Unix(1_800_000_000, 0).UTC().Format(time.RFC3339)
	body := fmt.Sprintf(`{"id":"o1","type":"order.placed","occurred_at":%q,"customer":{"email":"a@b.co"},
		"order":{"id":"820982911946154500","number":" #9999 ","items":[{"name":"x","kind":"digital"}]}}`, at)
	ev, err := aftersale.DecodeEvent([]byte(body))
	if err != nil || ev.Order.Number != "#9999" {
		t.Fatalf("number: %v %q, want #9999", err, ev.Order.Number)
	}
	long := strings.Replace(body, " #9999 ", strings.Repeat("9", 101), 1)
	if _, err := aftersale.DecodeEvent([]byte(long)); aftersale.ErrorCode(err) != aftersale.EINVALID || !strings.Contains(err.Error(), "order.number") {
		t.Errorf("a 101-character number: %v", err)
	}
}

// FuzzDecodeRefund checks that no refund part panics the decoder and that
// an accepted one validates again unchanged.
func FuzzDecodeRefund(f *testing.F) {
	f.Add(`{"id":"1001"}`, `{"amount":"20.00","items":[{"sku":"a","quantity":1}]}`)
	f.Add(`{"id":"1001","items":[{"sku":"a"}],"total":"5"}`, ``)
	f.Add(`{"id":"1001"}`, `{"amount":"-1","shipping":"x"}`)
	f.Add(`{"id":"1001"}`, `[]`)
	f.Fuzz(func(t *testing.T, order, refund string) {
		ev, err := aftersale.DecodeEvent([]byte(refundEvent(order, refund)))
		if err != nil {
			if aftersale.ErrorCode(err) != aftersale.EINVALID {
				t.Fatalf("error without EINVALID: %v", err)
			}
			return
		}
		if err := ev.Validate(); err != nil {
			t.Fatalf("an accepted event fails validation again: %v", err)
		}
	})
}

func TestMoney(t *testing.T) {
	for _, c := range []struct{ a, b, sum string }{
		{"", "", ""}, {"10", "", "10.00"}, {"0.1", "0.2", "0.30"}, {"209.00", "200.94", "409.94"}, {"1.005", "1", "2.005"},
	} {
		if got := aftersale.AddMoney(c.a, c.b); got != c.sum {
			t.Errorf("AddMoney(%q, %q) = %q, want %q", c.a, c.b, got, c.sum)
		}
	}
	if aftersale.CompareMoney("409.94", "409.940") != 0 || aftersale.CompareMoney("", "0.01") != -1 || aftersale.CompareMoney("10", "9.99") != 1 {
		t.Error("CompareMoney")
	}
	if got := aftersale.MoneyShare("25", "100"); got != 0.25 {
		t.Errorf("MoneyShare = %v", got)
	}
	if got := aftersale.MultiplyMoney("99.50", 3); got != "298.50" {
		t.Errorf("MultiplyMoney = %q", got)
	}
	if got := aftersale.DivideMoney("700.00", "7"); got != "100.00" {
		t.Errorf("DivideMoney = %q", got)
	}
	if got := aftersale.DivideMoney("10.00", "0"); got != "10.00" {
		t.Errorf("DivideMoney by 0 = %q", got)
	}
	if aftersale.MoneyShare("1", "") != 0 {
		t.Error("MoneyShare of nothing")
	}
}
