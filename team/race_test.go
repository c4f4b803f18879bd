package team_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/auth"
	"github.com/aftersale/aftersale/team"
)

// heldPool is a password pool whose next hash, once hold is set, waits:
// held is signalled as it starts and it goes on when release is closed.
type heldPool struct {
	pool          *auth.Pool
	hold          atomic.Bool
	held, release chan struct{}
}

func newHeldPool() *heldPool {
	p := &heldPool{held: make(chan struct{}), release: make(chan struct{})}
	p.pool = auth.NewPool(auth.PoolConfig{Workers: 2, Params: fastHash,
		Hook: func(int) {
			if p.hold.CompareAndSwap(true, false) {
				p.held <- struct{}{}
				<-p.release
			}
		}})
	return p
}

// TestPasswordChangeKeepsADeactivation: an owner deactivates a member
// while the member's new password is being hashed; the new password is
// stored and the member stays deactivated (the change is not written from
// a read made before the deactivation), on both databases.
func TestPasswordChangeKeepsADeactivation(t *testing.T) {
	for _, db := range databases {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			hp := newHeldPool()
			s := newTeam(t, openStore(t, db), func(c *team.Config) { c.Passwords = hp.pool })
			ctx := context.Background()
			add(t, s, team.NewMember{Email: "olga@shop.example", Role: aftersale.RoleOwner, Password: "owner password 1"})
			ada := add(t, s, team.NewMember{Email: "ada@shop.example", Role: aftersale.RoleAssistant, Password: "ada password 1"})
			hp.hold.Store(true)
			done := make(chan error, 1)
			go func() { done <- s.SetPassword(ctx, ada.ID, "ada password 2") }()
			<-hp.held // the new password is being hashed
			if _, err := s.SetMemberActive(ctx, ada.ID, false); err != nil {
				t.Fatal(err)
			}
			close(hp.release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			m, err := s.Member(ctx, ada.ID)
			if err != nil {
				t.Fatal(err)
			}
			if m.Active {
				t.Error("a password change made during the deactivation made the member active again")
			}
			if _, err := s.SetMemberActive(ctx, ada.ID, true); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Authenticate(ctx, "ada@shop.example", "ada password 2"); err != nil {
				t.Errorf("the new password: %v", err)
			}
		})
	}
}

// TestAuthenticateCountsAHungUpCheck: a login whose request ends while its
// password is being hashed was checked all the same: a wrong password
// answers EUNAUTHORIZED (the attempt stays counted), not an internal error
// that the login page would give back to the limit.
func TestAuthenticateCountsAHungUpCheck(t *testing.T) {
	t.Parallel()
	var cancel context.CancelFunc
	var hangUp atomic.Bool
	pool := auth.NewPool(auth.PoolConfig{Workers: 1, Params: fastHash,
		Hook: func(int) {
			if hangUp.Load() {
				cancel() // the client goes away once the hash has begun
			}
		}})
	s := newTeam(t, openStore(t, "sqlite"), func(c *team.Config) { c.Passwords = pool })
	add(t, s, team.NewMember{Email: "olga@shop.example", Role: aftersale.RoleOwner, Password: "owner password 1"})
	for _, email := range []string{"olga@shop.example", "nobody@shop.example"} {
		var ctx context.Context
		ctx, cancel = context.WithCancel(context.Background())
		hangUp.Store(true)
		_, err := s.Authenticate(ctx, email, "wrong password")
		hangUp.Store(false)
		cancel()
		if aftersale.ErrorCode(err) != aftersale.EUNAUTHORIZED {
			t.Errorf("%s: a wrong password checked as the request ended: %v, want EUNAUTHORIZED", email, err)
		}
	}
}
