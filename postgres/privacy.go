package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aftersale/aftersale"
)

// CustomerSetConsent sets or withdraws the marketing consent of the
// customer. consent_at records when it was given (the first time, while it
// stands) and is cleared on withdrawal.
func (q *queries) CustomerSetConsent(ctx context.Context, id int64, consent bool, at time.Time) error {
	n, err := affected(q.q.Exec(ctx, `
		UPDATE customers SET
			marketing_consent = $1,
			consent_at = CASE WHEN $1 THEN coalesce(consent_at, $2) ELSE NULL END,
			updated_at = greatest(updated_at, $2)
		WHERE id = $3`,
		consent, at, id))
	if err != nil {
		return wrap("customer set consent", err)
	}
	if n == 0 {
		return notFound("customer", id)
	}
	return nil
}

// errInboxWaiting is CustomerErase's answer while an event about the
// customer waits in the inbox.
var errInboxWaiting = aftersale.Errorf(aftersale.ECONFLICT, "events about the customer are waiting in the inbox; process them and try again")

// erasedCode is the referral code an erased customer is left with.
func erasedCode(id int64) string { return fmt.Sprintf("ERASED-%d", id) }

// erasedPayload replaces the payload of an event that named an erased
// customer. The row stays, so that the event delivered again is still a
// duplicate.
var erasedPayload = []byte(`{"erased":true}`)

// mentions is the condition that a bytea payload names the lower-cased
// address $1 as a JSON string ("ana@example.com", quotes included, so that
// diana@example.com is not ana's), in any ASCII case: both are compared in
// the 'escape' text form of bytea (which does not need the payload to be
// valid UTF-8).
const mentions = `strpos(lower(encode(payload, 'escape')), encode(convert_to('"' || $1::text || '"', 'UTF8'), 'escape')) > 0`

// erasedTables are the tables that CustomerErase changes, which Scrub
// vacuums.
var erasedTables = []string{"customers", "events", "orders", "order_items", "messages", "tasks", "survey_answers", "success_plans",
	"check_ins", "returns", "bookings", "broadcast_recipients", "referral_codes", "referrals", "dead_events"}

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
//   - order items of the customer's orders: access URLs cleared;
//   - events set aside (DeadEventPut) that mention the address: discarded;
//   - an event about the customer still waiting in the inbox makes it fail
//     with errInboxWaiting (ECONFLICT), changing nothing: the caller
//     processes the inbox and tries again;
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
//     ERASED-ID.
//
// Orders, items, statuses, times and counts stay; so do shipments, coupons
// and the stories sent (none holds personal data). ENOTFOUND if there is
// no such customer.
func (q *queries) CustomerErase(ctx context.Context, id int64, at time.Time) error {
	err := q.atomic(ctx, func(q *queries) error {
		var key string
		err := q.q.QueryRow(ctx, `SELECT email_key FROM customers WHERE id = $1 FOR UPDATE`, id).Scan(&key)
		if noRows(err) {
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
			{`UPDATE customers SET email = $1, email_key = $1, name = '', phone = '', timezone = '',
				marketing_consent = false, consent_at = NULL,
				unsubscribed = true, unsubscribed_at = coalesce(unsubscribed_at, $2),
				suppressed = 'erased', suppressed_at = coalesce(suppressed_at, $2),
				updated_at = CASE WHEN email_key <> $1 THEN greatest(updated_at, $2) ELSE updated_at END
			WHERE id = $3`,
				[]any{erased, at, id}},
			{`UPDATE events SET payload = $2,
				customer_email = CASE WHEN customer_email_key = $1 THEN '' ELSE customer_email END,
				customer_email_key = CASE WHEN customer_email_key = $1 THEN '' ELSE customer_email_key END
			WHERE customer_email_key = $1 OR ` + mentions,
				[]any{key, erasedPayload}},
			{`UPDATE messages SET recipient = $1, recipient_key = $1, subject = '', error = ''
			WHERE customer_id = $2 OR recipient_key = $3`,
				[]any{erased, id, key}},
			{`UPDATE tasks SET title = '(erased)', script = '', draft = '', note = ''
			WHERE customer_id = $1 OR (customer_id IS NULL AND order_id IN (SELECT id FROM orders WHERE customer_id = $1))`,
				[]any{id}},
			{`UPDATE survey_answers SET comment = '' WHERE customer_id = $1`, []any{id}},
			{`UPDATE success_plans SET objectives = '[]', metrics = '[]'
			WHERE customer_id = $1 OR order_id IN (SELECT id FROM orders WHERE customer_id = $1 OR user_id = $1)`,
				[]any{id}},
			{`UPDATE check_ins SET note = ''
			WHERE order_id IN (SELECT id FROM orders WHERE customer_id = $1 OR user_id = $1)`,
				[]any{id}},
			{`UPDATE returns SET comment = ''
			WHERE customer_id = $1 OR order_id IN (SELECT id FROM orders WHERE customer_id = $1)`,
				[]any{id}},
			{`UPDATE bookings SET title = '', join_url = ''
			WHERE order_id IN (SELECT id FROM orders WHERE customer_id = $1 OR user_id = $1)`,
				[]any{id}},
			{`UPDATE broadcast_recipients SET error = '' WHERE customer_id = $1`, []any{id}},
			{`UPDATE orders SET coupon = $1
			WHERE coupon <> '' AND upper(coupon) IN (SELECT code FROM referral_codes WHERE customer_id = $2)`,
				[]any{erasedCode(id), id}},
			{`UPDATE referral_codes SET code = $1 WHERE customer_id = $2`, []any{erasedCode(id), id}},
			{`UPDATE referrals SET code = $1 WHERE referrer_id = $2`, []any{erasedCode(id), id}},
			{`UPDATE order_items SET access_url = '' WHERE order_id IN (SELECT id FROM orders WHERE customer_id = $1 OR user_id = $1)`, []any{id}},
			{`DELETE FROM dead_events WHERE ` + mentions, []any{key}},
		} {
			if _, err := q.q.Exec(ctx, st.query, st.args...); err != nil {
				return err
			}
		}
		var waiting bool
		if err := q.q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM inbox WHERE `+mentions+`)`, key).Scan(&waiting); err != nil {
			return err
		}
		if waiting {
			return errInboxWaiting
		}
		return nil
	})
	return wrap("customer erase", err)
}

// Scrub vacuums the tables that CustomerErase changes, so that the old
// versions of their rows are removed, outside any transaction (VACUUM
// cannot run in one).
func (db *DB) Scrub(ctx context.Context) error {
	if _, err := db.pool.Exec(ctx, `VACUUM `+strings.Join(erasedTables, ", ")); err != nil {
		return fmt.Errorf("postgres: scrub: %w", err)
	}
	return nil
}
