-- Events set aside: nothing on the main file. On PostgreSQL this version
-- creates the dead_events table (postgres/migrations/00013_dead_events.sql);
-- SQLite keeps them next to the inbox, in the inbox's file
-- (sqlite/inbox_migrations/00002_dead_events.sql). The version is here,
-- empty, so that a version number means the same change on both databases.

-- +goose Up

-- +goose Down
