package aftersale_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

// TestStoreHealthClock: a refusal lasts StoreDownFor on the clock given,
// without a probe; Note takes only EUNAVAILABLE errors.
func TestStoreHealthClock(t *testing.T) {
	clock := aftersale.NewManualClock(time.Date(2024, 3, 4, 9, 0, 0, 0, time.UTC))
	h := aftersale.NewStoreHealth(clock, nil)
	if h.Note(aftersale.Errorf(aftersale.EINVALID, "bad")) || h.Note(nil) {
		t.Fatal("Note took an error that is not EUNAVAILABLE")
	}
	if !h.Note(aftersale.Errorf(aftersale.EUNAVAILABLE, "the database is full")) {
		t.Fatal("Note did not take EUNAVAILABLE")
	}
	clock.Advance(aftersale.StoreDownFor - time.Second)
	if msg, down := h.Check(context.Background()); !down || msg != "the database is full" {
		t.Fatalf("just before StoreDownFor: %q %v, want down", msg, down)
	}
	clock.Advance(time.Second)
	if _, down := h.Check(context.Background()); down {
		t.Fatal("StoreDownFor after the refusal: still down")
	}
	var none *aftersale.StoreHealth
	none.Failed("x")
	if _, down := none.Check(context.Background()); down {
		t.Fatal("a nil StoreHealth is down")
	}
}

// TestStoreHealthProbe: the probe runs once a refusal is StoreProbeEvery
// old, at most every StoreProbeEvery; it clears only the refusals made
// before it started, and a failure other than a full store changes
// nothing.
func TestStoreHealthProbe(t *testing.T) {
	ctx := context.Background()
	clock := aftersale.NewManualClock(time.Date(2024, 3, 4, 9, 0, 0, 0, time.UTC))
	var h *aftersale.StoreHealth
	probes := 0
	var probe func() error
	h = aftersale.NewStoreHealth(clock, func(context.Context) error { probes++; return probe() })
	h.Failed("full")
	if _, down := h.Check(ctx); !down || probes != 0 {
		t.Fatalf("a refusal just now: down %v after %d probes, want down and none", down, probes)
	}

	clock.Advance(aftersale.StoreProbeEvery)
	probe = func() error { return errors.New("connection refused") }
	if msg, down := h.Check(ctx); !down || msg != "full" || probes != 1 {
		t.Fatalf("a probe that found no database: %q %v after %d probes, want the refusal as it was", msg, down, probes)
	}
	if _, down := h.Check(ctx); !down || probes != 1 {
		t.Fatalf("probed again at once (%d probes)", probes)
	}

	clock.Advance(aftersale.StoreProbeEvery)
	probe = func() error { h.Failed("full again"); return nil } // a write refused while it ran
	if msg, down := h.Check(ctx); !down || msg != "full again" {
		t.Fatalf("a refusal during the probe: %q %v, want down", msg, down)
	}

	clock.Advance(aftersale.StoreProbeEvery)
	probe = func() error { return aftersale.Errorf(aftersale.EUNAVAILABLE, "still full") }
	if msg, down := h.Check(ctx); !down || msg != "still full" {
		t.Fatalf("a probe refused: %q %v", msg, down)
	}

	clock.Advance(aftersale.StoreProbeEvery)
	probe = func() error { return nil }
	if _, down := h.Check(ctx); down || probes != 4 {
		t.Fatalf("a probe that committed: down %v after %d probes", down, probes)
	}
}
