package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

const orderColumns = `id, external_id, customer_id, user_id, source, currency, total, coupon, status,
	placed_at, accessed_at, delivered_at, closed_at, arrival, arrival_at,
	number, refunded_amount, refunded_shipping, refunded_items, refunded_at`

func scanOrder(s scanner) (*aftersale.Order, error) {
	var o aftersale.Order
	var items string
	err := s.Scan(&o.ID, &o.ExternalID, &o.CustomerID, optID(&o.UserID), &o.Source, &o.Currency,
		&o.Total, &o.Coupon, &o.Status, ts(&o.PlacedAt), ts(&o.AccessedAt), ts(&o.DeliveredAt), ts(&o.ClosedAt),
		&o.Arrival, ts(&o.ArrivalAt),
		&o.Number, &o.Refunded.Amount, &o.Refunded.Shipping, &items, ts(&o.Refunded.At))
	if err != nil {
		return nil, err
	}
	if o.Refunded.Items, err = aftersale.ParseRefundItems(items); err != nil {
		return nil, fmt.Errorf("order %d: %w", o.ID, err)
	}
	return &o, nil
}

// OrderUpsert creates the order or updates the one with the same
// ExternalID, replacing its items. On update, Status, the fact times and
// the arrival answer are kept, and a zero UserID keeps the stored user
// (OrderSetUser clears it).
func (q *queries) OrderUpsert(ctx context.Context, o *aftersale.Order) (*aftersale.Order, error) {
	if o.ExternalID == "" {
		return nil, aftersale.FieldError("order.id", "is required")
	}
	status := o.Status
	if status == "" {
		status = aftersale.OrderPlaced
	}
	var stored *aftersale.Order
	err := q.atomic(ctx, false, func(q *queries) error {
		var err error
		stored, err = scanOrder(q.q.QueryRowContext(ctx, `
			INSERT INTO orders (external_id, customer_id, user_id, source, currency, total, coupon, status,
				placed_at, accessed_at, delivered_at, closed_at, arrival, arrival_at, number)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (external_id) DO UPDATE SET
				number = CASE WHEN excluded.number <> '' THEN excluded.number ELSE orders.number END,
				customer_id = excluded.customer_id,
				user_id = coalesce(excluded.user_id, orders.user_id),
				source = excluded.source,
				currency = excluded.currency,
				total = excluded.total,
				coupon = excluded.coupon,
				placed_at = excluded.placed_at
			RETURNING `+orderColumns,
			o.ExternalID, o.CustomerID, nullID(o.UserID), o.Source, o.Currency, o.Total, o.Coupon, string(status),
			micro(o.PlacedAt), nullMicro(o.AccessedAt), nullMicro(o.DeliveredAt), nullMicro(o.ClosedAt),
			o.Arrival, nullMicro(o.ArrivalAt), o.Number))
		if err != nil {
			return err
		}
		if _, err := q.q.ExecContext(ctx, `DELETE FROM order_items WHERE order_id = ?`, stored.ID); err != nil {
			return err
		}
		for i, it := range o.Items {
			if _, err := q.q.ExecContext(ctx, `
				INSERT INTO order_items (order_id, line_no, sku, name, kind, quantity, price, access_url)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				stored.ID, i, it.SKU, it.Name, string(it.Kind), it.Quantity, it.Price, it.AccessURL); err != nil {
				return err
			}
		}
		stored.Items = append([]aftersale.Item(nil), o.Items...)
		return nil
	})
	if err != nil {
		return nil, wrap("order upsert", err)
	}
	return stored, nil
}

// getOrder reads one order selected by where, with its items.
func (q *queries) getOrder(ctx context.Context, op, where string, key any) (*aftersale.Order, error) {
	var o *aftersale.Order
	err := q.atomic(ctx, true, func(q *queries) error {
		var err error
		o, err = scanOrder(q.q.QueryRowContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE `+where, key))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("order", key)
		}
		if err != nil {
			return err
		}
		return q.loadItems(ctx, []*aftersale.Order{o})
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return o, nil
}

// loadItems sets the items of the orders, read with one statement per
// inChunk orders. The caller reads the orders in the same transaction.
func (q *queries) loadItems(ctx context.Context, orders []*aftersale.Order) error {
	byID := make(map[int64]*aftersale.Order, len(orders))
	ids := make([]int64, len(orders))
	for i, o := range orders {
		byID[o.ID] = o
		ids[i] = o.ID
	}
	for chunk := range slices.Chunk(sortedKeys(ids), inChunk) {
		marks, args := inList(chunk)
		if err := q.scanItems(ctx, byID, `
			SELECT order_id, sku, name, kind, quantity, price, access_url FROM order_items
			WHERE order_id IN (`+marks+`)
			ORDER BY order_id, line_no`, args...); err != nil {
			return err
		}
	}
	return nil
}

// scanItems runs query, which selects the order ID and the item columns in
// line order, and appends the items to their orders in byID. Every row must
// belong to an order of byID: the caller reads the orders and their items in
// one transaction.
func (q *queries) scanItems(ctx context.Context, byID map[int64]*aftersale.Order, query string, args ...any) error {
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var it aftersale.Item
		if err := rows.Scan(&id, &it.SKU, &it.Name, &it.Kind, &it.Quantity, &it.Price, &it.AccessURL); err != nil {
			return err
		}
		o := byID[id]
		if o == nil {
			return fmt.Errorf("item of order %d, which was not read", id)
		}
		o.Items = append(o.Items, it)
	}
	return rows.Err()
}

