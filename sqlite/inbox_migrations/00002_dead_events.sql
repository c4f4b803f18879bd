-- Events set aside: inbox events that could not be applied while the
-- database answered (poison events), so that the events behind them flow
-- on. They live in the inbox file, next to the inbox, so that setting one
-- aside (inbox → dead_events) and retrying it (dead_events → inbox) are
-- each one transaction of one file: the event is never lost between the
-- two. A dead event is not in events (the main file), so a retry applies
-- it. error is redacted (no personal data); payload is the event as the
-- inbox kept it.

-- +goose Up
CREATE TABLE dead_events (
    id          TEXT    PRIMARY KEY,
    type        TEXT    NOT NULL,
    source      TEXT    NOT NULL DEFAULT '',
    occurred_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    payload     BLOB    NOT NULL,
    error       TEXT    NOT NULL DEFAULT '',
    attempts    INTEGER NOT NULL DEFAULT 1,
    failed_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX dead_events_failed_at_idx ON dead_events (failed_at);

-- +goose Down
DROP TABLE dead_events;
