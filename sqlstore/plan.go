package sqlstore

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/aftersale/aftersale"
)

// encodeList stores a list of strings as a JSON array ("[]" when empty).
func encodeList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l)
	return string(b)
}

// listScanner scans a JSON array of strings; an empty array gives nil.
type listScanner struct{ l *[]string }

func (s listScanner) Scan(v any) error {
	var raw []byte
	switch v := v.(type) {
	case string:
		raw = []byte(v)
	case []byte:
		raw = v
	case nil:
		*s.l = nil
		return nil
	default:
		return errors.New("list column is not text")
	}
	var l []string
	if err := json.Unmarshal(raw, &l); err != nil {
		return err
	}
	if len(l) == 0 {
		l = nil
	}
	*s.l = l
	return nil
}

const planColumns = `order_id, customer_id, objectives, metrics, updated_by, updated_at`

func (q *Queries) scanPlan(s Row) (*aftersale.SuccessPlan, error) {
	var p aftersale.SuccessPlan
	err := s.Scan(&p.OrderID, &p.CustomerID, listScanner{&p.Objectives}, listScanner{&p.Metrics}, &p.UpdatedBy, q.ts(&p.UpdatedAt))
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// PlanSave stores the success plan of the order, replacing the stored one.
func (q *Queries) PlanSave(ctx context.Context, p *aftersale.SuccessPlan) error {
	if p.OrderID == 0 {
		return aftersale.FieldError("order_id", "is required")
	}
	_, err := q.exec(ctx, `
		INSERT INTO success_plans (order_id, customer_id, objectives, metrics, updated_by, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (order_id) DO UPDATE SET
			customer_id = excluded.customer_id,
			objectives = excluded.objectives,
			metrics = excluded.metrics,
			updated_by = excluded.updated_by,
			updated_at = excluded.updated_at`,
		p.OrderID, p.CustomerID, encodeList(p.Objectives), encodeList(p.Metrics), p.UpdatedBy, q.t(p.UpdatedAt))
	return q.wrap("plan save", err)
}

// PlanGet returns the success plan of the order; ENOTFOUND if none.
func (q *Queries) PlanGet(ctx context.Context, orderID int64) (*aftersale.SuccessPlan, error) {
	p, err := q.scanPlan(q.row(ctx, `SELECT `+planColumns+` FROM success_plans WHERE order_id = ?`, orderID))
	if q.noRows(err) {
		return nil, notFound("success plan of order", orderID)
	}
	return p, q.wrap("plan get", err)
}

const checkInColumns = `id, order_id, progress, note, by_whom, created_at`

func (q *Queries) scanCheckIn(s Row) (*aftersale.CheckIn, error) {
	var c aftersale.CheckIn
	if err := s.Scan(&c.ID, &c.OrderID, &c.Progress, &c.Note, &c.By, q.ts(&c.CreatedAt)); err != nil {
		return nil, err
	}
	return &c, nil
}

// CheckInAdd stores a new check-in and returns it with its ID.
func (q *Queries) CheckInAdd(ctx context.Context, c *aftersale.CheckIn) (*aftersale.CheckIn, error) {
	if c.OrderID == 0 {
		return nil, aftersale.FieldError("order_id", "is required")
	}
	stored, err := q.scanCheckIn(q.row(ctx, `
		INSERT INTO check_ins (order_id, progress, note, by_whom, created_at)
		VALUES (?, ?, ?, ?, ?)
		RETURNING `+checkInColumns,
		c.OrderID, c.Progress, c.Note, c.By, q.t(c.CreatedAt)))
	return stored, q.wrap("check-in add", err)
}

// CheckInList returns the check-ins of the order, oldest first (by
// creation time, then ID).
func (q *Queries) CheckInList(ctx context.Context, orderID int64) ([]*aftersale.CheckIn, error) {
	list, err := listRows(ctx, q, q.scanCheckIn,
		`SELECT `+checkInColumns+` FROM check_ins WHERE order_id = ? ORDER BY created_at, id`, orderID)
	return list, q.wrap("check-in list", err)
}
