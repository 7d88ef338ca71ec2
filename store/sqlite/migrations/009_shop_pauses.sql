-- An operator's pause of a shop (`syncctl channels pause`): while a row is
-- here no worker calls the shop; its writes and pulls wait and go on after
-- `channels resume` deletes the row. Unix ms.
CREATE TABLE shop_pauses (
    channel   TEXT    NOT NULL,
    shop      TEXT    NOT NULL,
    reason    TEXT    NOT NULL,
    paused_by TEXT    NOT NULL,
    paused_at INTEGER NOT NULL,
    PRIMARY KEY (channel, shop)
);
