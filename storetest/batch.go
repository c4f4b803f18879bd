package storetest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

// The many-getters read rows by a list of keys. Their tests compare with
// the single getters, and pad the keys with missing ones in numbers around
// the sizes at which a store may split a list into statements (SQLite's
// parameter limit), so that the real keys fall in different statements.

// missingCounts are how many missing keys the tests add to the real ones.
var missingCounts = []int{0, 1, 3, 255, 498, 499, 500, 999, 1300}

// withMissing returns ids with n missing IDs: negative ones (none is
// stored), which sort before the real ones, a repeat of the first real
// one, and a few large ones, which sort after.
func withMissing(ids []int64, n int) []int64 {
	out := make([]int64, 0, n+len(ids)+4)
	for i := range n {
		out = append(out, -int64(i)-1)
	}
	out = append(out, ids...)
	if len(ids) > 0 {
		out = append(out, ids[0])
	}
	return append(out, 1_000_000_001, 1_000_000_002)
}

// byID returns the list sorted by ID, for results in no particular order.
func byID[T any](list []*T, id func(*T) int64) []*T {
	list = slices.Clone(list)
	slices.SortFunc(list, func(a, b *T) int { return cmp.Compare(id(a), id(b)) })
	return list
}

// getEach reads the rows with the single getter, in the order of ids.
func getEach[T any](t *testing.T, ids []int64, get func(id int64) (*T, error)) []*T {
	t.Helper()
	out := make([]*T, len(ids))
	for i, id := range ids {
		v, err := get(id)
		fixture.Ok(t, err)
		out[i] = v
	}
	return out
}

// checkGetMany checks a many-getter against want (which the single getter
// returned for the IDs ids, in ascending order): the rows come back exactly,
// once each, whatever missing IDs and repeats the keys hold; empty and only
// missing keys give none.
func checkGetMany[T any](t *testing.T, name string, ids []int64, want []*T, id func(*T) int64,
	many func(ids []int64) ([]*T, error)) {
	t.Helper()
	if len(want) == 0 || len(want) != len(ids) {
		t.Fatalf("%s: %d rows to compare for %d IDs", name, len(want), len(ids))
	}
	checkNoneFor(t, name, many)
	for _, n := range missingCounts {
		keys := withMissing(ids, n)
		got, err := many(keys)
		fixture.Ok(t, err)
		fixture.Same(t, fmt.Sprintf("%s of the %d rows and %d missing IDs", name, len(ids), n), byID(got, id), want)
		// The keys in any order, the last first.
		slices.Reverse(keys)
		got, err = many(keys)
		fixture.Ok(t, err)
		fixture.Same(t, fmt.Sprintf("%s of the %d rows and %d missing IDs, reversed", name, len(ids), n), byID(got, id), want)
	}
	// Each row alone, and a subset.
	for i, v := range want {
		got, err := many([]int64{ids[i]})
		fixture.Ok(t, err)
		fixture.Same(t, fmt.Sprintf("%s(%d)", name, ids[i]), got, []*T{v})
	}
	got, err := many([]int64{ids[len(ids)-1], -5, ids[0]})
	fixture.Ok(t, err)
	fixture.Same(t, name+" of the first and last", byID(got, id), []*T{want[0], want[len(want)-1]})
}

func testCustomerGetMany(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "Ann@Example.com")
	bob := fixture.NewCustomer(t, s, "bob@example.com")
	carl, err := s.CustomerUpsert(ctx, &aftersale.Contact{Email: "carl@example.com", Name: "Carl", Phone: "+4930123",
		Timezone: "Europe/Berlin", MarketingConsent: fixture.Ptr(true)}, fixture.At(time.Hour))
	fixture.Ok(t, err)
	fixture.Ok(t, s.CustomerSetUnsubscribed(ctx, "bob@example.com", true, fixture.At(2*time.Hour)))
	fixture.Ok(t, s.CustomerSetSuppressed(ctx, "carl@example.com", aftersale.SuppressBounce+" 5.1.1", fixture.At(3*time.Hour)))
	ids := []int64{ann.ID, bob.ID, carl.ID}
	want := getEach(t, ids, func(id int64) (*aftersale.Customer, error) { return s.CustomerGet(ctx, id) })
	if !want[1].Unsubscribed || want[2].Suppressed == "" {
		t.Fatalf("fixture customers: %s", fixture.Show(want))
	}
	checkGetMany(t, "CustomerGetMany", ids, want, func(c *aftersale.Customer) int64 { return c.ID },
		func(ids []int64) ([]*aftersale.Customer, error) { return s.CustomerGetMany(ctx, ids) })
}

