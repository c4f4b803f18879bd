package team

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aftersale/aftersale"
	"github.com/aftersale/aftersale/auth"
)

// AddMember creates a team member with an argon2id-hashed password.
func (s *Service) AddMember(ctx context.Context, n NewMember) (*MemberView, error) {
	n.Email, n.Name = strings.TrimSpace(n.Email), strings.TrimSpace(n.Name)
	if err := aftersale.ValidateEmail(n.Email); err != nil {
		return nil, aftersale.FieldError("email", "%s", aftersale.ErrorMessage(err))
	}
	if !slices.Contains(aftersale.Roles, n.Role) {
		return nil, aftersale.FieldError("role", "unknown role %q; want owner, assistant or program_manager", n.Role)
	}
	if err := aftersale.NameText.Check("name", n.Name); err != nil {
		return nil, err
	}
	if err := s.checkSMTPURL(n.SMTPURL); err != nil {
		return nil, err
	}
	if err := auth.CheckPassword(n.Password); err != nil {
		return nil, aftersale.FieldError("password", "%s", err.Error())
	}
	hash, err := s.cfg.Passwords.Hash(ctx, n.Password)
	if err != nil {
		return nil, passwordErr(err)
	}
	if n.Name == "" {
		n.Name = strings.SplitN(n.Email, "@", 2)[0]
	}
	m, err := s.cfg.Store.MemberCreate(ctx, &aftersale.Member{
		Email: n.Email, Name: n.Name, Role: n.Role, PasswordHash: hash, SMTPURL: n.SMTPURL,
		CreatedAt: s.cfg.Clock.RealNow(),
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "team member added", "member_id", m.ID, "role", m.Role)
	v := memberView(m)
	return &v, nil
}

// EnsureFirstAdmin creates the owner from AFTERSALE_ADMIN_EMAIL and
// AFTERSALE_ADMIN_PASSWORD when no member has that email yet; an existing
// member is left as it is (change the password in the UI or with
// `aftersale user add`).
func (s *Service) EnsureFirstAdmin(ctx context.Context, email, password string) error {
	if email == "" && password == "" {
		return nil
	}
	if email == "" || password == "" {
		return errors.New("set both AFTERSALE_ADMIN_EMAIL and AFTERSALE_ADMIN_PASSWORD, or neither")
	}
	_, err := s.cfg.Store.MemberGetByEmail(ctx, email)
	if err == nil {
		return nil
	}
	if !aftersale.IsNotFound(err) {
		return err
	}
	_, err = s.AddMember(ctx, NewMember{Email: email, Role: aftersale.RoleOwner, Password: password})
	if aftersale.ErrorCode(err) == aftersale.ECONFLICT {
		return nil // another node made it meanwhile
	}
	if err != nil {
		return fmt.Errorf("the first admin (AFTERSALE_ADMIN_*): %w", err)
	}
	return nil
}

// SetPassword replaces a member's password and ends the member's sessions
// (the caller renews the one it keeps, see MemberView.SessionEpoch). An
// ETOOMANY error says that too many passwords are being hashed at once.
//
// The member is read again after the hash, in the transaction that writes
// it: a deactivation (or another change) made while the password was
// being hashed is kept, not undone by an older read.
func (s *Service) SetPassword(ctx context.Context, memberID int64, password string) error {
	if _, err := s.cfg.Store.MemberGet(ctx, memberID); err != nil {
		return err
	}
	if err := auth.CheckPassword(password); err != nil {
		return aftersale.FieldError("password", "%s", err.Error())
	}
	hash, err := s.cfg.Passwords.Hash(ctx, password)
	if err != nil {
		return passwordErr(err)
	}
	return s.cfg.Store.Update(ctx, func(ctx context.Context, atx aftersale.Tx) error {
		var tx Tx = atx
		m, err := tx.MemberGet(ctx, memberID)
		if err != nil {
			return err
		}
		m.PasswordHash = hash
		m.SessionEpoch++
		return tx.MemberUpdate(ctx, m)
	})
}

// UpdateMember changes a member's name, role and own SMTP URL ("" keeps
// the install's server). A new role ends the member's sessions.
//
// The member is read and written in one transaction, so that a password
// or deactivation stored meanwhile is not written back to its old value.
func (s *Service) UpdateMember(ctx context.Context, id int64, name string, role aftersale.Role, smtpURL string) error {
	if !slices.Contains(aftersale.Roles, role) {
		return aftersale.FieldError("role", "unknown role %q; want owner, assistant or program_manager", role)
	}
	if err := s.checkSMTPURL(smtpURL); err != nil {
		return err
	}
	if err := aftersale.NameText.Check("name", name); err != nil {
		return err
	}
	return s.cfg.Store.Update(ctx, func(ctx context.Context, atx aftersale.Tx) error {
		var tx Tx = atx
		// A new role other than owner may take the last active owner away:
		// the owners are locked before the member is read (access.go), so
		// that two owners demoting each other at once cannot both pass.
		var owners lockedOwners
		if role != aftersale.RoleOwner {
			var err error
			if owners, err = lockOwners(ctx, tx); err != nil {
				return err
			}
		}
		m, err := tx.MemberGet(ctx, id)
		if err != nil {
			return err
		}
		if role != aftersale.RoleOwner {
			if err := owners.allow(m, role, m.Active()); err != nil {
				return err
			}
		}
		if name = strings.TrimSpace(name); name != "" {
			m.Name = name
		}
		if m.Role != role {
			m.SessionEpoch++
		}
		m.Role, m.SMTPURL = role, smtpURL
		return tx.MemberUpdate(ctx, m)
	})
}

// checkSMTPURL refuses a member's own SMTP URL that Config.MemberMailer
// does not take ("" is always taken: the install's server).
func (s *Service) checkSMTPURL(u string) error {
	if u == "" {
		return nil
	}
	if s.cfg.MemberMailer == nil {
		return aftersale.FieldError("smtp_url", "this install cannot send through members' own servers")
	}
	if _, err := s.cfg.MemberMailer(u, false); err != nil {
		return aftersale.FieldError("smtp_url", "%s", err.Error())
	}
	return nil
}

// Members lists the team.
func (s *Service) Members(ctx context.Context) ([]MemberView, error) {
	list, err := s.cfg.Store.MemberList(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MemberView, len(list))
	for i, m := range list {
		out[i] = memberView(m)
	}
	return out, nil
}

// Member returns one member.
func (s *Service) Member(ctx context.Context, id int64) (*MemberView, error) {
	m, err := s.cfg.Store.MemberGet(ctx, id)
	if err != nil {
		return nil, err
	}
	v := memberView(m)
	return &v, nil
}

// errLogin is the one answer to a failed login, whatever failed.
var errLogin = aftersale.Errorf(aftersale.EUNAUTHORIZED, "the email or the password is wrong")

// Authenticate returns the member with the email and password, or an
// EUNAUTHORIZED error that does not say which was wrong. The password is
// checked (one argon2id hash, under Config.Passwords' bound) whether or
// not the email is a member's and whether or not the member is active, so
// that the time taken does not tell. An ETOOMANY error says that too many
// passwords are being checked at once; nothing was checked then.
func (s *Service) Authenticate(ctx context.Context, email, password string) (*MemberView, error) {
	m, err := s.cfg.Store.MemberGetByEmail(ctx, strings.TrimSpace(email))
	if aftersale.IsNotFound(err) {
		if err := s.cfg.Passwords.VerifyDummy(ctx, password); !errors.Is(err, auth.ErrMismatch) {
			return nil, passwordErr(err)
		}
		return nil, errLogin
	} else if err != nil {
		return nil, err
	}
	if err := s.cfg.Passwords.Verify(ctx, m.PasswordHash, password); err != nil {
		// A mismatch is a checked attempt even when the request ended
		// meanwhile (a client that hung up once the hash began): only a
		// check that did not run is not one.
		if !errors.Is(err, auth.ErrMismatch) && (errors.Is(err, auth.ErrBusy) || ctx.Err() != nil) {
			return nil, passwordErr(err)
		}
		if !errors.Is(err, auth.ErrMismatch) {
			s.log.ErrorContext(ctx, "a member's password hash does not parse", "member_id", m.ID, "err", err)
		}
		return nil, errLogin
	}
	if !m.Active() {
		return nil, errLogin
	}
	v := memberView(m)
	return &v, nil
}

// errBusy answers a password check or hash that auth.Pool refused.
var errBusy = aftersale.Errorf(aftersale.ETOOMANY,
	"the server is checking many passwords at once; try again in a few seconds")

// passwordErr turns auth.ErrBusy into errBusy and leaves other errors.
func passwordErr(err error) error {
	if errors.Is(err, auth.ErrBusy) {
		return errBusy
	}
	return err
}
