package postgres

import "context"

// SettingGet returns the value of the setting; "" when it was never set.
func (q *queries) SettingGet(ctx context.Context, name string) (string, error) {
	var v string
	err := q.q.QueryRow(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&v)
	if noRows(err) {
		return "", nil
	}
	return v, wrap("setting get", err)
}

// SettingSet stores the value of the setting, replacing the old one.
func (q *queries) SettingSet(ctx context.Context, name, value string) error {
	_, err := q.q.Exec(ctx, `
		INSERT INTO settings (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
	return wrap("setting set", err)
}