// OrderGet returns the order with the ID, with its items.
func (q *queries) OrderGet(ctx context.Context, id int64) (*aftersale.Order, error) {
	return q.getOrder(ctx, "order get", "id = ?", id)
}

// OrderGetMany returns the orders with the IDs, each with its items as
// OrderGet gives them, in no particular order; IDs without an order are
// left out. The orders and their items are read in one transaction, the
// items of all the orders with one statement (per inChunk orders).
func (q *queries) OrderGetMany(ctx context.Context, ids []int64) ([]*aftersale.Order, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var list []*aftersale.Order
	err := q.atomic(ctx, true, func(q *queries) error {
		var err error
		list, err = selectIn(ctx, q, scanOrder, `SELECT `+orderColumns+` FROM orders WHERE id IN (`, `)`, ids)
		if err != nil {
			return err
		}
		return q.loadItems(ctx, list)
	})
	if err != nil {
		return nil, wrap("order get many", err)
	}
	return list, nil
}

// OrderGetByExternalID returns the order with the shop's id, with its items.
func (q *queries) OrderGetByExternalID(ctx context.Context, externalID string) (*aftersale.Order, error) {
	return q.getOrder(ctx, "order get by external id", "external_id = ?", externalID)
}

// OrderGetByNumber returns the newest order with the number the buyer
// knows ("#1001"), with its items.
func (q *queries) OrderGetByNumber(ctx context.Context, number string) (*aftersale.Order, error) {
	if number == "" {
		return nil, notFound("order", number)
	}
	return q.getOrder(ctx, "order get by number", "number = ? ORDER BY placed_at DESC, id DESC LIMIT 1", number)
}

// OrderSetRefunded records what has been refunded on the order so far.
func (q *queries) OrderSetRefunded(ctx context.Context, id int64, r aftersale.Refunded) error {
	return q.updateOrder(ctx, "order set refunded", id, `
		UPDATE orders SET refunded_amount = ?, refunded_shipping = ?, refunded_items = ?, refunded_at = ?
		WHERE id = ?`, r.Amount, r.Shipping, r.ItemsJSON(), nullMicro(r.At), id)
}

// OrderListByCustomer returns the orders bought by or for the customer,
// newest first, with their items.
func (q *queries) OrderListByCustomer(ctx context.Context, customerID int64) ([]*aftersale.Order, error) {
	var list []*aftersale.Order
	err := q.atomic(ctx, true, func(q *queries) error {
		var err error
		list, err = listRows(ctx, q.q, scanOrder, `
			SELECT `+orderColumns+` FROM orders
			WHERE customer_id = ? OR user_id = ?
			ORDER BY placed_at DESC, id DESC`, customerID, customerID)
		if err != nil {
			return err
		}
		return q.loadItems(ctx, list)
	})
	if err != nil {
		return nil, wrap("order list by customer", err)
	}
	return list, nil
}

// OrderList returns the orders placed in [from, to), a zero time leaving
// that side open, oldest first (by placed_at, then ID), with their items.
// The items of all the orders come from one more query, which selects them
// by the same bounds rather than by a list of IDs: a report may span more
// orders than SQLite takes parameters, and the query text stays one of four
// (for the statement cache).
func (q *queries) OrderList(ctx context.Context, from, to time.Time) ([]*aftersale.Order, error) {
	var where []string
	var args []any
	if !from.IsZero() {
		where, args = append(where, "o.placed_at >= ?"), append(args, micro(from))
	}
	if !to.IsZero() {
		where, args = append(where, "o.placed_at < ?"), append(args, micro(to))
	}
	cond := ""
	if len(where) > 0 {
		cond = ` WHERE ` + strings.Join(where, " AND ")
	}
	var list []*aftersale.Order
	err := q.atomic(ctx, true, func(q *queries) error {
		var err error
		list, err = listRows(ctx, q.q, scanOrder, `
			SELECT `+orderColumns+` FROM orders o`+cond+`
			ORDER BY o.placed_at, o.id`, args...)
		if err != nil || len(list) == 0 {
			return err
		}
		byID := make(map[int64]*aftersale.Order, len(list))
		for _, o := range list {
			byID[o.ID] = o
		}
		return q.scanItems(ctx, byID, `
			SELECT i.order_id, i.sku, i.name, i.kind, i.quantity, i.price, i.access_url
			FROM order_items i JOIN orders o ON o.id = i.order_id`+cond+`
			ORDER BY i.order_id, i.line_no`, args...)
	})
	if err != nil {
		return nil, wrap("order list", err)
	}
	return list, nil
}

