package features

import (
	"context"
	"testing"
	"time"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/storetest/fixture"
)

func testMemberSessionEpoch(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann, err := s.MemberCreate(ctx, member("ann@example.com", aftersale.RoleAssistant, fixture.T0))
	fixture.Ok(t, err)
	if ann.SessionEpoch != 0 {
		t.Fatalf("a new member has session epoch %d, want 0", ann.SessionEpoch)
	}
	epoch := func(what string, want int64) {
		t.Helper()
		got, err := s.MemberGet(ctx, ann.ID)
		fixture.Ok(t, err)
		if got.SessionEpoch != want {
			t.Fatalf("%s: session epoch %d, want %d", what, got.SessionEpoch, want)
		}
	}

	raised := *ann
	raised.SessionEpoch = 3
	fixture.Ok(t, s.MemberUpdate(ctx, &raised))
	epoch("after MemberUpdate with epoch 3", 3)

	// An update made from a read before the raise keeps the epoch where
	// it is: ended sessions stay ended.
	stale := *ann
	stale.Name = "Ann from an old read"
	fixture.Ok(t, s.MemberUpdate(ctx, &stale))
	epoch("after MemberUpdate with an older epoch", 3)
	got, err := s.MemberGet(ctx, ann.ID)
	fixture.Ok(t, err)
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
	fixture.Ok(t, err)
	epoch("after a raise in Update", 4)

	// A member created with an epoch keeps it.
	in := member("bob@example.com", aftersale.RoleOwner, fixture.T0)
	in.SessionEpoch = 7
	bob, err := s.MemberCreate(ctx, in)
	fixture.Ok(t, err)
	if bob.SessionEpoch != 7 {
		t.Fatalf("MemberCreate with epoch 7 returned epoch %d", bob.SessionEpoch)
	}
}

func testMemberDeactivate(t *testing.T, s aftersale.Store) {
	ctx := t.Context()
	ann, err := s.MemberCreate(ctx, member("ann@example.com", aftersale.RoleAssistant, fixture.T0))
	fixture.Ok(t, err)
	bob, err := s.MemberCreate(ctx, member("bob@example.com", aftersale.RoleAssistant, fixture.T0))
	fixture.Ok(t, err)
	if !ann.Active() || !ann.DeactivatedAt.IsZero() {
		t.Fatalf("a new member is not active: deactivated at %v", ann.DeactivatedAt)
	}

	off := *ann
	off.DeactivatedAt = fixture.At(time.Hour)
	fixture.Ok(t, s.MemberUpdate(ctx, &off))
	got, err := s.MemberGet(ctx, ann.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "member after deactivation", got, &off)
	if got.Active() {
		t.Fatal("a deactivated member is active")
	}
	got, err = s.MemberGetByEmail(ctx, "ANN@example.com")
	fixture.Ok(t, err)
	fixture.Same(t, "MemberGetByEmail of a deactivated member", got, &off)
	list, err := s.MemberList(ctx)
	fixture.Ok(t, err)
	fixture.Same(t, "MemberList with a deactivated member", list, []*aftersale.Member{&off, bob})

	// Reactivated.
	on := off
	on.DeactivatedAt = time.Time{}
	fixture.Ok(t, s.MemberUpdate(ctx, &on))
	got, err = s.MemberGet(ctx, ann.ID)
	fixture.Ok(t, err)
	fixture.Same(t, "member after reactivation", got, &on)

	// Created deactivated.
	in := member("cy@example.com", aftersale.RoleOwner, fixture.T0)
	in.DeactivatedAt = fixture.At(2 * time.Hour)
	cy, err := s.MemberCreate(ctx, in)
	fixture.Ok(t, err)
	if !cy.DeactivatedAt.Equal(fixture.At(2 * time.Hour)) {
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
		fixture.Ok(t, err)
		if got != want {
			t.Fatalf("%s: SettingGet(%q) = %q, want %q", what, name, got, want)
		}
	}
	get("never set", aftersale.SettingAllowPrivateSMTP, "")
	fixture.Ok(t, s.SettingSet(ctx, aftersale.SettingAllowPrivateSMTP, "1"))
	fixture.Ok(t, s.SettingSet(ctx, "other", "value \u00e9"))
	get("set", aftersale.SettingAllowPrivateSMTP, "1")
	get("another setting", "other", "value \u00e9")
	fixture.Ok(t, s.SettingSet(ctx, aftersale.SettingAllowPrivateSMTP, ""))
	get("replaced", aftersale.SettingAllowPrivateSMTP, "")
	get("another setting after a replace", "other", "value \u00e9")

	// In a transaction, rolled back.
	err := s.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		if err := tx.SettingSet(ctx, "other", "rolled back"); err != nil {
			return err
		}
		return aftersale.Errorf(aftersale.ECONFLICT, "roll back")
	})
	fixture.WantCode(t, "Update that fails", err, aftersale.ECONFLICT)
	get("after a rolled back SettingSet", "other", "value \u00e9")
}
