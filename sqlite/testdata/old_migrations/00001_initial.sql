-- The first schema of aftersale.
--
-- Conventions, kept so that the PostgreSQL schema can mirror this one:
--   * times are INTEGER microseconds since the Unix epoch (UTC); a column that
--     is NULL means "not yet" (the zero time.Time in Go);
--   * optional references (0 in Go) are NULL, so foreign keys hold;
--   * emails are matched on a *_key column holding the lower-cased address,
--     computed in Go, next to the address as it was given;
--   * booleans are INTEGER 0/1 (boolean in PostgreSQL);
--   * every table is STRICT, so a wrongly typed value is an error.

-- +goose Up
CREATE TABLE events (
    id                 TEXT    PRIMARY KEY,
    type               TEXT    NOT NULL,
    source             TEXT    NOT NULL DEFAULT '',
    occurred_at        INTEGER NOT NULL,
    received_at        INTEGER NOT NULL,
    customer_email     TEXT    NOT NULL DEFAULT '',
    customer_email_key TEXT    NOT NULL DEFAULT '',
    order_ref          TEXT    NOT NULL DEFAULT '',
    payload            BLOB    NOT NULL
) STRICT;

CREATE INDEX events_customer_email_key_idx ON events (customer_email_key, occurred_at);

CREATE TABLE customers (
    id                INTEGER PRIMARY KEY,
    email             TEXT    NOT NULL,
    email_key         TEXT    NOT NULL UNIQUE,
    name              TEXT    NOT NULL DEFAULT '',
    phone             TEXT    NOT NULL DEFAULT '',
    timezone          TEXT    NOT NULL DEFAULT '',
    marketing_consent INTEGER NOT NULL DEFAULT 0,
    unsubscribed      INTEGER NOT NULL DEFAULT 0,
    unsubscribed_at   INTEGER,
    suppressed        TEXT    NOT NULL DEFAULT '',
    suppressed_at     INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
) STRICT;

CREATE TABLE orders (
    id           INTEGER PRIMARY KEY,
    external_id  TEXT    NOT NULL UNIQUE,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    user_id      INTEGER REFERENCES customers (id),
    source       TEXT    NOT NULL DEFAULT '',
    currency     TEXT    NOT NULL DEFAULT '',
    total        TEXT    NOT NULL DEFAULT '',
    coupon       TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL DEFAULT 'placed',
    placed_at    INTEGER NOT NULL,
    accessed_at  INTEGER,
    delivered_at INTEGER,
    closed_at    INTEGER
) STRICT;

CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE INDEX orders_user_id_idx ON orders (user_id) WHERE user_id IS NOT NULL;

CREATE TABLE order_items (
    order_id   INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no    INTEGER NOT NULL,
    sku        TEXT    NOT NULL DEFAULT '',
    name       TEXT    NOT NULL DEFAULT '',
    kind       TEXT    NOT NULL,
    quantity   INTEGER NOT NULL DEFAULT 0,
    price      TEXT    NOT NULL DEFAULT '',
    access_url TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (order_id, line_no)
) STRICT;

CREATE TABLE shipments (
    id              INTEGER PRIMARY KEY,
    order_id        INTEGER NOT NULL REFERENCES orders (id),
    carrier         TEXT    NOT NULL DEFAULT '',
    tracking_number TEXT    NOT NULL DEFAULT '',
    tracking_url    TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (order_id, tracking_number)
) STRICT;

CREATE TABLE bookings (
    id        INTEGER PRIMARY KEY,
    order_id  INTEGER NOT NULL REFERENCES orders (id),
    starts_at INTEGER NOT NULL,
    title     TEXT    NOT NULL DEFAULT '',
    join_url  TEXT    NOT NULL DEFAULT '',
    UNIQUE (order_id, starts_at)
) STRICT;

CREATE TABLE journey_runs (
    id          INTEGER PRIMARY KEY,
    journey_id  TEXT    NOT NULL,
    order_id    INTEGER REFERENCES orders (id),
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    event_id    TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL DEFAULT 'active',
    started_at  INTEGER NOT NULL,
    exited_at   INTEGER,
    exit_reason TEXT    NOT NULL DEFAULT ''
) STRICT;

-- One run per (journey, order, customer); a customer journey has no order,
-- and NULLs are distinct in a plain UNIQUE constraint, hence the coalesce.
CREATE UNIQUE INDEX journey_runs_key_idx ON journey_runs (journey_id, coalesce(order_id, 0), customer_id);
CREATE INDEX journey_runs_order_id_idx ON journey_runs (order_id);

CREATE TABLE steps (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES journey_runs (id),
    order_id    INTEGER REFERENCES orders (id),
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    journey_id  TEXT    NOT NULL,
    step_id     TEXT    NOT NULL,
    step_key    TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    anchor      TEXT    NOT NULL DEFAULT '',
    due_at      INTEGER NOT NULL,
    enqueued    INTEGER NOT NULL DEFAULT 0,
    status      TEXT    NOT NULL DEFAULT 'pending',
    note        TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    finished_at INTEGER,
    UNIQUE (run_id, step_key)
) STRICT;

CREATE INDEX steps_pending_due_at_idx ON steps (due_at) WHERE status = 'pending';
CREATE INDEX steps_to_enqueue_idx ON steps (due_at) WHERE status = 'pending' AND enqueued = 0;
CREATE INDEX steps_customer_id_idx ON steps (customer_id, due_at);

CREATE TABLE messages (
    id            INTEGER PRIMARY KEY,
    step_id       INTEGER REFERENCES steps (id),
    customer_id   INTEGER REFERENCES customers (id),
    recipient     TEXT    NOT NULL,
    recipient_key TEXT    NOT NULL,
    message_id    TEXT    NOT NULL DEFAULT '',
    template      TEXT    NOT NULL DEFAULT '',
    subject       TEXT    NOT NULL DEFAULT '',
    category      TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 1,
    error         TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    sent_at       INTEGER,
    -- Mail not sent by a step (step_id NULL) is never merged.
    UNIQUE (step_id, recipient_key)
) STRICT;

CREATE INDEX messages_customer_id_idx ON messages (customer_id, created_at);
CREATE INDEX messages_status_idx ON messages (status);
CREATE INDEX messages_message_id_idx ON messages (message_id, id);

CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY,
    -- At most one task per step; tasks made by hand have no step (NULL).
    step_id     INTEGER UNIQUE REFERENCES steps (id),
    customer_id INTEGER REFERENCES customers (id),
    order_id    INTEGER REFERENCES orders (id),
    kind        TEXT    NOT NULL,
    title       TEXT    NOT NULL DEFAULT '',
    script      TEXT    NOT NULL DEFAULT '',
    draft       TEXT    NOT NULL DEFAULT '',
    assignee    TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL DEFAULT 'open',
    outcome     TEXT    NOT NULL DEFAULT '',
    note        TEXT    NOT NULL DEFAULT '',
    due_at      INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    done_at     INTEGER
) STRICT;

CREATE INDEX tasks_status_due_at_idx ON tasks (status, due_at);
CREATE INDEX tasks_customer_id_idx ON tasks (customer_id, due_at);

CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

-- +goose Down
DROP TABLE secrets;
DROP TABLE tasks;
DROP TABLE messages;
DROP TABLE steps;
DROP TABLE journey_runs;
DROP TABLE bookings;
DROP TABLE shipments;
DROP TABLE order_items;
DROP TABLE orders;
DROP TABLE customers;
DROP TABLE events;
