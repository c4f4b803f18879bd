package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

func testOrderSetArrival(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "ann@example.com")
	other := newOrder(t, s, f.cust.ID, "other", at(time.Hour))
	if f.order.Arrival != "" || !f.order.ArrivalAt.IsZero() {
		t.Fatalf("new order has the arrival answer %q at %v", f.order.Arrival, f.order.ArrivalAt)
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
		{"first answer", aftersale.ArrivalNo, at(time.Hour), true, at(time.Hour)},
		{"same answer again", aftersale.ArrivalNo, at(2 * time.Hour), false, at(time.Hour)},
		{"another answer", aftersale.ArrivalYes, at(3 * time.Hour), true, at(3 * time.Hour)},
		{"another answer once more", aftersale.ArrivalYes, at(4 * time.Hour), false, at(3 * time.Hour)},
	}
	for _, st := range steps {
		changed, err := s.OrderSetArrival(ctx, f.order.ID, st.answer, st.at)
		ok(t, err)
		if changed != st.wantChanged {
			t.Fatalf("%s: changed = %v, want %v", st.name, changed, st.wantChanged)
		}
		got, err := s.OrderGet(ctx, f.order.ID)
		ok(t, err)
		want := *f.order
		want.Arrival, want.ArrivalAt = st.answer, st.wantAt
		same(t, st.name+": OrderGet", got, &want)
	}
	want := *f.order
	want.Arrival, want.ArrivalAt = aftersale.ArrivalYes, at(3*time.Hour)

	// Every read of the order carries the answer; the other order has none.
	got, err := s.OrderGetByExternalID(ctx, f.order.ExternalID)
	ok(t, err)
	same(t, "OrderGetByExternalID", got, &want)
	list, err := s.OrderListByCustomer(ctx, f.cust.ID)
	ok(t, err)
	same(t, "OrderListByCustomer", list, []*aftersale.Order{other, &want})
	list, err = s.OrderList(ctx, time.Time{}, time.Time{})
	ok(t, err)
	same(t, "OrderList", list, []*aftersale.Order{&want, other})

	// An update of the order from the shop keeps the answer, and returns it.
	upd := *f.order
	upd.ID, upd.Total = 0, "1.00"
	got, err = s.OrderUpsert(ctx, &upd)
	ok(t, err)
	want.Total = "1.00"
	same(t, "OrderUpsert (update) after OrderSetArrival", got, &want)
	got, err = s.OrderGet(ctx, f.order.ID)
	ok(t, err)
	same(t, "OrderGet after OrderUpsert", got, &want)

	// In a transaction too, seeing its own writes.
	ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		changed, err := tx.OrderSetArrival(ctx, other.ID, aftersale.ArrivalNo, at(5*time.Hour))
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
		if o.Arrival != aftersale.ArrivalNo || !o.ArrivalAt.Equal(at(5*time.Hour)) {
			t.Errorf("OrderGet in the transaction: arrival %q at %v", o.Arrival, o.ArrivalAt)
		}
		return nil
	}))
	got, err = s.OrderGet(ctx, other.ID)
	ok(t, err)
	wantOther := *other
	wantOther.Arrival, wantOther.ArrivalAt = aftersale.ArrivalNo, at(5*time.Hour)
	same(t, "OrderGet after the transaction", got, &wantOther)
	got, err = s.OrderGet(ctx, f.order.ID)
	ok(t, err)
	same(t, "the first order after answering for the other", got, &want)

	_, err = s.OrderSetArrival(ctx, other.ID+1000, aftersale.ArrivalYes, t0)
	wantCode(t, "OrderSetArrival of a missing order", err, aftersale.ENOTFOUND)
	_, err = s.OrderSetArrival(ctx, f.order.ID, "maybe", t0)
	wantCode(t, "OrderSetArrival with an unknown answer", err, aftersale.EINVALID)
	got, err = s.OrderGet(ctx, f.order.ID)
	ok(t, err)
	same(t, "OrderGet after an unknown answer", got, &want)
}

// newReturn returns an unsaved return of the fixture's order, opened by the
// event at created.
func newReturn(f fixture, eventID string, created time.Time) *aftersale.Return {
	return &aftersale.Return{
		OrderID: f.order.ID, CustomerID: f.cust.ID, EventID: eventID, Status: aftersale.ReturnRequested,
		Resolution: aftersale.ResolutionRefund, Reason: "It doesn't fit",
		Items:  []aftersale.ReturnItem{{SKU: f.order.Items[1].SKU, Name: f.order.Items[1].Name, Quantity: 1}},
		Source: "page", CreatedAt: created, UpdatedAt: created,
	}
}

