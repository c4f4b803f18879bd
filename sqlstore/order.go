package sqlstore

import (
	"context"
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

// orderSelect reads orders (aliased o) with their items, in one statement
// and so from one snapshot, where the dialect aggregates arrays
// (Dialect.ArrayAgg): the item columns come as arrays in line order, NULL
// for an order without items.
const orderSelect = `
	SELECT o.id, o.external_id, o.customer_id, o.user_id, o.source, o.currency, o.total, o.coupon, o.status,
		o.placed_at, o.accessed_at, o.delivered_at, o.closed_at, o.arrival, o.arrival_at,
		o.number, o.refunded_amount, o.refunded_shipping, o.refunded_items, o.refunded_at,
		i.skus, i.names, i.kinds, i.quantities, i.prices, i.access_urls
	FROM orders o
	CROSS JOIN LATERAL (
		SELECT array_agg(sku ORDER BY line_no) AS skus, array_agg(name ORDER BY line_no) AS names,
			array_agg(kind ORDER BY line_no) AS kinds, array_agg(quantity ORDER BY line_no) AS quantities,
			array_agg(price ORDER BY line_no) AS prices, array_agg(access_url ORDER BY line_no) AS access_urls
		FROM order_items WHERE order_id = o.id
	) i`

// orderOnly reads orders (aliased o) without their items, which come from
// a second statement in the same read transaction where the dialect does
// not aggregate arrays.
const orderOnly = `SELECT ` + orderColumns + ` FROM orders o`

// orderFields are the scan targets of the order columns of o; items
// receives the refunded items' JSON, for refundedItems.
func (q *Queries) orderFields(o *aftersale.Order, items *string) []any {
	return []any{&o.ID, &o.ExternalID, &o.CustomerID, optID(&o.UserID), &o.Source, &o.Currency,
		&o.Total, &o.Coupon, &o.Status, q.ts(&o.PlacedAt), q.ts(&o.AccessedAt), q.ts(&o.DeliveredAt), q.ts(&o.ClosedAt),
		&o.Arrival, q.ts(&o.ArrivalAt),
		&o.Number, &o.Refunded.Amount, &o.Refunded.Shipping, items, q.ts(&o.Refunded.At)}
}

// refundedItems decodes the refunded items scanned by orderFields.
func refundedItems(o *aftersale.Order, items string) error {
	var err error
	if o.Refunded.Items, err = aftersale.ParseRefundItems(items); err != nil {
		return fmt.Errorf("order %d: %w", o.ID, err)
	}
	return nil
}

func (q *Queries) scanOrder(s Row) (*aftersale.Order, error) {
	var o aftersale.Order
	var items string
	if err := s.Scan(q.orderFields(&o, &items)...); err != nil {
		return nil, err
	}
	if err := refundedItems(&o, items); err != nil {
		return nil, err
	}
	return &o, nil
}

// scanOrderWithItems scans a row of orderSelect.
func (q *Queries) scanOrderWithItems(s Row) (*aftersale.Order, error) {
	var o aftersale.Order
	var skus, names, kinds, prices, urls []string
	var quantities []int64
	var refunded string
	if err := s.Scan(append(q.orderFields(&o, &refunded), &skus, &names, &kinds, &quantities, &prices, &urls)...); err != nil {
		return nil, err
	}
	if err := refundedItems(&o, refunded); err != nil {
		return nil, err
	}
	for _, n := range []int{len(names), len(kinds), len(quantities), len(prices), len(urls)} {
		if n != len(skus) {
			return nil, fmt.Errorf("order %d: item columns of different lengths", o.ID)
		}
	}
	for i := range skus {
		o.Items = append(o.Items, aftersale.Item{SKU: skus[i], Name: names[i], Kind: aftersale.ItemKind(kinds[i]),
			Quantity: int(quantities[i]), Price: prices[i], AccessURL: urls[i]})
	}
	return &o, nil
}

// OrderUpsert creates the order or updates the one with the same
// ExternalID, replacing its items. On update, Status, the fact times and
// the arrival answer are kept, and a zero UserID keeps the stored user
// (OrderSetUser clears it). Concurrent upserts of one order take turns on
// its row.
func (q *Queries) OrderUpsert(ctx context.Context, o *aftersale.Order) (*aftersale.Order, error) {
	if o.ExternalID == "" {
		return nil, aftersale.FieldError("order.id", "is required")
	}
	status := o.Status
	if status == "" {
		status = aftersale.OrderPlaced
	}
	var stored *aftersale.Order
	err := q.atomic(ctx, false, func(q *Queries) error {
		var err error
		stored, err = q.scanOrder(q.row(ctx, `
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
			q.t(o.PlacedAt), q.nt(o.AccessedAt), q.nt(o.DeliveredAt), q.nt(o.ClosedAt),
			o.Arrival, q.nt(o.ArrivalAt), o.Number))
		if err != nil {
			return err
		}
		if _, err := q.exec(ctx, `DELETE FROM order_items WHERE order_id = ?`, stored.ID); err != nil {
			return err
		}
		return q.insertItems(ctx, stored.ID, o.Items)
	})
	if err != nil {
		return nil, q.wrap("order upsert", err)
	}
	stored.Items = append([]aftersale.Item(nil), o.Items...)
	return stored, nil
}

// insertItems inserts the items of the order, in line order: with one
// statement taking a column of the items per array argument where the
// dialect has arrays (Dialect.Arrays), with one prepared statement per
// item otherwise.
func (q *Queries) insertItems(ctx context.Context, orderID int64, items []aftersale.Item) error {
	if len(items) == 0 {
		return nil
	}
	if !q.d.Arrays() {
		for i, it := range items {
			if _, err := q.exec(ctx, `
				INSERT INTO order_items (order_id, line_no, sku, name, kind, quantity, price, access_url)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				orderID, i, it.SKU, it.Name, string(it.Kind), it.Quantity, it.Price, it.AccessURL); err != nil {
				return err
			}
		}
		return nil
	}
	n := len(items)
	skus, names, kinds, prices, urls := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	quantities := make([]int64, n)
	for i, it := range items {
		skus[i], names[i], kinds[i], prices[i], urls[i] = it.SKU, it.Name, string(it.Kind), it.Price, it.AccessURL
		quantities[i] = int64(it.Quantity)
	}
	_, err := q.exec(ctx, `
		INSERT INTO order_items (order_id, line_no, sku, name, kind, quantity, price, access_url)
		SELECT ?, i.n - 1, i.sku, i.name, i.kind, i.quantity, i.price, i.access_url
		FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[])
			WITH ORDINALITY AS i (sku, name, kind, quantity, price, access_url, n)`,
		orderID, skus, names, kinds, quantities, prices, urls)
	return err
}

// getOrder reads one order selected by where (about o), with its items.
func (q *Queries) getOrder(ctx context.Context, op, where string, key any) (*aftersale.Order, error) {
	var o *aftersale.Order
	var err error
	if q.d.ArrayAgg() {
		o, err = q.scanOrderWithItems(q.row(ctx, orderSelect+` WHERE `+where, key))
		if q.noRows(err) {
			return nil, notFound("order", key)
		}
	} else {
		err = q.atomic(ctx, true, func(q *Queries) error {
			var err error
			o, err = q.scanOrder(q.row(ctx, orderOnly+` WHERE `+where, key))
			if q.noRows(err) {
				return notFound("order", key)
			}
			if err != nil {
				return err
			}
			return q.loadItems(ctx, []*aftersale.Order{o})
		})
	}
	if err != nil {
		return nil, q.wrap(op, err)
	}
	return o, nil
}

// listOrders returns the orders selected by cond (a WHERE … ORDER BY …
// about o), with their items, from one snapshot: one statement where the
// dialect aggregates arrays, else the orders and then their items by ID in
// one read transaction.
func (q *Queries) listOrders(ctx context.Context, cond string, args ...any) ([]*aftersale.Order, error) {
	if q.d.ArrayAgg() {
		return listRows(ctx, q, q.scanOrderWithItems, orderSelect+cond, args...)
	}
	var list []*aftersale.Order
	err := q.atomic(ctx, true, func(q *Queries) error {
		var err error
		if list, err = listRows(ctx, q, q.scanOrder, orderOnly+cond, args...); err != nil {
			return err
		}
		return q.loadItems(ctx, list)
	})
	return list, err
}

// loadItems sets the items of the orders, read with one statement per
// inChunk orders. The caller reads the orders in the same transaction.
func (q *Queries) loadItems(ctx context.Context, orders []*aftersale.Order) error {
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
func (q *Queries) scanItems(ctx context.Context, byID map[int64]*aftersale.Order, query string, args ...any) error {
	rows, err := q.query(ctx, query, args...)
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
func (q *Queries) OrderGet(ctx context.Context, id int64) (*aftersale.Order, error) {
	return q.getOrder(ctx, "order get", "o.id = ?", id)
}

// OrderGetMany returns the orders with the IDs, each with its items as
// OrderGet gives them, in no particular order; IDs without an order are
// left out. The orders and their items are read from one snapshot: in one
// statement where the dialect aggregates arrays, else in one read
// transaction, the items of all the orders with one statement (per
// inChunk orders).
func (q *Queries) OrderGetMany(ctx context.Context, ids []int64) ([]*aftersale.Order, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var list []*aftersale.Order
	var err error
	if q.d.ArrayAgg() {
		list, err = selectIn(ctx, q, q.scanOrderWithItems, orderSelect+` WHERE `, "o.id", ``, ids)
	} else {
		err = q.atomic(ctx, true, func(q *Queries) error {
			var err error
			if list, err = selectIn(ctx, q, q.scanOrder, orderOnly+` WHERE `, "o.id", ``, ids); err != nil {
				return err
			}
			return q.loadItems(ctx, list)
		})
	}
	if err != nil {
		return nil, q.wrap("order get many", err)
	}
	return list, nil
}

// OrderGetByExternalID returns the order with the shop's id, with its items.
func (q *Queries) OrderGetByExternalID(ctx context.Context, externalID string) (*aftersale.Order, error) {
	return q.getOrder(ctx, "order get by external id", "o.external_id = ?", externalID)
}

// OrderGetByNumber returns the newest order with the number the buyer
// knows ("#1001"), with its items.
func (q *Queries) OrderGetByNumber(ctx context.Context, number string) (*aftersale.Order, error) {
	if number == "" {
		return nil, notFound("order", number)
	}
	return q.getOrder(ctx, "order get by number", "o.number = ? ORDER BY o.placed_at DESC, o.id DESC LIMIT 1", number)
}

// OrderSetRefunded records what has been refunded on the order so far.
func (q *Queries) OrderSetRefunded(ctx context.Context, id int64, r aftersale.Refunded) error {
	return q.updateOrder(ctx, "order set refunded", id, `
		UPDATE orders SET refunded_amount = ?, refunded_shipping = ?, refunded_items = ?, refunded_at = ?
		WHERE id = ?`, r.Amount, r.Shipping, r.ItemsJSON(), q.nt(r.At), id)
}

// OrderListByCustomer returns the orders bought by or for the customer,
// newest first, with their items.
func (q *Queries) OrderListByCustomer(ctx context.Context, customerID int64) ([]*aftersale.Order, error) {
	list, err := q.listOrders(ctx, `
		WHERE o.customer_id = ? OR o.user_id = ?
		ORDER BY o.placed_at DESC, o.id DESC`, customerID, customerID)
	return list, q.wrap("order list by customer", err)
}

// OrderList returns the orders placed in [from, to), a zero time leaving
// that side open, oldest first (by placed_at, then ID), with their items,
// from one snapshot. Where the dialect aggregates arrays, the items come in
// the same statement (orderSelect). Otherwise they come from one more
// query in the same read transaction, which selects them by the same
// bounds rather than by a list of IDs: a report may span more orders than
// SQLite takes parameters, and the query text stays one of four (for the
// statement cache).
func (q *Queries) OrderList(ctx context.Context, from, to time.Time) ([]*aftersale.Order, error) {
	var where []string
	var args []any
	if !from.IsZero() {
		where, args = append(where, "o.placed_at >= ?"), append(args, q.t(from))
	}
	if !to.IsZero() {
		where, args = append(where, "o.placed_at < ?"), append(args, q.t(to))
	}
	cond := ""
	if len(where) > 0 {
		cond = ` WHERE ` + strings.Join(where, " AND ")
	}
	if q.d.ArrayAgg() {
		list, err := listRows(ctx, q, q.scanOrderWithItems, orderSelect+cond+` ORDER BY o.placed_at, o.id`, args...)
		return list, q.wrap("order list", err)
	}
	var list []*aftersale.Order
	err := q.atomic(ctx, true, func(q *Queries) error {
		var err error
		list, err = listRows(ctx, q, q.scanOrder, orderOnly+cond+`
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
		return nil, q.wrap("order list", err)
	}
	return list, nil
}

// OrderSetStatus sets the status; refunded and cancelled also set ClosedAt,
// unless it is set already (it is the first time the order was closed).
func (q *Queries) OrderSetStatus(ctx context.Context, id int64, status aftersale.OrderStatus, at time.Time) error {
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
		WHERE id = ?`, string(status), closes, q.nt(at), id)
}

// OrderSetUser names the person who uses the order; 0 clears it.
func (q *Queries) OrderSetUser(ctx context.Context, id int64, userID int64) error {
	return q.updateOrder(ctx, "order set user", id, `UPDATE orders SET user_id = ? WHERE id = ?`, nullID(userID), id)
}

// updateOrder runs an UPDATE of one order, ENOTFOUND if it matched nothing.
func (q *Queries) updateOrder(ctx context.Context, op string, id int64, query string, args ...any) error {
	n, err := q.exec(ctx, query, args...)
	if err != nil {
		return q.wrap(op, err)
	}
	if n == 0 {
		return notFound("order", id)
	}
	return nil
}

// OrderMarkAccessed records the first time the order was accessed.
func (q *Queries) OrderMarkAccessed(ctx context.Context, id int64, at time.Time) (bool, error) {
	return q.markOrder(ctx, "order mark accessed", "accessed_at", id, at)
}

// OrderMarkDelivered records the first time the order was delivered.
func (q *Queries) OrderMarkDelivered(ctx context.Context, id int64, at time.Time) (bool, error) {
	return q.markOrder(ctx, "order mark delivered", "delivered_at", id, at)
}

// markOrder sets a fact time column unless it is set; col is a constant.
// Of concurrent first calls, one waits for the other (its row lock on
// PostgreSQL, the write lock on SQLite) and then finds the column set.
func (q *Queries) markOrder(ctx context.Context, op, col string, id int64, at time.Time) (bool, error) {
	n, err := q.exec(ctx, `UPDATE orders SET `+col+` = ? WHERE id = ? AND `+col+` IS NULL`, q.t(at), id)
	if err != nil {
		return false, q.wrap(op, err)
	}
	if n == 1 {
		return true, nil
	}
	return false, q.orderExists(ctx, op, id)
}

// orderExists is nil when the order exists, ENOTFOUND when it does not.
func (q *Queries) orderExists(ctx context.Context, op string, id int64) error {
	ok, err := q.exists(ctx, "orders", id)
	if err != nil {
		return q.wrap(op, err)
	}
	if !ok {
		return notFound("order", id)
	}
	return nil
}

// OrderSetArrival records the customer's answer to "did it arrive in good
// shape?" (ArrivalYes or ArrivalNo) given at at, replacing an earlier other
// answer; changed reports whether the stored answer differed. The same
// answer again changes nothing: ArrivalAt stays the time the stored answer
// was first given. Of concurrent calls, one waits for the other and then
// compares with its answer.
func (q *Queries) OrderSetArrival(ctx context.Context, id int64, answer string, at time.Time) (bool, error) {
	if answer != aftersale.ArrivalYes && answer != aftersale.ArrivalNo {
		return false, aftersale.FieldError("answer", "unknown arrival answer %q", answer)
	}
	const op = "order set arrival"
	n, err := q.exec(ctx, `UPDATE orders SET arrival = ?, arrival_at = ? WHERE id = ? AND arrival <> ?`,
		answer, q.t(at), id, answer)
	if err != nil {
		return false, q.wrap(op, err)
	}
	if n == 1 {
		return true, nil
	}
	return false, q.orderExists(ctx, op, id)
}

const shipmentColumns = `id, order_id, carrier, tracking_number, tracking_url, status, updated_at`

func (q *Queries) scanShipment(s Row) (*aftersale.ShipmentRecord, error) {
	var r aftersale.ShipmentRecord
	err := s.Scan(&r.ID, &r.OrderID, &r.Carrier, &r.TrackingNumber, &r.TrackingURL, &r.Status, q.ts(&r.UpdatedAt))
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// ShipmentUpsert stores the package state keyed by (OrderID,
// TrackingNumber) and reports whether the status changed. Empty fields of s
// keep what is stored. The stored row is locked before it is compared
// (where the database has row locks), and a new package is inserted with
// ON CONFLICT DO NOTHING: when a concurrent call inserted it first, this
// one goes on as an update of its row.
func (q *Queries) ShipmentUpsert(ctx context.Context, s *aftersale.ShipmentRecord) (bool, error) {
	changed := false
	err := q.atomic(ctx, false, func(q *Queries) error {
		for range 3 {
			var old string
			err := q.row(ctx, `
				SELECT status FROM shipments WHERE order_id = ? AND tracking_number = ?`+q.lock(LockUpdate),
				s.OrderID, s.TrackingNumber).Scan(&old)
			if err == nil {
				changed = s.Status != "" && string(s.Status) != old
				_, err = q.exec(ctx, `
					UPDATE shipments SET
						carrier = CASE WHEN ? <> '' THEN ? ELSE carrier END,
						tracking_url = CASE WHEN ? <> '' THEN ? ELSE tracking_url END,
						status = CASE WHEN ? <> '' THEN ? ELSE status END,
						updated_at = ?
					WHERE order_id = ? AND tracking_number = ?`,
					s.Carrier, s.Carrier, s.TrackingURL, s.TrackingURL, string(s.Status), string(s.Status),
					q.t(s.UpdatedAt), s.OrderID, s.TrackingNumber)
				return err
			}
			if !q.noRows(err) {
				return err
			}
			n, err := q.exec(ctx, `
				INSERT INTO shipments (order_id, carrier, tracking_number, tracking_url, status, updated_at)
				VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (order_id, tracking_number) DO NOTHING`,
				s.OrderID, s.Carrier, s.TrackingNumber, s.TrackingURL, string(s.Status), q.t(s.UpdatedAt))
			if err != nil || n == 1 {
				changed = true
				return err
			}
		}
		return errors.New("the package was neither found nor inserted")
	})
	if err != nil {
		return false, q.wrap("shipment upsert", err)
	}
	return changed, nil
}

// ShipmentListByOrder returns the packages of an order, oldest first.
func (q *Queries) ShipmentListByOrder(ctx context.Context, orderID int64) ([]*aftersale.ShipmentRecord, error) {
	list, err := listRows(ctx, q, q.scanShipment,
		`SELECT `+shipmentColumns+` FROM shipments WHERE order_id = ? ORDER BY id`, orderID)
	return list, q.wrap("shipment list by order", err)
}

// ShipmentListByOrders returns the packages of the orders, by order ID and
// then oldest first.
func (q *Queries) ShipmentListByOrders(ctx context.Context, orderIDs []int64) ([]*aftersale.ShipmentRecord, error) {
	list, err := selectIn(ctx, q, q.scanShipment,
		`SELECT `+shipmentColumns+` FROM shipments WHERE `, "order_id", ` ORDER BY order_id, id`, orderIDs)
	return list, q.wrap("shipment list by orders", err)
}

// BookingUpsert stores a session keyed by (OrderID, StartsAt). Empty fields
// of b keep what is stored.
func (q *Queries) BookingUpsert(ctx context.Context, b *aftersale.BookingRecord) error {
	_, err := q.exec(ctx, `
		INSERT INTO bookings (order_id, starts_at, title, join_url) VALUES (?, ?, ?, ?)
		ON CONFLICT (order_id, starts_at) DO UPDATE SET
			title = CASE WHEN excluded.title <> '' THEN excluded.title ELSE bookings.title END,
			join_url = CASE WHEN excluded.join_url <> '' THEN excluded.join_url ELSE bookings.join_url END`,
		b.OrderID, q.t(b.StartsAt), b.Title, b.JoinURL)
	return q.wrap("booking upsert", err)
}

const bookingColumns = `id, order_id, starts_at, title, join_url`

func (q *Queries) scanBooking(s Row) (*aftersale.BookingRecord, error) {
	var b aftersale.BookingRecord
	if err := s.Scan(&b.ID, &b.OrderID, q.ts(&b.StartsAt), &b.Title, &b.JoinURL); err != nil {
		return nil, err
	}
	return &b, nil
}

// BookingListByOrder returns the sessions of an order, earliest first.
func (q *Queries) BookingListByOrder(ctx context.Context, orderID int64) ([]*aftersale.BookingRecord, error) {
	list, err := listRows(ctx, q, q.scanBooking,
		`SELECT `+bookingColumns+` FROM bookings WHERE order_id = ? ORDER BY starts_at, id`, orderID)
	return list, q.wrap("booking list by order", err)
}

// BookingListByOrders returns the sessions of the orders, by order ID and
// then earliest first.
func (q *Queries) BookingListByOrders(ctx context.Context, orderIDs []int64) ([]*aftersale.BookingRecord, error) {
	list, err := selectIn(ctx, q, q.scanBooking,
		`SELECT `+bookingColumns+` FROM bookings WHERE `, "order_id", ` ORDER BY order_id, starts_at, id`, orderIDs)
	return list, q.wrap("booking list by orders", err)
}