func testOrderGetMany(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann@example.com")
	bob := fixture.NewCustomer(t, s, "bob@example.com")
	withItems := fixture.NewOrder(t, s, ann.ID, "1001", fixture.T0)
	noItems, err := s.OrderUpsert(ctx, &aftersale.Order{ExternalID: "1002", CustomerID: bob.ID, Source: "api",
		Currency: "EUR", Total: "0.00", PlacedAt: fixture.At(time.Hour)})
	fixture.Ok(t, err)
	facts := fixture.NewOrder(t, s, bob.ID, "1003", fixture.At(2*time.Hour))
	fixture.Ok(t, s.OrderSetUser(ctx, facts.ID, ann.ID))
	_, err = s.OrderMarkAccessed(ctx, facts.ID, fixture.At(3*time.Hour))
	fixture.Ok(t, err)
	_, err = s.OrderMarkDelivered(ctx, facts.ID, fixture.At(4*time.Hour))
	fixture.Ok(t, err)
	_, err = s.OrderSetArrival(ctx, facts.ID, aftersale.ArrivalYes, fixture.At(5*time.Hour))
	fixture.Ok(t, err)
	fixture.Ok(t, s.OrderSetStatus(ctx, facts.ID, aftersale.OrderRefunded, fixture.At(6*time.Hour)))
	// Items stored in another order than by line: OrderGet gives them by line.
	many, err := s.OrderUpsert(ctx, &aftersale.Order{ExternalID: "1004", CustomerID: ann.ID, Source: "api",
		Currency: "EUR", Total: "30.00", PlacedAt: fixture.At(7 * time.Hour), Items: []aftersale.Item{
			{SKU: "z", Name: "Zed", Kind: aftersale.KindPhysical, Quantity: 3, Price: "1.00"},
			{SKU: "a", Name: "Ay", Kind: aftersale.KindCourse, Quantity: 1, Price: "2.00", AccessURL: "https://x.example/a"},
			{SKU: "m", Name: "Em", Kind: aftersale.KindPhysical, Quantity: 2, Price: "3.00"},
		}})
	fixture.Ok(t, err)

	ids := []int64{withItems.ID, noItems.ID, facts.ID, many.ID}
	want := getEach(t, ids, func(id int64) (*aftersale.Order, error) { return s.OrderGet(ctx, id) })
	if len(want[0].Items) != 2 || len(want[1].Items) != 0 || want[2].UserID != ann.ID || want[2].ArrivalAt.IsZero() ||
		want[2].ClosedAt.IsZero() || len(want[3].Items) != 3 || want[3].Items[0].SKU != "z" {
		t.Fatalf("fixture orders: %s", fixture.Show(want))
	}
	checkGetMany(t, "OrderGetMany", ids, want, func(o *aftersale.Order) int64 { return o.ID },
		func(ids []int64) ([]*aftersale.Order, error) { return s.OrderGetMany(ctx, ids) })

	// In a transaction too.
	var inTx []*aftersale.Order
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		var err error
		inTx, err = tx.OrderGetMany(ctx, withMissing(ids, 600))
		return err
	}))
	fixture.Same(t, "OrderGetMany in a transaction", byID(inTx, func(o *aftersale.Order) int64 { return o.ID }), want)
}

