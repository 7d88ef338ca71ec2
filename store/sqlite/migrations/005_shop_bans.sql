-- A platform's ban of a shop (TOP code 7 "This ban will last for N more
-- seconds"), shared by every worker on this file so none of them calls the
-- shop until it ends (connectors/shopgate). One row per shop, read by its
-- primary key before calls; "until" only ever moves later. Unix ms.
CREATE TABLE shop_bans (
    channel    TEXT    NOT NULL,
    shop       TEXT    NOT NULL,
    until      INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (channel, shop)
);
