package sqlite

import (
	"context"
	"database/sql"
	"errors"
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
	member, err := scanMember(q.q.QueryRowContext(ctx, `
		INSERT INTO members (email, email_key, name, role, password_hash, smtp_url, created_at,
			session_epoch, deactivated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (email_key) DO NOTHING
		RETURNING `+memberColumns,
		m.Email, key, m.Name, string(m.Role), m.PasswordHash, m.SMTPURL, micro(m.CreatedAt),
		m.SessionEpoch, nullMicro(m.DeactivatedAt)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, aftersale.Errorf(aftersale.ECONFLICT, "a member has the email %s already", m.Email)
	}
	return member, wrap("member create", err)
}

// MemberGet returns the member with the ID.
func (q *queries) MemberGet(ctx context.Context, id int64) (*aftersale.Member, error) {
	m, err := scanMember(q.q.QueryRowContext(ctx, `SELECT `+memberColumns+` FROM members WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("member", id)
	}
	return m, wrap("member get", err)
}

// MemberGetByEmail returns the member with the email, in any case.
func (q *queries) MemberGetByEmail(ctx context.Context, email string) (*aftersale.Member, error) {
	m, err := scanMember(q.q.QueryRowContext(ctx,
		`SELECT `+memberColumns+` FROM members WHERE email_key = ?`, emailKey(email)))
	if errors.Is(err, sql.ErrNoRows) {
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
	res, err := q.q.ExecContext(ctx, `
		UPDATE members SET name = ?, role = ?, password_hash = ?, smtp_url = ?,
			session_epoch = max(session_epoch, ?), deactivated_at = ?
		WHERE id = ?`,
		m.Name, string(m.Role), m.PasswordHash, m.SMTPURL, m.SessionEpoch, nullMicro(m.DeactivatedAt), m.ID)
	if err != nil {
		return wrap("member update", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap("member update", err)
	}
	if n == 0 {
		return notFound("member", m.ID)
	}
	return nil
}

// MemberLockOwners returns the active owners, oldest first, locked until
// the transaction ends (aftersale.Tx): SQLite runs one write transaction
// at a time (Update's take the write lock at BEGIN), so no other changes
// the owners before this one ends and nothing more is needed.
func (tx *Tx) MemberLockOwners(ctx context.Context) ([]*aftersale.Member, error) {
	list, err := listRows(ctx, tx.q, scanMember, `SELECT `+memberColumns+` FROM members
		WHERE role = ? AND deactivated_at IS NULL ORDER BY created_at, id`, string(aftersale.RoleOwner))
	return list, wrap("member lock owners", err)
}

// SessionFind returns the data of the session unless it is unknown or
// expired (at or before now).
func (q *queries) SessionFind(ctx context.Context, token string, now time.Time) ([]byte, bool, error) {
	var data []byte
	err := q.q.QueryRowContext(ctx, `SELECT data FROM sessions WHERE token = ? AND expiry > ?`,
		token, micro(now)).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
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
	_, err := q.q.ExecContext(ctx, `
		INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`,
		s.Token, data, micro(s.Expiry))
	return wrap("session commit", err)
}

// SessionDelete removes the session; an unknown token is no error.
func (q *queries) SessionDelete(ctx context.Context, token string) error {
	_, err := q.q.ExecContext(ctx, `DELETE FROM sessions WHERE token = ?`, token)
	return wrap("session delete", err)
}

// SessionPurge removes the sessions that expired before now and says how
// many.
func (q *queries) SessionPurge(ctx context.Context, now time.Time) (int, error) {
	res, err := q.q.ExecContext(ctx, `DELETE FROM sessions WHERE expiry < ?`, micro(now))
	if err != nil {
		return 0, wrap("session purge", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, wrap("session purge", err)
	}
	return int(n), nil
}
