-- The inbox: events as they are received, before they are processed, in a
-- database file of its own next to the main one (aftersale-inbox.db beside
-- aftersale.db). The API answers 202 once an event is committed here; the
-- engine's processor applies it in the main file (recording it in events,
-- in the same transaction as its effects) and then deletes it from here.
-- SQLite has one writer per file: with its own file, receiving never waits
-- for processing. Same conventions as the main schema.

-- +goose Up
CREATE TABLE inbox (
    id          TEXT    PRIMARY KEY,
    type        TEXT    NOT NULL,
    source      TEXT    NOT NULL DEFAULT '',
    occurred_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    payload     BLOB    NOT NULL
) STRICT;

CREATE INDEX inbox_received_at_idx ON inbox (received_at);

-- +goose Down
DROP TABLE inbox;
