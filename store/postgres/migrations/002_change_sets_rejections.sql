-- Shops whose changed set is kept up to date: after the first push compared
-- the whole catalog once, imports and listing saves maintain push_pending,
-- so an idle push reads nothing but its own (empty) set.
CREATE TABLE tracked_shops (
    channel    TEXT COLLATE "C" NOT NULL,
    shop       TEXT COLLATE "C" NOT NULL,
    tracked_at BIGINT NOT NULL,
    PRIMARY KEY (channel, shop)
);

-- Products that need a push to a tracked shop (the rows of the change query).
CREATE TABLE push_pending (
    channel      TEXT COLLATE "C" NOT NULL,
    shop         TEXT COLLATE "C" NOT NULL,
    product_code TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (channel, shop, product_code)
);
CREATE INDEX push_pending_product ON push_pending(product_code);

-- Platform orders a pull could not map, kept until a later pull maps them.
CREATE TABLE order_rejections (
    channel           TEXT COLLATE "C" NOT NULL,
    shop              TEXT COLLATE "C" NOT NULL,
    platform_order_id TEXT COLLATE "C" NOT NULL,
    reason            TEXT NOT NULL,
    first_seen        BIGINT NOT NULL,
    last_seen         BIGINT NOT NULL,
    seen              BIGINT NOT NULL,
    PRIMARY KEY (channel, shop, platform_order_id)
);

-- One shop's pending deliveries, oldest first, without a scan of the outbox.
CREATE INDEX deliveries_shop_pending ON deliveries(channel, shop, status, created_at, seq);
