package sqlstore

import "context"

// SettingGet returns the value of the setting; "" when it was never set.
func (q *Queries) SettingGet(ctx context.Context, name string) (string, error) {
	var v string
	err := q.row(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	if q.noRows(err) {
		return "", nil
	}
	return v, q.wrap("setting get", err)
}

// SettingSet stores the value of the setting, replacing the old one.
func (q *Queries) SettingSet(ctx context.Context, name, value string) error {
	_, err := q.exec(ctx, `
		INSERT INTO settings (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
	return q.wrap("setting set", err)
}
