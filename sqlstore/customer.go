package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/aftersale/aftersale"
)

const eventColumns = `id, type, source, occurred_at, received_at, customer_email, order_ref, payload`

func (q *Queries) scanEvent(s Row) (*aftersale.StoredEvent, error) {
	var ev aftersale.StoredEvent
	err := s.Scan(&ev.ID, &ev.Type, &ev.Source, q.ts(&ev.OccurredAt), q.ts(&ev.ReceivedAt),
		&ev.CustomerEmail, &ev.OrderRef, &ev.Payload)
	if err != nil {
		return nil, err
	}
	return &ev, nil
}

// EventInsert stores ev unless an event with its ID is stored already.
func (q *Queries) EventInsert(ctx context.Context, ev *aftersale.StoredEvent) (bool, error) {
	payload := ev.Payload
	if payload == nil {
		payload = []byte{}
	}
	n, err := q.exec(ctx, `
		INSERT INTO events (id, type, source, occurred_at, received_at, customer_email, customer_email_key, order_ref, payload)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`,
		ev.ID, string(ev.Type), ev.Source, q.t(ev.OccurredAt), q.t(ev.ReceivedAt),
		ev.CustomerEmail, emailKey(ev.CustomerEmail), ev.OrderRef, payload)
	if err != nil {
		return false, q.wrap("event insert", err)
	}
	return n == 1, nil
}

// EventGet returns the stored event with the ID.
func (q *Queries) EventGet(ctx context.Context, id string) (*aftersale.StoredEvent, error) {
	ev, err := q.scanEvent(q.row(ctx, `SELECT `+eventColumns+` FROM events WHERE id = ?`, id))
	if q.noRows(err) {
		return nil, notFound("event", id)
	}
	return ev, q.wrap("event get", err)
}

// EventListByCustomer returns the events about the email, oldest first.
func (q *Queries) EventListByCustomer(ctx context.Context, email string) ([]*aftersale.StoredEvent, error) {
	list, err := listRows(ctx, q, q.scanEvent, `
		SELECT `+eventColumns+` FROM events
		WHERE customer_email_key = ?
		ORDER BY occurred_at, received_at, id`, emailKey(email))
	return list, q.wrap("event list by customer", err)
}

const customerColumns = `id, email, name, phone, timezone, marketing_consent, unsubscribed, unsubscribed_at,
	suppressed, suppressed_at, created_at, updated_at`

