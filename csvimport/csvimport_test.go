package csvimport

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/config"
)

func read(t *testing.T, data string, rules string) *Result {
	t.Helper()
	kinds, err := config.ParseKindRules(rules)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := NewReader(strings.NewReader(data), kinds.Rules())
	if err != nil {
		t.Fatal(err)
	}
	res, err := rd.ReadAll(nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestReadShopExport(t *testing.T) {
	data, err := os.ReadFile("testdata/orders.csv")
	if err != nil {
		t.Fatal(err)
	}
	res := read(t, string(data), "sku:COURSE-=course")
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	if res.Rows != 4 || res.Orders != 3 {
		t.Errorf("rows %d, orders %d; want 4, 3", res.Rows, res.Orders)
	}
	var ids []string
	for _, ev := range res.Events {
		ids = append(ids, ev.ID+"="+string(ev.Type))
	}
	want := "import:1001=order.placed import:1002=order.placed import:1002:refunded=order.refunded import:1003=order.placed import:1003:cancelled=order.cancelled"
	if got := strings.Join(ids, " "); got != want {
		t.Errorf("events\n got %s\nwant %s", got, want)
	}
	ana := res.Events[0]
	if ana.Source != "import" || ana.History {
		t.Errorf("source %q history %v; want import, not history (the caller decides)", ana.Source, ana.History)
	}
	c := ana.Customer
	if c.Email != "ana@example.com" || c.Name != "Ana Lima" || c.Phone != "+15551234567" || c.Timezone != "America/New_York" ||
		c.MarketingConsent == nil || !*c.MarketingConsent {
		t.Errorf("customer %+v", c)
	}
	if !ana.OccurredAt.Equal(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("occurred_at %v", ana.OccurredAt)
	}
	o := ana.Order
	if o.ID != "1001" || o.Currency != "USD" || o.Total != "98.00" || o.Coupon != "WELCOME10" || len(o.Items) != 2 {
		t.Fatalf("order %+v", o)
	}
	// Kinds: the rule for COURSE-, the default (digital) for the e-book.
	if o.Items[0].Kind != aftersale.KindCourse || o.Items[0].AccessURL != "https://shop.example/a/1" || o.Items[0].Name != "Launch Course" {
		t.Errorf("item 0 %+v", o.Items[0])
	}
	if o.Items[1].Kind != aftersale.KindDigital || o.Items[1].SKU != "EBOOK-1" {
		t.Errorf("item 1 %+v", o.Items[1])
	}
	bo := res.Events[1]
	if bo.Customer.MarketingConsent == nil || *bo.Customer.MarketingConsent || bo.Order.Items[0].Quantity != 2 ||
		bo.Order.Items[0].Kind != aftersale.KindPhysical || !bo.OccurredAt.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("bo %+v %+v", bo.Customer, bo.Order.Items[0])
	}
	if !res.Events[2].History || !res.Events[4].History {
		t.Error("a past refund or cancellation must be History")
	}
	if res.Events[3].Customer.MarketingConsent != nil {
		t.Error("an empty consent must stay unknown")
	}
	for _, ev := range res.Events {
		if err := ev.Validate(); err != nil {
			t.Errorf("%s: %v", ev.ID, err)
		}
	}
}

func TestRowErrorsNameRowAndColumn(t *testing.T) {
	data := "order_id,email,occurred_at,quantity,price,kind,marketing_consent,status,sku\n" +
		"1,ana@example.com,2026-01-01,1,10.00,digital,yes,,S\n" + // row 2: fine
		"2,not-an-email,2026-01-01,1,10.00,digital,,,S\n" + // row 3
		"3,cy@example.com,yesterday,1,10.00,digital,,,S\n" + // row 4
		"4,dee@example.com,2026-01-01,two,10.00,digital,,,S\n" + // row 5
		"5,ed@example.com,2026-01-01,1,ten,digital,,,S\n" + // row 6
		"6,fay@example.com,2026-01-01,1,10.00,spaceship,,,S\n" + // row 7
		"7,gus@example.com,2026-01-01,1,10.00,digital,maybe,,S\n" + // row 8
		",hal@example.com,2026-01-01,1,10.00,digital,,,S\n" + // row 9
		"1,other@example.com,2026-01-01,1,10.00,digital,,,S\n" + // row 10: second line of order 1, another email
		"8,ivy@example.com,2026-01-01,1,10.00,digital,,lost,S\n" // row 11
	res := read(t, data, "")
	got := map[int]string{}
	for _, e := range res.Errors {
		got[e.Row] = e.Column
		if !strings.HasPrefix(e.Error(), "row ") {
			t.Errorf("error text %q", e.Error())
		}
	}
	want := map[int]string{3: "email", 4: "occurred_at", 5: "quantity", 6: "price", 7: "kind", 8: "marketing_consent",
		9: "order_id", 10: "email", 11: "status"}
	for row, col := range want {
		if got[row] != col {
			t.Errorf("row %d: column %q, want %q (all: %v)", row, got[row], col, res.Errors)
		}
	}
	if len(res.Events) != 0 {
		t.Errorf("events from bad rows: %d (order 1 has a bad second row, so it is left out too)", len(res.Events))
	}
}

func TestHeader(t *testing.T) {
	for _, tt := range []struct{ name, data, want string }{
		{"empty", "", "empty"},
		{"missing", "order_id,email\n", "no occurred_at"},
		{"twice", "order_id,Order ID,email,date\n", "twice"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(strings.NewReader(tt.data), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	// A BOM and unknown columns are fine; blank lines are skipped.
	res := read(t, "\ufeffORDER-ID,E-mail,Date,Colour,Product\n9,z@example.com,2026-01-01,red,Guide\n,,,,\n", "")
	if res.Orders != 1 || len(res.Errors) != 0 {
		t.Errorf("orders %d errors %v", res.Orders, res.Errors)
	}
}

func TestMalformedCSV(t *testing.T) {
	res := read(t, "order_id,email,occurred_at\n1,\"a@example.com,2026-01-01\n", "")
	if len(res.Errors) != 1 || res.Errors[0].Row != 2 {
		t.Errorf("errors %v, want one on row 2", res.Errors)
	}
}

func FuzzReadAll(f *testing.F) {
	data, _ := os.ReadFile("testdata/orders.csv")
	f.Add(string(data))
	f.Add("order_id,email,occurred_at\n1,a@example.com,2026-01-01\n")
	f.Fuzz(func(t *testing.T, s string) {
		rd, err := NewReader(strings.NewReader(s), nil)
		if err != nil {
			return
		}
		res, err := rd.ReadAll(nil)
		if err != nil {
			return
		}
		for _, ev := range res.Events {
			if err := ev.Validate(); err != nil {
				t.Errorf("event %s from the file does not validate: %v", ev.ID, err)
			}
		}
	})
}
