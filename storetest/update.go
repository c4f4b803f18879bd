package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

// writeSome stores an event, a customer and an order through q, as the
// ingest of one event does.
func writeSome(ctx context.Context, q aftersale.Queries, id string) error {
	ev := &aftersale.StoredEvent{ID: id, Type: aftersale.EventOrderPlaced, Source: "api", OccurredAt: fixture.T0,
		ReceivedAt: fixture.T0, CustomerEmail: id + "@example.com", OrderRef: id, Payload: []byte(`{}`)}
	if inserted, err := q.EventInsert(ctx, ev); err != nil {
		return err
	} else if !inserted {
		return errors.New("event " + id + " exists")
	}
	c, err := q.CustomerUpsert(ctx, &aftersale.Contact{Email: id + "@example.com"}, fixture.T0)
	if err != nil {
		return err
	}
	_, err = q.OrderUpsert(ctx, &aftersale.Order{ExternalID: id, CustomerID: c.ID, PlacedAt: fixture.T0,
		Items: []aftersale.Item{{Kind: aftersale.KindDigital, Quantity: 1}}})
	return err
}

// checkStored fails the test unless what writeSome wrote under id is
// stored (or, with want false, none of it is).
func checkStored(t *testing.T, s aftersale.Store, id string, want bool) {
	t.Helper()
	ctx := t.Context()
	_, errEvent := s.EventGet(ctx, id)
	_, errCustomer := s.CustomerGetByEmail(ctx, id+"@example.com")
	_, errOrder := s.OrderGetByExternalID(ctx, id)
	for what, err := range map[string]error{"event": errEvent, "customer": errCustomer, "order": errOrder} {
		switch {
		case want && err != nil:
			t.Errorf("%s %s: %v", what, id, err)
		case !want && !aftersale.IsNotFound(err):
			t.Errorf("%s %s: got error %v, want ENOTFOUND (rolled back)", what, id, err)
		}
	}
}

func testUpdateCommit(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	err := s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		if err := writeSome(ctx, tx, "evt_commit"); err != nil {
			return err
		}
		// The transaction reads its own writes.
		o, err := tx.OrderGetByExternalID(ctx, "evt_commit")
		if err != nil {
			return err
		}
		if len(o.Items) != 1 {
			t.Errorf("order read in the transaction has %d items", len(o.Items))
		}
		inserted, err := tx.EventInsert(ctx, &aftersale.StoredEvent{ID: "evt_commit", Type: aftersale.EventOrderPlaced,
			OccurredAt: fixture.T0, ReceivedAt: fixture.T0, Payload: []byte(`{}`)})
		if err != nil {
			return err
		}
		if inserted {
			t.Error("duplicate EventInsert in the transaction: inserted = true")
		}
		return nil
	})
	fixture.Ok(t, err)
	checkStored(t, s, "evt_commit", true)
}

func testUpdateRollback(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	boom := errors.New("boom")
	tests := []struct {
		name     string
		err      error
		wantCode string
	}{
		{"plain error", boom, aftersale.EINTERNAL},
		{"domain error", aftersale.Errorf(aftersale.ECONFLICT, "clash"), aftersale.ECONFLICT},
	}
	for _, tt := range tests {
		id := "evt_" + tt.wantCode
		err := s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
			if err := writeSome(ctx, tx, id); err != nil {
				return err
			}
			return tt.err
		})
		if !errors.Is(err, tt.err) {
			t.Fatalf("%s: Update returned %v, want %v", tt.name, err, tt.err)
		}
		fixture.WantCode(t, tt.name, err, tt.wantCode)
		checkStored(t, s, id, false)

		// Nothing of it is left: storing it all again works.
		fixture.Ok(t, writeSome(ctx, s, id))
		checkStored(t, s, id, true)
	}

	// A failing store call inside the transaction rolls back what came before.
	err := s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		if err := writeSome(ctx, tx, "evt_partial"); err != nil {
			return err
		}
		return tx.StepFinish(ctx, 1_000_000, aftersale.StepDone, "", fixture.T0)
	})
	fixture.WantCode(t, "Update with a failing call", err, aftersale.ENOTFOUND)
	checkStored(t, s, "evt_partial", false)
}

// testUpdateLazy: UpdateLazy commits and rolls back as Update does (only
// its durability against a power loss differs, which no test can see).
func testUpdateLazy(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	fixture.Ok(t, s.UpdateLazy(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		return writeSome(ctx, tx, "evt_lazy")
	}))
	checkStored(t, s, "evt_lazy", true)
	boom := errors.New("boom")
	err := s.UpdateLazy(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		if err := writeSome(ctx, tx, "evt_lazy_rollback"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("UpdateLazy returned %v, want %v", err, boom)
	}
	checkStored(t, s, "evt_lazy_rollback", false)
	// Update after it commits as before.
	fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		return writeSome(ctx, tx, "evt_after_lazy")
	}))
	checkStored(t, s, "evt_after_lazy", true)
}

