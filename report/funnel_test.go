package report

import (
	"strings"
	"testing"
	"time"
)

// TestFunnelByHand checks the funnel on ten orders whose answer was
// worked out by hand:
//
//	order  refunded onboarded touch  satisfied repeat  → stage
//	1      -        yes       2h     yes       yes       loyal
//	2      -        yes       5h     yes       -         satisfied
//	3      -        yes       1h     -         -         engaged
//	4      -        -         8h     -         -         engaged (a call before access)
//	5      -        yes       none   -         -         onboarded
//	6      -        yes       none   -         -         onboarded
//	7      -        -         none   -         -         purchased
//	8      yes      yes       3h     -         -         purchased (refunded)
//	9      -        -         none   -         yes       loyal (bought again, no survey)
//	10     yes      -         none   -         -         purchased (cancelled)
//
// Reached: purchased 10, onboarded 6 (1,2,3,4,5,6... no: 1,2,3,4,5,6,9 = 7),
// so, stage by stage (an order counts in its stage and every one before):
// loyal 2 (1, 9); satisfied 3 (+2); engaged 5 (+3, 4); onboarded 7 (+5, 6);
// purchased 10. Rates: 7/10, 5/7, 3/5, 2/3. Refund rate 2/10; repeat rate
// 2/10; touched 5 (1, 2, 3, 4, 8): median of 1h 2h 3h 5h 8h = 3h.
func TestFunnelByHand(t *testing.T) {
	h := time.Hour
	none := time.Duration(-1)
	orders := []FunnelOrder{
		{Onboarded: true, FirstTouch: 2 * h, Satisfied: true, Repeat: true},
		{Onboarded: true, FirstTouch: 5 * h, Satisfied: true},
		{Onboarded: true, FirstTouch: 1 * h},
		{FirstTouch: 8 * h},
		{Onboarded: true, FirstTouch: none},
		{Onboarded: true, FirstTouch: none},
		{FirstTouch: none},
		{Refunded: true, Onboarded: true, FirstTouch: 3 * h},
		{FirstTouch: none, Repeat: true},
		{Refunded: true, FirstTouch: none},
	}
	f := ComputeFunnel(orders)
	want := []Stage{{"purchased", 10, 1}, {"onboarded", 7, 0.7}, {"engaged", 5, 5.0 / 7}, {"satisfied", 3, 0.6}, {"loyal", 2, 2.0 / 3}}
	for i, st := range f.Stages {
		if st.Name != want[i].Name || st.Count != want[i].Count || !near(st.Rate, want[i].Rate) {
			t.Errorf("stage %d = %+v, want %+v", i, st, want[i])
		}
	}
	if f.Orders != 10 || f.Refunded != 2 || !near(f.RefundRate, 0.2) || !near(f.RepeatRate, 0.2) ||
		f.Touched != 5 || f.MedianFirstTouch != 3*h {
		t.Errorf("funnel %+v", f)
	}
	var b strings.Builder
	if err := WriteFunnelCSV(&b, f); err != nil {
		t.Fatal(err)
	}
	wantCSV := "stage,orders,rate\npurchased,10,1.000\nonboarded,7,0.700\nengaged,5,0.714\nsatisfied,3,0.600\nloyal,2,0.667\n" +
		"refund_rate,2,0.200\npartly_refunded,0,0.000\nrefunded_revenue_share,,0.000\nrepeat_rate,,0.200\nmedian_first_touch_hours,5,3.000\n"
	if b.String() != wantCSV {
		t.Errorf("CSV:\n%s\nwant:\n%s", b.String(), wantCSV)
	}
	empty := ComputeFunnel(nil)
	if empty.Orders != 0 || empty.RefundRate != 0 || len(empty.Stages) != 5 || empty.MedianFirstTouch != 0 {
		t.Errorf("empty funnel %+v", empty)
	}
	// An even number of touches: the mean of the middle two.
	if f := ComputeFunnel([]FunnelOrder{{FirstTouch: h}, {FirstTouch: 3 * h}}); f.MedianFirstTouch != 2*h {
		t.Errorf("median of 1h and 3h = %v", f.MedianFirstTouch)
	}
}

// TestFunnelPartialRefunds: the refund rate counts full refunds; partly
// refunded orders and the refunded share of revenue stand beside it.
func TestFunnelPartialRefunds(t *testing.T) {
	f := ComputeFunnel([]FunnelOrder{
		{Total: "100.00", RefundedAmount: "100.00", Refunded: true, FirstTouch: -1},
		{Total: "200.00", RefundedAmount: "50.00", Partial: true, Onboarded: true, FirstTouch: -1},
		{Total: "100.00", FirstTouch: -1},
		{Total: "100.00", FirstTouch: -1},
	})
	if f.Refunded != 1 || !near(f.RefundRate, 0.25) || f.PartlyRefunded != 1 {
		t.Errorf("refunded %d rate %v partly %d, want 1, 0.25, 1", f.Refunded, f.RefundRate, f.PartlyRefunded)
	}
	if f.Revenue != "500.00" || f.RefundedRevenue != "150.00" || !near(f.RefundedShare, 0.3) {
		t.Errorf("revenue %s refunded %s share %v, want 500.00 150.00 0.3", f.Revenue, f.RefundedRevenue, f.RefundedShare)
	}
	if f.Stages[1].Count != 1 {
		t.Errorf("a partly refunded order left the funnel: onboarded %d", f.Stages[1].Count)
	}
}
