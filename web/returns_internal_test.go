package web

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
)

func chooseForm() *returnChoose {
	return &returnChoose{Key: "generated-key-0123456789", Items: []returnItemRow{
		{SKU: "shoe-42", Name: "Trail Shoe", Max: 2}, {SKU: "sock-1", Name: "Wool Socks", Max: 1},
	}}
}

func TestReadReturnForm(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, form string
		items      []aftersale.ReturnItem
		resolution string
		msg        string
	}{
		{"quantities", "qty-shoe-42=2&qty-sock-1=0&reason=x&resolution=exchange", []aftersale.ReturnItem{{SKU: "shoe-42", Quantity: 2}}, "exchange", ""},
		{"a ticked box", "item-sock-1=on", []aftersale.ReturnItem{{SKU: "sock-1", Quantity: 1}}, "refund", ""},
		{"not a number", "qty-shoe-42=two", nil, "", "whole number"},
		{"negative", "qty-shoe-42=-1", nil, "", "whole number"},
		{"bad resolution", "qty-shoe-42=1&resolution=credit", []aftersale.ReturnItem{{SKU: "shoe-42", Quantity: 1}}, "", "money back or an exchange"},
		{"long note", "qty-shoe-42=1&comment=" + strings.Repeat("x", maxReturnComment+1), []aftersale.ReturnItem{{SKU: "shoe-42", Quantity: 1}}, "", "under 2000"},
		{"unknown sku ignored", "qty-hat=3&qty-sock-1=1", []aftersale.ReturnItem{{SKU: "sock-1", Quantity: 1}}, "refund", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, _ := url.ParseQuery(tc.form)
			in, msg := readReturnForm(chooseForm(), f)
			if !strings.Contains(msg, tc.msg) || (tc.msg == "" && msg != "") {
				t.Fatalf("msg %q, want %q", msg, tc.msg)
			}
			if !slices.Equal(in.Items, tc.items) {
				t.Errorf("items %+v, want %+v", in.Items, tc.items)
			}
			if tc.msg == "" && in.Resolution != tc.resolution {
				t.Errorf("resolution %q, want %q", in.Resolution, tc.resolution)
			}
		})
	}
	// A key from the form is kept; a short one is not trusted.
	c := chooseForm()
	if in, _ := readReturnForm(c, url.Values{"key": {"form-key-0123456789"}}); in.Key != "form-key-0123456789" {
		t.Errorf("key %q", in.Key)
	}
	if in, _ := readReturnForm(chooseForm(), url.Values{"key": {"short"}}); in.Key != "generated-key-0123456789" {
		t.Errorf("short key replaced the generated one: %q", in.Key)
	}
}

func FuzzReadReturnForm(f *testing.F) {
	f.Add("qty-shoe-42=2&reason=x&resolution=exchange&key=0123456789abcdefgh")
	f.Add("item-sock-1=on&comment=%00")
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		in, msg := readReturnForm(chooseForm(), form)
		if msg != "" {
			return
		}
		if in.Resolution != aftersale.ResolutionRefund && in.Resolution != aftersale.ResolutionExchange {
			t.Fatalf("resolution %q passed", in.Resolution)
		}
		if len(in.Comment) > maxReturnComment || len(in.Key) < 16 || len(in.Key) > 64 {
			t.Fatalf("comment of %d bytes, key %q", len(in.Comment), in.Key)
		}
		for _, it := range in.Items {
			if it.Quantity <= 0 || (it.SKU != "shoe-42" && it.SKU != "sock-1") {
				t.Fatalf("item %+v", it)
			}
		}
	})
}
