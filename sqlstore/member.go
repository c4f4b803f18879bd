package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/aftersale/aftersale"
)

const memberColumns = `id, email, name, role, password_hash, smtp_url, created_at, session_epoch, deactivated_at`

func (q *Queries) scanMember(s Row) (*aftersale.Member, error) {
	var m aftersale.Member
	err := s.Scan(&m.ID, &m.Email, &m.Name, &m.Role, &m.PasswordHash, &m.SMTPURL, q.ts(&m.CreatedAt),
		&m.SessionEpoch, q.ts(&m.DeactivatedAt))
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// MemberCreate stores a new team member and returns it with its ID;
// ECONFLICT when a member has the email already (compared lower-case).
func (q *Queries) MemberCreate(ctx context.Context, m *aftersale.Member) (*aftersale.Member, error) {
	key := emailKey(m.Email)
	if key == "" {
		return nil, aftersale.FieldError("email", "is required")
	}
	member, err := q.scanMember(q.row(ctx, `
		INSERT INTO members (email, email_key, name, role, password_hash, smtp_url, created_at,
			session_epoch, deactivated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (email_key) DO NOTHING
		RETURNING `+memberColumns,
		m.Email, key, m.Name, string(m.Role), m.PasswordHash, m.SMTPURL, q.t(m.CreatedAt),
		m.SessionEpoch, q.nt(m.DeactivatedAt)))
	if q.noRows(err) {
		return nil, aftersale.Errorf(aftersale.ECONFLICT, "a member has the email %s already", m.Email)
	}
	return member, q.wrap("member create", err)
}

// MemberGet returns the member with the ID.
func (q *Queries) MemberGet(ctx context.Context, id int64) (*aftersale.Member, error) {
	m, err := q.scanMember(q.row(ctx, `SELECT `+memberColumns+` FROM members WHERE id = ?`, id))
	if q.noRows(err) {
		return nil, notFound("member", id)
	}
	return m, q.wrap("member get", err)
}

// MemberGetByEmail returns the member with the email, in any case.
func (q *Queries) MemberGetByEmail(ctx context.Context, email string) (*aftersale.Member, error) {
	m, err := q.scanMember(q.row(ctx,
		`SELECT `+memberColumns+` FROM members WHERE email_key = ?`, emailKey(email)))
	if q.noRows(err) {
		return nil, notFound("member", email)
	}
	return m, q.wrap("member get by email", err)
}

// MemberList returns every member, oldest first.
func (q *Queries) MemberList(ctx context.Context) ([]*aftersale.Member, error) {
	list, err := listRows(ctx, q, q.scanMember, `SELECT `+memberColumns+` FROM members ORDER BY created_at, id`)
	return list, q.wrap("member list", err)
}

// MemberUpdate stores the member's name, role, password hash, SMTP URL and
// deactivation time, and raises the session epoch to m.SessionEpoch (never
// lowers it); the email and creation time stay as they are.
func (q *Queries) MemberUpdate(ctx context.Context, m *aftersale.Member) error {
	// The greater of the two epochs, in the SQL both databases have
	// (SQLite's max(a, b) is PostgreSQL's greatest(a, b)).
	n, err := q.exec(ctx, `
		UPDATE members SET name = ?, role = ?, password_hash = ?, smtp_url = ?,
			session_epoch = CASE WHEN session_epoch < ? THEN ? ELSE session_epoch END, deactivated_at = ?
		WHERE id = ?`,
		m.Name, string(m.Role), m.PasswordHash, m.SMTPURL, m.SessionEpoch, m.SessionEpoch,
		q.nt(m.DeactivatedAt), m.ID)
	if err != nil {
		return q.wrap("member update", err)
	}
	if n == 0 {
		return notFound("member", m.ID)
	}
	return nil
}

// MemberLockOwners is aftersale.Tx's MemberLockOwners on q, which must be
// in a transaction (so it is a function, not a method promoted to the
// pool's queries too): the active owners, oldest first, locked until the
// transaction ends. On PostgreSQL the rows are locked FOR UPDATE, in that
// order in every transaction, so that two of them never wait for each
// other; a transaction that waited for the lock gets the rows as the other
// left them: a member it deactivated or demoted is not in the list, nor is
// a member made an owner meanwhile (the list errs on the side of fewer
// owners, never more). SQLite runs one write transaction at a time (they
// take the write lock at BEGIN), so no other changes the owners before
// this one ends, and a plain read is enough.
func MemberLockOwners(ctx context.Context, q *Queries) ([]*aftersale.Member, error) {
	if q.begin != nil {
		return nil, q.wrap("member lock owners", errors.New("not in a transaction"))
	}
	list, err := listRows(ctx, q, q.scanMember, `SELECT `+memberColumns+` FROM members
		WHERE role = ? AND deactivated_at IS NULL ORDER BY created_at, id`+q.lock(LockUpdate),
		string(aftersale.RoleOwner))
	return list, q.wrap("member lock owners", err)
}

// SessionFind returns the data of the session unless it is unknown or
// expired (at or before now).
func (q *Queries) SessionFind(ctx context.Context, token string, now time.Time) ([]byte, bool, error) {
	var data []byte
	err := q.row(ctx, `SELECT data FROM sessions WHERE token = ? AND expiry > ?`, token, q.t(now)).Scan(&data)
	if q.noRows(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, q.wrap("session find", err)
	}
	return data, true, nil
}

// SessionCommit stores the session, replacing the data and expiry of one
// with the same token.
func (q *Queries) SessionCommit(ctx context.Context, s *aftersale.Session) error {
	data := s.Data
	if data == nil {
		data = []byte{}
	}
	_, err := q.exec(ctx, `
		INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`,
		s.Token, data, q.t(s.Expiry))
	return q.wrap("session commit", err)
}

// SessionDelete removes the session; an unknown token is no error.
func (q *Queries) SessionDelete(ctx context.Context, token string) error {
	_, err := q.exec(ctx, `DELETE FROM sessions WHERE token = ?`, token)
	return q.wrap("session delete", err)
}

// SessionPurge removes the sessions that expired before now and says how
// many.
func (q *Queries) SessionPurge(ctx context.Context, now time.Time) (int, error) {
	n, err := q.exec(ctx, `DELETE FROM sessions WHERE expiry < ?`, q.t(now))
	if err != nil {
		return 0, q.wrap("session purge", err)
	}
	return int(n), nil
}
