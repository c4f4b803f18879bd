-- Survey answers: what customers told us about an order, in the importance
-- survey (which qualities matter to them), the performance survey (how well
-- the company and each team member did on them), NPS and open comments.
-- Same conventions as the first schema (00001_initial.sql).

-- +goose Up
CREATE TABLE survey_answers (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    order_id    INTEGER NOT NULL REFERENCES orders (id),
    kind        TEXT    NOT NULL,
    -- The quality's key; '' for nps and comment answers.
    quality     TEXT    NOT NULL DEFAULT '',
    -- Who is rated: '' for the company, or the lower-cased email of the
    -- team member (computed in Go, like the *_key columns).
    subject     TEXT    NOT NULL DEFAULT '',
    value       INTEGER NOT NULL DEFAULT 0,
    comment     TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    -- Answering again replaces the answer, so nothing is counted twice.
    UNIQUE (order_id, kind, quality, subject)
) STRICT;

CREATE INDEX survey_answers_customer_id_idx ON survey_answers (customer_id);
CREATE INDEX survey_answers_created_at_idx ON survey_answers (created_at);

-- +goose Down
DROP TABLE survey_answers;
