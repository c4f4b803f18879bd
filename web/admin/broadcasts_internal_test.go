package admin

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
)

func FuzzReadBroadcastForm(f *testing.F) {
	f.Add("title=T&subject=Hi&body=x&skus=a,b&kinds=digital&stages=loyal&purchased_from=2026-01-01&purchased_to=2026-02-01&rate=10&first_look=on")
	f.Add("rate=ten&purchased_to=yesterday")
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		r := httptest.NewRequest("POST", "/admin/broadcasts", nil)
		r.PostForm = form
		_, b, err := readBroadcastForm(r)
		if err != nil {
			if aftersale.ErrorCode(err) != aftersale.EINVALID {
				t.Fatalf("error %v is not a validation error", err)
			}
			return
		}
		for _, sku := range b.Segment.SKUs {
			if sku == "" || strings.ContainsAny(sku, ", \t\r\n") {
				t.Fatalf("SKU %q", sku)
			}
		}
		if b.FirstLook && !b.Segment.CustomersOnly {
			t.Fatal("a first look is not for customers only")
		}
		if !b.Segment.PurchasedTo.IsZero() && b.Segment.PurchasedTo.Hour() != 0 {
			t.Fatalf("purchased to %v", b.Segment.PurchasedTo)
		}
	})
}
