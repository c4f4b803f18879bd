package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/sqlite"
)

// TestStoreProbe: on each database, the probe commits its write (and
// empties it again), so a store marked down answers up at the next Check
// once StoreProbeEvery has passed.
func TestStoreProbe(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clock := aftersale.NewManualClock(harnessStart())
			h := startHarness(t, name, clock, nil, false)
			health := h.svc.StoreHealth()
			health.Failed("the database is full")
			if _, down := health.Check(ctx); !down {
				t.Fatal("a refusal just now: up")
			}
			clock.Advance(aftersale.StoreProbeEvery)
			if msg, down := health.Check(ctx); down {
				t.Fatalf("after a probe with room: down (%s)", msg)
			}
			if v, err := h.st.SettingGet(ctx, probeSetting); err != nil || v != "" {
				t.Errorf("the probe left %d bytes (%v)", len(v), err)
			}
		})
	}
}

// TestStoreHealthFullDisk: on a full SQLite file the probe is refused
// with EUNAVAILABLE, and a group commit (the records of sent steps) and a
// job refused so mark the store down; once there is room, the probe
// clears it.
func TestStoreHealthFullDisk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := aftersale.NewManualClock(harnessStart())
	h := startHarness(t, "sqlite", clock, nil, false)
	health := h.svc.StoreHealth()
	lite := h.st.(*sqlite.DB)
	if err := lite.LimitPages(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// Use up the free pages the file has left.
	big := strings.Repeat("x", 4000)
	for i := 0; ; i++ {
		err := h.st.SettingSet(ctx, fmt.Sprintf("filler-%d", i), big)
		if aftersale.ErrorCode(err) == aftersale.EUNAVAILABLE {
			break
		}
		if err != nil || i == 1000 {
			t.Fatalf("filling the file: %v after %d writes", err, i)
		}
	}
	if err := h.svc.probeStore(ctx); aftersale.ErrorCode(err) != aftersale.EUNAVAILABLE {
		t.Fatalf("the probe on a full file: %v, want EUNAVAILABLE", err)
	}
	if _, down := health.Down(); down {
		t.Fatal("down before any part of the service was refused")
	}

	_, err := h.svc.commit.do(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		return tx.SettingSet(ctx, "record", big)
	})
	if aftersale.ErrorCode(err) != aftersale.EUNAVAILABLE {
		t.Fatalf("a group commit on a full file: %v, want EUNAVAILABLE", err)
	}
	if msg, down := health.Down(); !down || !strings.Contains(msg, "database is full") {
		t.Fatalf("after a group commit was refused: %q %v, want down", msg, down)
	}
	health.OK()
	jobErrors{health}.HandleError(ctx, nil, fmt.Errorf("job: %w", err))
	if _, down := health.Down(); !down {
		t.Fatal("after a job was refused: up")
	}

	clock.Advance(aftersale.StoreProbeEvery)
	if _, down := health.Check(ctx); !down {
		t.Fatal("the probe found room on a full file")
	}
	if err := lite.LimitPages(ctx, 0); err != nil {
		t.Fatal(err)
	}
	clock.Advance(aftersale.StoreProbeEvery)
	if msg, down := health.Check(ctx); down {
		t.Fatalf("room again: still down (%s)", msg)
	}
}
