-- Broadcasts: updates to the list, written in Markdown, sent to a segment
-- of the customers who gave marketing consent, and the record of each
-- person's message of a broadcast (one per broadcast and customer, so that
-- a broadcast resumed after a crash never mails anyone twice). The segment
-- is stored as JSON text ({"skus": [...], "kinds": [...], ...}); sent,
-- skipped and failed count the finished recipients. Customers gain the time
-- they gave their marketing consent (NULL without it). Same conventions as
-- the first schema (00001_initial.sql).

-- +goose Up
CREATE TABLE broadcasts (
    id           INTEGER PRIMARY KEY,
    title        TEXT    NOT NULL DEFAULT '',
    subject      TEXT    NOT NULL DEFAULT '',
    -- Markdown.
    body         TEXT    NOT NULL DEFAULT '',
    segment      TEXT    NOT NULL DEFAULT '{}',
    first_look   INTEGER NOT NULL DEFAULT 0,
    -- draft, scheduled, sending, sent or cancelled.
    status       TEXT    NOT NULL DEFAULT 'draft',
    scheduled_at INTEGER,
    -- Messages a second at most.
    rate         INTEGER NOT NULL DEFAULT 0,
    -- The email of the member who wrote it.
    created_by   TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    started_at   INTEGER,
    finished_at  INTEGER,
    sent         INTEGER NOT NULL DEFAULT 0,
    skipped      INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX broadcasts_created_at_idx ON broadcasts (created_at, id);
CREATE INDEX broadcasts_scheduled_at_idx ON broadcasts (scheduled_at) WHERE status = 'scheduled';

CREATE TABLE broadcast_recipients (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id),
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    -- sending, then sent, skipped or failed.
    status       TEXT    NOT NULL DEFAULT 'sending',
    -- The RFC 5322 Message-ID of the message; '' before it is sent.
    message_id   TEXT    NOT NULL DEFAULT '',
    error        TEXT    NOT NULL DEFAULT '',
    at           INTEGER NOT NULL,
    PRIMARY KEY (broadcast_id, customer_id)
) STRICT;

CREATE INDEX broadcast_recipients_customer_id_idx ON broadcast_recipients (customer_id, at);

ALTER TABLE customers ADD COLUMN consent_at INTEGER;

-- The audience of a broadcast pages through the customers who may get
-- marketing mail, by ID (the query repeats these terms literally).
CREATE INDEX customers_audience_idx ON customers (id)
    WHERE marketing_consent = 1 AND unsubscribed = 0 AND suppressed = '';

-- +goose Down
DROP INDEX customers_audience_idx;
ALTER TABLE customers DROP COLUMN consent_at;
DROP TABLE broadcast_recipients;
DROP TABLE broadcasts;