func testRunGetMany(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com")
	noOrder := fixture.NewRun(t, s, "newsletter", 0, f.Cust.ID)
	exited := fixture.NewRun(t, s, "winback", f.Order.ID, f.Cust.ID)
	_, err := s.RunExit(ctx, exited.ID, "refunded", fixture.At(time.Hour))
	fixture.Ok(t, err)
	ids := []int64{f.Run.ID, noOrder.ID, exited.ID}
	want := getEach(t, ids, func(id int64) (*aftersale.JourneyRun, error) { return s.RunGet(ctx, id) })
	if want[1].OrderID != 0 || want[2].Status != aftersale.RunExited {
		t.Fatalf("fixture runs: %s", fixture.Show(want))
	}
	checkGetMany(t, "RunGetMany", ids, want, func(r *aftersale.JourneyRun) int64 { return r.ID },
		func(ids []int64) ([]*aftersale.JourneyRun, error) { return s.RunGetMany(ctx, ids) })
}

func testStepGetMany(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com")
	noOrder := fixture.NewRun(t, s, "newsletter", 0, f.Cust.ID)
	more := fixture.NewSteps(t, s, fixture.Step(f.Run, "followup", fixture.At(24*time.Hour)), fixture.Step(noOrder, "issue-1", fixture.At(time.Hour)))
	fixture.Ok(t, s.StepFinish(ctx, more[0].ID, aftersale.StepSkipped, "not today", fixture.At(2*time.Hour)))
	ids := []int64{f.Step.ID, more[0].ID, more[1].ID}
	want := getEach(t, ids, func(id int64) (*aftersale.Step, error) { return s.StepGet(ctx, id) })
	if want[1].Status != aftersale.StepSkipped || want[1].FinishedAt.IsZero() || want[2].OrderID != 0 {
		t.Fatalf("fixture steps: %s", fixture.Show(want))
	}
	checkGetMany(t, "StepGetMany", ids, want, func(st *aftersale.Step) int64 { return st.ID },
		func(ids []int64) ([]*aftersale.Step, error) { return s.StepGetMany(ctx, ids) })
}

// checkListByOrders checks a list of the orders' rows against the
// single-order list: the orders' lists one after another, by order ID,
// whatever the order, repeats and missing IDs of the keys.
func checkListByOrders[T any](t *testing.T, name string, orderIDs []int64,
	one func(orderID int64) ([]*T, error), many func(orderIDs []int64) ([]*T, error)) {
	t.Helper()
	sorted := slices.Sorted(slices.Values(orderIDs))
	var want []*T
	for _, id := range sorted {
		list, err := one(id)
		fixture.Ok(t, err)
		want = append(want, list...)
	}
	checkNoneFor(t, name, many)
	for _, n := range missingCounts {
		keys := withMissing(orderIDs, n)
		got, err := many(keys)
		fixture.Ok(t, err)
		fixture.Same(t, fmt.Sprintf("%s of %d orders and %d missing IDs", name, len(orderIDs), n), got, want)
		slices.Reverse(keys)
		got, err = many(keys)
		fixture.Ok(t, err)
		fixture.Same(t, fmt.Sprintf("%s of %d orders and %d missing IDs, reversed", name, len(orderIDs), n), got, want)
	}
	for _, id := range orderIDs {
		list, err := one(id)
		fixture.Ok(t, err)
		got, err := many([]int64{id})
		fixture.Ok(t, err)
		if len(list) == 0 {
			list = nil
		}
		if len(got) == 0 {
			got = nil
		}
		fixture.Same(t, fmt.Sprintf("%s(%d)", name, id), got, list)
	}
}

// threeOrders stores three orders, returned by ID.
func threeOrders(t *testing.T, s aftersale.Store) []*aftersale.Order {
	t.Helper()
	ann := fixture.NewCustomer(t, s, "ann@example.com")
	return []*aftersale.Order{
		fixture.NewOrder(t, s, ann.ID, "1001", fixture.T0),
		fixture.NewOrder(t, s, ann.ID, "1002", fixture.T0),
		fixture.NewOrder(t, s, ann.ID, "1003", fixture.T0),
	}
}

