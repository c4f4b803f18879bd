package woocommerce_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
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
	f.Add([]byte(`{"action":"woocommerce_order_fully_refunded","arg":723}`), "action.woocommerce_order_fully_refunded", "d1")
	f.Add([]byte(`{"action":"woocommerce_order_partially_refunded","arg":723}`), "action.woocommerce_order_partially_refunded", "d1")
	f.Add([]byte(`{"id":9,"number":"A-9","status":"processing","total":"10","refunds":[{"id":"r2","total":-3},{"id":1,"total":"-0.5","reason":"x"}]}`), "order.updated", "d4")
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
			if ev.Source != "woocommerce" || !idOK(ev, delivery) {
				t.Fatalf("event id %q source %q", ev.ID, ev.Source)
			}
		case ignored == "":
			t.Fatal("no event, no reason, no error")
		}
	})
}

// idOK reports whether the event's id is what Event documents: the order
// and its refunds for a refund, else the delivery and the order.
func idOK(ev *aftersale.Event, delivery string) bool {
	if ev.Type != aftersale.EventOrderRefunded {
		return ev.Refund == nil && ev.ID == "woocommerce:"+strings.TrimSpace(delivery)+":"+ev.OrderRef()
	}
	base := "woocommerce:" + ev.OrderRef()
	r := ev.Refund
	switch {
	case r == nil || !r.Cumulative:
		return false
	case r.Full:
		return ev.ID == base+":refunded" || strings.HasPrefix(ev.ID, base+":refunded:")
	}
	return strings.HasPrefix(ev.ID, base+":refunds:")
}

// FuzzRefunds feeds refunds lists to the documented order 723 and checks
// that a refund event's id and amounts do not depend on the delivery or
// on the order of the list, and that the amount is never negative.
func FuzzRefunds(f *testing.F) {
	f.Add([]byte(`[{"id":726,"refund":"","total":"-10.00"},{"id":724,"refund":"","total":"-9.00"}]`), "completed")
	f.Add([]byte(`[{"id":731,"reason":"Order fully refunded.","total":"-20.00"},{"id":726,"total":"-10.00"},{"id":724,"total":"-9.00"}]`), "refunded")
	f.Add([]byte(`[{"id":"9","total":9},{"id":"10","total":"-1e2"},{"id":"a1","total":"-0"}]`), "processing")
	f.Add([]byte(`[{"id":1,"total":"-1.00"},{"id":1,"total":"-2.00"}]`), "completed")
	f.Add([]byte(`[]`), "refunded")
	f.Add([]byte(`[{"id":null,"total":null,"reason":null}]`), "completed")
	f.Add([]byte(`{"id":1}`), "completed")

	d := decoder(f, "")
	sample := fixture(f, "docs_order_723_refunds.json")
	f.Fuzz(func(t *testing.T, list []byte, status string) {
		var order map[string]json.RawMessage
		if err := json.Unmarshal(sample, &order); err != nil {
			t.Fatal(err)
		}
		st, _ := json.Marshal(status)
		order["status"], order["refunds"] = st, list
		body, err := json.Marshal(order)
		if err != nil {
			return // list is not JSON
		}
		event := func(body []byte, delivery string) (*aftersale.Event, string, error) {
			h := headers("order.updated", body)
			h.Set("X-WC-Webhook-Delivery-ID", delivery)
			return d.Event(body, h)
		}
		ev, ignored, err := event(body, "d1")
		switch {
		case err != nil:
			if aftersale.ErrorCode(err) != aftersale.EINVALID || ev != nil || ignored != "" {
				t.Fatalf("err %#v, event %+v, ignored %q", err, ev, ignored)
			}
			return
		case ev == nil:
			if ignored == "" {
				t.Fatal("no event, no reason, no error")
			}
			return
		}
		if err := ev.Validate(); err != nil || !idOK(ev, "d1") {
			t.Fatalf("event %+v: %v", ev, err)
		}
		if ev.Type != aftersale.EventOrderRefunded {
			return
		}
		if r := ev.Refund; strings.HasPrefix(r.Amount, "-") || len(ev.ID) > 200 {
			t.Fatalf("refund %+v, id %q", r, ev.ID)
		}
		again, _, err := event(body, "d2")
		if err != nil || again.ID != ev.ID || !reflect.DeepEqual(again.Refund, ev.Refund) {
			t.Fatalf("another delivery: %+v, %v; first %+v", again, err, ev)
		}
		var lines []json.RawMessage
		if json.Unmarshal(list, &lines) != nil {
			return
		}
		slices.Reverse(lines)
		order["refunds"], _ = json.Marshal(lines)
		body, _ = json.Marshal(order)
		rev, _, err := event(body, "d3")
		if err != nil || rev == nil || rev.ID != ev.ID || !reflect.DeepEqual(rev.Refund, ev.Refund) {
			t.Fatalf("the list reversed: %+v, %v; first %+v", rev, err, ev)
		}
	})
}
