package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// TestFunnelOnASeededDataset seeds five orders through the API and the
// store and checks the funnel report against numbers worked out by hand:
//
//	order  buyer  what happened                          stage
//	A1     ann    bought again later (A2)                loyal
//	A2     ann    nothing yet                            purchased
//	B1     ben    opened it, a call reached him, NPS 10  satisfied
//	C1     cat    refunded                               purchased
//	D1     dan    nothing                                purchased
//
// Reached (an order counts in its stage and every one before): purchased 5,
// onboarded 2, engaged 2, satisfied 2, loyal 1; rates 2/5, 1, 1, 1/2.
// Refund rate 1/5, repeat rate 1/5, one order touched by a human.
func TestFunnelOnASeededDataset(t *testing.T) {
	t.Parallel()
	b := setupClock(t, withTeam)
	ctx := context.Background()
	st := b.app.Store()
	post := func(ev string) {
		t.Helper()
		if code, body := b.post(t, ev); code != 202 {
			t.Fatalf("post: %d %v\n%s", code, body, ev)
		}
	}
	// The history happened some two months before the clock's now: day
	// d of it is at (d-60) days and an hour of the now.
	day := func(d int, hours time.Duration) string { return b.stamp(time.Duration(d-60)*24*time.Hour + hours) }
	order := func(id, email string, d int) string {
		return fmt.Sprintf(`{"id":"f-%s","type":"order.placed","occurred_at":%q,"history":true,
		 "customer":{"email":%q},"order":{"id":%q,"items":[{"name":"Guide","kind":"digital"}]}}`, id, day(d, time.Hour), email, id)
	}
	post(order("A1", "ann@example.com", 1))
	post(order("A2", "ann@example.com", 5))
	post(order("B1", "ben@example.com", 2))
	post(order("C1", "cat@example.com", 3))
	post(order("D1", "dan@example.com", 4))
	post(`{"id":"f-C1-refund","type":"order.refunded","occurred_at":"` + day(6, time.Hour) + `","history":true,"order":{"id":"C1"}}`)
	post(`{"id":"f-B1-open","type":"product.accessed","occurred_at":"` + day(2, 3*time.Hour) + `","order":{"id":"B1"}}`)

	// The processor has applied them all once the service settles.
	b.settle(t)
	if left, err := st.InboxList(ctx, 10); err != nil || len(left) != 0 {
		t.Fatalf("%d events not processed once the service settled (%v)", len(left), err)
	}
	b1, err := st.OrderGetByExternalID(ctx, "B1")
	if err != nil {
		t.Fatal(err)
	}
	call, err := st.TaskCreate(ctx, &aftersale.Task{CustomerID: b1.CustomerID, OrderID: b1.ID, Kind: aftersale.TaskCall,
		Title: "Welcome call", Assignee: "owner", Status: aftersale.TaskOpen, DueAt: b.now(), CreatedAt: b.now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.app.Team().CompleteTask(ctx, call.ID, "reached", "", "owner@shop.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SurveyAnswerSave(ctx, &aftersale.SurveyAnswer{CustomerID: b1.CustomerID, OrderID: b1.ID,
		Kind: aftersale.AnswerNPS, Value: 10, CreatedAt: b.now()}); err != nil {
		t.Fatal(err)
	}

	code, f := b.do(t, "GET", "/api/v1/reports/funnel", apiKey, "", nil)
	if code != 200 {
		t.Fatalf("funnel: %d %v", code, f)
	}
	want := []struct {
		name  string
		count float64
		rate  float64
	}{{"purchased", 5, 1}, {"onboarded", 2, 0.4}, {"engaged", 2, 1}, {"satisfied", 2, 1}, {"loyal", 1, 0.5}}
	stages, _ := f["stages"].([]any)
	if len(stages) != len(want) {
		t.Fatalf("stages %v", f["stages"])
	}
	for i, w := range want {
		s := stages[i].(map[string]any)
		if s["name"] != w.name || s["count"] != w.count || s["rate"] != w.rate {
			t.Errorf("stage %d = %v, want %+v", i, s, w)
		}
	}
	if f["orders"] != 5.0 || f["refunded"] != 1.0 || f["refund_rate"] != 0.2 || f["repeat_rate"] != 0.2 || f["touched"] != 1.0 {
		t.Errorf("funnel %v", f)
	}
	// The product filter: none of these orders has a "Course" item.
	if code, f := b.do(t, "GET", "/api/v1/reports/funnel?product=Course", apiKey, "", nil); code != 200 || f["orders"] != 0.0 {
		t.Errorf("filtered funnel: %d %v", code, f)
	}
	if c := b.customer(t, "ben@example.com"); c["stage"] != "satisfied" {
		t.Errorf("ben's stage %v, want satisfied", c["stage"])
	}
}
