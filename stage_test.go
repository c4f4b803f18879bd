package aftersale

import (
	"testing"
	"time"
)

// TestCustomerStage walks a customer through the stages: a contact, a
// purchase, access, a completed call, a good survey, a second purchase, and
// the refunded customer whose every order is gone.
func TestCustomerStage(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	const me, other = 1, 2
	placed := func(buyer, user int64) *Order {
		return &Order{CustomerID: buyer, UserID: user, Status: OrderPlaced, PlacedAt: at}
	}
	accessed := placed(me, 0)
	accessed.AccessedAt = at.Add(time.Hour)
	refunded := &Order{CustomerID: me, Status: OrderRefunded, PlacedAt: at}
	call := func(outcome string) *Task { return &Task{Kind: TaskCall, Status: TaskDone, Outcome: outcome} }
	nps := func(v int) *SurveyAnswer { return &SurveyAnswer{Kind: AnswerNPS, Value: v} }
	for _, tc := range []struct {
		name    string
		orders  []*Order
		tasks   []*Task
		answers []*SurveyAnswer
		want    string
	}{
		{"no order", nil, nil, nil, "contact"},
		{"bought", []*Order{placed(me, 0)}, nil, nil, "purchased"},
		{"uses another's purchase", []*Order{placed(other, me)}, nil, nil, "purchased"},
		{"got in", []*Order{accessed}, nil, nil, "onboarded"},
		{"a call nobody answered", []*Order{accessed}, []*Task{call("no_answer")}, nil, "onboarded"},
		{"reached", []*Order{accessed}, []*Task{call("reached")}, nil, "engaged"},
		{"recommends", []*Order{accessed}, nil, []*SurveyAnswer{nps(9)}, "satisfied"},
		{"the latest score wins", []*Order{accessed}, nil, []*SurveyAnswer{nps(10), nps(6)}, "onboarded"},
		{"bought again", []*Order{placed(me, 0), accessed}, nil, nil, "loyal"},
		{"refunded", []*Order{refunded}, []*Task{call("reached")}, []*SurveyAnswer{nps(10)}, "refunded"},
		{"one kept of two", []*Order{refunded, placed(me, 0)}, nil, nil, "purchased"},
	} {
		if got := CustomerStage(tc.orders, tc.tasks, tc.answers, me); got != tc.want {
			t.Errorf("%s: CustomerStage = %q, want %q", tc.name, got, tc.want)
		}
	}
}
