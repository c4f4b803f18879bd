package team_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/team"
)

// fakeSMTP takes smtp:// URLs (and makes no connection): the check of a
// member's own SMTP URL, without a server.
func fakeSMTP(c *team.Config) {
	c.MemberMailer = func(u string, _ bool) (aftersale.Mailer, error) {
		if !strings.HasPrefix(u, "smtp://") {
			return nil, fmt.Errorf("%s is not an SMTP URL", u)
		}
		return nil, nil
	}
}

// TestTeamMembers adds members, logs them in, changes them, and makes the
// first admin once.
func TestTeamMembers(t *testing.T) {
	onEach(t, func(t *testing.T, s *team.Service, _ aftersale.Store) {
		ctx := context.Background()
		owner := add(t, s, team.NewMember{Email: "Owner@Shop.example", Name: "Olga", Role: aftersale.RoleOwner, Password: "correct horse battery"})
		for _, bad := range []team.NewMember{
			{Email: "not an address", Role: aftersale.RoleOwner, Password: "correct horse battery"},
			{Email: "x@shop.example", Role: "boss", Password: "correct horse battery"},
			{Email: "x@shop.example", Role: aftersale.RoleAssistant, Password: "short"},
			{Email: "owner@shop.example", Role: aftersale.RoleAssistant, Password: "correct horse battery"},
		} {
			if _, err := s.AddMember(ctx, bad); err == nil {
				t.Errorf("AddMember(%+v) was taken", bad)
			}
		}
		if m, err := s.Authenticate(ctx, " owner@shop.example ", "correct horse battery"); err != nil || m.ID != owner.ID || m.Role != "owner" {
			t.Fatalf("Authenticate: %+v, %v", m, err)
		}
		for _, try := range [][2]string{{"owner@shop.example", "wrong horse battery"}, {"nobody@shop.example", "correct horse battery"}} {
			if _, err := s.Authenticate(ctx, try[0], try[1]); aftersale.ErrorCode(err) != aftersale.EUNAUTHORIZED {
				t.Errorf("Authenticate(%q, %q): %v, want unauthorized", try[0], try[1], err)
			}
		}
		if err := s.SetPassword(ctx, owner.ID, "short"); err == nil {
			t.Error("a short password was set")
		}
		if err := s.SetPassword(ctx, owner.ID, "another long secret"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "owner@shop.example", "correct horse battery"); err == nil {
			t.Error("the old password still works")
		}
		if _, err := s.Authenticate(ctx, "owner@shop.example", "another long secret"); err != nil {
			t.Errorf("the new password: %v", err)
		}
		if err := s.UpdateMember(ctx, owner.ID, "Olga O.", aftersale.RoleProgramManager, ""); aftersale.ErrorCode(err) != aftersale.ECONFLICT {
			t.Fatalf("demoting the only owner: %v, want ECONFLICT", err)
		}
		add(t, s, team.NewMember{Email: "second@shop.example", Name: "Sam", Role: aftersale.RoleOwner, Password: "correct horse battery"})
		if err := s.UpdateMember(ctx, owner.ID, "Olga O.", aftersale.RoleProgramManager, "smtp://olga:pw@mail.shop.example:587"); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateMember(ctx, owner.ID, "Olga O.", "boss", ""); err == nil {
			t.Error("an unknown role was set")
		}
		if err := s.UpdateMember(ctx, owner.ID, "Olga O.", aftersale.RoleOwner, "ftp://x"); err == nil {
			t.Error("a non-SMTP URL was set")
		}
		m, err := s.Member(ctx, owner.ID)
		if err != nil || m.Name != "Olga O." || m.Role != "program_manager" || !m.OwnSMTP {
			t.Fatalf("after UpdateMember: %+v, %v", m, err)
		}

		if err := s.EnsureFirstAdmin(ctx, "admin@shop.example", ""); err == nil {
			t.Error("a first admin without a password was taken")
		}
		if err := s.EnsureFirstAdmin(ctx, "", ""); err != nil {
			t.Error(err)
		}
		for range 2 {
			if err := s.EnsureFirstAdmin(ctx, "admin@shop.example", "first admin secret"); err != nil {
				t.Fatal(err)
			}
		}
		all, err := s.Members(ctx)
		if err != nil || len(all) != 3 {
			t.Fatalf("Members: %+v, %v; want Olga, Sam and the admin", all, err)
		}
		if _, err := s.Authenticate(ctx, "admin@shop.example", "first admin secret"); err != nil {
			t.Errorf("the first admin: %v", err)
		}
	}, fakeSMTP)
}

