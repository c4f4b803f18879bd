package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
)

func testMemberSessionEpoch(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann, err := s.MemberCreate(ctx, member("ann@example.com", aftersale.RoleAssistant, t0))
	ok(t, err)
	if ann.SessionEpoch != 0 {
		t.Fatalf("a new member has session epoch %d, want 0", ann.SessionEpoch)
	}
	epoch := func(what string, want int64) {
		t.Helper()
		got, err := s.MemberGet(ctx, ann.ID)
		ok(t, err)
		if got.SessionEpoch != want {
			t.Fatalf("%s: session epoch %d, want %d", what, got.SessionEpoch, want)
		}
	}

	raised := *ann
	raised.SessionEpoch = 3
	ok(t, s.MemberUpdate(ctx, &raised))
	epoch("after MemberUpdate with epoch 3", 3)

	// An update made from a read before the raise keeps the epoch where
	// it is: ended sessions stay ended.
	stale := *ann
	stale.Name = "Ann from an old read"
	ok(t, s.MemberUpdate(ctx, &stale))
	epoch("after MemberUpdate with an older epoch", 3)
	got, err := s.MemberGet(ctx, ann.ID)
	ok(t, err)
	if got.Name != "Ann from an old read" {
		t.Fatalf("the older update did not store the name: %q", got.Name)
	}

	// In a transaction too.
	err = s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		m, err := tx.MemberGet(ctx, ann.ID)
		if err != nil {
			return err
		}
		m.SessionEpoch++
		return tx.MemberUpdate(ctx, m)
	})
	ok(t, err)
	epoch("after a raise in Update", 4)

	// A member created with an epoch keeps it.
	in := member("bob@example.com", aftersale.RoleOwner, t0)
	in.SessionEpoch = 7
	bob, err := s.MemberCreate(ctx, in)
	ok(t, err)
	if bob.SessionEpoch != 7 {
		t.Fatalf("MemberCreate with epoch 7 returned epoch %d", bob.SessionEpoch)
	}
}

func testMemberDeactivate(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann, err := s.MemberCreate(ctx, member("ann@example.com", aftersale.RoleAssistant, t0))
	ok(t, err)
	bob, err := s.MemberCreate(ctx, member("bob@example.com", aftersale.RoleAssistant, t0))
	ok(t, err)
	if !ann.Active() || !ann.DeactivatedAt.IsZero() {
		t.Fatalf("a new member is not active: deactivated at %v", ann.DeactivatedAt)
	}

	off := *ann
	off.DeactivatedAt = at(time.Hour)
	ok(t, s.MemberUpdate(ctx, &off))
	got, err := s.MemberGet(ctx, ann.ID)
	ok(t, err)
	same(t, "member after deactivation", got, &off)
	if got.Active() {
		t.Fatal("a deactivated member is active")
	}
	got, err = s.MemberGetByEmail(ctx, "ANN@example.com")
	ok(t, err)
	same(t, "MemberGetByEmail of a deactivated member", got, &off)
	list, err := s.MemberList(ctx)
	ok(t, err)
	same(t, "MemberList with a deactivated member", list, []*aftersale.Member{&off, bob})

	// Reactivated.
	on := off
	on.DeactivatedAt = time.Time{}
	ok(t, s.MemberUpdate(ctx, &on))
	got, err = s.MemberGet(ctx, ann.ID)
	ok(t, err)
	same(t, "member after reactivation", got, &on)

	// Created deactivated.
	in := member("cy@example.com", aftersale.RoleOwner, t0)
	in.DeactivatedAt = at(2 * time.Hour)
	cy, err := s.MemberCreate(ctx, in)
	ok(t, err)
	if !cy.DeactivatedAt.Equal(at(2 * time.Hour)) {
		t.Fatalf("MemberCreate of a deactivated member: deactivated at %v", cy.DeactivatedAt)
	}

	// The owners that a deactivation locks: cy, deactivated, is not one.
	t.Run("MemberLockOwners", func(t *testing.T) { testMemberLockOwners(t, s) })
}

func testSetting(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	get := func(what, name, want string) {
		t.Helper()
		got, err := s.SettingGet(ctx, name)
		ok(t, err)
		if got != want {
			t.Fatalf("%s: SettingGet(%q) = %q, want %q", what, name, got, want)
		}
	}
	get("never set", aftersale.SettingAllowPrivateSMTP, "")
	ok(t, s.SettingSet(ctx, aftersale.SettingAllowPrivateSMTP, "1"))
	ok(t, s.SettingSet(ctx, "other", "value \u00e9"))
	get("set", aftersale.SettingAllowPrivateSMTP, "1")
	get("another setting", "other", "value \u00e9")
	ok(t, s.SettingSet(ctx, aftersale.SettingAllowPrivateSMTP, ""))
	get("replaced", aftersale.SettingAllowPrivateSMTP, "")
	get("another setting after a replace", "other", "value \u00e9")

	// In a transaction, rolled back.
	err := s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		if err := tx.SettingSet(ctx, "other", "rolled back"); err != nil {
			return err
		}
		return aftersale.Errorf(aftersale.ECONFLICT, "roll back")
	})
	wantCode(t, "Update that fails", err, aftersale.ECONFLICT)
	get("after a rolled back SettingSet", "other", "value \u00e9")
}
