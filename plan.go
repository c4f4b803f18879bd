package aftersale

import "time"

// A SuccessPlan is what a client of a coaching, service or membership
// purchase wants to achieve, agreed with them: one to five objectives and
// how progress on them is measured. There is at most one per order; saving
// again replaces it.
type SuccessPlan struct {
	OrderID    int64
	CustomerID int64
	Objectives []string
	Metrics    []string
	// UpdatedBy is who saved it last: a team member's email, "client"
	// (through the signed link) or "api".
	UpdatedBy string
	UpdatedAt time.Time
}

// A CheckIn records the progress of a client against their success plan at
// one point in time.
type CheckIn struct {
	ID        int64
	OrderID   int64
	Progress  int // 0 to 100 %
	Note      string
	By        string // as SuccessPlan.UpdatedBy
	CreatedAt time.Time
}
