package features

import (
	"context"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

func testOrderSetArrival(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com")
	other := fixture.NewOrder(t, s, f.Cust.ID, "other", fixture.At(time.Hour))
	if f.Order.Arrival != "" || !f.Order.ArrivalAt.IsZero() {
		t.Fatalf("new order has the arrival answer %q at %v", f.Order.Arrival, f.Order.ArrivalAt)
	}

	// A first answer, the same answer again (which changes nothing, not even
	// the time), then another answer, which replaces it.
	steps := []struct {
		name        string
		answer      string
		at          time.Time
		wantChanged bool
		wantAt      time.Time
	}{
		{"first answer", aftersale.ArrivalNo, fixture.At(time.Hour), true, fixture.At(time.Hour)},
		{"same answer again", aftersale.ArrivalNo, fixture.At(2 * time.Hour), false, fixture.At(time.Hour)},
		{"another answer", aftersale.ArrivalYes, fixture.At(3 * time.Hour), true, fixture.At(3 * time.Hour)},
		{"another answer once more", aftersale.ArrivalYes, fixture.At(4 * time.Hour), false, fixture.At(3 * time.Hour)},
	}
	for _, st := range steps {
		changed, err := s.OrderSetArrival(ctx, f.Order.ID, st.answer, st.at)
		fixture.Ok(t, err)
		if changed != st.wantChanged {
			t.Fatalf("%s: changed = %v, want %v", st.name, changed, st.wantChanged)
		}
		got, err := s.OrderGet(ctx, f.Order.ID)
		fixture.Ok(t, err)
		want := *f.Order
		want.Arrival, want.ArrivalAt = st.answer, st.wantAt
		fixture.Same(t, st.name+": OrderGet", got, &want)
	}
	want := *f.Order
	want.Arrival, want.ArrivalAt = aftersale.ArrivalYes, fixture.At(3*time.Hour)

	// Every read of the order carries the answer; the other order has none.
	got, err := s.OrderGetByExternalID(ctx, f.Order.ExternalID)
	fixture.Ok(t, err)
	fixture.Same(t, "OrderGetByExternalID", got, &want)
	list, err := s.OrderListByCustomer(ctx, f.Cust.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "OrderListByCustomer", list, []*aftersale.Order{other, &want})
	list, err = s.OrderList(ctx, time.Time{}, time.Time{})
	fixture.Ok(t, err)
	fixture.Same(t, "OrderList", list, []*aftersale.Order{&want, other})

	// An update of the order from the shop keeps the answer, and returns it.
	upd := *f.Order
	upd.ID, upd.Total = 0, "1.00"
	got, err = s.OrderUpsert(ctx, &upd)
	fixture.Ok(t, err)
	want.Total = "1.00"
	fixture.Same(t, "OrderUpsert (update) after OrderSetArrival", got, &want)
	got, err = s.OrderGet(ctx, f.Order.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "OrderGet after OrderUpsert", got, &want)

	// In a transaction too, seeing its own writes.
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		changed, err := tx.OrderSetArrival(ctx, other.ID, aftersale.ArrivalNo, fixture.At(5*time.Hour))
		if err != nil {
			return err
		}
		if !changed {
			t.Error("first answer in a transaction: changed = false")
		}
		o, err := tx.OrderGet(ctx, other.ID)
		if err != nil {
			return err
		}
		if o.Arrival != aftersale.ArrivalNo || !o.ArrivalAt.Equal(fixture.At(5*time.Hour)) {
			t.Errorf("OrderGet in the transaction: arrival %q at %v", o.Arrival, o.ArrivalAt)
		}
		return nil
	}))
	got, err = s.OrderGet(ctx, other.ID)
	fixture.Ok(t, err)
	wantOther := *other
	wantOther.Arrival, wantOther.ArrivalAt = aftersale.ArrivalNo, fixture.At(5*time.Hour)
	fixture.Same(t, "OrderGet after the transaction", got, &wantOther)
	got, err = s.OrderGet(ctx, f.Order.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "the first order after answering for the other", got, &want)

	_, err = s.OrderSetArrival(ctx, other.ID+1000, aftersale.ArrivalYes, fixture.T0)
	fixture.WantCode(t, "OrderSetArrival of a missing order", err, aftersale.ENOTFOUND)
	_, err = s.OrderSetArrival(ctx, f.Order.ID, "maybe", fixture.T0)
	fixture.WantCode(t, "OrderSetArrival with an unknown answer", err, aftersale.EINVALID)
	got, err = s.OrderGet(ctx, f.Order.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "OrderGet after an unknown answer", got, &want)
}

