-- Success plans of coaching, service and membership purchases: the
-- objectives agreed with the client and how they are measured (one plan per
-- order), and the check-ins that record progress against them. Lists are
-- stored as JSON arrays of strings. Same conventions as the first schema
-- (00001_initial.sql).

-- +goose Up
CREATE TABLE success_plans (
    order_id    INTEGER PRIMARY KEY REFERENCES orders (id),
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    objectives  TEXT    NOT NULL DEFAULT '[]',
    metrics     TEXT    NOT NULL DEFAULT '[]',
    -- A team member's email, 'client' (the signed link) or 'api'.
    updated_by  TEXT    NOT NULL DEFAULT '',
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE check_ins (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders (id),
    -- 0 to 100 %.
    progress    INTEGER NOT NULL,
    note        TEXT    NOT NULL DEFAULT '',
    by_whom     TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX check_ins_order_id_idx ON check_ins (order_id, created_at);

-- +goose Down
DROP TABLE check_ins;
DROP TABLE success_plans;
