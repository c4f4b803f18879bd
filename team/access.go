package team

import (
	"context"
	"time"

	"github.com/aftersale/aftersale"
)

// SetMemberActive deactivates a member (active false), who then cannot log
// in, loses every session and gets no new tasks (the engine's round robin
// skips deactivated members), or makes a deactivated member active again.
// The last active owner cannot be deactivated (ECONFLICT), so that someone
// can always manage the team.
//
// A deactivation locks the active owners before it reads the member
// (lockOwners), so that two owners deactivating each other at the same
// moment cannot both see the other one as the owner who remains: the
// second waits for the first and is refused, on PostgreSQL as on SQLite.
func (s *Service) SetMemberActive(ctx context.Context, id int64, active bool) (*MemberView, error) {
	var out *aftersale.Member
	err := s.cfg.Store.Update(ctx, func(ctx context.Context, atx aftersale.Tx) error {
		var tx Tx = atx
		var owners lockedOwners
		if !active {
			var err error
			if owners, err = lockOwners(ctx, tx); err != nil {
				return err
			}
		}
		m, err := tx.MemberGet(ctx, id)
		if err != nil {
			return err
		}
		if m.Active() == active {
			out = m
			return nil
		}
		if !active {
			if err := owners.allow(m, m.Role, false); err != nil {
				return err
			}
		}
		if active {
			m.DeactivatedAt = time.Time{}
		} else {
			m.DeactivatedAt = s.cfg.Clock.RealNow()
			m.SessionEpoch++
		}
		out = m
		return tx.MemberUpdate(ctx, m)
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "team member active changed", "member_id", id, "active", active)
	v := memberView(out)
	return &v, nil
}

// lockedOwners are the team's active owners, locked in a transaction
// (aftersale.Tx.MemberLockOwners): until it ends no other transaction
// deactivates or demotes any of them.
type lockedOwners []*aftersale.Member

// lockOwners locks the active owners in tx. A change that may take an
// owner away (a deactivation, a new role) calls it before it reads the
// member, and then checks the change with allow.
func lockOwners(ctx context.Context, tx Tx) (lockedOwners, error) {
	return tx.MemberLockOwners(ctx)
}

// allow refuses (ECONFLICT) to give m, as read after the lock, the role
// and the active state when that leaves no active owner: m is an active
// owner who would stop being one, and none of the locked owners is
// another member. Those stay active owners until the transaction ends,
// so the answer holds when the change is written.
func (o lockedOwners) allow(m *aftersale.Member, role aftersale.Role, active bool) error {
	if m.Role != aftersale.RoleOwner || !m.Active() || (role == aftersale.RoleOwner && active) {
		return nil
	}
	for _, x := range o {
		if x.ID != m.ID {
			return nil
		}
	}
	return aftersale.Errorf(aftersale.ECONFLICT,
		"%s is the only active owner: make someone else an owner first", m.Name)
}

// AllowPrivateSMTP says whether an owner allowed members' own SMTP servers
// on loopback, private and link-local addresses (the setting
// aftersale.SettingAllowPrivateSMTP; off until an owner turns it on). The
// engine reads the same setting when it sends a personal email.
func (s *Service) AllowPrivateSMTP(ctx context.Context) (bool, error) {
	v, err := s.cfg.Store.SettingGet(ctx, aftersale.SettingAllowPrivateSMTP)
	return v == "1", err
}

// SetAllowPrivateSMTP turns that setting on or off (the caller checks that
// an owner asks).
func (s *Service) SetAllowPrivateSMTP(ctx context.Context, allow bool) error {
	v := ""
	if allow {
		v = "1"
	}
	if err := s.cfg.Store.SettingSet(ctx, aftersale.SettingAllowPrivateSMTP, v); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "setting changed", "setting", aftersale.SettingAllowPrivateSMTP, "on", allow)
	return nil
}
