-- Each worker process's calls to each shop in the minute before it last
-- counted (connectors/shopgate): `syncctl channels status` sums the fresh
-- rows into the shop's quota use across every worker. Times Unix ms.
CREATE TABLE shop_usage (
    channel    TEXT COLLATE "C" NOT NULL,
    shop       TEXT COLLATE "C" NOT NULL,
    process    TEXT COLLATE "C" NOT NULL,
    calls      BIGINT  NOT NULL,  -- in the minute before at
    at         BIGINT  NOT NULL,
    PRIMARY KEY (channel, shop, process)
);
