package engine

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftersale/aftersale"
)

// faultStore is the real store with faults switched on and off: while
// broken, a transaction that upserts fixed@example.com fails (a bug that
// the next version fixes: the database answers); while down, every
// transaction fails (an outage); while full, reads work and a customer's
// upsert fails as on a full disk (EUNAVAILABLE).
type faultStore struct {
	aftersale.Store
	broken, down, full atomic.Bool
}

var errDown = errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")

func (f *faultStore) Update(ctx context.Context, fn func(ctx context.Context, tx aftersale.Tx) error) error {
	if f.down.Load() {
		return errDown
	}
	return f.Store.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		return fn(ctx, &faultTx{Tx: tx, f: f})
	})
}

type faultTx struct {
	aftersale.Tx
	f *faultStore
}

func (tx *faultTx) CustomerUpsert(ctx context.Context, c *aftersale.Contact, now time.Time) (*aftersale.Customer, error) {
	if tx.f.full.Load() {
		return nil, aftersale.Errorf(aftersale.EUNAVAILABLE, "the database is full (no space left on its disk); try again later")
	}
	if tx.f.broken.Load() && c.Email == "fixed@example.com" {
		return nil, errors.New("a bug of this version")
	}
	return tx.Tx.CustomerUpsert(ctx, c, now)
}

// deadHarness is a service without a running processor (ProcessInbox runs
// the rounds) on a faultStore, with metrics.
func deadHarness(t *testing.T, db string) (*harness, *faultStore, *prometheus.Registry) {
	t.Helper()
	h := startHarness(t, db, aftersale.NewManualClock(harnessStart()), nil, false)
	f := &faultStore{Store: h.st}
	reg := prometheus.NewRegistry()
	// Nothing runs yet, so the config may change.
	h.svc.cfg.Store = f
	h.svc.cfg.Metrics = NewMetrics(reg, f, h.clock)
	return h, f, reg
}