func testReturnCreate(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "ann@example.com")
	in := &aftersale.Return{
		OrderID: f.order.ID, CustomerID: f.cust.ID, EventID: "evt_return_1", Status: aftersale.ReturnRequested,
		Resolution: aftersale.ResolutionExchange, Reason: "It doesn't fit", Comment: "A size larger, please \u00e9",
		Items: []aftersale.ReturnItem{
			{SKU: "B-1", Name: "Book", Quantity: 2},
			{SKU: "C-1", Name: "Course \"deluxe\"", Quantity: 1},
		},
		Source: "page", CreatedAt: at(time.Hour), UpdatedAt: at(time.Hour),
	}
	r, created, err := s.ReturnCreate(ctx, in)
	ok(t, err)
	if !created || r.ID == 0 {
		t.Fatalf("first ReturnCreate: created %v, ID %d", created, r.ID)
	}
	want := *in
	want.ID = r.ID
	same(t, "ReturnCreate", r, &want)
	got, err := s.ReturnGet(ctx, r.ID)
	ok(t, err)
	same(t, "ReturnGet", got, &want)
	got, err = s.ReturnGetByEventID(ctx, "evt_return_1")
	ok(t, err)
	same(t, "ReturnGetByEventID", got, &want)

	// The same event again (processed twice) returns the stored return.
	again := *in
	again.Reason, again.Comment, again.Items, again.CreatedAt = "Changed", "", nil, at(2*time.Hour)
	again.Status = aftersale.ReturnCancelled
	got, created, err = s.ReturnCreate(ctx, &again)
	ok(t, err)
	if created {
		t.Fatal("ReturnCreate of a stored event: created = true")
	}
	same(t, "ReturnCreate of a stored event", got, &want)
	got, err = s.ReturnGet(ctx, r.ID)
	ok(t, err)
	same(t, "ReturnGet after a repeated ReturnCreate", got, &want)

	// Defaults: requested, a refund, updated when created; no items read
	// back as nil. Times come back in UTC.
	east := time.FixedZone("UTC+5", 5*60*60)
	bare, created, err := s.ReturnCreate(ctx, &aftersale.Return{OrderID: f.order.ID, CustomerID: f.cust.ID,
		EventID: "evt_return_2", Source: "api", CreatedAt: at(3 * time.Hour).In(east)})
	ok(t, err)
	if !created || bare.ID == 0 || bare.ID == r.ID {
		t.Fatalf("ReturnCreate of a second event: created %v, ID %d (first %d)", created, bare.ID, r.ID)
	}
	wantBare := &aftersale.Return{ID: bare.ID, OrderID: f.order.ID, CustomerID: f.cust.ID, EventID: "evt_return_2",
		Status: aftersale.ReturnRequested, Resolution: aftersale.ResolutionRefund, Source: "api",
		CreatedAt: at(3 * time.Hour), UpdatedAt: at(3 * time.Hour)}
	same(t, "ReturnCreate with defaults", bare, wantBare)
	got, err = s.ReturnGet(ctx, bare.ID)
	ok(t, err)
	same(t, "ReturnGet of a return with defaults", got, wantBare)

	// In a transaction too, seeing its own writes; a rolled back create
	// leaves nothing.
	var inTx *aftersale.Return
	ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		r, created, err := tx.ReturnCreate(ctx, newReturn(f, "evt_return_tx", at(4*time.Hour)))
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
		same(t, "ReturnGetByEventID in the transaction", inTx, r)
		_, created, err = tx.ReturnCreate(ctx, newReturn(f, "evt_return_tx", at(5*time.Hour)))
		if err != nil {
			return err
		}
		if created {
			t.Error("second ReturnCreate of the event in a transaction: created = true")
		}
		return nil
	}))
	got, err = s.ReturnGet(ctx, inTx.ID)
	ok(t, err)
	wantTx := newReturn(f, "evt_return_tx", at(4*time.Hour))
	wantTx.ID = inTx.ID
	same(t, "ReturnGet after the transaction", got, wantTx)
	errRollback := aftersale.Errorf(aftersale.EINVALID, "roll back")
	err = s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		if _, _, err := tx.ReturnCreate(ctx, newReturn(f, "evt_return_rolled_back", t0)); err != nil {
			return err
		}
		return errRollback
	})
	if err != errRollback {
		t.Fatalf("Update: %v, want the error of fn", err)
	}
	_, err = s.ReturnGetByEventID(ctx, "evt_return_rolled_back")
	wantCode(t, "ReturnGetByEventID of a rolled back return", err, aftersale.ENOTFOUND)

	_, err = s.ReturnGet(ctx, inTx.ID+1000)
	wantCode(t, "ReturnGet of a missing ID", err, aftersale.ENOTFOUND)
	_, err = s.ReturnGetByEventID(ctx, "evt_no_such_return")
	wantCode(t, "ReturnGetByEventID of a missing event", err, aftersale.ENOTFOUND)
	_, _, err = s.ReturnCreate(ctx, newReturn(f, "", t0))
	wantCode(t, "ReturnCreate without an event", err, aftersale.EINVALID)
}

