package woocommerce_test

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
)

// FuzzEvent checks that Event never panics, gives exactly one of an event,
// a reason and an error, and that every event it returns passes Validate.
func FuzzEvent(f *testing.F) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, name := range files {
		body, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body, "order.created", "9c5f0e5d")
		f.Add(body, "order.updated", "9c5f0e5d")
	}
	f.Add([]byte(`{"action":"woocommerce_order_refunded","arg":1287}`), "action.woocommerce_order_refunded", "d1")
	f.Add([]byte(`{"action":"woocommerce_order_refunded","arg":"12"}`), "action.woocommerce_order_refunded", "d1")
	f.Add([]byte("webhook_id=17"), "", "")
	f.Add([]byte(`{"id":1,"status":"completed","billing":{"email":"a@b.co"},"line_items":[{"name":"x","quantity":1.5,"price":1e3,"total":"-0"}]}`), "order.created", "d2")
	f.Add([]byte(`{"id":"7","status":"refunded","date_modified_gmt":"0001-01-01T00:00:00"}`), "order.updated", "d3")

	d := decoder(f, "sku:COURSE-=course, sku:COACH=coaching")
	f.Fuzz(func(t *testing.T, body []byte, topic, delivery string) {
		h := http.Header{}
		h.Set("X-WC-Webhook-Topic", topic)
		h.Set("X-WC-Webhook-Delivery-ID", delivery)
		h.Set("X-WC-Webhook-Signature", sign(secret, body))
		if err := d.Verify(body, h); err != nil {
			t.Fatalf("Verify of a signed body: %v", err)
		}
		ev, ignored, err := d.Event(body, h)
		switch {
		case err != nil:
			var e *aftersale.Error
			if !errors.As(err, &e) || e.Code != aftersale.EINVALID {
				t.Fatalf("err = %#v, want an EINVALID *aftersale.Error", err)
			}
			if ev != nil || ignored != "" {
				t.Fatalf("an error with event %+v, ignored %q", ev, ignored)
			}
		case ev != nil:
			if ignored != "" {
				t.Fatalf("an event and ignored %q", ignored)
			}
			if err := ev.Validate(); err != nil {
				t.Fatalf("Validate: %v\nevent %+v", err, ev)
			}
			if ev.Source != "woocommerce" || ev.ID != "woocommerce:"+strings.TrimSpace(delivery)+":"+ev.OrderRef() {
				t.Fatalf("event id %q source %q", ev.ID, ev.Source)
			}
		case ignored == "":
			t.Fatal("no event, no reason, no error")
		}
	})
}