// gauge reads the metric named from reg.
func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			m := mf.GetMetric()[0]
			if m.GetGauge() != nil {
				return m.GetGauge().GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// putInbox stores the events in the inbox as Ingest would, bypassing its
// validation (a poison event passed it).
func (h *harness) putInbox(t *testing.T, evs ...*aftersale.StoredEvent) {
	t.Helper()
	isNew, err := h.st.InboxAppend(context.Background(), evs)
	if err != nil || len(isNew) != len(evs) {
		t.Fatalf("InboxAppend: %v, %v", isNew, err)
	}
}

func (h *harness) stored(t *testing.T, ev *aftersale.Event) *aftersale.StoredEvent {
	t.Helper()
	if ev.OccurredAt.IsZero() {
		ev.OccurredAt = h.clock.RealNow()
	}
	se, err := storedEvent(ev, h.clock.RealNow())
	if err != nil {
		t.Fatal(err)
	}
	return se
}

// poisons are events that pass into the inbox but cannot be applied, by
// database: a NUL byte in a name (PostgreSQL refuses it in text), an
// order without a customer (applying it panics), a payload that does not
// decode.
func poisons(t *testing.T, h *harness, db string) []*aftersale.StoredEvent {
	var out []*aftersale.StoredEvent
	if db == "postgres" {
		nul := order("evt_nul", "nul@example.com", "9001", "digital")
		nul.Customer.Name = "A\x00B"
		out = append(out, h.stored(t, nul))
	}
	panics := order("evt_panic", "panic@example.com", "9002", "digital")
	panics.Customer = nil
	out = append(out, h.stored(t, panics))
	garbled := h.stored(t, order("evt_garbled", "garbled@example.com", "9003", "digital"))
	garbled.Payload = []byte(`{"id":1,"type":"order.placed"}`)
	return append(out, garbled)
}

// TestPoisonEventIsSetAside puts poison events in the inbox, each
// followed by a valid one: one processing round applies the valid events
// and sets the poison aside (out of the inbox, not among the events, with
// its error, counted in /metrics), and the next round has nothing to do.
func TestPoisonEventIsSetAside(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h, _, reg := deadHarness(t, db)
			bad := poisons(t, h, db)
			var valid []string
			for i, p := range bad {
				addr := "valid" + string(rune('a'+i)) + "@example.com"
				valid = append(valid, addr)
				h.putInbox(t, p, h.stored(t, order("evt_valid_"+p.ID, addr, "800"+string(rune('0'+i)), "digital")))
			}
			// One round: a batch fails, each event is tried alone.
			if _, err := h.svc.proc.batch(ctx); err != nil {
				t.Fatalf("the processing round: %v", err)
			}
			for _, addr := range valid {
				h.customer(t, addr)
			}
			inbox, err := h.st.InboxList(ctx, 10)
			if err != nil || len(inbox) != 0 {
				t.Fatalf("the inbox after a round: %d events, %v; want none", len(inbox), err)
			}
			dead, err := h.st.DeadEventList(ctx, 10)
			if err != nil || len(dead) != len(bad) {
				t.Fatalf("set aside: %d, %v; want %d", len(dead), err, len(bad))
			}
			wantErr := map[string]string{"evt_nul": "invalid byte sequence", "evt_panic": "panic", "evt_garbled": "does not decode"}
			for _, d := range dead {
				// Tried in the batch, alone, and once more at once.
				if want := wantErr[d.Event.ID]; !strings.Contains(d.Error, want) || d.Attempts != 3 || d.FailedAt.IsZero() {
					t.Errorf("set aside %s: error %q, %d attempts, at %v; want %q, 3 attempts", d.Event.ID, d.Error, d.Attempts, d.FailedAt, want)
				}
				if strings.Contains(d.Error, "@example.com") {
					t.Errorf("the error of %s names an address: %q", d.Event.ID, d.Error)
				}
				if _, err := h.st.EventGet(ctx, d.Event.ID); !aftersale.IsNotFound(err) {
					t.Errorf("the poison %s is among the events: %v", d.Event.ID, err)
				}
			}
			if g := gauge(t, reg, "aftersale_events_dead"); g != float64(len(bad)) {
				t.Errorf("aftersale_events_dead = %v; want %d", g, len(bad))
			}
			if g := gauge(t, reg, "aftersale_events_failed_total"); g != float64(len(bad)) {
				t.Errorf("aftersale_events_failed_total = %v; want %d", g, len(bad))
			}
			// Nothing is retried by itself.
			if n, err := h.svc.ProcessInbox(ctx, nil); n != 0 || err != nil {
				t.Errorf("the next round: %d, %v; want nothing to do", n, err)
			}

			// Retried by hand with nothing fixed: set aside again.
			if err := h.svc.DeadEventRetry(ctx, bad[0].ID); err != nil {
				t.Fatal(err)
			}
			if _, err := h.svc.ProcessInbox(ctx, nil); err != nil {
				t.Fatal(err)
			}
			views, n, err := h.svc.DeadEvents(ctx)
			if err != nil || n != len(bad) {
				t.Fatalf("DeadEvents after a failed retry: %d, %v", n, err)
			}
			for _, v := range views {
				// Alone in the inbox now: its batch, and once more.
				if want := 3 - btoi(v.ID == bad[0].ID); v.Attempts != want {
					t.Errorf("%s set aside with %d attempts; want %d", v.ID, v.Attempts, want)
				}
			}
			if inbox, err := h.st.InboxList(ctx, 10); err != nil || len(inbox) != 0 {
				t.Errorf("the inbox after a failed retry: %d events, %v; want none", len(inbox), err)
			}
			// Discarded: gone, never applied.
			for _, p := range bad {
				if err := h.svc.DeadEventDiscard(ctx, p.ID); err != nil {
					t.Fatal(err)
				}
			}
			if err := h.svc.DeadEventDiscard(ctx, bad[0].ID); !aftersale.IsNotFound(err) {
				t.Errorf("discarding again: %v; want not found", err)
			}
			if g := gauge(t, reg, "aftersale_events_dead"); g != 0 {
				t.Errorf("aftersale_events_dead after discarding = %v; want 0", g)
			}
		})
	}
}

