-- Step plans: the later steps of a run for one anchor, kept in one row
-- until they come within the planning horizon (an hour) and become rows of
-- steps. steps is JSON: [{"s": step id, "k": key, "t": type, "d": due}, ...],
-- earliest first; next_due_at is the first one's due time and remaining
-- how many there are.
-- +goose Up
CREATE TABLE step_plans (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES journey_runs (id),
    order_id    INTEGER REFERENCES orders (id),
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    journey_id  TEXT    NOT NULL,
    anchor      TEXT    NOT NULL,
    steps       TEXT    NOT NULL,
    remaining   INTEGER NOT NULL,
    next_due_at INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX step_plans_next_due_at_idx ON step_plans (next_due_at);
CREATE INDEX step_plans_run_id_idx ON step_plans (run_id);
CREATE INDEX step_plans_customer_id_idx ON step_plans (customer_id);

-- +goose Down
DROP TABLE step_plans;
