-- Email opens: the time a message's open pixel was first fetched (NULL
-- until then). Only follow-up and marketing email carry the pixel, and some
-- mail clients fetch images on delivery, so an open is a weak signal. Same
-- conventions as the first schema (00001_initial.sql).

-- +goose Up
ALTER TABLE messages ADD COLUMN opened_at INTEGER;

-- +goose Down
ALTER TABLE messages DROP COLUMN opened_at;