// newReturn returns an unsaved return of the fixture's order, opened by the
// event at created.
func newReturn(f fixture.Fixture, eventID string, created time.Time) *aftersale.Return {
	return &aftersale.Return{
		OrderID: f.Order.ID, CustomerID: f.Cust.ID, EventID: eventID, Status: aftersale.ReturnRequested,
		Resolution: aftersale.ResolutionRefund, Reason: "It doesn't fit",
		Items:  []aftersale.ReturnItem{{SKU: f.Order.Items[1].SKU, Name: f.Order.Items[1].Name, Quantity: 1}},
		Source: "page", CreatedAt: created, UpdatedAt: created,
	}
}

func testReturnCreate(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com")
	in := &aftersale.Return{
		OrderID: f.Order.ID, CustomerID: f.Cust.ID, EventID: "evt_return_1", Status: aftersale.ReturnRequested,
		Resolution: aftersale.ResolutionExchange, Reason: "It doesn't fit", Comment: "A size larger, please \u00e9",
		Items: []aftersale.ReturnItem{
			{SKU: "B-1", Name: "Book", Quantity: 2},
			{SKU: "C-1", Name: "Course \"deluxe\"", Quantity: 1},
		},
		Source: "page", CreatedAt: fixture.At(time.Hour), UpdatedAt: fixture.At(time.Hour),
	}
	r, created, err := s.ReturnCreate(ctx, in)
	fixture.Ok(t, err)
	if !created || r.ID == 0 {
		t.Fatalf("first ReturnCreate: created %v, ID %d", created, r.ID)
	}
	want := *in
	want.ID = r.ID
	fixture.Same(t, "ReturnCreate", r, &want)
	got, err := s.ReturnGet(ctx, r.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "ReturnGet", got, &want)
	got, err = s.ReturnGetByEventID(ctx, "evt_return_1")
	fixture.Ok(t, err)
	fixture.Same(t, "ReturnGetByEventID", got, &want)

	// The same event again (processed twice) returns the stored return.
	again := *in
	again.Reason, again.Comment, again.Items, again.CreatedAt = "Changed", "", nil, fixture.At(2*time.Hour)
	again.Status = aftersale.ReturnCancelled
	got, created, err = s.ReturnCreate(ctx, &again)
	fixture.Ok(t, err)
	if created {
		t.Fatal("ReturnCreate of a stored event: created = true")
	}
	fixture.Same(t, "ReturnCreate of a stored event", got, &want)
	got, err = s.ReturnGet(ctx, r.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "ReturnGet after a repeated ReturnCreate", got, &want)

	// Defaults: requested, a refund, updated when created; no items read
	// back as nil. Times come back in UTC.
	east := time.FixedZone("UTC+5", 5*60*60)
	bare, created, err := s.ReturnCreate(ctx, &aftersale.Return{OrderID: f.Order.ID, CustomerID: f.Cust.ID,
		EventID: "evt_return_2", Source: "api", CreatedAt: fixture.At(3 * time.Hour).In(east)})
	fixture.Ok(t, err)
	if !created || bare.ID == 0 || bare.ID == r.ID {
		t.Fatalf("ReturnCreate of a second event: created %v, ID %d (first %d)", created, bare.ID, r.ID)
	}
	wantBare := &aftersale.Return{ID: bare.ID, OrderID: f.Order.ID, CustomerID: f.Cust.ID, EventID: "evt_return_2",
		Status: aftersale.ReturnRequested, Resolution: aftersale.ResolutionRefund, Source: "api",
		CreatedAt: fixture.At(3 * time.Hour), UpdatedAt: fixture.At(3 * time.Hour)}
	fixture.Same(t, "ReturnCreate with defaults", bare, wantBare)
	got, err = s.ReturnGet(ctx, bare.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "ReturnGet of a return with defaults", got, wantBare)

	// In a transaction too, seeing its own writes; a rolled back create
	// leaves nothing.
	var inTx *aftersale.Return
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		r, created, err := tx.ReturnCreate(ctx, newReturn(f, "evt_return_tx", fixture.At(4*time.Hour)))
		if err != nil {
			return err
		}
		if !created {
			t.Error("ReturnCreate in a transaction: created = false")
		}
		inTx, err = tx.ReturnGetByEventID(ctx, "evt_return_tx")
		if err != nil {
			return err
		}
		fixture.Same(t, "ReturnGetByEventID in the transaction", inTx, r)
		_, created, err = tx.ReturnCreate(ctx, newReturn(f, "evt_return_tx", fixture.At(5*time.Hour)))
		if err != nil {
			return err
		}
		if created {
			t.Error("second ReturnCreate of the event in a transaction: created = true")
		}
		return nil
	}))
	got, err = s.ReturnGet(ctx, inTx.ID)
	fixture.Ok(t, err)
	wantTx := newReturn(f, "evt_return_tx", fixture.At(4*time.Hour))
	wantTx.ID = inTx.ID
	fixture.Same(t, "ReturnGet after the transaction", got, wantTx)
	errRollback := aftersale.Errorf(aftersale.EINVALID, "roll back")
	err = s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		if _, _, err := tx.ReturnCreate(ctx, newReturn(f, "evt_return_rolled_back", fixture.T0)); err != nil {
			return err
		}
		return errRollback
	})
	if err != errRollback {
		t.Fatalf("Update: %v, want the error of fn", err)
	}
	_, err = s.ReturnGetByEventID(ctx, "evt_return_rolled_back")
	fixture.WantCode(t, "ReturnGetByEventID of a rolled back return", err, aftersale.ENOTFOUND)

	_, err = s.ReturnGet(ctx, inTx.ID+1000)
	fixture.WantCode(t, "ReturnGet of a missing ID", err, aftersale.ENOTFOUND)
	_, err = s.ReturnGetByEventID(ctx, "evt_no_such_return")
	fixture.WantCode(t, "ReturnGetByEventID of a missing event", err, aftersale.ENOTFOUND)
	_, _, err = s.ReturnCreate(ctx, newReturn(f, "", fixture.T0))
	fixture.WantCode(t, "ReturnCreate without an event", err, aftersale.EINVALID)
}

