package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/aftersale/aftersale"
)

// CustomerSetConsent sets or withdraws the marketing consent of the
// customer. consent_at records when it was given (the first time, while it
// stands) and is cleared on withdrawal.
func (q *Queries) CustomerSetConsent(ctx context.Context, id int64, consent bool, at time.Time) error {
	n, err := q.exec(ctx, `
		UPDATE customers SET
			marketing_consent = ?,
			consent_at = CASE WHEN ? THEN coalesce(consent_at, ?) ELSE NULL END,
			updated_at = CASE WHEN ? > updated_at THEN ? ELSE updated_at END
		WHERE id = ?`,
		consent, consent, q.t(at), q.t(at), q.t(at), id)
	if err != nil {
		return q.wrap("customer set consent", err)
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

// errInboxWaiting is CustomerErase's answer (ECONFLICT) while an event
// about the customer waits in the inbox.
var errInboxWaiting = aftersale.Errorf(aftersale.ECONFLICT, "events about the customer are waiting in the inbox; process them and try again")

// erasedCode is the referral code an erased customer is left with.
func erasedCode(id int64) string { return fmt.Sprintf("ERASED-%d", id) }

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
// An event about the customer still waiting in the inbox makes it fail
// with errInboxWaiting (ECONFLICT), changing nothing: the caller processes
// the inbox and tries again. Events set aside (DeadEventPut) that mention
// the address are discarded. The address is matched as a whole JSON
// string (Dialect.Mentions), so diana@example.com is not
// ana@example.com's. A customer erased already is erased again without
// looking at the inbox (its address is no one's).
//
// Orders, items, statuses, times and counts stay; so do shipments, coupons
// and the stories sent (none holds personal data). ENOTFOUND if there is
// no such customer.
//
// The inbox and the events set aside are read in the same transaction;
// with them in a database of their own, see CustomerEraseApart.
func (q *Queries) CustomerErase(ctx context.Context, id int64, at time.Time) error {
	return CustomerEraseApart(ctx, q, nil, id, at)
}

// CustomerEraseApart is q's CustomerErase with the inbox and the events
// set aside in a database of their own, run by inbox (SQLite's inbox
// file), or in q's when inbox is nil. Apart, the inbox is read after the
// other statements ran in q's transaction and before it commits, and the
// events set aside are discarded in the inbox's database before the
// commit: should the erase fail after that, they are gone all the same, as
// the erase asked.
func CustomerEraseApart(ctx context.Context, q *Queries, inbox Executor, id int64, at time.Time) error {
	err := q.atomic(ctx, false, func(q *Queries) error {
		var key string
		err := q.row(ctx, `SELECT email_key FROM customers WHERE id = ?`+q.lock(LockUpdate), id).Scan(&key)
		if q.noRows(err) {
			return notFound("customer", id)
		}
		if err != nil {
			return err
		}
		erased := aftersale.ErasedEmail(id)
		now := q.t(at)
		for _, st := range []struct {
			query string
			args  []any
		}{
			{`UPDATE customers SET email = ?, email_key = ?, name = '', phone = '', timezone = '',
				marketing_consent = false, consent_at = NULL,
				unsubscribed = true, unsubscribed_at = coalesce(unsubscribed_at, ?),
				suppressed = 'erased', suppressed_at = coalesce(suppressed_at, ?),
				updated_at = CASE WHEN email_key <> ? AND ? > updated_at THEN ? ELSE updated_at END
			WHERE id = ?`,
				[]any{erased, erased, now, now, erased, now, now, id}},
			{`UPDATE events SET payload = ?,
				customer_email = CASE WHEN customer_email_key = ? THEN '' ELSE customer_email END,
				customer_email_key = CASE WHEN customer_email_key = ? THEN '' ELSE customer_email_key END
			WHERE customer_email_key = ? OR ` + q.d.Mentions("payload"),
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
			if _, err := q.exec(ctx, st.query, st.args...); err != nil {
				return err
			}
		}
		if key == erased {
			return nil
		}
		in := q.x // the inbox in the same database: in this transaction
		if inbox != nil {
			in = inbox
		}
		var waiting bool
		if err := in.QueryRow(ctx, q.d.Rebind(`SELECT EXISTS (SELECT 1 FROM inbox WHERE `+q.d.Mentions("payload")+`)`), key).Scan(&waiting); err != nil {
			return err
		}
		if waiting {
			return errInboxWaiting
		}
		_, err = in.Exec(ctx, q.d.Rebind(`DELETE FROM dead_events WHERE `+q.d.Mentions("payload")), key)
		return err
	})
	return q.wrap("customer erase", err)
}