func testReturnList(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "ann@example.com")
	g := f
	g.order = newOrder(t, s, f.cust.ID, "second", t0)

	// Stored in another order than created; c and d are created at the same
	// time, so the ID decides between them (the higher first).
	a, _, err := s.ReturnCreate(ctx, newReturn(f, "a", at(2*time.Hour)))
	ok(t, err)
	b, _, err := s.ReturnCreate(ctx, newReturn(g, "b", t0))
	ok(t, err)
	c, _, err := s.ReturnCreate(ctx, newReturn(f, "c", at(time.Hour)))
	ok(t, err)
	d, _, err := s.ReturnCreate(ctx, newReturn(g, "d", at(time.Hour)))
	ok(t, err)
	e, _, err := s.ReturnCreate(ctx, newReturn(f, "e", at(3*time.Hour)))
	ok(t, err)
	// Statuses: a received, d cancelled, the others requested. Moving a
	// return does not move it in the list (created_at orders it).
	a, err = s.ReturnSetStatus(ctx, a.ID, aftersale.ReturnRequested, aftersale.ReturnReceived, "eve@team.example", at(10*time.Hour))
	ok(t, err)
	d, err = s.ReturnSetStatus(ctx, d.ID, aftersale.ReturnRequested, aftersale.ReturnCancelled, "eve@team.example", at(11*time.Hour))
	ok(t, err)

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
		{"order", aftersale.ReturnFilter{OrderID: f.order.ID}, []*aftersale.Return{e, a, c}},
		{"other order", aftersale.ReturnFilter{OrderID: g.order.ID}, []*aftersale.Return{d, b}},
		{"order without returns", aftersale.ReturnFilter{OrderID: g.order.ID + 1000}, nil},
		{"from is inclusive", aftersale.ReturnFilter{From: at(time.Hour)}, []*aftersale.Return{e, a, d, c}},
		{"from a microsecond later", aftersale.ReturnFilter{From: at(time.Hour + time.Microsecond)}, []*aftersale.Return{e, a}},
		{"to is exclusive", aftersale.ReturnFilter{To: at(time.Hour)}, []*aftersale.Return{b}},
		{"to a microsecond later", aftersale.ReturnFilter{To: at(time.Hour + time.Microsecond)}, []*aftersale.Return{d, c, b}},
		{"from and to", aftersale.ReturnFilter{From: at(time.Hour), To: at(3 * time.Hour)}, []*aftersale.Return{a, d, c}},
		{"bounds in another zone", aftersale.ReturnFilter{From: at(time.Hour).In(east), To: at(2 * time.Hour).In(east)},
			[]*aftersale.Return{d, c}},
		{"from equals to", aftersale.ReturnFilter{From: at(time.Hour), To: at(time.Hour)}, nil},
		{"limit", aftersale.ReturnFilter{Limit: 2}, []*aftersale.Return{e, a}},
		{"limit above the count", aftersale.ReturnFilter{Limit: 10}, []*aftersale.Return{e, a, d, c, b}},
		{"limit of one between equal times", aftersale.ReturnFilter{From: at(time.Hour), To: at(2 * time.Hour), Limit: 1},
			[]*aftersale.Return{d}},
		{"status and order", aftersale.ReturnFilter{Status: aftersale.ReturnRequested, OrderID: g.order.ID},
			[]*aftersale.Return{b}},
		{"every field", aftersale.ReturnFilter{Status: aftersale.ReturnRequested, OrderID: f.order.ID,
			From: at(time.Hour), To: at(4 * time.Hour), Limit: 1}, []*aftersale.Return{e}},
		{"every field, nothing matches", aftersale.ReturnFilter{Status: aftersale.ReturnCancelled, OrderID: f.order.ID,
			From: t0, To: at(4 * time.Hour), Limit: 5}, nil},
		{"status and bounds", aftersale.ReturnFilter{Status: aftersale.ReturnRequested, From: t0, To: at(2 * time.Hour)},
			[]*aftersale.Return{c, b}},
		{"after the last return", aftersale.ReturnFilter{From: at(3*time.Hour + time.Microsecond)}, nil},
		{"before the first return", aftersale.ReturnFilter{To: t0}, nil},
		{"zero bounds do not filter", aftersale.ReturnFilter{From: none, To: none}, []*aftersale.Return{e, a, d, c, b}},
	}
	for _, tt := range tests {
		got, err := s.ReturnList(ctx, tt.f)
		ok(t, err)
		if len(got) == 0 && len(tt.want) == 0 {
			continue
		}
		same(t, tt.name, got, tt.want)
	}
	// In a transaction too, seeing its own writes.
	var inTx []*aftersale.Return
	var h *aftersale.Return
	ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		var err error
		h, _, err = tx.ReturnCreate(ctx, newReturn(g, "h", at(5*time.Hour)))
		if err != nil {
			return err
		}
		inTx, err = tx.ReturnList(ctx, aftersale.ReturnFilter{OrderID: g.order.ID})
		return err
	}))
	same(t, "ReturnList in a transaction", inTx, []*aftersale.Return{h, d, b})
}