func testReturnList(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com")
	g := f
	g.Order = fixture.NewOrder(t, s, f.Cust.ID, "second", fixture.T0)

	// Stored in another order than created; c and d are created at the same
	// time, so the ID decides between them (the higher first).
	a, _, err := s.ReturnCreate(ctx, newReturn(f, "a", fixture.At(2*time.Hour)))
	fixture.Ok(t, err)
	b, _, err := s.ReturnCreate(ctx, newReturn(g, "b", fixture.T0))
	fixture.Ok(t, err)
	c, _, err := s.ReturnCreate(ctx, newReturn(f, "c", fixture.At(time.Hour)))
	fixture.Ok(t, err)
	d, _, err := s.ReturnCreate(ctx, newReturn(g, "d", fixture.At(time.Hour)))
	fixture.Ok(t, err)
	e, _, err := s.ReturnCreate(ctx, newReturn(f, "e", fixture.At(3*time.Hour)))
	fixture.Ok(t, err)
	// Statuses: a received, d cancelled, the others requested. Moving a
	// return does not move it in the list (created_at orders it).
	a, err = s.ReturnSetStatus(ctx, a.ID, aftersale.ReturnRequested, aftersale.ReturnReceived, "eve@team.example", fixture.At(10*time.Hour))
	fixture.Ok(t, err)
	d, err = s.ReturnSetStatus(ctx, d.ID, aftersale.ReturnRequested, aftersale.ReturnCancelled, "eve@team.example", fixture.At(11*time.Hour))
	fixture.Ok(t, err)

	east := time.FixedZone("UTC+5", 5*60*60)
	var none time.Time
	tests := []struct {
		name string
		f    aftersale.ReturnFilter
		want []*aftersale.Return
	}{
		{"no filter, newest first", aftersale.ReturnFilter{}, []*aftersale.Return{e, a, d, c, b}},
		{"status requested", aftersale.ReturnFilter{Status: aftersale.ReturnRequested}, []*aftersale.Return{e, c, b}},
		{"status received", aftersale.ReturnFilter{Status: aftersale.ReturnReceived}, []*aftersale.Return{a}},
		{"status without returns", aftersale.ReturnFilter{Status: aftersale.ReturnRefunded}, nil},
		{"order", aftersale.ReturnFilter{OrderID: f.Order.ID}, []*aftersale.Return{e, a, c}},
		{"other order", aftersale.ReturnFilter{OrderID: g.Order.ID}, []*aftersale.Return{d, b}},
		{"order without returns", aftersale.ReturnFilter{OrderID: g.Order.ID + 1000}, nil},
		{"from is inclusive", aftersale.ReturnFilter{From: fixture.At(time.Hour)}, []*aftersale.Return{e, a, d, c}},
		{"from a microsecond later", aftersale.ReturnFilter{From: fixture.At(time.Hour + time.Microsecond)}, []*aftersale.Return{e, a}},
		{"to is exclusive", aftersale.ReturnFilter{To: fixture.At(time.Hour)}, []*aftersale.Return{b}},
		{"to a microsecond later", aftersale.ReturnFilter{To: fixture.At(time.Hour + time.Microsecond)}, []*aftersale.Return{d, c, b}},
		{"from and to", aftersale.ReturnFilter{From: fixture.At(time.Hour), To: fixture.At(3 * time.Hour)}, []*aftersale.Return{a, d, c}},
		{"bounds in another zone", aftersale.ReturnFilter{From: fixture.At(time.Hour).In(east), To: fixture.At(2 * time.Hour).In(east)},
			[]*aftersale.Return{d, c}},
		{"from equals to", aftersale.ReturnFilter{From: fixture.At(time.Hour), To: fixture.At(time.Hour)}, nil},
		{"limit", aftersale.ReturnFilter{Limit: 2}, []*aftersale.Return{e, a}},
		{"limit above the count", aftersale.ReturnFilter{Limit: 10}, []*aftersale.Return{e, a, d, c, b}},
		{"limit of one between equal times", aftersale.ReturnFilter{From: fixture.At(time.Hour), To: fixture.At(2 * time.Hour), Limit: 1},
			[]*aftersale.Return{d}},
		{"status and order", aftersale.ReturnFilter{Status: aftersale.ReturnRequested, OrderID: g.Order.ID},
			[]*aftersale.Return{b}},
		{"every field", aftersale.ReturnFilter{Status: aftersale.ReturnRequested, OrderID: f.Order.ID,
			From: fixture.At(time.Hour), To: fixture.At(4 * time.Hour), Limit: 1}, []*aftersale.Return{e}},
		{"every field, nothing matches", aftersale.ReturnFilter{Status: aftersale.ReturnCancelled, OrderID: f.Order.ID,
			From: fixture.T0, To: fixture.At(4 * time.Hour), Limit: 5}, nil},
		{"status and bounds", aftersale.ReturnFilter{Status: aftersale.ReturnRequested, From: fixture.T0, To: fixture.At(2 * time.Hour)},
			[]*aftersale.Return{c, b}},
		{"after the last return", aftersale.ReturnFilter{From: fixture.At(3*time.Hour + time.Microsecond)}, nil},
		{"before the first return", aftersale.ReturnFilter{To: fixture.T0}, nil},
		{"zero bounds do not filter", aftersale.ReturnFilter{From: none, To: none}, []*aftersale.Return{e, a, d, c, b}},
	}
	for _, tt := range tests {
		got, err := s.ReturnList(ctx, tt.f)
		fixture.Ok(t, err)
		if len(got) == 0 && len(tt.want) == 0 {
			continue
		}
		fixture.Same(t, tt.name, got, tt.want)
	}
	// In a transaction too, seeing its own writes.
	var inTx []*aftersale.Return
	var h *aftersale.Return
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		var err error
		h, _, err = tx.ReturnCreate(ctx, newReturn(g, "h", fixture.At(5*time.Hour)))
		if err != nil {
			return err
		}
		inTx, err = tx.ReturnList(ctx, aftersale.ReturnFilter{OrderID: g.Order.ID})
		return err
	}))
	fixture.Same(t, "ReturnList in a transaction", inTx, []*aftersale.Return{h, d, b})
}

