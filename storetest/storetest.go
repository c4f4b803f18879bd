// Package storetest is the conformance suite of aftersale.Store: every
// implementation (sqlite, and later postgres) runs it from its own tests, so
// that all of them behave the same.
package storetest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// Run runs the suite. Each subtest runs in parallel with the others on its
// own store from open, which must return a new, empty store and close it
// with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) aftersale.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s aftersale.Store)
	}{
		{"Dialect", testDialect},
		{"EventInsert", testEventInsert},
		{"EventListByCustomer", testEventListByCustomer},
		{"Inbox", testInbox},
		{"InboxConcurrent", testInboxConcurrent},
		{"DeadEvents", testDeadEvents},     // events set aside: deadletter.go
		{"EventPayload", testEventPayload}, // event_payload.go
		{"EventLockProcessing", testEventLockProcessing},
		{"CustomerUpsert", testCustomerUpsert},
		{"CustomerGet", testCustomerGet},
		{"CustomerGetMany", testCustomerGetMany},
		{"CustomerSetUnsubscribed", testCustomerSetUnsubscribed},
		{"CustomerSetSuppressed", testCustomerSetSuppressed},
		{"OrderUpsert", testOrderUpsert},
		{"OrderGetMany", testOrderGetMany},
		{"OrderListByCustomer", testOrderListByCustomer},
		{"OrderList", testOrderList},
		{"OrderSetStatus", testOrderSetStatus},
		{"OrderSetUser", testOrderSetUser},
		{"OrderMark", testOrderMark},
		{"OrderSetArrival", testOrderSetArrival},
		{"OrderNumber", testOrderNumber},
		{"OrderSetRefunded", testOrderSetRefunded},
		{"Insiders", testInsiders},     // coupons, referrals, stories: insiders.go
		{"Broadcasts", testBroadcasts}, // broadcasts and their audience: broadcasts.go
		{"Privacy", testPrivacy},       // consent, erase, scrub: privacy.go
		{"ShipmentUpsert", testShipmentUpsert},
		{"ShipmentListByOrders", testShipmentListByOrders},
		{"BookingUpsert", testBookingUpsert},
		{"BookingListByOrders", testBookingListByOrders},
		{"RunCreate", testRunCreate},
		{"RunGetMany", testRunGetMany},
		{"RunListByOrder", testRunListByOrder},
		{"RunStartsSince", testRunStartsSince}, // retry.go
		{"RunExit", testRunExit},
		{"StepInsert", testStepInsert},
		{"StepGetMany", testStepGetMany},
		{"StepListByCustomer", testStepListByCustomer},
		{"StepFinish", testStepFinish},
		{"StepPendingAndDue", testStepPendingAndDue},
		{"StepEnqueue", testStepEnqueue},
		{"StepListPending", testStepListPending},
		{"StepPlanInsert", testStepPlanInsert}, // step plans: stepplan.go
		{"StepPlanListDue", testStepPlanListDue},
		{"StepPlanAdvance", testStepPlanAdvance},
		{"StepPlanRunExit", testStepPlanRunExit},
		{"StepPlanPending", testStepPlanPending},
		{"StepPlanTimes", testStepPlanTimes},
		{"MessageBegin", testMessageBegin},
		{"MessageBeginFinal", testMessageBeginFinal},
		{"MessageFinish", testMessageFinish},
		{"MessageGetByMessageID", testMessageGetByMessageID},
		{"MessageListByMessageIDs", testMessageListByMessageIDs},
		{"MessageRecord", testMessageRecord},
		{"MessageMarkOpened", testMessageMarkOpened},
		{"MessageListByCustomer", testMessageListByCustomer},
		{"MessageCountByStatus", testMessageCountByStatus},
		{"MessageListRecent", testMessageListRecent},
		{"TaskCreate", testTaskCreate},
		{"TaskList", testTaskList},
		{"TaskComplete", testTaskComplete},
		{"TaskRetryOf", testTaskRetryOf}, // retry.go
		{"ReturnCreate", testReturnCreate},
		{"ReturnList", testReturnList},
		{"ReturnSetStatus", testReturnSetStatus},
		{"MemberCreate", testMemberCreate},
		{"MemberCreateInUpdate", testMemberCreateInUpdate},
		{"MemberList", testMemberList},
		{"MemberUpdate", testMemberUpdate},
		{"MemberSessionEpoch", testMemberSessionEpoch},
		{"MemberDeactivate", testMemberDeactivate},
		{"Setting", testSetting},
		{"Session", testSession},
		{"SessionPurge", testSessionPurge},
		{"SurveyAnswerSave", testSurveyAnswerSave},
		{"SurveyAnswerList", testSurveyAnswerList},
		{"Plan", testPlan},
		{"CheckIn", testCheckIn},
		{"SecretGet", testSecretGet},
		{"SecretGetConcurrent", testSecretGetConcurrent},
		{"UpdateCommit", testUpdateCommit},
		{"UpdateRollback", testUpdateRollback},
		{"UpdatePanic", testUpdatePanic},
		{"UpdateLazy", testUpdateLazy},
		{"Times", testTimes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

func testDialect(t *testing.T, s aftersale.Store) {
	if d := s.Dialect(); d != "sqlite" && d != "postgres" {
		t.Errorf("Dialect() = %q, want sqlite or postgres", d)
	}
}

// t0 is the base time of the fixtures: UTC at microsecond precision, so
// that values read back compare equal with reflect.DeepEqual.
var t0 = time.Date(2025, 3, 1, 9, 30, 0, 123456000, time.UTC)

// at returns t0 moved by d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// ok fails the test on an error.
func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// wantCode fails the test unless err has the aftersale error code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := aftersale.ErrorCode(err); got != code {
		t.Fatalf("%s: error code %q (err %v), want %q", what, got, err, code)
	}
}

