package engine

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/auth"
)

// TestSessionEpochAndDeactivation: a new password, a new role and a
// deactivation each move the member's session epoch on (other changes do
// not); a deactivated member cannot log in, even with the right password,
// gets no round-robin task, and the last active owner cannot be
// deactivated.
func TestSessionEpochAndDeactivation(t *testing.T) {
	running(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		s := h.svc
		owner, err := s.AddMember(ctx, NewMember{Email: "olga@shop.example", Role: aftersale.RoleOwner, Password: "owner password 1"})
		if err != nil {
			t.Fatal(err)
		}
		ada, err := s.AddMember(ctx, NewMember{Email: "ada@shop.example", Role: aftersale.RoleAssistant, Password: "ada password 1"})
		if err != nil {
			t.Fatal(err)
		}
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
		if _, err := s.Authenticate(ctx, "ada@shop.example", "ada password 2"); aftersale.ErrorCode(err) != aftersale.EUNAUTHORIZED {
			t.Errorf("a deactivated member logs in: %v, want EUNAUTHORIZED", err)
		}
		// The round robin of the assistants' role skips her.
		if err := s.UpdateMember(ctx, ada.ID, "", aftersale.RoleAssistant, ""); err != nil {
			t.Fatal(err)
		}
		if got, err := s.assign(ctx, "round_robin:assistant", nil); err != nil || got != "assistant" {
			t.Errorf("round robin with only a deactivated assistant: %q, %v; want the role's queue", got, err)
		}
		if _, err := s.SetMemberActive(ctx, ada.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "ada@shop.example", "ada password 2"); err != nil {
			t.Errorf("a reactivated member: %v", err)
		}
		if got, err := s.assign(ctx, "round_robin:assistant", nil); err != nil || got != "ada@shop.example" {
			t.Errorf("round robin with a reactivated assistant: %q, %v", got, err)
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
	pool := auth.NewPool(auth.PoolConfig{Workers: 1, Queue: -1, Params: auth.Params{Time: 1, Memory: 64, Threads: 1},
		Hook: func(int) {
			hashes.Add(1)
			if holding.Load() {
				held <- struct{}{}
				<-release
			}
		}})
	h := startHarness(t, "sqlite", aftersale.NewManualClock(harnessStart()), nil, false,
		func(c *Config) { c.Passwords = pool })
	ctx := context.Background()
	s := h.svc
	for _, m := range []NewMember{
		{Email: "olga@shop.example", Role: aftersale.RoleOwner, Password: "owner password 1"},
		{Email: "gone@shop.example", Role: aftersale.RoleAssistant, Password: "gone password 1"},
	} {
		if _, err := s.AddMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	gone, err := s.cfg.Store.MemberGetByEmail(ctx, "gone@shop.example")
	if err != nil {
		t.Fatal(err)
	}
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
	if _, err := s.AddMember(ctx, NewMember{Email: "new@shop.example", Role: aftersale.RoleAssistant, Password: "new password 1"}); aftersale.ErrorCode(err) != aftersale.ETOOMANY {
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
