-- Each worker process's calls to each shop in the minute before it last
-- counted (connectors/shopgate): `syncctl channels status` sums the fresh
-- rows into the shop's quota use across every worker. Times Unix ms.
CREATE TABLE shop_usage (
    channel    TEXT    NOT NULL,
    shop       TEXT    NOT NULL,
    process    TEXT    NOT NULL,
    calls      INTEGER NOT NULL,  -- in the minute before at
    at         INTEGER NOT NULL,
    PRIMARY KEY (channel, shop, process)
);
