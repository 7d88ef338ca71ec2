-- Price writes the guards held (mapping/pricing): recorded before anything
-- reaches the channel, with the violations as JSON. One live hold per
-- shop, SKU and price: the same write held again is the same hold; a
-- superseded one no longer counts. Money in fen, times Unix ms.
CREATE TABLE price_holds (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    channel      TEXT    NOT NULL,
    shop         TEXT    NOT NULL,
    sku_code     TEXT    NOT NULL,
    product_code TEXT    NOT NULL,
    old_price    INTEGER NOT NULL,
    price        INTEGER NOT NULL,
    violations   TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL DEFAULT 0,
    decided_by   TEXT    NOT NULL DEFAULT '',
    decided_at   INTEGER NOT NULL DEFAULT 0,
    note         TEXT    NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX price_holds_write ON price_holds (channel, shop, sku_code, price) WHERE status <> 'superseded';
CREATE INDEX price_holds_status ON price_holds (status, id);