// TestMemberOwnSMTPNeedsAMailer: without Config.MemberMailer the install
// cannot send through members' own servers, so an own SMTP URL is refused
// on the smtp_url field, and "" (the install's server) is taken.
func TestMemberOwnSMTPNeedsAMailer(t *testing.T) {
	s := newTeam(t, openStore(t, "sqlite"))
	ctx := context.Background()
	_, err := s.AddMember(ctx, team.NewMember{Email: "ada@shop.example", Role: aftersale.RoleAssistant,
		Password: "ada password 1", SMTPURL: "smtp://ada:pw@mail.shop.example:587"})
	if e, ok := err.(*aftersale.Error); !ok || e.Field != "smtp_url" {
		t.Errorf("an own SMTP URL without a MemberMailer: %v, want an error on smtp_url", err)
	}
	ada := add(t, s, team.NewMember{Email: "ada@shop.example", Role: aftersale.RoleAssistant, Password: "ada password 1"})
	if ada.OwnSMTP {
		t.Error("a member without an SMTP URL has one")
	}
}

// TestMemberNamesRefuseControlCharacters: a member's name goes through the
// text rule: a NUL or a bidi override is refused naming the field, in
// AddMember and UpdateMember, and a name with an odd quote is taken.
func TestMemberNamesRefuseControlCharacters(t *testing.T) {
	onEach(t, func(t *testing.T, s *team.Service, _ aftersale.Store) {
		ctx := context.Background()
		field := func(what string, err error, want string) {
			t.Helper()
			e, ok := err.(*aftersale.Error)
			if !ok || e.Code != aftersale.EINVALID || e.Field != want {
				t.Errorf("%s: err %v, want EINVALID on %s", what, err, want)
			}
		}
		_, err := s.AddMember(ctx, team.NewMember{Email: "sam@shop.example", Name: "Sam\x00", Role: aftersale.RoleAssistant, Password: "correct horse battery"})
		field("AddMember NUL", err, "name")
		_, err = s.AddMember(ctx, team.NewMember{Email: "sam@shop.example", Name: "Sam\u202E", Role: aftersale.RoleAssistant, Password: "correct horse battery"})
		field("AddMember RLO", err, "name")
		m, err := s.AddMember(ctx, team.NewMember{Email: "sam@shop.example", Name: `Sam "The Man`, Role: aftersale.RoleAssistant, Password: "correct horse battery"})
		if err != nil || m.Name != `Sam "The Man` {
			t.Fatalf("AddMember with an odd quote: %+v, %v", m, err)
		}
		field("UpdateMember", s.UpdateMember(ctx, m.ID, "Sam\r\nX", aftersale.RoleAssistant, ""), "name")
	})
}

// TestAllowPrivateSMTPSetting: the owners' setting is off until turned on,
// and is stored as aftersale.SettingAllowPrivateSMTP, which the engine
// reads when it sends a personal email.
func TestAllowPrivateSMTPSetting(t *testing.T) {
	onEach(t, func(t *testing.T, s *team.Service, st aftersale.Store) {
		ctx := context.Background()
		if on, err := s.AllowPrivateSMTP(ctx); err != nil || on {
			t.Fatalf("AllowPrivateSMTP before an owner set it: %v, %v; want off", on, err)
		}
		for _, allow := range []bool{true, false} {
			if err := s.SetAllowPrivateSMTP(ctx, allow); err != nil {
				t.Fatal(err)
			}
			if on, err := s.AllowPrivateSMTP(ctx); err != nil || on != allow {
				t.Errorf("AllowPrivateSMTP after setting %v: %v, %v", allow, on, err)
			}
			want := map[bool]string{true: "1", false: ""}[allow]
			if v, err := st.SettingGet(ctx, aftersale.SettingAllowPrivateSMTP); err != nil || v != want {
				t.Errorf("stored setting after %v: %q, %v; want %q", allow, v, err, want)
			}
		}
	})
}
