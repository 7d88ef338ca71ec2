-- Live-stream reservations (syncctl stock reserve): units of a SKU
-- dedicated to one shop for a window; the shop's orders consume them.
-- Times Unix ms.
CREATE TABLE reservations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    channel     TEXT    NOT NULL,
    shop        TEXT    NOT NULL,
    sku_code    TEXT    NOT NULL,
    units       INTEGER NOT NULL,
    consumed    INTEGER NOT NULL DEFAULT 0,
    from_at     INTEGER NOT NULL,
    until_at    INTEGER NOT NULL,
    status      TEXT    NOT NULL,
    reserved_by TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    released_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX reservations_sku ON reservations (sku_code, status);
