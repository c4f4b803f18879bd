package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

const orderColumns = `id, external_id, customer_id, user_id, source, currency, total, coupon, status,
	placed_at, accessed_at, delivered_at, closed_at, arrival, arrival_at,
	number, refunded_amount, refunded_shipping, refunded_items, refunded_at`

// orderSelect reads orders (aliased o) with their items, in one statement
// and so from one snapshot: the item columns come as arrays in line order,
// NULL for an order without items.
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

// orderFields are the scan targets of the order columns of o; items
// receives the refunded items' JSON, for refundedItems.
func orderFields(o *aftersale.Order, items *string) []any {
	return []any{&o.ID, &o.ExternalID, &o.CustomerID, optID(&o.UserID), &o.Source, &o.Currency,
		&o.Total, &o.Coupon, &o.Status, ts(&o.PlacedAt), ts(&o.AccessedAt), ts(&o.DeliveredAt), ts(&o.ClosedAt),
		&o.Arrival, ts(&o.ArrivalAt),
		&o.Number, &o.Refunded.Amount, &o.Refunded.Shipping, items, ts(&o.Refunded.At)}
}

// refundedItems decodes the refunded items scanned by orderFields.
func refundedItems(o *aftersale.Order, items string) error {
	var err error
	if o.Refunded.Items, err = aftersale.ParseRefundItems(items); err != nil {
		return fmt.Errorf("order %d: %w", o.ID, err)
	}
	return nil
}

func scanOrder(s scanner) (*aftersale.Order, error) {
	var o aftersale.Order
	var items string
	if err := s.Scan(orderFields(&o, &items)...); err != nil {
		return nil, err
	}
	return &o, refundedItems(&o, items)
}

