package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/aftersale/aftersale"
)

// CustomerSetConsent sets or withdraws the marketing consent of the
// customer. consent_at records when it was given (the first time, while it
// stands) and is cleared on withdrawal.
func (q *queries) CustomerSetConsent(ctx context.Context, id int64, consent bool, at time.Time) error {
	res, err := q.q.ExecContext(ctx, `
		UPDATE customers SET
			marketing_consent = ?,
			consent_at = CASE WHEN ? THEN coalesce(consent_at, ?) ELSE NULL END,
			updated_at = CASE WHEN ? > updated_at THEN ? ELSE updated_at END
		WHERE id = ?`,
		consent, consent, micro(at), micro(at), micro(at), id)
	if err != nil {
		return wrap("customer set consent", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap("customer set consent", err)
	}
	if n == 0 {
		return notFound("customer", id)
	}
	return nil
}

// erasedPayload replaces the payload of an event that named an erased
// customer. The row stays, so that the event delivered again is still a
// duplicate.
var erasedPayload = []byte(`{"erased":true}`)

// CustomerErase removes the personal data of the customer, in one
// transaction, from every table that holds it:
//
//   - customers: the email becomes erased-ID@erased.invalid; name, phone and
//     time zone are cleared; consent is withdrawn, the address unsubscribed
//     and suppressed ("erased"), so that nothing is ever sent to it;
//   - events about the address (customer_email), and any event whose
//     payload mentions it (a user named on someone else's order): payload
//     {"erased":true}, and customer_email cleared where it is the address
//     (an event about someone else stays on their timeline);
//   - messages to the customer or the address: the erased address as
//     recipient, subject and error (which may quote the address) cleared;
//   - tasks of the customer (or, without a customer, of the customer's
//     orders): title "(erased)", script, draft and note cleared;
//   - survey answers of the customer: comment cleared;
//   - success plans and check-ins of the customer's orders (as buyer or
//     user): objectives, metrics and notes cleared;
//   - returns of the customer or the customer's orders: comment cleared;
//   - bookings of the customer's orders: title and join URL (calendar
//     event names quote the invitee) cleared;
//   - broadcast messages of the customer: error cleared;
//   - the customer's referral code (which spells the first name), here, in
//     the referrals credited to it and in the orders that named it:
//     ERASED-ID;
//   - order items of the customer's orders: access URLs (links that
//     work without login) cleared.
//
// An event about the customer still waiting in the inbox (a file of its
// own) makes it fail with errInboxWaiting (ECONFLICT), changing nothing:
// the caller processes the inbox and tries again. Events set aside
// (DeadEventPut) that mention the address are discarded. The address is matched
// as a whole JSON string, so diana@example.com is not ana@example.com's.
//
// Orders, items, statuses, times and counts stay; so do shipments, coupons
// and the stories sent (none holds personal data). ENOTFOUND if there is
// no such customer.
func (q *queries) CustomerErase(ctx context.Context, id int64, at time.Time) error {
	inbox := q.inbox
	err := q.atomic(ctx, false, func(q *queries) error {
		var key string
		err := q.q.QueryRowContext(ctx, `SELECT email_key FROM customers WHERE id = ?`, id).Scan(&key)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("customer", id)
		}
		if err != nil {
			return err
		}
		erased := aftersale.ErasedEmail(id)
		for _, st := range []struct {
			query string
			args  []any
		}{
			{`UPDATE customers SET email = ?, email_key = ?, name = '', phone = '', timezone = '',
				marketing_consent = 0, consent_at = NULL,
				unsubscribed = 1, unsubscribed_at = coalesce(unsubscribed_at, ?),
				suppressed = 'erased', suppressed_at = coalesce(suppressed_at, ?),
				updated_at = CASE WHEN email_key <> ? AND ? > updated_at THEN ? ELSE updated_at END
			WHERE id = ?`,
				[]any{erased, erased, micro(at), micro(at), erased, micro(at), micro(at), id}},
			{`UPDATE events SET payload = ?,
				customer_email = CASE WHEN customer_email_key = ? THEN '' ELSE customer_email END,
				customer_email_key = CASE WHEN customer_email_key = ? THEN '' ELSE customer_email_key END
			WHERE customer_email_key = ? OR instr(lower(CAST(payload AS TEXT)), '"' || ? || '"') > 0`,
				[]any{erasedPayload, key, key, key, key}},
			{`UPDATE messages SET recipient = ?, recipient_key = ?, subject = '', error = ''
			WHERE customer_id = ? OR recipient_key = ?`,
				[]any{erased, erased, id, key}},
			{`UPDATE tasks SET title = '(erased)', script = '', draft = '', note = ''
			WHERE customer_id = ? OR (customer_id IS NULL AND order_id IN (SELECT id FROM orders WHERE customer_id = ?))`,
				[]any{id, id}},
			{`UPDATE survey_answers SET comment = '' WHERE customer_id = ?`, []any{id}},
			{`UPDATE success_plans SET objectives = '[]', metrics = '[]'
			WHERE customer_id = ? OR order_id IN (SELECT id FROM orders WHERE customer_id = ? OR user_id = ?)`,
				[]any{id, id, id}},
			{`UPDATE check_ins SET note = ''
			WHERE order_id IN (SELECT id FROM orders WHERE customer_id = ? OR user_id = ?)`,
				[]any{id, id}},
			{`UPDATE returns SET comment = ''
			WHERE customer_id = ? OR order_id IN (SELECT id FROM orders WHERE customer_id = ?)`,
				[]any{id, id}},
			{`UPDATE bookings SET title = '', join_url = ''
			WHERE order_id IN (SELECT id FROM orders WHERE customer_id = ? OR user_id = ?)`,
				[]any{id, id}},
			{`UPDATE broadcast_recipients SET error = '' WHERE customer_id = ?`, []any{id}},
			{`UPDATE orders SET coupon = ?
			WHERE coupon <> '' AND upper(coupon) IN (SELECT code FROM referral_codes WHERE customer_id = ?)`,
				[]any{erasedCode(id), id}},
			{`UPDATE referral_codes SET code = ? WHERE customer_id = ?`, []any{erasedCode(id), id}},
			{`UPDATE referrals SET code = ? WHERE referrer_id = ?`, []any{erasedCode(id), id}},
			{`UPDATE order_items SET access_url = '' WHERE order_id IN (SELECT id FROM orders WHERE customer_id = ? OR user_id = ?)`, []any{id, id}},
		} {
			if _, err := q.q.ExecContext(ctx, st.query, st.args...); err != nil {
				return err
			}
		}
		if inbox == nil || key == erased {
			return nil
		}
		var waiting int
		if err := inbox.QueryRowContext(ctx, `SELECT count(*) FROM inbox WHERE instr(lower(CAST(payload AS TEXT)), '"' || ? || '"') > 0`, key).Scan(&waiting); err != nil {
			return err
		}
		if waiting > 0 {
			return errInboxWaiting
		}
		// Events set aside about the customer are discarded (they are in
		// the inbox file too; should the erase fail after this, they are
		// gone all the same, as the erase asked).
		_, err = inbox.ExecContext(ctx, `DELETE FROM dead_events WHERE instr(lower(CAST(payload AS TEXT)), '"' || ? || '"') > 0`, key)
		return err
	})
	return wrap("customer erase", err)
}

