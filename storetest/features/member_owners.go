package features

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

// lockOwnersRounds is how many times testMemberLockOwners races two
// transactions that each take an owner away.
const lockOwnersRounds = 30

// testMemberLockOwners checks Tx.MemberLockOwners on s, which may hold
// other members already (it runs inside testMemberDeactivate): it lists
// the active owners oldest first, not the deactivated ones nor the other
// roles, and two transactions that each lock the owners and deactivate
// one of two when another remains are one after the other: one
// deactivation goes through, the other sees it and leaves its owner
// alone.
func testMemberLockOwners(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	create := func(email string, role aftersale.Role, created time.Duration) *aftersale.Member {
		t.Helper()
		m, err := s.MemberCreate(ctx, member(email, role, fixture.At(created)))
		fixture.Ok(t, err)
		return m
	}
	late := create("owner-late@example.com", aftersale.RoleOwner, 5*time.Hour)
	early := create("owner-early@example.com", aftersale.RoleOwner, 4*time.Hour)
	gone := create("owner-gone@example.com", aftersale.RoleOwner, 3*time.Hour)
	create("assistant@example.com", aftersale.RoleAssistant, 3*time.Hour)
	off := *gone
	off.DeactivatedAt = fixture.At(6 * time.Hour)
	fixture.Ok(t, s.MemberUpdate(ctx, &off))

	lock := func() []*aftersale.Member {
		t.Helper()
		var got []*aftersale.Member
		fixture.Ok(t, s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
			var err error
			got, err = tx.MemberLockOwners(ctx)
			return err
		}))
		return got
	}
	all, err := s.MemberList(ctx)
	fixture.Ok(t, err)
	var want []*aftersale.Member
	for _, m := range all {
		if m.Role == aftersale.RoleOwner && m.Active() {
			want = append(want, m)
		}
	}
	got := lock()
	fixture.Same(t, "MemberLockOwners", got, want)
	if n := len(got); n < 2 || got[n-2].ID != early.ID || got[n-1].ID != late.ID {
		t.Fatalf("MemberLockOwners: %s, want the two new owners last, the earlier first", fixture.Show(got))
	}

	// Every other active owner is deactivated, so that only the two race.
	for _, m := range want[:len(want)-2] {
		m.DeactivatedAt = fixture.At(6 * time.Hour)
		fixture.Ok(t, s.MemberUpdate(ctx, m))
	}
	pair := [2]int64{early.ID, late.ID}
	for round := range lockOwnersRounds {
		start := make(chan struct{})
		var took [2]bool
		var errs [2]error
		var wg sync.WaitGroup
		for i := range pair {
			target := pair[1-i]
			wg.Go(func() {
				<-start
				errs[i] = s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
					owners, err := tx.MemberLockOwners(ctx)
					if err != nil {
						return err
					}
					var m *aftersale.Member
					other := false
					for _, o := range owners {
						if o.ID == target {
							m = o
						} else {
							other = true
						}
					}
					if m == nil || !other {
						return nil // the target is not an active owner, or the only one
					}
					m.DeactivatedAt = fixture.At(7 * time.Hour)
					took[i] = true
					return tx.MemberUpdate(ctx, m)
				})
			})
		}
		close(start)
		wg.Wait()
		fixture.Ok(t, errs[0])
		fixture.Ok(t, errs[1])
		if took[0] == took[1] {
			t.Fatalf("round %d: deactivations that went through: %v, want exactly one", round, took)
		}
		if n := len(lock()); n != 1 {
			t.Fatalf("round %d: %d active owners after the race, want 1", round, n)
		}
		for _, id := range pair {
			m, err := s.MemberGet(ctx, id)
			fixture.Ok(t, err)
			m.DeactivatedAt = time.Time{}
			fixture.Ok(t, s.MemberUpdate(ctx, m))
		}
	}
}
