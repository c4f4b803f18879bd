// Package storetest is the conformance suite of aftersale.Store: every
// implementation (sqlite, and later postgres) runs it from its own tests, so
// that all of them behave the same.
package storetest

import (
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/features"
	"github.com/aftersale/aftersale/storetest/fixture"
)

// Run runs the suite: its own cases and those of package features. Each
// subtest runs in parallel with the others on its own store from open, which
// must return a new, empty store and close it with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) aftersale.Store) {
	tests := []fixture.Case{
		{Name: "Dialect", Fn: testDialect},
		{Name: "EventInsert", Fn: testEventInsert},
		{Name: "EventListByCustomer", Fn: testEventListByCustomer},
		{Name: "Inbox", Fn: testInbox},
		{Name: "InboxConcurrent", Fn: testInboxConcurrent},
		{Name: "DeadEvents", Fn: testDeadEvents},     // events set aside: deadletter.go
		{Name: "EventPayload", Fn: testEventPayload}, // event_payload.go
		{Name: "EventLockProcessing", Fn: testEventLockProcessing},
		{Name: "CustomerUpsert", Fn: testCustomerUpsert},
		{Name: "CustomerGet", Fn: testCustomerGet},
		{Name: "CustomerGetMany", Fn: testCustomerGetMany},
		{Name: "CustomerSetUnsubscribed", Fn: testCustomerSetUnsubscribed},
		{Name: "CustomerSetSuppressed", Fn: testCustomerSetSuppressed},
		{Name: "OrderUpsert", Fn: testOrderUpsert},
		{Name: "OrderGetMany", Fn: testOrderGetMany},
		{Name: "OrderListByCustomer", Fn: testOrderListByCustomer},
		{Name: "OrderList", Fn: testOrderList},
		{Name: "OrderSetStatus", Fn: testOrderSetStatus},
		{Name: "OrderSetUser", Fn: testOrderSetUser},
		{Name: "OrderMark", Fn: testOrderMark},
		{Name: "OrderNumber", Fn: testOrderNumber},
		{Name: "OrderSetRefunded", Fn: testOrderSetRefunded},
		{Name: "ShipmentUpsert", Fn: testShipmentUpsert},
		{Name: "ShipmentListByOrders", Fn: testShipmentListByOrders},
		{Name: "BookingUpsert", Fn: testBookingUpsert},
		{Name: "BookingListByOrders", Fn: testBookingListByOrders},
		{Name: "RunCreate", Fn: testRunCreate},
		{Name: "RunGetMany", Fn: testRunGetMany},
		{Name: "RunListByOrder", Fn: testRunListByOrder},
		{Name: "RunStartsSince", Fn: testRunStartsSince}, // retry.go
		{Name: "RunExit", Fn: testRunExit},
		{Name: "StepInsert", Fn: testStepInsert},
		{Name: "StepGetMany", Fn: testStepGetMany},
		{Name: "StepListByCustomer", Fn: testStepListByCustomer},
		{Name: "StepFinish", Fn: testStepFinish},
		{Name: "StepPendingAndDue", Fn: testStepPendingAndDue},
		{Name: "StepEnqueue", Fn: testStepEnqueue},
		{Name: "StepListPending", Fn: testStepListPending},
		{Name: "StepPlanInsert", Fn: testStepPlanInsert}, // step plans: stepplan.go
		{Name: "StepPlanListDue", Fn: testStepPlanListDue},
		{Name: "StepPlanAdvance", Fn: testStepPlanAdvance},
		{Name: "StepPlanRunExit", Fn: testStepPlanRunExit},
		{Name: "StepPlanPending", Fn: testStepPlanPending},
		{Name: "StepPlanTimes", Fn: testStepPlanTimes},
		{Name: "MessageBegin", Fn: testMessageBegin},
		{Name: "MessageBeginFinal", Fn: testMessageBeginFinal},
		{Name: "MessageFinish", Fn: testMessageFinish},
		{Name: "MessageGetByMessageID", Fn: testMessageGetByMessageID},
		{Name: "MessageListByMessageIDs", Fn: testMessageListByMessageIDs},
		{Name: "MessageRecord", Fn: testMessageRecord},
		{Name: "MessageMarkOpened", Fn: testMessageMarkOpened},
		{Name: "MessageListByCustomer", Fn: testMessageListByCustomer},
		{Name: "MessageCountByStatus", Fn: testMessageCountByStatus},
		{Name: "TaskCreate", Fn: testTaskCreate},
		{Name: "TaskList", Fn: testTaskList},
		{Name: "TaskComplete", Fn: testTaskComplete},
		{Name: "TaskRetryOf", Fn: testTaskRetryOf}, // retry.go
		{Name: "Plan", Fn: testPlan},
		{Name: "CheckIn", Fn: testCheckIn},
		{Name: "SecretGet", Fn: testSecretGet},
		{Name: "SecretGetConcurrent", Fn: testSecretGetConcurrent},
		{Name: "UpdateCommit", Fn: testUpdateCommit},
		{Name: "UpdateRollback", Fn: testUpdateRollback},
		{Name: "UpdatePanic", Fn: testUpdatePanic},
		{Name: "UpdateLazy", Fn: testUpdateLazy},
		{Name: "Times", Fn: testTimes},
	}
	for _, tt := range append(tests, features.Cases()...) {
		t.Run(tt.Name, func(t *testing.T) {
			t.Parallel()
			tt.Fn(t, open(t))
		})
	}
}

func testDialect(t *testing.T, s aftersale.Store) {
	if d := s.Dialect(); d != "sqlite" && d != "postgres" {
		t.Errorf("Dialect() = %q, want sqlite or postgres", d)
	}
}
