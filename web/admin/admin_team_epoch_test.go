package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/engine"
)

// epochRaceStore is the environment's store with one seam: once armed, the
// first Update after which the member's session epoch moved past the armed
// epoch runs then, before anything else reads the member, the change it
// was armed with. That is another request's change landing between a
// request's own write and its re-read of the member, every time.
type epochRaceStore struct {
	aftersale.Store
	memberID int64
	epoch    int64
	then     atomic.Pointer[func()]
}

func (s *epochRaceStore) Update(ctx context.Context, fn func(ctx context.Context, tx aftersale.Tx) error) error {
	if err := s.Store.Update(ctx, fn); err != nil {
		return err
	}
	if s.then.Load() == nil {
		return nil
	}
	m, err := s.Store.MemberGet(ctx, s.memberID)
	if err != nil || m.SessionEpoch <= s.epoch {
		return err
	}
	if then := s.then.Swap(nil); then != nil {
		(*then)()
	}
	return nil
}

// arm makes the next Update that raises the member's epoch above epoch run
// then right after it.
func (s *epochRaceStore) arm(memberID, epoch int64, then func()) {
	s.memberID, s.epoch = memberID, epoch
	s.then.Store(&then)
}

// newEpochRaceEnv is newEnvWith on an epochRaceStore.
func newEpochRaceEnv(t *testing.T) (*env, *epochRaceStore) {
	rs := &epochRaceStore{}
	e := newEnvWith(t, envOptions{engine: func(c *engine.Config) {
		rs.Store = c.Store
		c.Store = rs
	}})
	return e, rs
}

// TestPasswordChangeKeepsNoLaterEpoch: a member changes their password,
// and an owner's new role for the member lands between the password's
// write and the session's renewal. The role change ends every session of
// the member, the one that changed the password too: it does not take the
// role change's epoch and go on.
func TestPasswordChangeKeepsNoLaterEpoch(t *testing.T) {
	t.Parallel()
	e, rs := newEpochRaceEnv(t)
	e.member(t, "owner@shop.example", aftersale.RoleOwner)
	ana := e.member(t, "ana@shop.example", aftersale.RoleAssistant)
	one := e.client(t)
	one.Login(ana.Email, password)
	one.Get("/admin/account").Want(t, http.StatusOK)

	raced := make(chan error, 1)
	rs.arm(ana.ID, ana.SessionEpoch, func() {
		raced <- e.team.UpdateMember(context.Background(), ana.ID, "", aftersale.RoleProgramManager, "")
	})
	one.Post("/admin/account/password", url.Values{"current": {password}, "new": {"another password"}, "confirm": {"another password"}}).
		Want(t, http.StatusSeeOther)
	if err := <-raced; err != nil {
		t.Fatalf("the owner's role change: %v", err)
	}
	wantLoggedOut(t, one)
	if m, err := e.team.Member(context.Background(), ana.ID); err != nil || m.SessionEpoch != ana.SessionEpoch+2 || m.Role != "program_manager" {
		t.Fatalf("after both changes: %+v, %v; want the new role and the epoch raised twice", m, err)
	}
	one.Login(ana.Email, "another password")
	one.Get("/admin").Want(t, http.StatusOK)
}

// TestOwnRoleChangeKeepsNoLaterEpoch: an owner gives themselves another
// role, and another owner's role change of them lands between the write
// and the session's renewal: the owner's session ends. Without the race
// (the control, first) the owner's session goes on under the new role.
func TestOwnRoleChangeKeepsNoLaterEpoch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, rs := newEpochRaceEnv(t)
	olga := e.member(t, "olga@shop.example", aftersale.RoleOwner)
	e.member(t, "omar@shop.example", aftersale.RoleOwner)
	o := e.client(t)
	o.Login(olga.Email, password)
	o.Get("/admin/team").Want(t, http.StatusOK)
	o.Post("/admin/team/"+itoa(olga.ID)+"/role", url.Values{"role": {"program_manager"}}).Want(t, http.StatusSeeOther)
	o.Get("/admin").Want(t, http.StatusOK)

	// Omar makes her an owner again (which ends her session); she gives
	// herself a new role once more, and omar's next change comes in
	// between.
	if err := e.team.UpdateMember(ctx, olga.ID, "", aftersale.RoleOwner, ""); err != nil {
		t.Fatal(err)
	}
	wantLoggedOut(t, o)
	o.Login(olga.Email, password)
	o.Get("/admin/team").Want(t, http.StatusOK)
	before, err := e.team.Member(ctx, olga.ID)
	if err != nil {
		t.Fatal(err)
	}
	raced := make(chan error, 1)
	rs.arm(olga.ID, before.SessionEpoch, func() {
		raced <- e.team.UpdateMember(ctx, olga.ID, "", aftersale.RoleAssistant, "")
	})
	o.Post("/admin/team/"+itoa(olga.ID)+"/role", url.Values{"role": {"program_manager"}}).Want(t, http.StatusSeeOther)
	if err := <-raced; err != nil {
		t.Fatalf("omar's role change: %v", err)
	}
	wantLoggedOut(t, o)
	if m, err := e.team.Member(ctx, olga.ID); err != nil || m.SessionEpoch != before.SessionEpoch+2 || m.Role != "assistant" {
		t.Fatalf("after both changes: %+v, %v; want omar's role and the epoch raised twice", m, err)
	}
}
