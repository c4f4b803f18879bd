package engine

import (
	"context"
	"time"

	"github.com/aftersale/aftersale"
)

// SetMemberActive deactivates a member (active false), who then cannot log
// in, loses every session and gets no new tasks, or makes a deactivated
// member active again. The last active owner cannot be deactivated
// (ECONFLICT), so that someone can always manage the team.
func (s *Service) SetMemberActive(ctx context.Context, id int64, active bool) (*MemberView, error) {
	var out *aftersale.Member
	err := s.cfg.Store.Update(ctx, func(ctx context.Context, tx aftersale.Tx) error {
		m, err := tx.MemberGet(ctx, id)
		if err != nil {
			return err
		}
		if m.Active() == active {
			out = m
			return nil
		}
		if !active && m.Role == aftersale.RoleOwner {
			list, err := tx.MemberList(ctx)
			if err != nil {
				return err
			}
			owners := 0
			for _, o := range list {
				if o.Role == aftersale.RoleOwner && o.Active() {
					owners++
				}
			}
			if owners <= 1 {
				return aftersale.Errorf(aftersale.ECONFLICT,
					"%s is the only active owner: make someone else an owner first", m.Name)
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

// AllowPrivateSMTP says whether an owner allowed members' own SMTP servers
// on loopback, private and link-local addresses (the setting
// aftersale.SettingAllowPrivateSMTP; off until an owner turns it on).
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
