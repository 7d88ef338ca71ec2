-- Each shop's circuit breaker as its workers last saw it change
-- (connectors/shopgate). Times Unix ms.
CREATE TABLE shop_breakers (
    channel    TEXT COLLATE "C" NOT NULL,
    shop       TEXT COLLATE "C" NOT NULL,
    state      TEXT    NOT NULL,
    failures   BIGINT  NOT NULL,
    open_until BIGINT  NOT NULL,
    last_error TEXT    NOT NULL,
    since      BIGINT  NOT NULL,
    PRIMARY KEY (channel, shop)
);
