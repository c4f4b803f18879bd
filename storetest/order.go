package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

func testOrderUpsert(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann@example.com")
	in := &aftersale.Order{
		ExternalID: "1001", CustomerID: ann.ID, Source: "shopify", Currency: "EUR", Total: "124.00",
		Coupon: "SPRING", Status: aftersale.OrderPlaced, PlacedAt: fixture.T0,
		Items: []aftersale.Item{
			{SKU: "C-1", Name: "Course", Kind: aftersale.KindCourse, Quantity: 1, Price: "99.00", AccessURL: "https://x.example/c"},
			{SKU: "B-1", Name: "Book", Kind: aftersale.KindPhysical, Quantity: 1, Price: "25.00"},
		},
	}
	o, err := s.OrderUpsert(ctx, in)
	fixture.Ok(t, err)
	if o.ID == 0 {
		t.Fatal("created order has ID 0")
	}
	want := *in
	want.ID = o.ID
	fixture.Same(t, "OrderUpsert (create)", o, &want)
	got, err := s.OrderGet(ctx, o.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "OrderGet", got, &want)
	got, err = s.OrderGetByExternalID(ctx, "1001")
	fixture.Ok(t, err)
	fixture.Same(t, "OrderGetByExternalID", got, &want)

	// Facts recorded since must survive an update; the items are replaced.
	_, err = s.OrderMarkAccessed(ctx, o.ID, fixture.At(time.Hour))
	fixture.Ok(t, err)
	fixture.Ok(t, s.OrderSetStatus(ctx, o.ID, aftersale.OrderRefunded, fixture.At(2*time.Hour)))
	upd := &aftersale.Order{
		ExternalID: "1001", CustomerID: ann.ID, Source: "shopify", Currency: "EUR", Total: "99.00",
		Status: aftersale.OrderPlaced, PlacedAt: fixture.T0,
		Items: []aftersale.Item{{SKU: "C-1", Name: "Course", Kind: aftersale.KindCourse, Quantity: 1, Price: "99.00"}},
	}
	o2, err := s.OrderUpsert(ctx, upd)
	fixture.Ok(t, err)
	want = *upd
	want.ID = o.ID
	want.Status = aftersale.OrderRefunded
	want.AccessedAt = fixture.At(time.Hour)
	want.ClosedAt = fixture.At(2 * time.Hour)
	fixture.Same(t, "OrderUpsert (update)", o2, &want)
	got, err = s.OrderGet(ctx, o.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "OrderGet after update", got, &want)

	other := fixture.NewOrder(t, s, ann.ID, "1002", fixture.T0)
	if other.ID == o.ID {
		t.Fatal("a second external id got the first order's ID")
	}

	_, err = s.OrderGet(ctx, other.ID+1000)
	fixture.WantCode(t, "OrderGet of a missing ID", err, aftersale.ENOTFOUND)
	_, err = s.OrderGetByExternalID(ctx, "no-such-order")
	fixture.WantCode(t, "OrderGetByExternalID of a missing order", err, aftersale.ENOTFOUND)
}

func testOrderListByCustomer(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann@example.com")
	bob := fixture.NewCustomer(t, s, "bob@example.com")
	carl := fixture.NewCustomer(t, s, "carl@example.com")
	nobody := fixture.NewCustomer(t, s, "nobody@example.com")

	o1 := fixture.NewOrder(t, s, ann.ID, "o1", fixture.T0)
	o2 := fixture.NewOrder(t, s, ann.ID, "o2", fixture.At(2*time.Hour))
	o3 := fixture.NewOrder(t, s, carl.ID, "o3", fixture.At(time.Hour))
	o4 := fixture.NewOrder(t, s, carl.ID, "o4", fixture.At(3*time.Hour))
	fixture.Ok(t, s.OrderSetUser(ctx, o2.ID, bob.ID)) // ann bought it for bob
	fixture.Ok(t, s.OrderSetUser(ctx, o3.ID, ann.ID)) // carl bought it for ann
	o2.UserID, o3.UserID = bob.ID, ann.ID

	tests := []struct {
		name     string
		customer int64
		want     []*aftersale.Order
	}{
		{"buyer and user, newest first", ann.ID, []*aftersale.Order{o2, o3, o1}},
		{"user only", bob.ID, []*aftersale.Order{o2}},
		{"buyer only", carl.ID, []*aftersale.Order{o4, o3}},
		{"no orders", nobody.ID, nil},
	}
	for _, tt := range tests {
		got, err := s.OrderListByCustomer(ctx, tt.customer)
		fixture.Ok(t, err)
		if len(got) == 0 && len(tt.want) == 0 {
			continue
		}
		fixture.Same(t, tt.name, got, tt.want)
	}
}

