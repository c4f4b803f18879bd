package postgres

import (
	"context"
	"fmt"
	"strings"
)

// erasedTables are the tables that CustomerErase changes, which Scrub
// vacuums.
var erasedTables = []string{"customers", "events", "orders", "order_items", "messages", "tasks", "survey_answers", "success_plans",
	"check_ins", "returns", "bookings", "broadcast_recipients", "referral_codes", "referrals", "dead_events"}

// Scrub vacuums the tables that CustomerErase changes, so that the old
// versions of their rows are removed, outside any transaction (VACUUM
// cannot run in one).
func (db *DB) Scrub(ctx context.Context) error {
	if _, err := db.pool.Exec(ctx, `VACUUM `+strings.Join(erasedTables, ", ")); err != nil {
		return fmt.Errorf("postgres: scrub: %w", err)
	}
	return nil
}
