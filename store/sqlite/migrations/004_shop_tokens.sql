-- Platform tokens a connector mints for a shop (WeChat stable_token, Youzan,
-- Douyin, Kuaishou), shared by every worker on this file, with the refresh
-- lease that lets one worker at a time refresh them. version 0 is a row
-- that holds a lease but no token yet. Tokens are stored as they are: the
-- database file is readable by its owner only (0600). Times are Unix ms,
-- 0 for none.
CREATE TABLE shop_tokens (
    channel         TEXT    NOT NULL,
    shop            TEXT    NOT NULL,
    access          TEXT    NOT NULL DEFAULT '',
    refresh         TEXT    NOT NULL DEFAULT '',
    expires         INTEGER NOT NULL DEFAULT 0,
    refresh_expires INTEGER NOT NULL DEFAULT 0,
    version         INTEGER NOT NULL DEFAULT 0,
    lease_holder    TEXT    NOT NULL DEFAULT '',
    lease_until     INTEGER NOT NULL DEFAULT 0,
    updated_at      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (channel, shop)
);
