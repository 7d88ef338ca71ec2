-- Master catalog. The product row keeps the whole document; skus carries the
-- columns the change query compares.
CREATE TABLE products (
    code         TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    doc          TEXT NOT NULL,           -- domain.Product as JSON
    content_hash TEXT NOT NULL,
    updated_at   INTEGER NOT NULL         -- unix millis UTC
);

CREATE TABLE skus (
    code         TEXT PRIMARY KEY,
    product_code TEXT NOT NULL REFERENCES products(code) ON DELETE CASCADE,
    list_price   INTEGER NOT NULL,        -- fen
    cost         INTEGER NOT NULL,        -- fen
    stock        INTEGER NOT NULL,
    ordinal      INTEGER NOT NULL
);
CREATE INDEX skus_product ON skus(product_code);

-- Listing map: master SKU × channel shop → platform ids and what was last pushed.
CREATE TABLE listings (
    channel         TEXT NOT NULL,
    shop            TEXT NOT NULL,
    sku_code        TEXT NOT NULL,
    product_code    TEXT NOT NULL,
    item_id         TEXT NOT NULL DEFAULT '',
    platform_sku_id TEXT NOT NULL DEFAULT '',
    content_hash    TEXT NOT NULL DEFAULT '',
    price           INTEGER NOT NULL DEFAULT 0,
    stock           INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    pushed_at       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (channel, shop, sku_code)
);
CREATE INDEX listings_product ON listings(channel, shop, product_code);

CREATE TABLE order_cursors (
    channel    TEXT NOT NULL,
    shop       TEXT NOT NULL,
    cursor_ms  INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (channel, shop)
);

-- Order index: one row per platform order; the unique key is what dedupes
-- concurrent pulls from several workers.
CREATE TABLE orders (
    channel           TEXT NOT NULL,
    shop              TEXT NOT NULL,
    platform_order_id TEXT NOT NULL,
    version           TEXT NOT NULL,
    revision          INTEGER NOT NULL,
    status            TEXT NOT NULL,
    modified_at       INTEGER NOT NULL,
    doc               TEXT NOT NULL,       -- domain.SalesOrder as JSON
    first_seen        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (channel, shop, platform_order_id)
);
CREATE INDEX orders_modified ON orders(channel, shop, modified_at);

-- Delivery outbox: one row per order revision owed to the ERP, written in the
-- same transaction as the order.
CREATE TABLE deliveries (
    id                TEXT PRIMARY KEY,
    event             TEXT NOT NULL,
    channel           TEXT NOT NULL,
    shop              TEXT NOT NULL,
    platform_order_id TEXT NOT NULL,
    revision          INTEGER NOT NULL,
    doc               TEXT NOT NULL,       -- order snapshot at this revision
    status            TEXT NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_http_status  INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    delivered_at      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (channel, shop, platform_order_id, revision)
);
CREATE INDEX deliveries_pending ON deliveries(status, created_at);
