-- A platform's ban of a shop, shared by every worker so none of them calls
-- the shop until it ends (connectors/shopgate). One row per shop; "until"
-- only ever moves later. Unix ms.
CREATE TABLE shop_bans (
    channel    TEXT COLLATE "C" NOT NULL,
    shop       TEXT COLLATE "C" NOT NULL,
    until      BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (channel, shop)
);
