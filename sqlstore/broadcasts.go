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

// encodeSegment stores a segment as JSON text, its times in UTC at
// microsecond precision like every other time of the store.
func encodeSegment(seg aftersale.Segment) (string, error) {
	if !seg.PurchasedFrom.IsZero() {
		seg.PurchasedFrom = time.UnixMicro(seg.PurchasedFrom.UnixMicro()).UTC()
	}
	if !seg.PurchasedTo.IsZero() {
		seg.PurchasedTo = time.UnixMicro(seg.PurchasedTo.UnixMicro()).UTC()
	}
	b, err := json.Marshal(seg)
	return string(b), err
}

// segmentScanner scans the JSON text of a segment (a sql.Scanner, which
// pgx calls too).
type segmentScanner struct{ seg *aftersale.Segment }

func (s segmentScanner) Scan(v any) error {
	var raw []byte
	switch v := v.(type) {
	case string:
		raw = []byte(v)
	case []byte:
		raw = v
	default:
		return errors.New("segment column is not text")
	}
	var seg aftersale.Segment
	if err := json.Unmarshal(raw, &seg); err != nil {
		return err
	}
	*s.seg = seg
	return nil
}

const broadcastColumns = `id, title, subject, body, segment, first_look, status, scheduled_at, rate, created_by,
	created_at, started_at, finished_at, sent, skipped, failed`

