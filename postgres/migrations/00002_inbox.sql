-- The inbox: events as they are received, before they are processed. The
-- API answers 202 once an event is here; the engine's processor applies it
-- (recording it in events, in the same transaction as its effects) and then
-- deletes it from here. SQLite keeps its inbox in a file of its own
-- (sqlite/inbox_migrations), so that receiving never waits for the one
-- writer of the main file; here it is a table next to the others.

-- +goose Up
CREATE TABLE inbox (
    id          text        PRIMARY KEY,
    type        text        NOT NULL,
    source      text        NOT NULL DEFAULT '',
    occurred_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    payload     bytea       NOT NULL
);

CREATE INDEX inbox_received_at_idx ON inbox (received_at, id);

-- +goose Down
DROP TABLE inbox;