func (q *Queries) scanCustomer(s Row) (*aftersale.Customer, error) {
	var c aftersale.Customer
	err := s.Scan(&c.ID, &c.Email, &c.Name, &c.Phone, &c.Timezone, &c.MarketingConsent,
		&c.Unsubscribed, q.ts(&c.UnsubscribedAt), &c.Suppressed, q.ts(&c.SuppressedAt), q.ts(&c.CreatedAt), q.ts(&c.UpdatedAt))
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// CustomerUpsert creates the contact or merges it into the stored one with
// the same email (compared lower-case). The stored email keeps the spelling
// it was first given.
func (q *Queries) CustomerUpsert(ctx context.Context, c *aftersale.Contact, now time.Time) (*aftersale.Customer, error) {
	key := emailKey(c.Email)
	if key == "" {
		return nil, aftersale.FieldError("email", "is required")
	}
	consentSet, consent := c.MarketingConsent != nil, c.MarketingConsent != nil && *c.MarketingConsent
	at := q.t(now)
	cust, err := q.scanCustomer(q.row(ctx, `
		INSERT INTO customers (email, email_key, name, phone, timezone, marketing_consent, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (email_key) DO UPDATE SET
			name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE customers.name END,
			phone = CASE WHEN excluded.phone <> '' THEN excluded.phone ELSE customers.phone END,
			timezone = CASE WHEN excluded.timezone <> '' THEN excluded.timezone ELSE customers.timezone END,
			marketing_consent = CASE WHEN ? AND (excluded.marketing_consent OR customers.consent_at IS NULL) THEN excluded.marketing_consent ELSE customers.marketing_consent END,
			updated_at = excluded.updated_at
		RETURNING `+customerColumns,
		c.Email, key, c.Name, c.Phone, c.Timezone, consent, at, at, consentSet))
	return cust, q.wrap("customer upsert", err)
}

// CustomerGet returns the customer with the ID.
func (q *Queries) CustomerGet(ctx context.Context, id int64) (*aftersale.Customer, error) {
	c, err := q.scanCustomer(q.row(ctx, `SELECT `+customerColumns+` FROM customers WHERE id = ?`, id))
	if q.noRows(err) {
		return nil, notFound("customer", id)
	}
	return c, q.wrap("customer get", err)
}

// CustomerGetMany returns the customers with the IDs, in no particular
// order; IDs without a customer are left out.
func (q *Queries) CustomerGetMany(ctx context.Context, ids []int64) ([]*aftersale.Customer, error) {
	list, err := selectIn(ctx, q, q.scanCustomer, `SELECT `+customerColumns+` FROM customers WHERE `, "id", ``, ids)
	return list, q.wrap("customer get many", err)
}

// CustomerGetByEmail returns the customer with the email, in any case.
func (q *Queries) CustomerGetByEmail(ctx context.Context, email string) (*aftersale.Customer, error) {
	c, err := q.scanCustomer(q.row(ctx,
		`SELECT `+customerColumns+` FROM customers WHERE email_key = ?`, emailKey(email)))
	if q.noRows(err) {
		return nil, notFound("customer", email)
	}
	return c, q.wrap("customer get by email", err)
}

// CustomerSetUnsubscribed sets or clears the unsubscribe of the email. A
// second unsubscribe keeps the first time.
func (q *Queries) CustomerSetUnsubscribed(ctx context.Context, email string, unsubscribed bool, at time.Time) error {
	n, err := q.exec(ctx, `
		UPDATE customers SET
			unsubscribed = ?,
			unsubscribed_at = CASE WHEN ? THEN coalesce(unsubscribed_at, ?) ELSE NULL END,
			updated_at = CASE WHEN ? > updated_at THEN ? ELSE updated_at END
		WHERE email_key = ?`,
		unsubscribed, unsubscribed, q.nt(at), q.t(at), q.t(at), emailKey(email))
	if err != nil {
		return q.wrap("customer set unsubscribed", err)
	}
	if n == 0 {
		return notFound("customer", email)
	}
	return nil
}

// CustomerSetSuppressed records or lifts (reason "") the suppression of the
// email. A new reason replaces the old; the first time is kept.
func (q *Queries) CustomerSetSuppressed(ctx context.Context, email, reason string, at time.Time) error {
	n, err := q.exec(ctx, `
		UPDATE customers SET
			suppressed = ?,
			suppressed_at = CASE WHEN ? <> '' THEN coalesce(suppressed_at, ?) ELSE NULL END,
			updated_at = CASE WHEN ? > updated_at THEN ? ELSE updated_at END
		WHERE email_key = ?`,
		reason, reason, q.nt(at), q.t(at), q.t(at), emailKey(email))
	if err != nil {
		return q.wrap("customer set suppressed", err)
	}
	if n == 0 {
		return notFound("customer", email)
	}
	return nil
}

// SecretGet returns the named secret, creating it with gen the first time.
// Callers racing on the first call may each run gen, but all of them get
// the value that was stored first: an insert that meets a concurrent one
// waits for it (PostgreSQL; SQLite has one writer) and then reads what it
// stored, the statement after it seeing that row (READ COMMITTED).
func (q *Queries) SecretGet(ctx context.Context, name string, gen func() []byte) ([]byte, error) {
	get := func(q *Queries) ([]byte, error) {
		var v []byte
		err := q.row(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
		if q.noRows(err) {
			return nil, nil
		}
		return v, err
	}
	v, err := get(q)
	if err != nil || v != nil {
		return v, q.wrap("secret get", err)
	}
	fresh := gen()
	if len(fresh) == 0 {
		return nil, aftersale.Errorf(aftersale.EINTERNAL, "secret %q: the generator returned no bytes", name)
	}
	err = q.atomic(ctx, false, func(q *Queries) error {
		if _, err := q.exec(ctx,
			`INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
			return err
		}
		v, err = get(q)
		return err
	})
	if err == nil && v == nil {
		err = errors.New("secret vanished after insert")
	}
	return v, q.wrap("secret get", err)
}
