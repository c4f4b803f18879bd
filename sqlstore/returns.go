package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

// encodeReturnItems stores the items of a return as a JSON array ("[]"
// when there are none).
func encodeReturnItems(items []aftersale.ReturnItem) (string, error) {
	if len(items) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(items)
	return string(b), err
}

// returnItemsScanner scans a JSON array of return items; an empty array
// gives nil.
type returnItemsScanner struct{ items *[]aftersale.ReturnItem }

func (s returnItemsScanner) Scan(v any) error {
	var raw []byte
	switch v := v.(type) {
	case string:
		raw = []byte(v)
	case []byte:
		raw = v
	case nil:
		*s.items = nil
		return nil
	default:
		return errors.New("items column is not text")
	}
	var items []aftersale.ReturnItem
	if err := json.Unmarshal(raw, &items); err != nil {
		return err
	}
	if len(items) == 0 {
		items = nil
	}
	*s.items = items
	return nil
}

const returnColumns = `id, order_id, customer_id, event_id, status, resolution, reason, comment, items, source,
	created_at, updated_at, updated_by`

func (q *Queries) scanReturn(s Row) (*aftersale.Return, error) {
	var r aftersale.Return
	err := s.Scan(&r.ID, &r.OrderID, &r.CustomerID, &r.EventID, &r.Status, &r.Resolution, &r.Reason, &r.Comment,
		returnItemsScanner{&r.Items}, &r.Source, q.ts(&r.CreatedAt), q.ts(&r.UpdatedAt), &r.UpdatedBy)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// ReturnCreate stores a new return unless one with its EventID exists, and
// returns the stored return either way and whether it was created (also
// when a concurrent call stored it, which the insert waits for on
// PostgreSQL). An empty Status is requested, an empty Resolution refund,
// and a zero UpdatedAt the creation time.
func (q *Queries) ReturnCreate(ctx context.Context, r *aftersale.Return) (*aftersale.Return, bool, error) {
	switch {
	case r.EventID == "":
		return nil, false, aftersale.FieldError("event_id", "is required")
	case r.OrderID == 0:
		return nil, false, aftersale.FieldError("order_id", "is required")
	}
	status := r.Status
	if status == "" {
		status = aftersale.ReturnRequested
	}
	if !slices.Contains(aftersale.ReturnStatuses, status) {
		return nil, false, aftersale.FieldError("status", "unknown return status %q", status)
	}
	resolution := r.Resolution
	if resolution == "" {
		resolution = aftersale.ResolutionRefund
	}
	updated := r.UpdatedAt
	if updated.IsZero() {
		updated = r.CreatedAt
	}
	items, err := encodeReturnItems(r.Items)
	if err != nil {
		return nil, false, q.wrap("return create", err)
	}
	var ret *aftersale.Return
	created := false
	err = q.atomic(ctx, false, func(q *Queries) error {
		var err error
		ret, err = q.scanReturn(q.row(ctx, `
			INSERT INTO returns (order_id, customer_id, event_id, status, resolution, reason, comment, items, source,
				created_at, updated_at, updated_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (event_id) DO NOTHING
			RETURNING `+returnColumns,
			r.OrderID, r.CustomerID, r.EventID, string(status), resolution, r.Reason, r.Comment, items, r.Source,
			q.t(r.CreatedAt), q.t(updated), r.UpdatedBy))
		if err == nil {
			created = true
			return nil
		}
		if !q.noRows(err) {
			return err
		}
		ret, err = q.scanReturn(q.row(ctx, `SELECT `+returnColumns+` FROM returns WHERE event_id = ?`, r.EventID))
		return err
	})
	if err != nil {
		return nil, false, q.wrap("return create", err)
	}
	return ret, created, nil
}

// ReturnGet returns the return with the ID.
func (q *Queries) ReturnGet(ctx context.Context, id int64) (*aftersale.Return, error) {
	r, err := q.scanReturn(q.row(ctx, `SELECT `+returnColumns+` FROM returns WHERE id = ?`, id))
	if q.noRows(err) {
		return nil, notFound("return", id)
	}
	return r, q.wrap("return get", err)
}

// ReturnGetByEventID returns the return opened by the event.
func (q *Queries) ReturnGetByEventID(ctx context.Context, eventID string) (*aftersale.Return, error) {
	r, err := q.scanReturn(q.row(ctx, `SELECT `+returnColumns+` FROM returns WHERE event_id = ?`, eventID))
	if q.noRows(err) {
		return nil, notFound("return of event", eventID)
	}
	return r, q.wrap("return get by event id", err)
}

// ReturnList returns the returns matching the filter, newest first (by
// creation time, then ID), up to f.Limit of them (all when 0).
func (q *Queries) ReturnList(ctx context.Context, f aftersale.ReturnFilter) ([]*aftersale.Return, error) {
	var where []string
	var args []any
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.OrderID != 0 {
		where, args = append(where, "order_id = ?"), append(args, f.OrderID)
	}
	if !f.From.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, q.t(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "created_at < ?"), append(args, q.t(f.To))
	}
	query := `SELECT ` + returnColumns + ` FROM returns`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY created_at DESC, id DESC`
	if f.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	list, err := listRows(ctx, q, q.scanReturn, query, args...)
	return list, q.wrap("return list", err)
}

// ReturnSetStatus moves the return from status from to status to, done by
// the member with the email by at at, and returns it; ECONFLICT when it is
// not in from. Which moves are allowed is for the caller to decide. Of
// concurrent moves from the same status, one waits for the other's row lock
// (PostgreSQL; SQLite's writers run one at a time) and then finds the
// status changed.
func (q *Queries) ReturnSetStatus(ctx context.Context, id int64, from, to aftersale.ReturnStatus, by string, at time.Time) (*aftersale.Return, error) {
	if !slices.Contains(aftersale.ReturnStatuses, to) {
		return nil, aftersale.FieldError("status", "unknown return status %q", to)
	}
	var ret *aftersale.Return
	err := q.atomic(ctx, false, func(q *Queries) error {
		var err error
		ret, err = q.scanReturn(q.row(ctx, `
			UPDATE returns SET status = ?, updated_at = ?, updated_by = ?
			WHERE id = ? AND status = ?
			RETURNING `+returnColumns,
			string(to), q.t(at), by, id, string(from)))
		if !q.noRows(err) {
			return err
		}
		var cur string
		err = q.row(ctx, `SELECT status FROM returns WHERE id = ?`, id).Scan(&cur)
		if q.noRows(err) {
			return notFound("return", id)
		}
		if err != nil {
			return err
		}
		return aftersale.Errorf(aftersale.ECONFLICT, "return %d is %s, not %s", id, cur, from)
	})
	if err != nil {
		return nil, q.wrap("return set status", err)
	}
	return ret, nil
}
