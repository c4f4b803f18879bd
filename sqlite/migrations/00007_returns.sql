-- Returns: a customer's request to send goods back (opened by a
-- return.requested event and keyed by its ID, so that the event processed
-- twice opens one return), and how staff move it along: requested, then
-- received, refunded, exchanged or cancelled. The items sent back are a JSON
-- array of {sku, name, quantity}. Orders gain the customer's answer to "did
-- it arrive in good shape?" ('yes', 'no'; '' before any) and the time it was
-- given (NULL before any). Same conventions as the first schema
-- (00001_initial.sql).

-- +goose Up
CREATE TABLE returns (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders (id),
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    event_id    TEXT    NOT NULL UNIQUE,
    status      TEXT    NOT NULL DEFAULT 'requested',
    -- 'refund' or 'exchange'.
    resolution  TEXT    NOT NULL DEFAULT 'refund',
    reason      TEXT    NOT NULL DEFAULT '',
    comment     TEXT    NOT NULL DEFAULT '',
    items       TEXT    NOT NULL DEFAULT '[]',
    -- 'page', 'api' or a shop platform.
    source      TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    -- The email of the member who last moved the status; '' while nobody
    -- has.
    updated_by  TEXT    NOT NULL DEFAULT ''
) STRICT;

-- The admin UI lists the returns of a status, newest first; an order page
-- lists its own.
CREATE INDEX returns_status_created_at_idx ON returns (status, created_at);
CREATE INDEX returns_order_id_idx ON returns (order_id);

ALTER TABLE orders ADD COLUMN arrival TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN arrival_at INTEGER;

-- +goose Down
ALTER TABLE orders DROP COLUMN arrival_at;
ALTER TABLE orders DROP COLUMN arrival;
DROP TABLE returns;