func testOrderList(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann@example.com")
	bob := fixture.NewCustomer(t, s, "bob@example.com")

	// Stored in another order than placed; c and d are placed at the same
	// time, so the ID decides between them.
	a := fixture.NewOrder(t, s, ann.ID, "a", fixture.At(2*time.Hour))
	b := fixture.NewOrder(t, s, bob.ID, "b", fixture.T0)
	c := fixture.NewOrder(t, s, ann.ID, "c", fixture.At(time.Hour))
	d := fixture.NewOrder(t, s, bob.ID, "d", fixture.At(time.Hour))
	e, err := s.OrderUpsert(ctx, &aftersale.Order{ // no items
		ExternalID: "e", CustomerID: ann.ID, Source: "api", Currency: "EUR", Total: "0.00",
		Status: aftersale.OrderPlaced, PlacedAt: fixture.At(3 * time.Hour),
	})
	fixture.Ok(t, err)
	// The order facts come along too.
	fixture.Ok(t, s.OrderSetUser(ctx, b.ID, ann.ID))
	_, err = s.OrderMarkAccessed(ctx, b.ID, fixture.At(4*time.Hour))
	fixture.Ok(t, err)
	b.UserID, b.AccessedAt = ann.ID, fixture.At(4*time.Hour)
	for _, o := range []*aftersale.Order{a, b, c, d} {
		if len(o.Items) != 2 {
			t.Fatalf("order %s was stored with %d items, want 2", o.ExternalID, len(o.Items))
		}
	}

	east := time.FixedZone("UTC+5", 5*60*60)
	var none time.Time
	tests := []struct {
		name     string
		from, to time.Time
		want     []*aftersale.Order
	}{
		{"no bounds, oldest first", none, none, []*aftersale.Order{b, c, d, a, e}},
		{"from is inclusive", fixture.At(time.Hour), none, []*aftersale.Order{c, d, a, e}},
		{"from a microsecond later", fixture.At(time.Hour + time.Microsecond), none, []*aftersale.Order{a, e}},
		{"to is exclusive", none, fixture.At(time.Hour), []*aftersale.Order{b}},
		{"to a microsecond later", none, fixture.At(time.Hour + time.Microsecond), []*aftersale.Order{b, c, d}},
		{"both bounds", fixture.At(time.Hour), fixture.At(3 * time.Hour), []*aftersale.Order{c, d, a}},
		{"bounds in another zone", fixture.At(time.Hour).In(east), fixture.At(2 * time.Hour).In(east), []*aftersale.Order{c, d}},
		{"from equals to", fixture.At(time.Hour), fixture.At(time.Hour), nil},
		{"after the last order", fixture.At(3*time.Hour + time.Microsecond), none, nil},
		{"before the first order", none, fixture.T0, nil},
	}
	for _, tt := range tests {
		got, err := s.OrderList(ctx, tt.from, tt.to)
		fixture.Ok(t, err)
		if len(got) == 0 && len(tt.want) == 0 {
			continue
		}
		fixture.Same(t, tt.name, got, tt.want)
	}

	// In a transaction too, seeing its own writes.
	var f *aftersale.Order
	var got []*aftersale.Order
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		var err error
		f, err = tx.OrderUpsert(ctx, &aftersale.Order{
			ExternalID: "f", CustomerID: bob.ID, Source: "api", Currency: "EUR", Total: "5.00",
			Status: aftersale.OrderPlaced, PlacedAt: fixture.At(2 * time.Hour),
			Items: []aftersale.Item{{SKU: "f-1", Name: "Sticker", Kind: aftersale.KindPhysical, Quantity: 5, Price: "1.00"}},
		})
		if err != nil {
			return err
		}
		got, err = tx.OrderList(ctx, fixture.At(2*time.Hour), none)
		return err
	}))
	fixture.Same(t, "OrderList in a transaction", got, []*aftersale.Order{a, f, e})
}

