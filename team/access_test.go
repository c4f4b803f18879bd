package team_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/auth"
	"github.com/aftersale/aftersale/team"
)

// TestSessionEpochAndDeactivation: a new password, a new role and a
// deactivation each move the member's session epoch on (other changes do
// not); a deactivated member cannot log in, even with the right password,
// and can again once active; the last active owner cannot be deactivated.
// (That the round robin skips a deactivated member is the engine's
// TestRoundRobinSkipsDeactivated.)
func TestSessionEpochAndDeactivation(t *testing.T) {
	onEach(t, func(t *testing.T, s *team.Service, st aftersale.Store) {
		ctx := context.Background()
		owner := add(t, s, team.NewMember{Email: "olga@shop.example", Role: aftersale.RoleOwner, Password: "owner password 1"})
		ada := add(t, s, team.NewMember{Email: "ada@shop.example", Role: aftersale.RoleAssistant, Password: "ada password 1"})
		epoch := func(what string, want int64) {
			t.Helper()
			m, err := s.Member(ctx, ada.ID)
			if err != nil {
				t.Fatal(err)
			}
			if m.SessionEpoch != want {
				t.Errorf("%s: session epoch %d, want %d", what, m.SessionEpoch, want)
			}
		}
		epoch("a new member", 0)
		if err := s.UpdateMember(ctx, ada.ID, "Ada L.", aftersale.RoleAssistant, ""); err != nil {
			t.Fatal(err)
		}
		epoch("after a new name, same role", 0)
		if err := s.SetPassword(ctx, ada.ID, "ada password 2"); err != nil {
			t.Fatal(err)
		}
		epoch("after a new password", 1)
		if err := s.UpdateMember(ctx, ada.ID, "", aftersale.RoleProgramManager, ""); err != nil {
			t.Fatal(err)
		}
		epoch("after a new role", 2)

		if _, err := s.SetMemberActive(ctx, owner.ID, false); aftersale.ErrorCode(err) != aftersale.ECONFLICT {
			t.Errorf("deactivating the only owner: %v, want ECONFLICT", err)
		}
		off, err := s.SetMemberActive(ctx, ada.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if off.Active {
			t.Error("SetMemberActive(false) returned an active member")
		}
		epoch("after deactivation", 3)
		if stored, err := st.MemberGet(ctx, ada.ID); err != nil || stored.Active() {
			t.Errorf("the stored member after deactivation: %+v, %v; want deactivated", stored, err)
		}
		if _, err := s.Authenticate(ctx, "ada@shop.example", "ada password 2"); aftersale.ErrorCode(err) != aftersale.EUNAUTHORIZED {
			t.Errorf("a deactivated member logs in: %v, want EUNAUTHORIZED", err)
		}
		if _, err := s.SetMemberActive(ctx, ada.ID, false); err != nil {
			t.Errorf("deactivating a deactivated member again: %v", err)
		}
		epoch("after a second deactivation", 3)
		on, err := s.SetMemberActive(ctx, ada.ID, true)
		if err != nil || !on.Active {
			t.Fatalf("SetMemberActive(true): %+v, %v", on, err)
		}
		epoch("after reactivation", 3)
		if _, err := s.Authenticate(ctx, "ada@shop.example", "ada password 2"); err != nil {
			t.Errorf("a reactivated member: %v", err)
		}
	})
}

// TestAuthenticateHashesEveryPath: a known email, an unknown one and a
// deactivated member each cost one password hash (the time does not tell
// them apart), and a pool that is full answers ETOOMANY without checking.
func TestAuthenticateHashesEveryPath(t *testing.T) {
	t.Parallel()
	var hashes atomic.Int64
	var holding atomic.Bool
	held, release := make(chan struct{}), make(chan struct{})
	pool := auth.NewPool(auth.PoolConfig{Workers: 1, Queue: -1, Params: fastHash,
		Hook: func(int) {
			hashes.Add(1)
			if holding.Load() {
				held <- struct{}{}
				<-release
			}
		}})
	st := openStore(t, "sqlite")
	s := newTeam(t, st, func(c *team.Config) { c.Passwords = pool })
	ctx := context.Background()
	add(t, s, team.NewMember{Email: "olga@shop.example", Role: aftersale.RoleOwner, Password: "owner password 1"})
	gone := add(t, s, team.NewMember{Email: "gone@shop.example", Role: aftersale.RoleAssistant, Password: "gone password 1"})
	if _, err := s.SetMemberActive(ctx, gone.ID, false); err != nil {
		t.Fatal(err)
	}
	for _, try := range [][2]string{
		{"olga@shop.example", "wrong password"},
		{"nobody@shop.example", "wrong password"},
		{"gone@shop.example", "gone password 1"},
	} {
		before := hashes.Load()
		if _, err := s.Authenticate(ctx, try[0], try[1]); aftersale.ErrorCode(err) != aftersale.EUNAUTHORIZED {
			t.Errorf("Authenticate(%s): %v, want EUNAUTHORIZED", try[0], err)
		}
		if n := hashes.Load() - before; n != 1 {
			t.Errorf("Authenticate(%s) hashed %d times, want 1", try[0], n)
		}
	}

	// One check holds the only worker; the next ones are refused unchecked.
	holding.Store(true)
	done := make(chan error)
	go func() {
		_, err := s.Authenticate(ctx, "olga@shop.example", "owner password 1")
		done <- err
	}()
	<-held
	holding.Store(false)
	before := hashes.Load()
	if _, err := s.Authenticate(ctx, "nobody@shop.example", "x"); aftersale.ErrorCode(err) != aftersale.ETOOMANY {
		t.Errorf("a check while the pool is full: %v, want ETOOMANY", err)
	}
	if err := s.SetPassword(ctx, gone.ID, "another password"); aftersale.ErrorCode(err) != aftersale.ETOOMANY {
		t.Errorf("a new password while the pool is full: %v, want ETOOMANY", err)
	}
	if _, err := s.AddMember(ctx, team.NewMember{Email: "new@shop.example", Role: aftersale.RoleAssistant, Password: "new password 1"}); aftersale.ErrorCode(err) != aftersale.ETOOMANY {
		t.Errorf("a new member while the pool is full: %v, want ETOOMANY", err)
	}
	if n := hashes.Load() - before; n != 0 {
		t.Errorf("%d hashes ran while the pool was full", n)
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("the held check: %v", err)
	}
}
