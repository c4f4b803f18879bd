package aftersale

import (
	"context"
	"strings"
	"time"
)

// FirstName is the first word of the customer's name, or their email when
// they gave no name: how task titles and drafts address them.
func (c *Customer) FirstName() string {
	if f := strings.Fields(c.Name); len(f) > 0 {
		return f[0]
	}
	return c.Email
}

// TaskWriter lists and creates tasks: what OwnerCall needs (a Store or a
// Tx).
type TaskWriter interface {
	TaskList(ctx context.Context, f TaskFilter) ([]*Task, error)
	TaskCreate(ctx context.Context, t *Task) (*Task, error)
}

// OwnerCall creates a call task for the owner, due at now, about an
// order, unless the order has an open task whose title starts with prefix
// (so a repeated signal makes one call, not many). It reports whether it
// made one. Refund risk, a low survey score and a package that did not
// arrive well all ask for such a call.
func OwnerCall(ctx context.Context, q TaskWriter, now time.Time, orderID, customerID int64, prefix, title, script string) (bool, error) {
	open, err := q.TaskList(ctx, TaskFilter{CustomerID: customerID, Status: TaskOpen})
	if err != nil {
		return false, err
	}
	for _, t := range open {
		if t.OrderID == orderID && strings.HasPrefix(t.Title, prefix) {
			return false, nil
		}
	}
	if _, err := q.TaskCreate(ctx, &Task{
		CustomerID: customerID, OrderID: orderID, Kind: TaskCall, Title: title, Script: script,
		Assignee: string(RoleOwner), Status: TaskOpen, DueAt: now, CreatedAt: now,
	}); err != nil {
		return false, err
	}
	return true, nil
}
