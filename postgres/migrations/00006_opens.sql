-- Email opens: the time a message's open pixel was first fetched (NULL
-- until then). Only follow-up and marketing email carry the pixel, and some
-- mail clients fetch images on delivery, so an open is a weak signal. It
-- mirrors the SQLite migration (sqlite/migrations/00006_opens.sql), with
-- the conventions of the first schema (00001_initial.sql).

-- +goose Up
ALTER TABLE messages ADD COLUMN opened_at timestamptz;

-- +goose Down
ALTER TABLE messages DROP COLUMN opened_at;
