package postgres_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// concurrently runs fn n times at once and returns the errors.
func concurrently(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// noErrors fails the test on any error.
func noErrors(t *testing.T, what string, errs []error) {
	t.Helper()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s, call %d: %v", what, i, err)
		}
	}
}

// TestConcurrentUpserts checks that calls racing on the same new key agree
// at READ COMMITTED instead of failing on a unique constraint, and that
// state changes racing on one row happen once.
func TestConcurrentUpserts(t *testing.T) {
	db := open(t, withParams(t, newSchema(t), map[string]string{"pool_max_conns": "10"}))
	ctx := t.Context()
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	const n = 8
	var mu sync.Mutex

	var events int
	noErrors(t, "EventInsert", concurrently(n, func(i int) error {
		inserted, err := db.EventInsert(ctx, &aftersale.StoredEvent{ID: "evt", Type: aftersale.EventOrderPlaced,
			OccurredAt: now, ReceivedAt: now, Payload: []byte(fmt.Sprint(i))})
		if inserted {
			mu.Lock()
			events++
			mu.Unlock()
		}
		return err
	}))
	if events != 1 {
		t.Fatalf("EventInsert: %d calls inserted", events)
	}

	custIDs := make([]int64, n)
	noErrors(t, "CustomerUpsert", concurrently(n, func(i int) error {
		c, err := db.CustomerUpsert(ctx, &aftersale.Contact{Email: "Ann@example.com", Name: fmt.Sprint("Ann ", i)}, now)
		if err == nil {
			custIDs[i] = c.ID
		}
		return err
	}))
	for _, id := range custIDs {
		if id != custIDs[0] {
			t.Fatalf("CustomerUpsert returned IDs %v", custIDs)
		}
	}
	cust := custIDs[0]

	orderIDs := make([]int64, n)
	noErrors(t, "OrderUpsert", concurrently(n, func(i int) error {
		o, err := db.OrderUpsert(ctx, &aftersale.Order{ExternalID: "1001", CustomerID: cust, PlacedAt: now,
			Items: []aftersale.Item{{SKU: fmt.Sprint(i, "-a"), Kind: aftersale.KindCourse}, {SKU: fmt.Sprint(i, "-b"), Kind: aftersale.KindPhysical}}})
		if err == nil {
			orderIDs[i] = o.ID
		}
		return err
	}))
	o, err := db.OrderGet(ctx, orderIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	var k int // the call whose items are stored
	if len(o.Items) > 0 {
		fmt.Sscanf(o.Items[0].SKU, "%d-a", &k)
	}
	if len(o.Items) != 2 || o.Items[0].SKU != fmt.Sprint(k, "-a") || o.Items[1].SKU != fmt.Sprint(k, "-b") {
		t.Fatalf("OrderUpsert: items %v are not those of one call", o.Items)
	}
	for _, id := range orderIDs {
		if id != o.ID {
			t.Fatalf("OrderUpsert returned IDs %v", orderIDs)
		}
	}

	var created, firsts, changed, stepsInserted int
	runIDs := make([]int64, n)
	noErrors(t, "RunCreate", concurrently(n, func(i int) error {
		r, c, err := db.RunCreate(ctx, &aftersale.JourneyRun{JourneyID: "onboarding", OrderID: o.ID, CustomerID: cust, StartedAt: now})
		if err == nil {
			runIDs[i] = r.ID
			mu.Lock()
			created += b2i(c)
			mu.Unlock()
		}
		return err
	}))
	if created != 1 {
		t.Fatalf("RunCreate: %d calls created the run", created)
	}
	run := runIDs[0]

	stepFor := func(key string) *aftersale.Step {
		return &aftersale.Step{RunID: run, OrderID: o.ID, CustomerID: cust, JourneyID: "onboarding", StepID: key, Key: key,
			Type: aftersale.StepEmail, DueAt: now, CreatedAt: now}
	}
	var stepID int64
	noErrors(t, "StepInsert", concurrently(n, func(i int) error {
		got, err := db.StepInsert(ctx, []*aftersale.Step{stepFor("welcome"), stepFor(fmt.Sprint("own-", i))})
		mu.Lock()
		defer mu.Unlock()
		for _, s := range got {
			if s.Key == "welcome" {
				stepID = s.ID
				stepsInserted++
			}
		}
		return err
	}))
	if stepsInserted != 1 {
		t.Fatalf("StepInsert: %d calls inserted the same step", stepsInserted)
	}

	created = 0
	var msgID int64
	noErrors(t, "MessageBegin", concurrently(n, func(i int) error {
		m, c, err := db.MessageBegin(ctx, &aftersale.Message{StepID: stepID, CustomerID: cust, Recipient: "ann@example.com",
			MessageID: fmt.Sprint("<", i, "@x>"), Status: aftersale.MessageSending, CreatedAt: now})
		if err == nil {
			mu.Lock()
			created += b2i(c)
			msgID = m.ID
			mu.Unlock()
		}
		return err
	}))
	msgs, err := db.MessageListByCustomer(ctx, cust)
	if err != nil {
		t.Fatal(err)
	}
	if created != 1 || len(msgs) != 1 || msgs[0].ID != msgID || msgs[0].Attempts != n {
		t.Fatalf("MessageBegin: %d created; %d stored, the first with %d attempts (want one with %d)", created, len(msgs), msgs[0].Attempts, n)
	}

	taskIDs := make([]int64, n)
	noErrors(t, "TaskCreate", concurrently(n, func(i int) error {
		task, err := db.TaskCreate(ctx, &aftersale.Task{StepID: stepID, CustomerID: cust, Kind: aftersale.TaskCall, DueAt: now, CreatedAt: now})
		if err == nil {
			taskIDs[i] = task.ID
		}
		return err
	}))
	for _, id := range taskIDs {
		if id != taskIDs[0] {
			t.Fatalf("TaskCreate returned IDs %v", taskIDs)
		}
	}

	noErrors(t, "ShipmentUpsert", concurrently(n, func(i int) error {
		c, err := db.ShipmentUpsert(ctx, &aftersale.ShipmentRecord{OrderID: o.ID, TrackingNumber: "A",
			Status: aftersale.ShipmentShipped, UpdatedAt: now})
		mu.Lock()
		changed += b2i(c)
		mu.Unlock()
		return err
	}))
	if changed != 1 {
		t.Fatalf("ShipmentUpsert of one new package: %d calls saw a change", changed)
	}

	noErrors(t, "BookingUpsert", concurrently(n, func(i int) error {
		return db.BookingUpsert(ctx, &aftersale.BookingRecord{OrderID: o.ID, StartsAt: now, Title: fmt.Sprint(i)})
	}))
	if list, err := db.BookingListByOrder(ctx, o.ID); err != nil || len(list) != 1 {
		t.Fatalf("BookingUpsert: %d sessions stored (err %v)", len(list), err)
	}

	noErrors(t, "OrderMarkDelivered", concurrently(n, func(i int) error {
		first, err := db.OrderMarkDelivered(ctx, o.ID, now.Add(time.Duration(i)*time.Second))
		mu.Lock()
		firsts += b2i(first)
		mu.Unlock()
		return err
	}))
	if firsts != 1 {
		t.Fatalf("OrderMarkDelivered: %d calls were first", firsts)
	}

	onlyOne := func(what string, errs []error) {
		t.Helper()
		var ok int
		for _, err := range errs {
			switch aftersale.ErrorCode(err) {
			case "":
				ok++
			case aftersale.ECONFLICT:
			default:
				t.Fatalf("%s: %v", what, err)
			}
		}
		if ok != 1 {
			t.Fatalf("%s: %d calls succeeded", what, ok)
		}
	}
	onlyOne("TaskComplete", concurrently(n, func(i int) error {
		_, err := db.TaskComplete(ctx, taskIDs[0], "reached", fmt.Sprint(i), fmt.Sprintf("m%d@team.example", i), now)
		return err
	}))
	onlyOne("MemberCreate", concurrently(n, func(i int) error {
		// The same email in several cases.
		email := "ann@team.example"
		if i%2 == 1 {
			email = "ANN@team.example"
		}
		_, err := db.MemberCreate(ctx, &aftersale.Member{Email: email, Name: fmt.Sprint(i),
			Role: aftersale.RoleAssistant, CreatedAt: now})
		return err
	}))
	noErrors(t, "SessionCommit", concurrently(n, func(i int) error {
		return db.SessionCommit(ctx, &aftersale.Session{Token: "tok", Data: []byte(fmt.Sprint(i)), Expiry: now.Add(time.Hour)})
	}))
	if _, found, err := db.SessionFind(ctx, "tok", now); err != nil || !found {
		t.Fatalf("SessionCommit: session found %v (err %v)", found, err)
	}
	onlyOne("StepFinish", concurrently(n, func(i int) error {
		return db.StepFinish(ctx, stepID, aftersale.StepDone, fmt.Sprint(i), now)
	}))

	stopped := 0
	noErrors(t, "RunExit", concurrently(n, func(i int) error {
		s, err := db.RunExit(ctx, run, "refunded", now)
		mu.Lock()
		stopped += s
		mu.Unlock()
		return err
	}))
	if stopped != n { // the n "own-i" steps were pending
		t.Fatalf("RunExit: %d steps stopped, want %d", stopped, n)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
