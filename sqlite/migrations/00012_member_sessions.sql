-- Ending a member's sessions, deactivating members, and install-wide
-- settings that owners change in the admin UI.
--
-- session_epoch grows whenever a change must end the member's sessions (a
-- new password, a new role, deactivation); a session remembers the epoch it
-- began under and is over once they differ. deactivated_at is when an owner
-- deactivated the member (NULL while active): they cannot log in.

-- +goose Up
ALTER TABLE members ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN deactivated_at INTEGER;

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- +goose Down
DROP TABLE settings;
ALTER TABLE members DROP COLUMN deactivated_at;
ALTER TABLE members DROP COLUMN session_epoch;