// TestDeadEventRetryAppliesOnceFixed sets an event aside while a bug makes
// it fail, fixes the bug and retries it by hand: it is applied, once.
func TestDeadEventRetryAppliesOnceFixed(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h, f, _ := deadHarness(t, db)
			f.broken.Store(true)
			h.putInbox(t, h.stored(t, order("evt_fixed", "fixed@example.com", "8100", "digital")))
			if _, err := h.svc.ProcessInbox(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if _, n, err := h.svc.DeadEvents(ctx); n != 1 || err != nil {
				t.Fatalf("set aside: %d, %v; want 1", n, err)
			}
			if _, err := h.st.CustomerGetByEmail(ctx, "fixed@example.com"); !aftersale.IsNotFound(err) {
				t.Fatalf("the customer of the event set aside: %v; want none", err)
			}
			f.broken.Store(false)
			if err := h.svc.DeadEventRetry(ctx, "evt_fixed"); err != nil {
				t.Fatal(err)
			}
			if err := h.svc.DeadEventRetry(ctx, "evt_fixed"); !aftersale.IsNotFound(err) {
				t.Errorf("retrying twice: %v; want not found", err)
			}
			if n, err := h.svc.ProcessInbox(ctx, nil); n != 1 || err != nil {
				t.Fatalf("ProcessInbox after the retry: %d, %v", n, err)
			}
			c := h.customer(t, "fixed@example.com")
			if orders, err := h.st.OrderListByCustomer(ctx, c.ID); err != nil || len(orders) != 1 {
				t.Errorf("orders of the retried event: %d, %v; want 1", len(orders), err)
			}
			if _, err := h.st.EventGet(ctx, "evt_fixed"); err != nil {
				t.Errorf("the retried event is not recorded: %v", err)
			}
			if n, err := h.svc.DeadEventCount(ctx); n != 0 || err != nil {
				t.Errorf("set aside after the retry: %d, %v; want 0", n, err)
			}
		})
	}
}

// TestOutageSetsNothingAside makes every transaction fail: the events
// stay in the inbox (nothing is set aside) and the round fails, to be
// retried; once the database is back they are applied.
func TestOutageSetsNothingAside(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h, f, reg := deadHarness(t, db)
			h.putInbox(t, h.stored(t, order("evt_o1", "o1@example.com", "8201", "digital")),
				h.stored(t, order("evt_o2", "o2@example.com", "8202", "digital")))
			f.down.Store(true)
			if _, err := h.svc.ProcessInbox(ctx, nil); !errors.Is(err, errDown) {
				t.Fatalf("a round during the outage: %v; want the outage", err)
			}
			if n, err := h.st.DeadEventCount(ctx); n != 0 || err != nil {
				t.Fatalf("set aside during an outage: %d, %v; want none", n, err)
			}
			if g := gauge(t, reg, "aftersale_events_failed_total"); g != 0 {
				t.Errorf("aftersale_events_failed_total = %v; want 0", g)
			}
			inbox, err := h.st.InboxList(ctx, 10)
			if err != nil || len(inbox) != 2 {
				t.Fatalf("the inbox during the outage: %d, %v; want both events", len(inbox), err)
			}
			f.down.Store(false)
			if n, err := h.svc.ProcessInbox(ctx, nil); n != 2 || err != nil {
				t.Fatalf("ProcessInbox after the outage: %d, %v; want 2", n, err)
			}
			h.customer(t, "o1@example.com")
			h.customer(t, "o2@example.com")
		})
	}
}

// TestFullDiskSetsNothingAside: on a full disk the database answers reads
// (the probe) but takes no writes; that is an outage, not a poison event,
// so nothing is set aside and the events wait in the inbox.
func TestFullDiskSetsNothingAside(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h, f, _ := deadHarness(t, db)
			h.putInbox(t, h.stored(t, order("evt_f1", "f1@example.com", "8301", "digital")))
			f.full.Store(true)
			if _, err := h.svc.ProcessInbox(ctx, nil); aftersale.ErrorCode(err) != aftersale.EUNAVAILABLE {
				t.Fatalf("a round on a full disk: %v; want EUNAVAILABLE", err)
			}
			if n, err := h.st.DeadEventCount(ctx); n != 0 || err != nil {
				t.Fatalf("set aside on a full disk: %d, %v; want none", n, err)
			}
			f.full.Store(false)
			if n, err := h.svc.ProcessInbox(ctx, nil); n != 1 || err != nil {
				t.Fatalf("ProcessInbox once there is room: %d, %v; want 1", n, err)
			}
			h.customer(t, "f1@example.com")
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestDeadError: the error kept with an event set aside holds no address
// and no quoted value, and is bounded.
func TestDeadError(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"event e1: invalid byte sequence for encoding UTF8: 0x00", "event e1: invalid byte sequence for encoding UTF8: 0x00"},
		{`event e2: invalid input syntax for type integer: "Ana Lima"`, `event e2: invalid input syntax for type integer: "…"`},
		{"event e3: 550 <ana@example.com>: no such user", "event e3: 550 <[email]>: no such user"},
		{strings.Repeat("x", deadErrorMax+10), strings.Repeat("x", deadErrorMax) + "…"},
	} {
		if got := deadError(errors.New(tc.in)); got != tc.want {
			t.Errorf("deadError(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}
