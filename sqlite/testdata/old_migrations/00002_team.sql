-- The team: members who log in to the admin UI and do the human touches,
-- their login sessions, and who completed a task. Same conventions as the
-- first schema (00001_initial.sql).

-- +goose Up
CREATE TABLE members (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL,
    email_key     TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL DEFAULT '',
    role          TEXT    NOT NULL,
    -- The argon2id hash in the PHC string format, never the password.
    password_hash TEXT    NOT NULL DEFAULT '',
    -- The member's own mailbox for personal emails; '' for the install's.
    smtp_url      TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL
) STRICT;

-- Login sessions (alexedwards/scs); not copied to PostgreSQL by an import:
-- people log in again.
CREATE TABLE sessions (
    token  TEXT    PRIMARY KEY,
    data   BLOB    NOT NULL,
    expiry INTEGER NOT NULL
) STRICT;

CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- The email of the member who completed the task; '' while it is not done
-- (and for tasks done before there was a team).
ALTER TABLE tasks ADD COLUMN done_by TEXT NOT NULL DEFAULT '';

-- The admin UI's outbox lists the latest messages of everyone.
CREATE INDEX messages_created_at_idx ON messages (created_at, id);

-- +goose Down
DROP INDEX messages_created_at_idx;
ALTER TABLE tasks DROP COLUMN done_by;
DROP TABLE sessions;
DROP TABLE members;