// same fails the test unless got and want are deeply equal.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %s\nwant %s", what, show(got), show(want))
	}
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}

// ids returns the IDs of a list, to check its order.
func ids[T any](list []*T, id func(*T) int64) []int64 {
	out := make([]int64, len(list))
	for i, v := range list {
		out[i] = id(v)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// newCustomer stores a customer with the email.
func newCustomer(t *testing.T, s aftersale.Store, email string) *aftersale.Customer {
	t.Helper()
	c, err := s.CustomerUpsert(t.Context(), &aftersale.Contact{Email: email, Name: email}, t0)
	ok(t, err)
	return c
}

// newOrder stores an order of the buyer, placed at placed, with two items.
func newOrder(t *testing.T, s aftersale.Store, buyer int64, externalID string, placed time.Time) *aftersale.Order {
	t.Helper()
	o, err := s.OrderUpsert(t.Context(), &aftersale.Order{
		ExternalID: externalID,
		CustomerID: buyer,
		Source:     "api",
		Currency:   "EUR",
		Total:      "149.00",
		Status:     aftersale.OrderPlaced,
		PlacedAt:   placed,
		Items: []aftersale.Item{
			{SKU: externalID + "-course", Name: "Course", Kind: aftersale.KindCourse, Quantity: 1, Price: "99.00",
				AccessURL: "https://shop.example/access/" + externalID},
			{SKU: externalID + "-book", Name: "Book", Kind: aftersale.KindPhysical, Quantity: 2, Price: "25.00"},
		},
	})
	ok(t, err)
	return o
}

// newRun starts a run of the journey for the order (0 for none) and customer.
func newRun(t *testing.T, s aftersale.Store, journey string, orderID, customerID int64) *aftersale.JourneyRun {
	t.Helper()
	r, created, err := s.RunCreate(t.Context(), &aftersale.JourneyRun{
		JourneyID: journey, OrderID: orderID, CustomerID: customerID, EventID: "evt_" + journey,
		Status: aftersale.RunActive, StartedAt: t0,
	})
	ok(t, err)
	if !created {
		t.Fatalf("run %s for order %d and customer %d existed already", journey, orderID, customerID)
	}
	return r
}

// step returns an unsaved email step of the run, due at due.
func step(r *aftersale.JourneyRun, key string, due time.Time) *aftersale.Step {
	return &aftersale.Step{
		RunID: r.ID, OrderID: r.OrderID, CustomerID: r.CustomerID, JourneyID: r.JourneyID,
		StepID: key, Key: key, Type: aftersale.StepEmail, Anchor: "purchase",
		DueAt: due, Status: aftersale.StepPending, CreatedAt: t0,
	}
}

// newSteps stores the steps, all of which must be new.
func newSteps(t *testing.T, s aftersale.Store, steps ...*aftersale.Step) []*aftersale.Step {
	t.Helper()
	got, err := s.StepInsert(t.Context(), steps)
	ok(t, err)
	if len(got) != len(steps) {
		t.Fatalf("StepInsert stored %d of %d new steps", len(got), len(steps))
	}
	return got
}

// fixture is a customer with an order, a run and one pending step.
type fixture struct {
	cust  *aftersale.Customer
	order *aftersale.Order
	run   *aftersale.JourneyRun
	step  *aftersale.Step
}

func newFixture(t *testing.T, s aftersale.Store, email string) fixture {
	t.Helper()
	var f fixture
	f.cust = newCustomer(t, s, email)
	f.order = newOrder(t, s, f.cust.ID, "order-"+email, t0)
	f.run = newRun(t, s, "onboarding", f.order.ID, f.cust.ID)
	f.step = newSteps(t, s, step(f.run, "welcome", t0))[0]
	return f
}