func testShipmentListByOrders(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	o := threeOrders(t, s)
	// The packages of the first and last order are stored in turns, so
	// that their IDs interleave; the middle order has none.
	for i, p := range []struct {
		order    *aftersale.Order
		tracking string
		status   aftersale.ShipmentStatus
	}{
		{o[2], "C1", aftersale.ShipmentShipped},
		{o[0], "A1", aftersale.ShipmentInTransit},
		{o[2], "C2", aftersale.ShipmentDelivered},
		{o[0], "A2", aftersale.ShipmentShipped},
		{o[2], "C3", aftersale.ShipmentShipped},
	} {
		_, err := s.ShipmentUpsert(ctx, &aftersale.ShipmentRecord{OrderID: p.order.ID, Carrier: "dhl",
			TrackingNumber: p.tracking, TrackingURL: "https://dhl.example/" + p.tracking, Status: p.status,
			UpdatedAt: fixture.At(time.Duration(i) * time.Hour)})
		fixture.Ok(t, err)
	}
	ids := []int64{o[2].ID, o[1].ID, o[0].ID}
	all, err := s.ShipmentListByOrders(ctx, ids)
	fixture.Ok(t, err)
	if got := trackingNumbers(all); !slices.Equal(got, []string{"A1", "A2", "C1", "C2", "C3"}) {
		t.Fatalf("ShipmentListByOrders: packages %v, want A1 A2 C1 C2 C3", got)
	}
	checkListByOrders(t, "ShipmentListByOrders", ids,
		func(id int64) ([]*aftersale.ShipmentRecord, error) { return s.ShipmentListByOrder(ctx, id) },
		func(ids []int64) ([]*aftersale.ShipmentRecord, error) { return s.ShipmentListByOrders(ctx, ids) })
}

func trackingNumbers(list []*aftersale.ShipmentRecord) []string {
	out := make([]string, len(list))
	for i, p := range list {
		out[i] = p.TrackingNumber
	}
	return out
}

func testBookingListByOrders(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	o := threeOrders(t, s)
	// Stored out of time order and in turns: each order's list goes by
	// start time, not by ID.
	for _, b := range []*aftersale.BookingRecord{
		{OrderID: o[2].ID, StartsAt: fixture.At(72 * time.Hour), Title: "C late"},
		{OrderID: o[0].ID, StartsAt: fixture.At(48 * time.Hour), Title: "A late", JoinURL: "https://meet.example/a"},
		{OrderID: o[2].ID, StartsAt: fixture.At(24 * time.Hour), Title: "C early"},
		{OrderID: o[0].ID, StartsAt: fixture.At(24 * time.Hour), Title: "A early"},
	} {
		fixture.Ok(t, s.BookingUpsert(ctx, b))
	}
	ids := []int64{o[2].ID, o[1].ID, o[0].ID}
	all, err := s.BookingListByOrders(ctx, ids)
	fixture.Ok(t, err)
	var titles []string
	for _, b := range all {
		titles = append(titles, b.Title)
	}
	if !slices.Equal(titles, []string{"A early", "A late", "C early", "C late"}) {
		t.Fatalf("BookingListByOrders: sessions %q, want A early, A late, C early, C late", titles)
	}
	checkListByOrders(t, "BookingListByOrders", ids,
		func(id int64) ([]*aftersale.BookingRecord, error) { return s.BookingListByOrder(ctx, id) },
		func(ids []int64) ([]*aftersale.BookingRecord, error) { return s.BookingListByOrders(ctx, ids) })
}

// checkNoneFor checks that a many-keys read of no keys, or of keys without
// rows, returns no rows.
func checkNoneFor[T any](t *testing.T, name string, many func(ids []int64) ([]*T, error)) {
	t.Helper()
	for _, empty := range [][]int64{nil, {}, {-1, 0, 1_000_000_001}} {
		got, err := many(empty)
		fixture.Ok(t, err)
		if len(got) != 0 {
			t.Fatalf("%s(%v) = %s, want none", name, empty, fixture.Show(got))
		}
	}
}