// scanOrderWithItems scans a row of orderSelect.
func scanOrderWithItems(s scanner) (*aftersale.Order, error) {
	var o aftersale.Order
	var skus, names, kinds, prices, urls []string
	var quantities []int64
	var refunded string
	if err := s.Scan(append(orderFields(&o, &refunded), &skus, &names, &kinds, &quantities, &prices, &urls)...); err != nil {
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
// (OrderSetUser clears it). Concurrent upserts of one order take turns on its row.
func (q *queries) OrderUpsert(ctx context.Context, o *aftersale.Order) (*aftersale.Order, error) {
	if o.ExternalID == "" {
		return nil, aftersale.FieldError("order.id", "is required")
	}
	status := o.Status
	if status == "" {
		status = aftersale.OrderPlaced
	}
	var stored *aftersale.Order
	err := q.atomic(ctx, func(q *queries) error {
		var err error
		stored, err = scanOrder(q.q.QueryRow(ctx, `
			INSERT INTO orders (external_id, customer_id, user_id, source, currency, total, coupon, status,
				placed_at, accessed_at, delivered_at, closed_at, arrival, arrival_at, number)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
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
			o.PlacedAt, nullTime(o.AccessedAt), nullTime(o.DeliveredAt), nullTime(o.ClosedAt),
			o.Arrival, nullTime(o.ArrivalAt), o.Number))
		if err != nil {
			return err
		}
		if _, err := q.q.Exec(ctx, `DELETE FROM order_items WHERE order_id = $1`, stored.ID); err != nil {
			return err
		}
		if len(o.Items) == 0 {
			return nil
		}
		n := len(o.Items)
		skus, names, kinds, prices, urls := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		quantities := make([]int64, n)
		for i, it := range o.Items {
			skus[i], names[i], kinds[i], prices[i], urls[i] = it.SKU, it.Name, string(it.Kind), it.Price, it.AccessURL
			quantities[i] = int64(it.Quantity)
		}
		_, err = q.q.Exec(ctx, `
			INSERT INTO order_items (order_id, line_no, sku, name, kind, quantity, price, access_url)
			SELECT $1, i.n - 1, i.sku, i.name, i.kind, i.quantity, i.price, i.access_url
			FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[])
				WITH ORDINALITY AS i (sku, name, kind, quantity, price, access_url, n)`,
			stored.ID, skus, names, kinds, quantities, prices, urls)
		return err
	})
	if err != nil {
		return nil, wrap("order upsert", err)
	}
	stored.Items = append([]aftersale.Item(nil), o.Items...)
	return stored, nil
}

// getOrder reads one order selected by where (about o), with its items.
func (q *queries) getOrder(ctx context.Context, op, where string, key any) (*aftersale.Order, error) {
	o, err := scanOrderWithItems(q.q.QueryRow(ctx, orderSelect+` WHERE `+where, key))
	if noRows(err) {
		return nil, notFound("order", key)
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	return o, nil
}

// OrderGet returns the order with the ID, with its items.
func (q *queries) OrderGet(ctx context.Context, id int64) (*aftersale.Order, error) {
	return q.getOrder(ctx, "order get", "o.id = $1", id)
}

// OrderGetMany returns the orders with the IDs, each with its items as
// OrderGet gives them (orderSelect, one statement), in no particular
// order; IDs without an order are left out.
func (q *queries) OrderGetMany(ctx context.Context, ids []int64) ([]*aftersale.Order, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	list, err := listRows(ctx, q.q, scanOrderWithItems, orderSelect+` WHERE o.id = ANY($1)`, ids)
	return list, wrap("order get many", err)
}

// OrderGetByExternalID returns the order with the shop's id, with its items.
func (q *queries) OrderGetByExternalID(ctx context.Context, externalID string) (*aftersale.Order, error) {
	return q.getOrder(ctx, "order get by external id", "o.external_id = $1", externalID)
}

// OrderGetByNumber returns the newest order with the number the buyer
// knows ("#1001"), with its items.
func (q *queries) OrderGetByNumber(ctx context.Context, number string) (*aftersale.Order, error) {
	if number == "" {
		return nil, notFound("order", number)
	}
	return q.getOrder(ctx, "order get by number", "o.number = $1 ORDER BY o.placed_at DESC, o.id DESC LIMIT 1", number)
}

// OrderSetRefunded records what has been refunded on the order so far.
func (q *queries) OrderSetRefunded(ctx context.Context, id int64, r aftersale.Refunded) error {
	return q.updateOrder(ctx, "order set refunded", id, `
		UPDATE orders SET refunded_amount = $1, refunded_shipping = $2, refunded_items = $3, refunded_at = $4
		WHERE id = $5`, r.Amount, r.Shipping, r.ItemsJSON(), nullTime(r.At), id)
}

// OrderListByCustomer returns the orders bought by or for the customer,
// newest first, with their items.
func (q *queries) OrderListByCustomer(ctx context.Context, customerID int64) ([]*aftersale.Order, error) {
	list, err := listRows(ctx, q.q, scanOrderWithItems, orderSelect+`
		WHERE o.customer_id = $1 OR o.user_id = $1
		ORDER BY o.placed_at DESC, o.id DESC`, customerID)
	return list, wrap("order list by customer", err)
}

// OrderList returns the orders placed in [from, to), a zero time leaving
// that side open, oldest first (by placed_at, then ID), with their items.
// Like the other order reads, it takes the items in the same statement
// (orderSelect), so from the same snapshot as the orders.
func (q *queries) OrderList(ctx context.Context, from, to time.Time) ([]*aftersale.Order, error) {
	var where []string
	var args []any
	if !from.IsZero() {
		args = append(args, from)
		where = append(where, fmt.Sprintf("o.placed_at >= $%d", len(args)))
	}
	if !to.IsZero() {
		args = append(args, to)
		where = append(where, fmt.Sprintf("o.placed_at < $%d", len(args)))
	}
	query := orderSelect
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY o.placed_at, o.id`
	list, err := listRows(ctx, q.q, scanOrderWithItems, query, args...)
	return list, wrap("order list", err)
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
		UPDATE orders SET status = $1, closed_at = CASE WHEN $2 THEN coalesce(closed_at, $3) ELSE closed_at END
		WHERE id = $4`, string(status), closes, nullTime(at), id)
}

// OrderSetUser names the person who uses the order; 0 clears it.
func (q *queries) OrderSetUser(ctx context.Context, id int64, userID int64) error {
	return q.updateOrder(ctx, "order set user", id, `UPDATE orders SET user_id = $1 WHERE id = $2`, nullID(userID), id)
}

// updateOrder runs an UPDATE of one order, ENOTFOUND if it matched nothing.
func (q *queries) updateOrder(ctx context.Context, op string, id int64, query string, args ...any) error {
	n, err := affected(q.q.Exec(ctx, query, args...))
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
// Of concurrent first calls, one waits for the other's row lock and then
// finds the column set.
func (q *queries) markOrder(ctx context.Context, op, col string, id int64, at time.Time) (bool, error) {
	n, err := affected(q.q.Exec(ctx, `UPDATE orders SET `+col+` = $1 WHERE id = $2 AND `+col+` IS NULL`, at, id))
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
// was first given. Of concurrent calls, one waits for the other's row lock
// and then compares with its answer.
func (q *queries) OrderSetArrival(ctx context.Context, id int64, answer string, at time.Time) (bool, error) {
	if answer != aftersale.ArrivalYes && answer != aftersale.ArrivalNo {
		return false, aftersale.FieldError("answer", "unknown arrival answer %q", answer)
	}
	const op = "order set arrival"
	n, err := affected(q.q.Exec(ctx, `UPDATE orders SET arrival = $1, arrival_at = $2 WHERE id = $3 AND arrival <> $1`,
		answer, at, id))
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
// keep what is stored. The stored row is locked before it is compared, and
// a new package is inserted with ON CONFLICT DO NOTHING: when a concurrent
// call inserted it first, this one goes on as an update of its row.
func (q *queries) ShipmentUpsert(ctx context.Context, s *aftersale.ShipmentRecord) (bool, error) {
	changed := false
	err := q.atomic(ctx, func(q *queries) error {
		for range 3 {
			var old string
			err := q.q.QueryRow(ctx, `
				SELECT status FROM shipments WHERE order_id = $1 AND tracking_number = $2 FOR UPDATE`,
				s.OrderID, s.TrackingNumber).Scan(&old)
			if err == nil {
				changed = s.Status != "" && string(s.Status) != old
				_, err = q.q.Exec(ctx, `
					UPDATE shipments SET
						carrier = CASE WHEN $1 <> '' THEN $1 ELSE carrier END,
						tracking_url = CASE WHEN $2 <> '' THEN $2 ELSE tracking_url END,
						status = CASE WHEN $3 <> '' THEN $3 ELSE status END,
						updated_at = $4
					WHERE order_id = $5 AND tracking_number = $6`,
					s.Carrier, s.TrackingURL, string(s.Status), s.UpdatedAt, s.OrderID, s.TrackingNumber)
				return err
			}
			if !noRows(err) {
				return err
			}
			n, err := affected(q.q.Exec(ctx, `
				INSERT INTO shipments (order_id, carrier, tracking_number, tracking_url, status, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (order_id, tracking_number) DO NOTHING`,
				s.OrderID, s.Carrier, s.TrackingNumber, s.TrackingURL, string(s.Status), s.UpdatedAt))
			if err != nil || n == 1 {
				changed = true
				return err
			}
		}
		return errors.New("the package was neither found nor inserted")
	})
	if err != nil {
		return false, wrap("shipment upsert", err)
	}
	return changed, nil
}

// ShipmentListByOrder returns the packages of an order, oldest first.
func (q *queries) ShipmentListByOrder(ctx context.Context, orderID int64) ([]*aftersale.ShipmentRecord, error) {
	list, err := listRows(ctx, q.q, scanShipment,
		`SELECT `+shipmentColumns+` FROM shipments WHERE order_id = $1 ORDER BY id`, orderID)
	return list, wrap("shipment list by order", err)
}

// ShipmentListByOrders returns the packages of the orders, by order ID and
// then oldest first.
func (q *queries) ShipmentListByOrders(ctx context.Context, orderIDs []int64) ([]*aftersale.ShipmentRecord, error) {
	if len(orderIDs) == 0 {
		return nil, nil
	}
	list, err := listRows(ctx, q.q, scanShipment,
		`SELECT `+shipmentColumns+` FROM shipments WHERE order_id = ANY($1) ORDER BY order_id, id`, orderIDs)
	return list, wrap("shipment list by orders", err)
}

// BookingUpsert stores a session keyed by (OrderID, StartsAt). Empty fields
// of b keep what is stored.
func (q *queries) BookingUpsert(ctx context.Context, b *aftersale.BookingRecord) error {
	_, err := q.q.Exec(ctx, `
		INSERT INTO bookings (order_id, starts_at, title, join_url) VALUES ($1, $2, $3, $4)
		ON CONFLICT (order_id, starts_at) DO UPDATE SET
			title = CASE WHEN excluded.title <> '' THEN excluded.title ELSE bookings.title END,
			join_url = CASE WHEN excluded.join_url <> '' THEN excluded.join_url ELSE bookings.join_url END`,
		b.OrderID, b.StartsAt, b.Title, b.JoinURL)
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
		`SELECT `+bookingColumns+` FROM bookings WHERE order_id = $1 ORDER BY starts_at, id`, orderID)
	return list, wrap("booking list by order", err)
}

// BookingListByOrders returns the sessions of the orders, by order ID and
// then earliest first.
func (q *queries) BookingListByOrders(ctx context.Context, orderIDs []int64) ([]*aftersale.BookingRecord, error) {
	if len(orderIDs) == 0 {
		return nil, nil
	}
	list, err := listRows(ctx, q.q, scanBooking,
		`SELECT `+bookingColumns+` FROM bookings WHERE order_id = ANY($1) ORDER BY order_id, starts_at, id`, orderIDs)
	return list, wrap("booking list by orders", err)
}