func testReturnSetStatus(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "ann@example.com")
	r, _, err := s.ReturnCreate(ctx, newReturn(f, "evt_return", t0))
	ok(t, err)
	other, _, err := s.ReturnCreate(ctx, newReturn(f, "evt_other", t0))
	ok(t, err)
	if r.UpdatedBy != "" {
		t.Fatalf("new return is updated by %q", r.UpdatedBy)
	}

	moved, err := s.ReturnSetStatus(ctx, r.ID, aftersale.ReturnRequested, aftersale.ReturnReceived, "Eve@Team.example", at(time.Hour))
	ok(t, err)
	want := *r
	want.Status, want.UpdatedAt, want.UpdatedBy = aftersale.ReturnReceived, at(time.Hour), "Eve@Team.example"
	same(t, "ReturnSetStatus", moved, &want)
	got, err := s.ReturnGet(ctx, r.ID)
	ok(t, err)
	same(t, "ReturnGet after ReturnSetStatus", got, &want)

	// From a status the return is not in any more: somebody moved it first.
	for _, from := range []aftersale.ReturnStatus{aftersale.ReturnRequested, aftersale.ReturnRefunded} {
		_, err = s.ReturnSetStatus(ctx, r.ID, from, aftersale.ReturnCancelled, "bob@team.example", at(2*time.Hour))
		wantCode(t, "ReturnSetStatus from "+string(from), err, aftersale.ECONFLICT)
	}
	got, err = s.ReturnGet(ctx, r.ID)
	ok(t, err)
	same(t, "return after a conflicting ReturnSetStatus", got, &want)

	// The next move, by another member.
	moved, err = s.ReturnSetStatus(ctx, r.ID, aftersale.ReturnReceived, aftersale.ReturnRefunded, "bob@team.example", at(3*time.Hour))
	ok(t, err)
	want.Status, want.UpdatedAt, want.UpdatedBy = aftersale.ReturnRefunded, at(3*time.Hour), "bob@team.example"
	same(t, "second ReturnSetStatus", moved, &want)
	list, err := s.ReturnList(ctx, aftersale.ReturnFilter{Status: aftersale.ReturnRefunded})
	ok(t, err)
	same(t, "ReturnList after ReturnSetStatus", list, []*aftersale.Return{&want})

	// The other return was not touched.
	got, err = s.ReturnGet(ctx, other.ID)
	ok(t, err)
	same(t, "the other return", got, other)

	// In a transaction, a conflict is no failure of the transaction: it
	// goes on and commits.
	ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		_, err := tx.ReturnSetStatus(ctx, other.ID, aftersale.ReturnReceived, aftersale.ReturnRefunded, "eve@team.example", at(4*time.Hour))
		if aftersale.ErrorCode(err) != aftersale.ECONFLICT {
			t.Errorf("ReturnSetStatus from the wrong status in a transaction: %v, want ECONFLICT", err)
		}
		_, err = tx.ReturnSetStatus(ctx, other.ID, aftersale.ReturnRequested, aftersale.ReturnCancelled, "eve@team.example", at(4*time.Hour))
		return err
	}))
	got, err = s.ReturnGet(ctx, other.ID)
	ok(t, err)
	wantOther := *other
	wantOther.Status, wantOther.UpdatedAt, wantOther.UpdatedBy = aftersale.ReturnCancelled, at(4*time.Hour), "eve@team.example"
	same(t, "return moved in a transaction", got, &wantOther)

	_, err = s.ReturnSetStatus(ctx, other.ID+1000, aftersale.ReturnRequested, aftersale.ReturnReceived, "eve@team.example", t0)
	wantCode(t, "ReturnSetStatus of a missing return", err, aftersale.ENOTFOUND)
	_, err = s.ReturnSetStatus(ctx, other.ID, aftersale.ReturnCancelled, "lost", "eve@team.example", t0)
	wantCode(t, "ReturnSetStatus to an unknown status", err, aftersale.EINVALID)
}
