package sqlite

import (
	"context"
	"database/sql"
	"errors"
)

// SettingGet returns the value of the setting; "" when it was never set.
func (q *queries) SettingGet(ctx context.Context, name string) (string, error) {
	var v string
	err := q.q.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, wrap("setting get", err)
}

// SettingSet stores the value of the setting, replacing the old one.
func (q *queries) SettingSet(ctx context.Context, name, value string) error {
	_, err := q.q.ExecContext(ctx, `
		INSERT INTO settings (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
	return wrap("setting set", err)
}