func testReturnSetStatus(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := fixture.NewFixture(t, s, "ann@example.com")
	r, _, err := s.ReturnCreate(ctx, newReturn(f, "evt_return", fixture.T0))
	fixture.Ok(t, err)
	other, _, err := s.ReturnCreate(ctx, newReturn(f, "evt_other", fixture.T0))
	fixture.Ok(t, err)
	if r.UpdatedBy != "" {
		t.Fatalf("new return is updated by %q", r.UpdatedBy)
	}

	moved, err := s.ReturnSetStatus(ctx, r.ID, aftersale.ReturnRequested, aftersale.ReturnReceived, "Eve@Team.example", fixture.At(time.Hour))
	fixture.Ok(t, err)
	want := *r
	want.Status, want.UpdatedAt, want.UpdatedBy = aftersale.ReturnReceived, fixture.At(time.Hour), "Eve@Team.example"
	fixture.Same(t, "ReturnSetStatus", moved, &want)
	got, err := s.ReturnGet(ctx, r.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "ReturnGet after ReturnSetStatus", got, &want)

	// From a status the return is not in any more: somebody moved it first.
	for _, from := range []aftersale.ReturnStatus{aftersale.ReturnRequested, aftersale.ReturnRefunded} {
		_, err = s.ReturnSetStatus(ctx, r.ID, from, aftersale.ReturnCancelled, "bob@team.example", fixture.At(2*time.Hour))
		fixture.WantCode(t, "ReturnSetStatus from "+string(from), err, aftersale.ECONFLICT)
	}
	got, err = s.ReturnGet(ctx, r.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "return after a conflicting ReturnSetStatus", got, &want)

	// The next move, by another member.
	moved, err = s.ReturnSetStatus(ctx, r.ID, aftersale.ReturnReceived, aftersale.ReturnRefunded, "bob@team.example", fixture.At(3*time.Hour))
	fixture.Ok(t, err)
	want.Status, want.UpdatedAt, want.UpdatedBy = aftersale.ReturnRefunded, fixture.At(3*time.Hour), "bob@team.example"
	fixture.Same(t, "second ReturnSetStatus", moved, &want)
	list, err := s.ReturnList(ctx, aftersale.ReturnFilter{Status: aftersale.ReturnRefunded})
	fixture.Ok(t, err)
	fixture.Same(t, "ReturnList after ReturnSetStatus", list, []*aftersale.Return{&want})

	// The other return was not touched.
	got, err = s.ReturnGet(ctx, other.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "the other return", got, other)

	// In a transaction, a conflict is no failure of the transaction: it
	// goes on and commits.
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		_, err := tx.ReturnSetStatus(ctx, other.ID, aftersale.ReturnReceived, aftersale.ReturnRefunded, "eve@team.example", fixture.At(4*time.Hour))
		if aftersale.ErrorCode(err) != aftersale.ECONFLICT {
			t.Errorf("ReturnSetStatus from the wrong status in a transaction: %v, want ECONFLICT", err)
		}
		_, err = tx.ReturnSetStatus(ctx, other.ID, aftersale.ReturnRequested, aftersale.ReturnCancelled, "eve@team.example", fixture.At(4*time.Hour))
		return err
	}))
	got, err = s.ReturnGet(ctx, other.ID)
	fixture.Ok(t, err)
	wantOther := *other
	wantOther.Status, wantOther.UpdatedAt, wantOther.UpdatedBy = aftersale.ReturnCancelled, fixture.At(4*time.Hour), "eve@team.example"
	fixture.Same(t, "return moved in a transaction", got, &wantOther)

	_, err = s.ReturnSetStatus(ctx, other.ID+1000, aftersale.ReturnRequested, aftersale.ReturnReceived, "eve@team.example", fixture.T0)
	fixture.WantCode(t, "ReturnSetStatus of a missing return", err, aftersale.ENOTFOUND)
	_, err = s.ReturnSetStatus(ctx, other.ID, aftersale.ReturnCancelled, "lost", "eve@team.example", fixture.T0)
	fixture.WantCode(t, "ReturnSetStatus to an unknown status", err, aftersale.EINVALID)
}