// OrderSetStatus sets the status; refunded and cancelled also set ClosedAt,
// unless it is set already (it is the first time the order was closed).
func (q *queries) OrderSetStatus(ctx context.Context, id int64, status aftersale.OrderStatus, at time.Time) error {
	closes := false
	switch status {
	case aftersale.OrderPlaced:
	case aftersale.OrderRefunded, aftersale.OrderCancelled:
		closes = true
	default:
		return aftersale.FieldError("status", "unknown order status %q", status)
	}
	return q.updateOrder(ctx, "order set status", id, `
		UPDATE orders SET status = ?, closed_at = CASE WHEN ? THEN coalesce(closed_at, ?) ELSE closed_at END
		WHERE id = ?`, string(status), closes, nullMicro(at), id)
}

// OrderSetUser names the person who uses the order; 0 clears it.
func (q *queries) OrderSetUser(ctx context.Context, id int64, userID int64) error {
	return q.updateOrder(ctx, "order set user", id, `UPDATE orders SET user_id = ? WHERE id = ?`, nullID(userID), id)
}

// updateOrder runs an UPDATE of one order, ENOTFOUND if it matched nothing.
func (q *queries) updateOrder(ctx context.Context, op string, id int64, query string, args ...any) error {
	res, err := q.q.ExecContext(ctx, query, args...)
	if err != nil {
		return wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound("order", id)
	}
	return nil
}

// OrderMarkAccessed records the first time the order was accessed.
func (q *queries) OrderMarkAccessed(ctx context.Context, id int64, at time.Time) (bool, error) {
	return q.markOrder(ctx, "order mark accessed", "accessed_at", id, at)
}

// OrderMarkDelivered records the first time the order was delivered.
func (q *queries) OrderMarkDelivered(ctx context.Context, id int64, at time.Time) (bool, error) {
	return q.markOrder(ctx, "order mark delivered", "delivered_at", id, at)
}

// markOrder sets a fact time column unless it is set; col is a constant.
func (q *queries) markOrder(ctx context.Context, op, col string, id int64, at time.Time) (bool, error) {
	res, err := q.q.ExecContext(ctx, `UPDATE orders SET `+col+` = ? WHERE id = ? AND `+col+` IS NULL`, micro(at), id)
	if err != nil {
		return false, wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap(op, err)
	}
	if n == 1 {
		return true, nil
	}
	ok, err := q.exists(ctx, "orders", id)
	if err != nil {
		return false, wrap(op, err)
	}
	if !ok {
		return false, notFound("order", id)
	}
	return false, nil
}

// OrderSetArrival records the customer's answer to "did it arrive in good
// shape?" (ArrivalYes or ArrivalNo) given at at, replacing an earlier other
// answer; changed reports whether the stored answer differed. The same
// answer again changes nothing: ArrivalAt stays the time the stored answer
// was first given.
func (q *queries) OrderSetArrival(ctx context.Context, id int64, answer string, at time.Time) (bool, error) {
	if answer != aftersale.ArrivalYes && answer != aftersale.ArrivalNo {
		return false, aftersale.FieldError("answer", "unknown arrival answer %q", answer)
	}
	const op = "order set arrival"
	res, err := q.q.ExecContext(ctx, `UPDATE orders SET arrival = ?, arrival_at = ? WHERE id = ? AND arrival <> ?`,
		answer, micro(at), id, answer)
	if err != nil {
		return false, wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap(op, err)
	}
	if n == 1 {
		return true, nil
	}
	ok, err := q.exists(ctx, "orders", id)
	if err != nil {
		return false, wrap(op, err)
	}
	if !ok {
		return false, notFound("order", id)
	}
	return false, nil
}

const shipmentColumns = `id, order_id, carrier, tracking_number, tracking_url, status, updated_at`

