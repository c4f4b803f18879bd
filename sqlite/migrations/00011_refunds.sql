-- Order numbers and refunds as amounts: the number the buyer knows
-- ("#1001"), and what has been refunded so far (money, of which shipping,
-- and items as JSON [{"sku":..,"name":..,"quantity":..,"amount":..}]). An
-- order's status becomes refunded only once it is fully refunded.
-- +goose Up
ALTER TABLE orders ADD COLUMN number TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN refunded_amount TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN refunded_shipping TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN refunded_items TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN refunded_at INTEGER;
CREATE INDEX orders_number_idx ON orders (number) WHERE number <> '';

-- +goose Down
DROP INDEX orders_number_idx;
ALTER TABLE orders DROP COLUMN refunded_at;
ALTER TABLE orders DROP COLUMN refunded_items;
ALTER TABLE orders DROP COLUMN refunded_shipping;
ALTER TABLE orders DROP COLUMN refunded_amount;
ALTER TABLE orders DROP COLUMN number;
