-- The inbox: nothing on the main file. On PostgreSQL this version creates
-- the inbox table (postgres/migrations/00002_inbox.sql); SQLite keeps its
-- inbox in a file of its own, aftersale-inbox.db (sqlite/inbox_migrations,
-- its own version table), so that receiving never waits for the main
-- file's one writer. The version is here, empty, so that a version number
-- means the same change on both databases.

-- +goose Up

-- +goose Down