func (q *Queries) scanBroadcast(s Row) (*aftersale.Broadcast, error) {
	var b aftersale.Broadcast
	err := s.Scan(&b.ID, &b.Title, &b.Subject, &b.Body, segmentScanner{&b.Segment}, &b.FirstLook, &b.Status,
		q.ts(&b.ScheduledAt), &b.Rate, &b.CreatedBy, q.ts(&b.CreatedAt), q.ts(&b.StartedAt), q.ts(&b.FinishedAt),
		&b.Sent, &b.Skipped, &b.Failed)
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// broadcastStatuses are the statuses a broadcast may have.
var broadcastStatuses = []string{aftersale.BroadcastDraft, aftersale.BroadcastScheduled, aftersale.BroadcastSending,
	aftersale.BroadcastSent, aftersale.BroadcastCancelled}

func validBroadcastStatus(status string) bool { return slices.Contains(broadcastStatuses, status) }

// BroadcastCreate stores a new broadcast and returns it with its ID. An
// empty Status is draft; the counts and the start and finish times start
// as given (normally zero).
func (q *Queries) BroadcastCreate(ctx context.Context, b *aftersale.Broadcast) (*aftersale.Broadcast, error) {
	status := b.Status
	if status == "" {
		status = aftersale.BroadcastDraft
	}
	if !validBroadcastStatus(status) {
		return nil, aftersale.FieldError("status", "unknown broadcast status %q", status)
	}
	if b.Rate < 0 {
		return nil, aftersale.FieldError("rate", "must not be negative")
	}
	seg, err := encodeSegment(b.Segment)
	if err != nil {
		return nil, q.wrap("broadcast create", err)
	}
	stored, err := q.scanBroadcast(q.row(ctx, `
		INSERT INTO broadcasts (title, subject, body, segment, first_look, status, scheduled_at, rate, created_by,
			created_at, started_at, finished_at, sent, skipped, failed)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING `+broadcastColumns,
		b.Title, b.Subject, b.Body, seg, b.FirstLook, status, q.nt(b.ScheduledAt), b.Rate, b.CreatedBy,
		q.t(b.CreatedAt), q.nt(b.StartedAt), q.nt(b.FinishedAt), b.Sent, b.Skipped, b.Failed))
	if err != nil {
		return nil, q.wrap("broadcast create", err)
	}
	return stored, nil
}

// BroadcastUpdate replaces the editable fields of a draft or scheduled
// broadcast; ECONFLICT once it is sending or done. The new status is draft
// or scheduled ("" keeps the stored one). Of an update and a concurrent
// move to sending, the second waits for the first's row lock (PostgreSQL;
// SQLite runs one write transaction at a time) and then sees the status it
// left.
func (q *Queries) BroadcastUpdate(ctx context.Context, b *aftersale.Broadcast) error {
	switch b.Status {
	case "", aftersale.BroadcastDraft, aftersale.BroadcastScheduled:
	default:
		return aftersale.FieldError("status", "a broadcast is updated as draft or scheduled, not %q", b.Status)
	}
	if b.Rate < 0 {
		return aftersale.FieldError("rate", "must not be negative")
	}
	seg, err := encodeSegment(b.Segment)
	if err != nil {
		return q.wrap("broadcast update", err)
	}
	err = q.atomic(ctx, false, func(q *Queries) error {
		n, err := q.exec(ctx, `
			UPDATE broadcasts SET title = ?, subject = ?, body = ?, segment = ?, first_look = ?,
				scheduled_at = ?, rate = ?, status = CASE WHEN CAST(? AS TEXT) <> '' THEN ? ELSE status END
			WHERE id = ? AND status IN ('draft', 'scheduled')`,
			b.Title, b.Subject, b.Body, seg, b.FirstLook, q.nt(b.ScheduledAt), b.Rate, b.Status, b.Status, b.ID)
		if err != nil || n > 0 {
			return err
		}
		return q.broadcastConflict(ctx, b.ID, "draft or scheduled")
	})
	return q.wrap("broadcast update", err)
}

// broadcastConflict is the error of a change that found the broadcast in
// another status than want: ENOTFOUND when there is none, ECONFLICT
// otherwise.
func (q *Queries) broadcastConflict(ctx context.Context, id int64, want string) error {
	var cur string
	err := q.row(ctx, `SELECT status FROM broadcasts WHERE id = ?`, id).Scan(&cur)
	if q.noRows(err) {
		return notFound("broadcast", id)
	}
	if err != nil {
		return err
	}
	return aftersale.Errorf(aftersale.ECONFLICT, "broadcast %d is %s, not %s", id, cur, want)
}

// BroadcastGet returns the broadcast with the ID, with its counts.
func (q *Queries) BroadcastGet(ctx context.Context, id int64) (*aftersale.Broadcast, error) {
	b, err := q.scanBroadcast(q.row(ctx, `SELECT `+broadcastColumns+` FROM broadcasts WHERE id = ?`, id))
	if q.noRows(err) {
		return nil, notFound("broadcast", id)
	}
	return b, q.wrap("broadcast get", err)
}

// BroadcastList returns up to limit (DefaultLimit when 0) broadcasts,
// newest first.
func (q *Queries) BroadcastList(ctx context.Context, limit int) ([]*aftersale.Broadcast, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	list, err := listRows(ctx, q, q.scanBroadcast,
		`SELECT `+broadcastColumns+` FROM broadcasts ORDER BY created_at DESC, id DESC LIMIT ?`, limit)
	return list, q.wrap("broadcast list", err)
}

// BroadcastSetStatus moves the broadcast from status from to to; StartedAt
// is set on the first move to sending, FinishedAt on sent and cancelled.
// ECONFLICT when it is not in from: of concurrent moves from the same
// status, one waits for the other's row lock (PostgreSQL; SQLite runs one
// write transaction at a time) and then finds it changed.
func (q *Queries) BroadcastSetStatus(ctx context.Context, id int64, from, to string, at time.Time) error {
	if !validBroadcastStatus(to) {
		return aftersale.FieldError("status", "unknown broadcast status %q", to)
	}
	err := q.atomic(ctx, false, func(q *Queries) error {
		n, err := q.exec(ctx, `
			UPDATE broadcasts SET status = ?,
				started_at = CASE WHEN CAST(? AS TEXT) = 'sending' THEN coalesce(started_at, ?) ELSE started_at END,
				finished_at = CASE WHEN CAST(? AS TEXT) IN ('sent', 'cancelled') THEN ? ELSE finished_at END
			WHERE id = ? AND status = ?`,
			to, to, q.t(at), to, q.t(at), id, from)
		if err != nil || n > 0 {
			return err
		}
		return q.broadcastConflict(ctx, id, from)
	})
	return q.wrap("broadcast set status", err)
}

// BroadcastListDue returns the scheduled broadcasts due at or before now,
// earliest first.
func (q *Queries) BroadcastListDue(ctx context.Context, now time.Time) ([]*aftersale.Broadcast, error) {
	list, err := listRows(ctx, q, q.scanBroadcast, `
		SELECT `+broadcastColumns+` FROM broadcasts
		WHERE status = 'scheduled' AND scheduled_at <= ?
		ORDER BY scheduled_at, id`, q.t(now))
	return list, q.wrap("broadcast list due", err)
}

// BroadcastAudience returns up to limit (DefaultLimit when 0) customers
// with an ID above afterID, by ID, who may get marketing mail and are in
// the segment (its stages aside). The segment's conditions are each about
// the orders the customer bought (as the buyer): an item of one of the
// SKUs, an item of one of the kinds, an order placed in [PurchasedFrom,
// PurchasedTo), an order still placed (not refunded or cancelled). It is
// one query that walks the customers who may get mail by ID (the partial
// index customers_audience_idx) and looks each one's orders up by
// orders_customer_id_idx, so that a page costs the customers it passes,
// not the whole table.
func (q *Queries) BroadcastAudience(ctx context.Context, seg aftersale.Segment, afterID int64, limit int) ([]*aftersale.Customer, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	// The terms match those of customers_audience_idx literally (in each
	// database's spelling of the booleans), so that the planner may use it.
	where := []string{`c.marketing_consent = ` + q.d.Bool(true), `c.unsubscribed = ` + q.d.Bool(false),
		`c.suppressed = ''`, `c.id > ?`}
	args := []any{afterID}
	// The lists are bound as one argument each (Dialect.OneOf), so that
	// the query text (and its prepared statement) does not depend on their
	// lengths.
	if len(seg.SKUs) > 0 {
		cond, arg := q.d.OneOf("i.sku", seg.SKUs)
		where = append(where, `EXISTS (SELECT 1 FROM orders o JOIN order_items i ON i.order_id = o.id
			WHERE o.customer_id = c.id AND `+cond+`)`)
		args = append(args, arg)
	}
	if len(seg.Kinds) > 0 {
		cond, arg := q.d.OneOf("i.kind", seg.Kinds)
		where = append(where, `EXISTS (SELECT 1 FROM orders o JOIN order_items i ON i.order_id = o.id
			WHERE o.customer_id = c.id AND `+cond+`)`)
		args = append(args, arg)
	}
	if !seg.PurchasedFrom.IsZero() || !seg.PurchasedTo.IsZero() {
		placed := []string{`o.customer_id = c.id`}
		if !seg.PurchasedFrom.IsZero() {
			placed, args = append(placed, `o.placed_at >= ?`), append(args, q.t(seg.PurchasedFrom))
		}
		if !seg.PurchasedTo.IsZero() {
			placed, args = append(placed, `o.placed_at < ?`), append(args, q.t(seg.PurchasedTo))
		}
		where = append(where, `EXISTS (SELECT 1 FROM orders o WHERE `+strings.Join(placed, " AND ")+`)`)
	}
	if seg.CustomersOnly {
		where = append(where, `EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.status = 'placed')`)
	}
	args = append(args, limit)
	list, err := listRows(ctx, q, q.scanCustomer, `
		SELECT `+prefixed("c.", customerColumns)+` FROM customers c
		WHERE `+strings.Join(where, " AND ")+`
		ORDER BY c.id LIMIT ?`, args...)
	return list, q.wrap("broadcast audience", err)
}

// prefixed qualifies every column of a column list with the prefix.
func prefixed(prefix, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

const broadcastRecipientColumns = `broadcast_id, customer_id, status, message_id, error, at`

func (q *Queries) scanBroadcastRecipient(s Row) (*aftersale.BroadcastRecipient, error) {
	var r aftersale.BroadcastRecipient
	if err := s.Scan(&r.BroadcastID, &r.CustomerID, &r.Status, &r.MessageID, &r.Error, q.ts(&r.At)); err != nil {
		return nil, err
	}
	return &r, nil
}

// BroadcastRecipientBegin records an attempt to send the broadcast to the
// customer: it creates the record in status sending (r.Status when given)
// or returns the stored one as it is, whether it is still sending (an
// attempt cut short) or final. created reports which. On PostgreSQL an
// insert that meets a concurrent one waits for it, and the select after
// it then sees the row (READ COMMITTED); SQLite runs one write transaction
// at a time.
func (q *Queries) BroadcastRecipientBegin(ctx context.Context, r *aftersale.BroadcastRecipient) (*aftersale.BroadcastRecipient, bool, error) {
	switch {
	case r.BroadcastID == 0:
		return nil, false, aftersale.FieldError("broadcast_id", "is required")
	case r.CustomerID == 0:
		return nil, false, aftersale.FieldError("customer_id", "is required")
	}
	status := r.Status
	if status == "" {
		status = aftersale.RecipientSending
	}
	if !slices.Contains([]string{aftersale.RecipientSending, aftersale.RecipientSent, aftersale.RecipientSkipped, aftersale.RecipientFailed}, status) {
		return nil, false, aftersale.FieldError("status", "unknown recipient status %q", status)
	}
	var rec *aftersale.BroadcastRecipient
	created := false
	err := q.atomic(ctx, false, func(q *Queries) error {
		var err error
		rec, err = q.scanBroadcastRecipient(q.row(ctx, `
			INSERT INTO broadcast_recipients (broadcast_id, customer_id, status, message_id, error, at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (broadcast_id, customer_id) DO NOTHING
			RETURNING `+broadcastRecipientColumns,
			r.BroadcastID, r.CustomerID, status, r.MessageID, r.Error, q.t(r.At)))
		if err == nil {
			created = true
			return nil
		}
		if !q.noRows(err) {
			return err
		}
		rec, err = q.scanBroadcastRecipient(q.row(ctx, `
			SELECT `+broadcastRecipientColumns+` FROM broadcast_recipients
			WHERE broadcast_id = ? AND customer_id = ?`, r.BroadcastID, r.CustomerID))
		return err
	})
	if err != nil {
		return nil, false, q.wrap("broadcast recipient begin", err)
	}
	return rec, created, nil
}

// BroadcastRecipientFinish sets the final status of the customer's message
// of the broadcast (creating the record when there was no attempt, as for
// a recipient skipped at once) and counts it on the broadcast, in one
// transaction. A record that is final already is left as it is and not
// counted again: of two concurrent finishes, the second waits for the
// first's row lock (PostgreSQL; SQLite runs one write transaction at a
// time) and then finds the record final. ENOTFOUND when there is no such
// broadcast.
func (q *Queries) BroadcastRecipientFinish(ctx context.Context, broadcastID, customerID int64, status, messageID, errText string, at time.Time) error {
	switch status {
	case aftersale.RecipientSent, aftersale.RecipientSkipped, aftersale.RecipientFailed:
	default:
		return aftersale.FieldError("status", "%q is not a final recipient status", status)
	}
	err := q.atomic(ctx, false, func(q *Queries) error {
		ok, err := q.exists(ctx, "broadcasts", broadcastID)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("broadcast", broadcastID)
		}
		n, err := q.exec(ctx, `
			INSERT INTO broadcast_recipients (broadcast_id, customer_id, status, message_id, error, at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (broadcast_id, customer_id) DO UPDATE SET
				status = excluded.status, message_id = excluded.message_id, error = excluded.error, at = excluded.at
			WHERE broadcast_recipients.status = 'sending'`,
			broadcastID, customerID, status, messageID, errText, q.t(at))
		if err != nil || n == 0 {
			return err
		}
		_, err = q.exec(ctx, `
			UPDATE broadcasts SET sent = sent + CASE WHEN CAST(? AS TEXT) = 'sent' THEN 1 ELSE 0 END,
				skipped = skipped + CASE WHEN CAST(? AS TEXT) = 'skipped' THEN 1 ELSE 0 END,
				failed = failed + CASE WHEN CAST(? AS TEXT) = 'failed' THEN 1 ELSE 0 END
			WHERE id = ?`, status, status, status, broadcastID)
		return err
	})
	return q.wrap("broadcast recipient finish", err)
}

// BroadcastRecipientList returns the broadcast messages of a customer,
// oldest first.
func (q *Queries) BroadcastRecipientList(ctx context.Context, customerID int64) ([]*aftersale.BroadcastRecipient, error) {
	list, err := listRows(ctx, q, q.scanBroadcastRecipient, `
		SELECT `+broadcastRecipientColumns+` FROM broadcast_recipients
		WHERE customer_id = ? ORDER BY at, broadcast_id`, customerID)
	return list, q.wrap("broadcast recipient list", err)
}