func testOrderSetStatus(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann@example.com")
	o := fixture.NewOrder(t, s, ann.ID, "1001", fixture.T0)
	steps := []struct {
		name       string
		status     aftersale.OrderStatus
		at         time.Time
		wantClosed time.Time
	}{
		{"placed does not close", aftersale.OrderPlaced, fixture.At(time.Hour), time.Time{}},
		{"refunded closes", aftersale.OrderRefunded, fixture.At(2 * time.Hour), fixture.At(2 * time.Hour)},
		{"cancelled later keeps the first close", aftersale.OrderCancelled, fixture.At(3 * time.Hour), fixture.At(2 * time.Hour)},
	}
	for _, st := range steps {
		fixture.Ok(t, s.OrderSetStatus(ctx, o.ID, st.status, st.at))
		got, err := s.OrderGet(ctx, o.ID)
		fixture.Ok(t, err)
		if got.Status != st.status || !got.ClosedAt.Equal(st.wantClosed) {
			t.Fatalf("%s: status %q closed %v, want %q closed %v", st.name, got.Status, got.ClosedAt, st.status, st.wantClosed)
		}
		if len(got.Items) != 2 || got.Total != o.Total {
			t.Fatalf("%s: changed other fields: %s", st.name, fixture.Show(got))
		}
	}
	err := s.OrderSetStatus(ctx, o.ID+1000, aftersale.OrderRefunded, fixture.T0)
	fixture.WantCode(t, "OrderSetStatus of a missing order", err, aftersale.ENOTFOUND)
}

func testOrderSetUser(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann@example.com")
	bob := fixture.NewCustomer(t, s, "bob@example.com")
	o := fixture.NewOrder(t, s, ann.ID, "1001", fixture.T0)
	if o.UserID != 0 {
		t.Fatalf("new order has UserID %d, want 0", o.UserID)
	}
	for _, user := range []int64{bob.ID, 0} {
		fixture.Ok(t, s.OrderSetUser(ctx, o.ID, user))
		got, err := s.OrderGet(ctx, o.ID)
		fixture.Ok(t, err)
		if got.UserID != user || got.CustomerID != ann.ID {
			t.Fatalf("after OrderSetUser(%d): customer %d user %d", user, got.CustomerID, got.UserID)
		}
		list, err := s.OrderListByCustomer(ctx, bob.ID)
		fixture.Ok(t, err)
		if (user == bob.ID) != (len(list) == 1) {
			t.Fatalf("after OrderSetUser(%d): bob has %d orders", user, len(list))
		}
	}
	err := s.OrderSetUser(ctx, o.ID+1000, bob.ID)
	fixture.WantCode(t, "OrderSetUser of a missing order", err, aftersale.ENOTFOUND)
}

func testOrderMark(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann@example.com")
	tests := []struct {
		name string
		mark func(ctx context.Context, id int64, at time.Time) (bool, error)
		fact func(o *aftersale.Order) time.Time
	}{
		{"accessed", s.OrderMarkAccessed, func(o *aftersale.Order) time.Time { return o.AccessedAt }},
		{"delivered", s.OrderMarkDelivered, func(o *aftersale.Order) time.Time { return o.DeliveredAt }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := fixture.NewOrder(t, s, ann.ID, "order-"+tt.name, fixture.T0)
			if !tt.fact(o).IsZero() {
				t.Fatalf("new order has the fact at %v", tt.fact(o))
			}
			for i, when := range []time.Time{fixture.At(time.Hour), fixture.At(2 * time.Hour)} {
				first, err := tt.mark(ctx, o.ID, when)
				fixture.Ok(t, err)
				if first != (i == 0) {
					t.Fatalf("call %d: first = %v", i+1, first)
				}
				got, err := s.OrderGet(ctx, o.ID)
				fixture.Ok(t, err)
				if !tt.fact(got).Equal(fixture.At(time.Hour)) {
					t.Fatalf("call %d: fact time %v, want the first %v", i+1, tt.fact(got), fixture.At(time.Hour))
				}
			}
			_, err := tt.mark(ctx, o.ID+1000, fixture.T0)
			fixture.WantCode(t, "mark of a missing order", err, aftersale.ENOTFOUND)
		})
	}
	// The facts are independent of each other.
	o := fixture.NewOrder(t, s, ann.ID, "both", fixture.T0)
	_, err := s.OrderMarkDelivered(ctx, o.ID, fixture.At(time.Hour))
	fixture.Ok(t, err)
	first, err := s.OrderMarkAccessed(ctx, o.ID, fixture.At(2*time.Hour))
	fixture.Ok(t, err)
	if !first {
		t.Fatal("OrderMarkAccessed after OrderMarkDelivered: first = false")
	}
}