// errInboxWaiting is CustomerErase's answer while an event about the
// customer waits in the inbox.
var errInboxWaiting = aftersale.Errorf(aftersale.ECONFLICT, "events about the customer are waiting in the inbox; process them and try again")

// erasedCode is the referral code an erased customer is left with.
func erasedCode(id int64) string { return fmt.Sprintf("ERASED-%d", id) }

// scrubAttempts bounds the tries of each step of Scrub that finds the
// database busy (the job workers poll it) after busy_timeout.
const scrubAttempts = 5

// errCheckpointBusy says that a checkpoint could not finish: a reader or
// writer kept part of the WAL in use.
var errCheckpointBusy = errors.New("the WAL checkpoint could not finish: the database is busy")

// Scrub rewrites the database file and the inbox file so that deleted data
// is gone from them: a truncating WAL checkpoint (the WAL holds old page
// images), VACUUM (which rebuilds the file without its free pages), and a
// truncating checkpoint again (VACUUM writes through the WAL). Every
// connection runs with secure_delete on as well, so that deleted cells are
// zeroed as they go. VACUUM runs outside any transaction on a connection of
// its own; a step that finds the file busy is tried again a few times.
func (db *DB) Scrub(ctx context.Context) error {
	for _, f := range []struct {
		what string
		pool *sql.DB
	}{{"database", db.pool}, {"inbox", db.inbox}} {
		if err := scrubFile(ctx, f.pool); err != nil {
			return fmt.Errorf("sqlite: scrub the %s: %w", f.what, err)
		}
	}
	return nil
}

// scrubFile checkpoints, vacuums and checkpoints again the file of pool.
func scrubFile(ctx context.Context, pool *sql.DB) error {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	checkpoint := func() error {
		var busy, logPages, done int
		if err := conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logPages, &done); err != nil {
			return err
		}
		if busy != 0 {
			return errCheckpointBusy
		}
		return nil
	}
	vacuum := func() error {
		_, err := conn.ExecContext(ctx, `VACUUM`)
		return err
	}
	for _, step := range []func() error{checkpoint, vacuum, checkpoint} {
		if err := retryBusy(ctx, step); err != nil {
			return err
		}
	}
	return nil
}

// retryBusy runs fn until it does not fail for a busy database, at most
// scrubAttempts times, waiting a little longer each time.
func retryBusy(ctx context.Context, fn func() error) error {
	wait := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || attempt == scrubAttempts || !isBusy(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// isBusy reports whether err says that the database was locked by another
// connection.
func isBusy(err error) bool {
	if errors.Is(err, errCheckpointBusy) {
		return true
	}
	var e *msqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff { // the primary result code of an extended one
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}
