-- An operator's pause of a shop (`syncctl channels pause`): while a row is
-- here no worker calls the shop. Unix ms.
CREATE TABLE shop_pauses (
    channel   TEXT COLLATE "C" NOT NULL,
    shop      TEXT COLLATE "C" NOT NULL,
    reason    TEXT    NOT NULL,
    paused_by TEXT    NOT NULL,
    paused_at BIGINT  NOT NULL,
    PRIMARY KEY (channel, shop)
);
