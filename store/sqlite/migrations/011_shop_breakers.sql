-- Each shop's circuit breaker as its workers last saw it change
-- (connectors/shopgate): for `syncctl channels status` and for workers
-- that start while a shop is out. Times Unix ms.
CREATE TABLE shop_breakers (
    channel    TEXT    NOT NULL,
    shop       TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    failures   INTEGER NOT NULL,
    open_until INTEGER NOT NULL,
    last_error TEXT    NOT NULL,
    since      INTEGER NOT NULL,
    PRIMARY KEY (channel, shop)
);