func testUpdatePanic(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	func() {
		defer func() {
			if p := recover(); p != "kaboom" {
				t.Errorf("recovered %v, want the panic of fn", p)
			}
		}()
		s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
			if err := writeSome(ctx, tx, "evt_panic"); err != nil {
				return err
			}
			panic("kaboom")
		})
		t.Error("Update returned after fn panicked")
	}()
	checkStored(t, s, "evt_panic", false)
	// The store still works.
	fixture.Ok(t, writeSome(ctx, s, "evt_after"))
	checkStored(t, s, "evt_after", true)
}

func testTimes(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	zone := time.FixedZone("UTC+05:30", 5*3600+1800)
	tests := []struct {
		name string
		in   time.Time
	}{
		{"nanoseconds in another zone", time.Date(2025, 6, 1, 12, 0, 0, 123456789, zone)},
		{"local time", time.Date(2025, 12, 31, 23, 59, 59, 999999999, time.Local)},
		{"before 1970", time.Date(1969, 7, 20, 20, 17, 40, 500, time.UTC)},
		{"far future", time.Date(2199, 1, 1, 0, 0, 0, 1000, zone)},
		{"with a monotonic reading", time.Now()},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.in.Truncate(time.Microsecond).UTC().Round(0)
			check := func(what string, got time.Time) {
				t.Helper()
				if got.Location() != time.UTC || !got.Equal(want) || got.Nanosecond()%1000 != 0 {
					t.Errorf("%s: got %v (%v), want %v in UTC", what, got, got.Location(), want)
				}
			}
			id := "evt_time_" + string(rune('a'+i))
			_, err := s.EventInsert(ctx, &aftersale.StoredEvent{ID: id, Type: aftersale.EventOrderPlaced,
				OccurredAt: tt.in, ReceivedAt: tt.in, Payload: []byte(`{}`)})
			fixture.Ok(t, err)
			ev, err := s.EventGet(ctx, id)
			fixture.Ok(t, err)
			check("event OccurredAt", ev.OccurredAt)
			check("event ReceivedAt", ev.ReceivedAt)

			c, err := s.CustomerUpsert(ctx, &aftersale.Contact{Email: id + "@example.com"}, tt.in)
			fixture.Ok(t, err)
			check("customer CreatedAt (returned)", c.CreatedAt)
			fixture.Ok(t, s.CustomerSetUnsubscribed(ctx, c.Email, true, tt.in))
			c, err = s.CustomerGet(ctx, c.ID)
			fixture.Ok(t, err)
			check("customer CreatedAt", c.CreatedAt)
			check("customer UnsubscribedAt", c.UnsubscribedAt)

			o, err := s.OrderUpsert(ctx, &aftersale.Order{ExternalID: id, CustomerID: c.ID, PlacedAt: tt.in})
			fixture.Ok(t, err)
			_, err = s.OrderMarkDelivered(ctx, o.ID, tt.in)
			fixture.Ok(t, err)
			o, err = s.OrderGet(ctx, o.ID)
			fixture.Ok(t, err)
			check("order PlacedAt", o.PlacedAt)
			check("order DeliveredAt", o.DeliveredAt)
			if !o.AccessedAt.IsZero() || !o.ClosedAt.IsZero() {
				t.Errorf("unset fact times read back as %v and %v", o.AccessedAt, o.ClosedAt)
			}

			r := fixture.NewRun(t, s, "j", o.ID, c.ID)
			st, err := s.StepInsert(ctx, []*aftersale.Step{{RunID: r.ID, OrderID: o.ID, CustomerID: c.ID,
				JourneyID: "j", StepID: "s", Key: "s", Type: aftersale.StepEmail, DueAt: tt.in, CreatedAt: tt.in}})
			fixture.Ok(t, err)
			check("step DueAt (returned)", st[0].DueAt)
			if !st[0].FinishedAt.IsZero() {
				t.Errorf("pending step has FinishedAt %v", st[0].FinishedAt)
			}
			fixture.Ok(t, s.StepFinish(ctx, st[0].ID, aftersale.StepDone, "", tt.in))
			got, err := s.StepGet(ctx, st[0].ID)
			fixture.Ok(t, err)
			check("step DueAt", got.DueAt)
			check("step FinishedAt", got.FinishedAt)
		})
	}
}
