package engine

import (
	"context"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/privacy"
)

// eraser is the privacy Service over s, wired as app wires it.
func eraser(t *testing.T, s *Service) *privacy.Service {
	t.Helper()
	p, err := privacy.New(privacy.Config{Store: s.cfg.Store, Pipeline: s, Clock: s.cfg.Clock, OutboxDir: s.cfg.OutboxDir, Logger: s.log})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The Service is the pipeline package privacy uses.
var _ privacy.Pipeline = (*Service)(nil)

func TestErasedGetsNoMail(t *testing.T) {
	c := &aftersale.Customer{Email: "erased-7@erased.invalid"}
	for _, cat := range []aftersale.Category{aftersale.CategoryTransactional, aftersale.CategoryPersonal, aftersale.CategoryFollowUp} {
		if suppressed(cat, c) == "" {
			t.Errorf("%s mail may go to an erased customer", cat)
		}
	}
	if suppressed(aftersale.CategoryTransactional, &aftersale.Customer{Email: "ana@example.com"}) != "" {
		t.Error("transactional mail is suppressed for a customer")
	}
}

// TestExclusive: fn runs in a transaction that commits, while the erase
// gate is held (no send enters it); on PostgreSQL, while another
// transaction holds the processing lock, fn is not run and ran is false.
func TestExclusive(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			h := startHarness(t, db, aftersale.NewManualClock(harnessStart()), nil, false)
			ctx := context.Background()
			gateFree := true
			ran, err := h.svc.Exclusive(ctx, func(ctx context.Context, tx aftersale.Tx) error {
				if gateFree = h.svc.gate.mu.TryRLock(); gateFree {
					h.svc.gate.mu.RUnlock()
				}
				_, err := tx.CustomerUpsert(ctx, &aftersale.Contact{Email: "ana@example.com"}, h.clock.RealNow())
				return err
			})
			if !ran || err != nil {
				t.Fatalf("Exclusive: ran %v, err %v", ran, err)
			}
			if gateFree {
				t.Error("a send could enter the erase gate while fn ran")
			}
			h.customer(t, "ana@example.com") // committed
			if !h.svc.gate.mu.TryRLock() {
				t.Fatal("the erase gate is still held after Exclusive")
			}
			h.svc.gate.mu.RUnlock()
			if db != "postgres" {
				return // SQLite runs one write transaction at a time
			}
			err = h.st.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
				if ok, err := tx.EventLockProcessing(ctx); err != nil || !ok {
					t.Fatalf("the processing lock: %v %v", ok, err)
				}
				called := false
				ran, err := h.svc.Exclusive(ctx, func(context.Context, aftersale.Tx) error { called = true; return nil })
				if ran || called || err != nil {
					t.Errorf("Exclusive while another node processes: ran %v, fn called %v, err %v", ran, called, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestProcessPending: the events waiting in the inbox are applied; a
// Service without a job runner leaves them waiting.
func TestProcessPending(t *testing.T) {
	running := func(t *testing.T, db string) {
		h := startHarness(t, db, aftersale.NewManualClock(harnessStart()), nil, false)
		ctx := context.Background()
		ev := order("e1", "ana@example.com", "P1", aftersale.KindDigital)
		ev.OccurredAt = h.clock.RealNow()
		if _, err := h.svc.Ingest(ctx, ev); err != nil {
			t.Fatal(err)
		}
		// Another Service on the store, without a runner: nothing to do.
		bare, err := NewService(h.svc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(bare.Close)
		if err := bare.ProcessPending(ctx); err != nil {
			t.Fatal(err)
		}
		if evs, err := h.st.InboxList(ctx, 10); err != nil || len(evs) != 1 {
			t.Fatalf("inbox after ProcessPending without a runner: %d events, %v; want 1", len(evs), err)
		}
		if err := h.svc.ProcessPending(ctx); err != nil {
			t.Fatal(err)
		}
		if evs, err := h.st.InboxList(ctx, 10); err != nil || len(evs) != 0 {
			t.Fatalf("inbox after ProcessPending: %d events, %v; want none", len(evs), err)
		}
		h.customer(t, "ana@example.com")
	}
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			running(t, db)
		})
	}
}