func testShipmentUpsert(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann@example.com")
	o := fixture.NewOrder(t, s, ann.ID, "1001", fixture.T0)
	other := fixture.NewOrder(t, s, ann.ID, "1002", fixture.T0)
	pkg := func(tracking string, status aftersale.ShipmentStatus, carrier string, h int) *aftersale.ShipmentRecord {
		return &aftersale.ShipmentRecord{OrderID: o.ID, Carrier: carrier, TrackingNumber: tracking,
			TrackingURL: map[string]string{"": "", "dhl": "https://dhl.example/" + tracking}[carrier],
			Status:      status, UpdatedAt: fixture.At(time.Duration(h) * time.Hour)}
	}
	steps := []struct {
		name        string
		in          *aftersale.ShipmentRecord
		wantChanged bool
	}{
		{"new package", pkg("A", aftersale.ShipmentShipped, "dhl", 1), true},
		{"same status", pkg("A", aftersale.ShipmentShipped, "dhl", 2), false},
		{"new status", pkg("A", aftersale.ShipmentInTransit, "dhl", 3), true},
		{"second package", pkg("B", aftersale.ShipmentShipped, "dhl", 4), true},
		{"status only, empty carrier keeps it", pkg("A", aftersale.ShipmentDelivered, "", 5), true},
	}
	for _, st := range steps {
		changed, err := s.ShipmentUpsert(ctx, st.in)
		fixture.Ok(t, err)
		if changed != st.wantChanged {
			t.Fatalf("%s: changed = %v, want %v", st.name, changed, st.wantChanged)
		}
	}
	list, err := s.ShipmentListByOrder(ctx, o.ID)
	fixture.Ok(t, err)
	if len(list) != 2 {
		t.Fatalf("ShipmentListByOrder: %d packages, want 2: %s", len(list), fixture.Show(list))
	}
	wantA := pkg("A", aftersale.ShipmentDelivered, "dhl", 5)
	wantB := pkg("B", aftersale.ShipmentShipped, "dhl", 4)
	wantA.ID, wantB.ID = list[0].ID, list[1].ID
	if wantA.ID == 0 || wantB.ID == 0 || wantA.ID == wantB.ID {
		t.Fatalf("package IDs %d and %d", wantA.ID, wantB.ID)
	}
	fixture.Same(t, "ShipmentListByOrder, oldest first", list, []*aftersale.ShipmentRecord{wantA, wantB})

	list, err = s.ShipmentListByOrder(ctx, other.ID)
	fixture.Ok(t, err)
	if len(list) != 0 {
		t.Fatalf("another order has packages: %s", fixture.Show(list))
	}
}

func testBookingUpsert(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann := fixture.NewCustomer(t, s, "ann@example.com")
	o := fixture.NewOrder(t, s, ann.ID, "1001", fixture.T0)
	other := fixture.NewOrder(t, s, ann.ID, "1002", fixture.T0)
	in := []*aftersale.BookingRecord{
		{OrderID: o.ID, StartsAt: fixture.At(48 * time.Hour), Title: "Kickoff", JoinURL: "https://meet.example/1"},
		{OrderID: o.ID, StartsAt: fixture.At(24 * time.Hour), Title: "Intro"},
		{OrderID: o.ID, StartsAt: fixture.At(48 * time.Hour), Title: "Kickoff call"}, // same session, new title
		{OrderID: other.ID, StartsAt: fixture.At(24 * time.Hour), Title: "Other"},
	}
	for _, b := range in {
		fixture.Ok(t, s.BookingUpsert(ctx, b))
	}
	list, err := s.BookingListByOrder(ctx, o.ID)
	fixture.Ok(t, err)
	if len(list) != 2 {
		t.Fatalf("BookingListByOrder: %d sessions, want 2: %s", len(list), fixture.Show(list))
	}
	want := []*aftersale.BookingRecord{
		{ID: list[0].ID, OrderID: o.ID, StartsAt: fixture.At(24 * time.Hour), Title: "Intro"},
		{ID: list[1].ID, OrderID: o.ID, StartsAt: fixture.At(48 * time.Hour), Title: "Kickoff call", JoinURL: "https://meet.example/1"},
	}
	if want[0].ID == 0 || want[1].ID == 0 || want[0].ID == want[1].ID {
		t.Fatalf("session IDs %d and %d", want[0].ID, want[1].ID)
	}
	fixture.Same(t, "BookingListByOrder, earliest first", list, want)
}