func scanShipment(s scanner) (*aftersale.ShipmentRecord, error) {
	var r aftersale.ShipmentRecord
	err := s.Scan(&r.ID, &r.OrderID, &r.Carrier, &r.TrackingNumber, &r.TrackingURL, &r.Status, ts(&r.UpdatedAt))
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// ShipmentUpsert stores the package state keyed by (OrderID,
// TrackingNumber) and reports whether the status changed. Empty fields of s
// keep what is stored.
func (q *queries) ShipmentUpsert(ctx context.Context, s *aftersale.ShipmentRecord) (bool, error) {
	changed := false
	err := q.atomic(ctx, false, func(q *queries) error {
		var old string
		err := q.q.QueryRowContext(ctx, `SELECT status FROM shipments WHERE order_id = ? AND tracking_number = ?`,
			s.OrderID, s.TrackingNumber).Scan(&old)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			changed = true
			_, err = q.q.ExecContext(ctx, `
				INSERT INTO shipments (order_id, carrier, tracking_number, tracking_url, status, updated_at)
				VALUES (?, ?, ?, ?, ?, ?)`,
				s.OrderID, s.Carrier, s.TrackingNumber, s.TrackingURL, string(s.Status), micro(s.UpdatedAt))
			return err
		case err != nil:
			return err
		}
		changed = s.Status != "" && string(s.Status) != old
		_, err = q.q.ExecContext(ctx, `
			UPDATE shipments SET
				carrier = CASE WHEN ? <> '' THEN ? ELSE carrier END,
				tracking_url = CASE WHEN ? <> '' THEN ? ELSE tracking_url END,
				status = CASE WHEN ? <> '' THEN ? ELSE status END,
				updated_at = ?
			WHERE order_id = ? AND tracking_number = ?`,
			s.Carrier, s.Carrier, s.TrackingURL, s.TrackingURL, string(s.Status), string(s.Status),
			micro(s.UpdatedAt), s.OrderID, s.TrackingNumber)
		return err
	})
	if err != nil {
		return false, wrap("shipment upsert", err)
	}
	return changed, nil
}

// ShipmentListByOrder returns the packages of an order, oldest first.
func (q *queries) ShipmentListByOrder(ctx context.Context, orderID int64) ([]*aftersale.ShipmentRecord, error) {
	list, err := listRows(ctx, q.q, scanShipment,
		`SELECT `+shipmentColumns+` FROM shipments WHERE order_id = ? ORDER BY id`, orderID)
	return list, wrap("shipment list by order", err)
}

// ShipmentListByOrders returns the packages of the orders, by order ID and
// then oldest first.
func (q *queries) ShipmentListByOrders(ctx context.Context, orderIDs []int64) ([]*aftersale.ShipmentRecord, error) {
	list, err := selectIn(ctx, q, scanShipment,
		`SELECT `+shipmentColumns+` FROM shipments WHERE order_id IN (`, `) ORDER BY order_id, id`, orderIDs)
	return list, wrap("shipment list by orders", err)
}

// BookingUpsert stores a session keyed by (OrderID, StartsAt). Empty fields
// of b keep what is stored.
func (q *queries) BookingUpsert(ctx context.Context, b *aftersale.BookingRecord) error {
	_, err := q.q.ExecContext(ctx, `
		INSERT INTO bookings (order_id, starts_at, title, join_url) VALUES (?, ?, ?, ?)
		ON CONFLICT (order_id, starts_at) DO UPDATE SET
			title = CASE WHEN excluded.title <> '' THEN excluded.title ELSE bookings.title END,
			join_url = CASE WHEN excluded.join_url <> '' THEN excluded.join_url ELSE bookings.join_url END`,
		b.OrderID, micro(b.StartsAt), b.Title, b.JoinURL)
	return wrap("booking upsert", err)
}

const bookingColumns = `id, order_id, starts_at, title, join_url`

func scanBooking(s scanner) (*aftersale.BookingRecord, error) {
	var b aftersale.BookingRecord
	if err := s.Scan(&b.ID, &b.OrderID, ts(&b.StartsAt), &b.Title, &b.JoinURL); err != nil {
		return nil, err
	}
	return &b, nil
}

// BookingListByOrder returns the sessions of an order, earliest first.
func (q *queries) BookingListByOrder(ctx context.Context, orderID int64) ([]*aftersale.BookingRecord, error) {
	list, err := listRows(ctx, q.q, scanBooking,
		`SELECT `+bookingColumns+` FROM bookings WHERE order_id = ? ORDER BY starts_at, id`, orderID)
	return list, wrap("booking list by order", err)
}

// BookingListByOrders returns the sessions of the orders, by order ID and
// then earliest first.
func (q *queries) BookingListByOrders(ctx context.Context, orderIDs []int64) ([]*aftersale.BookingRecord, error) {
	list, err := selectIn(ctx, q, scanBooking,
		`SELECT `+bookingColumns+` FROM bookings WHERE order_id IN (`, `) ORDER BY order_id, starts_at, id`, orderIDs)
	return list, wrap("booking list by orders", err)
}
