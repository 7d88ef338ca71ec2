-- Platform tokens a connector mints for a shop, shared by every worker on
-- this database, with the refresh lease that lets one worker at a time
-- refresh them. version 0 is a row that holds a lease but no token yet.
-- Tokens are stored as they are: grant this database to syncctl's role
-- only. Times are Unix ms, 0 for none.
CREATE TABLE shop_tokens (
    channel         TEXT COLLATE "C" NOT NULL,
    shop            TEXT COLLATE "C" NOT NULL,
    access          TEXT    NOT NULL DEFAULT '',
    refresh         TEXT    NOT NULL DEFAULT '',
    expires         BIGINT  NOT NULL DEFAULT 0,
    refresh_expires BIGINT  NOT NULL DEFAULT 0,
    version         BIGINT  NOT NULL DEFAULT 0,
    lease_holder    TEXT COLLATE "C" NOT NULL DEFAULT '',
    lease_until     BIGINT  NOT NULL DEFAULT 0,
    updated_at      BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (channel, shop)
);
