-- Events set aside: inbox events that could not be applied while the
-- database answered (poison events), so that the events behind them flow
-- on. Setting one aside (inbox → dead_events) and retrying it
-- (dead_events → inbox) are each one transaction. A dead event is not in
-- events, so a retry applies it. error is redacted (no personal data);
-- payload is the event as the inbox kept it. (SQLite keeps this table in
-- its inbox file, sqlite/inbox_migrations.)

-- +goose Up
CREATE TABLE dead_events (
    id          text        PRIMARY KEY,
    type        text        NOT NULL,
    source      text        NOT NULL DEFAULT '',
    occurred_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    payload     bytea       NOT NULL,
    error       text        NOT NULL DEFAULT '',
    attempts    integer     NOT NULL DEFAULT 1,
    failed_at   timestamptz NOT NULL
);

CREATE INDEX dead_events_failed_at_idx ON dead_events (failed_at);

-- +goose Down
DROP TABLE dead_events;
