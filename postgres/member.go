package postgres

import (
	"context"
	"time"

	"github.com/aftersale/aftersale"
)

const memberColumns = `id, email, name, role, password_hash, smtp_url, created_at, session_epoch, deactivated_at`

func scanMember(s scanner) (*aftersale.Member, error) {
	var m aftersale.Member
	err := s.Scan(&m.ID, &m.Email, &m.Name, &m.Role, &m.PasswordHash, &m.SMTPURL, ts(&m.CreatedAt),
		&m.SessionEpoch, ts(&m.DeactivatedAt))
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// MemberCreate stores a new team member and returns it with its ID;
// ECONFLICT when a member has the email already (compared lower-case).
func (q *queries) MemberCreate(ctx context.Context, m *aftersale.Member) (*aftersale.Member, error) {
	key := emailKey(m.Email)
	if key == "" {
		return nil, aftersale.FieldError("email", "is required")
	}
	member, err := scanMember(q.q.QueryRow(ctx, `
		INSERT INTO members (email, email_key, name, role, password_hash, smtp_url, created_at,
			session_epoch, deactivated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (email_key) DO NOTHING
		RETURNING `+memberColumns,
		m.Email, key, m.Name, string(m.Role), m.PasswordHash, m.SMTPURL, m.CreatedAt,
		m.SessionEpoch, nullTime(m.DeactivatedAt)))
	if noRows(err) {
		return nil, aftersale.Errorf(aftersale.ECONFLICT, "a member has the email %s already", m.Email)
	}
	return member, wrap("member create", err)
}

// MemberGet returns the member with the ID.
func (q *queries) MemberGet(ctx context.Context, id int64) (*aftersale.Member, error) {
	m, err := scanMember(q.q.QueryRow(ctx, `SELECT `+memberColumns+` FROM members WHERE id = $1`, id))
	if noRows(err) {
		return nil, notFound("member", id)
	}
	return m, wrap("member get", err)
}

// MemberGetByEmail returns the member with the email, in any case.
func (q *queries) MemberGetByEmail(ctx context.Context, email string) (*aftersale.Member, error) {
	m, err := scanMember(q.q.QueryRow(ctx,
		`SELECT `+memberColumns+` FROM members WHERE email_key = $1`, emailKey(email)))
	if noRows(err) {
		return nil, notFound("member", email)
	}
	return m, wrap("member get by email", err)
}

// MemberList returns every member, oldest first.
func (q *queries) MemberList(ctx context.Context) ([]*aftersale.Member, error) {
	list, err := listRows(ctx, q.q, scanMember, `SELECT `+memberColumns+` FROM members ORDER BY created_at, id`)
	return list, wrap("member list", err)
}

// MemberUpdate stores the member's name, role, password hash, SMTP URL and
// deactivation time, and raises the session epoch to m.SessionEpoch (never
// lowers it); the email and creation time stay as they are.
func (q *queries) MemberUpdate(ctx context.Context, m *aftersale.Member) error {
	n, err := affected(q.q.Exec(ctx, `
		UPDATE members SET name = $1, role = $2, password_hash = $3, smtp_url = $4,
			session_epoch = greatest(session_epoch, $5), deactivated_at = $6
		WHERE id = $7`,
		m.Name, string(m.Role), m.PasswordHash, m.SMTPURL, m.SessionEpoch, nullTime(m.DeactivatedAt), m.ID))
	if err != nil {
		return wrap("member update", err)
	}
	if n == 0 {
		return notFound("member", m.ID)
	}
	return nil
}

// MemberLockOwners returns the active owners, oldest first, locked until
// the transaction ends (aftersale.Tx). The rows are locked FOR UPDATE, in
// that order in every transaction, so that two of them never wait for each
// other. A transaction that waited for the lock gets the rows as the other
// left them: a member it deactivated or demoted is not in the list. A
// member made an owner meanwhile is not in it either (the list errs on the
// side of fewer owners, never more).
func (tx *Tx) MemberLockOwners(ctx context.Context) ([]*aftersale.Member, error) {
	list, err := listRows(ctx, tx.q, scanMember, `SELECT `+memberColumns+` FROM members
		WHERE role = $1 AND deactivated_at IS NULL ORDER BY created_at, id FOR UPDATE`, string(aftersale.RoleOwner))
	return list, wrap("member lock owners", err)
}

// SessionFind returns the data of the session unless it is unknown or
// expired (at or before now).
func (q *queries) SessionFind(ctx context.Context, token string, now time.Time) ([]byte, bool, error) {
	var data []byte
	err := q.q.QueryRow(ctx, `SELECT data FROM sessions WHERE token = $1 AND expiry > $2`,
		token, now).Scan(&data)
	if noRows(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, wrap("session find", err)
	}
	return data, true, nil
}

// SessionCommit stores the session, replacing the data and expiry of one
// with the same token.
func (q *queries) SessionCommit(ctx context.Context, s *aftersale.Session) error {
	data := s.Data
	if data == nil {
		data = []byte{}
	}
	_, err := q.q.Exec(ctx, `
		INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`,
		s.Token, data, s.Expiry)
	return wrap("session commit", err)
}

// SessionDelete removes the session; an unknown token is no error.
func (q *queries) SessionDelete(ctx context.Context, token string) error {
	_, err := q.q.Exec(ctx, `DELETE FROM sessions WHERE token = $1`, token)
	return wrap("session delete", err)
}

// SessionPurge removes the sessions that expired before now and says how
// many.
func (q *queries) SessionPurge(ctx context.Context, now time.Time) (int, error) {
	n, err := affected(q.q.Exec(ctx, `DELETE FROM sessions WHERE expiry < $1`, now))
	if err != nil {
		return 0, wrap("session purge", err)
	}
	return int(n), nil
}
