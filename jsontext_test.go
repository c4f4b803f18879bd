package aftersale_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aftersale/aftersale"
)

// fixtureStamp is the occurred_at of the bodies here: a past moment that
// nothing compares with now.
var fixtureStamp = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC).Format(time.RFC3339)

func TestDecodeEventRefusesBrokenText(t *testing.T) {
	head := `{"id":"e1","type":"order.placed","occurred_at":"` + fixtureStamp + `",`
	tests := []struct {
		name, body, field, contains string
	}{
		{"invalid byte in a name", head + `"customer":{"email":"a@b.co","name":"Ana ` + "\xff" + `"}}`, "customer.name", "UTF-8"},
		{"invalid byte in an item name", head + `"customer":{"email":"a@b.co"},"order":{"id":"1","items":[{"name":"x","kind":"digital"},{"name":"` + "\xc3\x28" + `","kind":"digital"}]}}`, "order.items[1].name", "UTF-8"},
		{"invalid byte in an email", head + `"customer":{"email":"a` + "\xe9" + `@b.co"}}`, "customer.email", "UTF-8"},
		{"invalid byte in a key", head + `"customer":{"na` + "\xff" + `me":"x"}}`, "customer", "has a key that is not valid UTF-8"},
		{"invalid byte in a top key", head + `"x` + "\xff" + `":1}`, "body", "has a key that is not valid UTF-8"},
		{"overlong encoding", head + `"customer":{"email":"a@b.co","name":"` + "\xc0\xaf" + `"}}`, "customer.name", "UTF-8"},
		{"lone high surrogate", head + `"customer":{"email":"a@b.co","name":"A\ud800B"}}`, "customer.name", "surrogate"},
		{"lone low surrogate", head + `"customer":{"email":"a@b.co","name":"A\udc00"}}`, "customer.name", "surrogate"},
		{"high surrogate at the end", head + `"customer":{"email":"a@b.co","name":"\ud83d"}}`, "customer.name", "surrogate"},
		{"two high surrogates", head + `"customer":{"email":"a@b.co","name":"\ud83d\ud83d"}}`, "customer.name", "surrogate"},
		{"surrogate in the id", `{"id":"\udfff","type":"order.placed"}`, "id", "surrogate"},
		{"in nested arrays", `{"x":[[1,{"y":["a","` + "\xff" + `"]}]]}`, "x[0][1].y[1]", "UTF-8"},
		{"outside any string", `{"id":"e1"` + "\xff" + `}`, "body", "UTF-8"},
		{"broken JSON before it", `{"id":,"name":"` + "\xff" + `"}`, "body", "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := aftersale.DecodeEvent([]byte(tt.body))
			e, ok := err.(*aftersale.Error)
			if !ok || e.Code != aftersale.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			if e.Field != tt.field || !strings.Contains(e.Message, tt.contains) {
				t.Errorf("field %q message %q; want %q, %q", e.Field, e.Message, tt.field, tt.contains)
			}
		})
	}
}

func TestDecodeEventKeepsGoodText(t *testing.T) {
	body := `{"id":"e1","type":"order.placed","occurred_at":"` + fixtureStamp + `",
	 "customer":{"email":"a@b.co","name":"O\"Brien \ud83d\ude00 \\ud800 Zoë \u00e9"},
	 "order":{"id":"1","items":[{"name":"x","kind":"digital"}]}}`
	ev, err := aftersale.DecodeEvent([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if want := "O\"Brien 😀 \\ud800 Zoë é"; ev.Customer.Name != want {
		t.Errorf("name %q, want %q", ev.Customer.Name, want)
	}
}

func TestDecodeEventRefusesControlCharacters(t *testing.T) {
	head := `{"id":"e1","type":"order.placed","occurred_at":"` + fixtureStamp + `",`
	tests := []struct{ name, body, field string }{
		{"NUL in a name", head + `"customer":{"email":"a@b.co","name":"A\u0000B"},"order":{"id":"1","items":[{"name":"x","kind":"digital"}]}}`, "customer.name"},
		{"NUL in an item name", head + `"customer":{"email":"a@b.co"},"order":{"id":"1","items":[{"name":"x","kind":"digital"},{"name":"x\u0000","kind":"digital"},{"name":"y","kind":"digital"}]}}`, "order.items[1].name"},
		{"NUL in the order id", head + `"customer":{"email":"a@b.co"},"order":{"id":"1\u0000","items":[{"name":"x","kind":"digital"}]}}`, "order.id"},
		{"NUL in the event id", `{"id":"e\u00001","type":"order.placed","occurred_at":"` + fixtureStamp + `"}`, "id"},
		{"NUL in a return comment", `{"id":"e1","type":"return.requested","occurred_at":"` + fixtureStamp + `","return":{"order_id":"1","comment":"x\u0000y"}}`, "return.comment"},
		{"bell in a name", head + `"customer":{"email":"a@b.co","name":"A\u0007B"}}`, "customer.name"},
		{"RLO in a name", head + `"customer":{"email":"a@b.co","name":"A\u202EB"}}`, "customer.name"},
		{"CRLF in an encoded word", head + `"customer":{"email":"a@b.co","name":"=?utf-8?q?a?=\r\nBcc: x@y.z"}}`, "customer.name"},
		{"address literal", head + `"customer":{"email":"a@[127.0.0.1]"}}`, "customer.email"},
		{"hyphen domain", head + `"customer":{"email":"a@-b.com"}}`, "customer.email"},
		{"65-character local part", head + `"customer":{"email":"` + strings.Repeat("a", 65) + `@b.com"}}`, "customer.email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := aftersale.DecodeEvent([]byte(tt.body))
			e, ok := err.(*aftersale.Error)
			if !ok || e.Code != aftersale.EINVALID || e.Field != tt.field {
				t.Fatalf("err = %#v, want EINVALID on %s", err, tt.field)
			}
		})
	}
}

// FuzzDecodeEventText checks that DecodeEvent never panics, and that an
// event it accepts was sent as valid UTF-8 text: every string of the
// stored event is the string that was sent (no U+FFFD put in its place).
func FuzzDecodeEventText(f *testing.F) {
	f.Add([]byte(validOrder))
	f.Add([]byte(`{"id":"e\ud800","type":"order.placed"}`))
	f.Add([]byte("{\"id\":\"e\xff\",\"type\":\"order.placed\"}"))
	f.Add([]byte(`{"id":"e1","type":"return.requested","occurred_at":"` + fixtureStamp + `","return":{"order_id":"1","comment":"\ud83d\ude00\n"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := aftersale.DecodeEvent(data)
		if err != nil {
			if aftersale.ErrorCode(err) != aftersale.EINVALID {
				t.Fatalf("code %q: %v", aftersale.ErrorCode(err), err)
			}
			return
		}
		if !utf8.Valid(data) {
			t.Fatalf("accepted invalid UTF-8 %q", data)
		}
		payload, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsRune(string(payload), utf8.RuneError) && !strings.Contains(string(data), "\uFFFD") && !strings.Contains(strings.ToLower(string(data)), `\ufffd`) {
			t.Fatalf("U+FFFD appeared in %q from %q", payload, data)
		}
		again, err := aftersale.DecodeEvent(payload)
		if err != nil {
			t.Fatalf("the stored form does not decode: %v\n%s", err, payload)
		}
		if p2, _ := json.Marshal(again); string(p2) != string(payload) {
			t.Fatalf("not stable:\n%s\n%s", payload, p2)
		}
	})
}
