-- Insiders: discount codes (coupons), referral codes and the purchases they
-- credit, and client stories with the record of whom each went to. A coupon
-- is generated for a customer, or imported into a named pool (codes created
-- in the shop; customer_id NULL while unused) and handed out one at a time.
-- Coupon and referral codes are stored upper-cased, so that they compare
-- without case. Same conventions as the first schema (00001_initial.sql).

-- +goose Up
CREATE TABLE coupons (
    id                INTEGER PRIMARY KEY,
    code              TEXT    NOT NULL UNIQUE,
    -- The pool an imported code came from; '' for a generated code.
    pool              TEXT    NOT NULL DEFAULT '',
    -- Whom it was given to; NULL while a pool code is unused.
    customer_id       INTEGER REFERENCES customers (id),
    -- 'offer' or 'referral_reward'; '' while a pool code is unused.
    purpose           TEXT    NOT NULL DEFAULT '',
    -- The offer step (steps.id) it was issued for; NULL for none.
    step_id           INTEGER,
    percent_off       INTEGER NOT NULL DEFAULT 0,
    expires_at        INTEGER,
    created_at        INTEGER NOT NULL,
    -- The first redemption, and how many orders named the code.
    redeemed_at       INTEGER,
    redeemed_order_id INTEGER REFERENCES orders (id),
    redemptions       INTEGER NOT NULL DEFAULT 0,
    -- The last order that named the code, so that one order counts once.
    last_order_id     INTEGER
) STRICT;

-- A step gives a customer at most one code.
CREATE UNIQUE INDEX coupons_step_customer_idx ON coupons (step_id, customer_id) WHERE step_id IS NOT NULL;
-- The unused codes of a pool (customer_id NULL), oldest first.
CREATE INDEX coupons_pool_customer_idx ON coupons (pool, customer_id, id);
CREATE INDEX coupons_customer_id_idx ON coupons (customer_id, created_at);

CREATE TABLE referral_codes (
    customer_id INTEGER PRIMARY KEY REFERENCES customers (id),
    code        TEXT    NOT NULL UNIQUE,
    clicks      INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE referrals (
    id               INTEGER PRIMARY KEY,
    -- The customer whose code was used, and the buyer.
    referrer_id      INTEGER NOT NULL REFERENCES customers (id),
    customer_id      INTEGER NOT NULL REFERENCES customers (id),
    -- An order credits one referrer once.
    order_id         INTEGER NOT NULL UNIQUE REFERENCES orders (id),
    code             TEXT    NOT NULL,
    -- The coupon given to the referrer for it; NULL for none.
    reward_coupon_id INTEGER,
    created_at       INTEGER NOT NULL
) STRICT;

CREATE INDEX referrals_referrer_id_idx ON referrals (referrer_id, created_at);

CREATE TABLE stories (
    id         INTEGER PRIMARY KEY,
    title      TEXT    NOT NULL,
    -- Markdown.
    body       TEXT    NOT NULL DEFAULT '',
    -- An item SKU, 'kind:KIND', or '' for any purchase.
    match      TEXT    NOT NULL DEFAULT '',
    -- Whether the client allowed it to be sent.
    permission INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE story_sends (
    customer_id INTEGER NOT NULL,
    story_id    INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    sent_at     INTEGER NOT NULL,
    PRIMARY KEY (customer_id, story_id)
) STRICT;

CREATE INDEX story_sends_story_id_idx ON story_sends (story_id);

-- +goose Down
DROP TABLE story_sends;
DROP TABLE stories;
DROP TABLE referrals;
DROP TABLE referral_codes;
DROP TABLE coupons;
