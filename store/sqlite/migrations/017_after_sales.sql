-- Refunds and after-sales cases: one row per platform case, with the
-- version and revision the ERP last heard of (as orders have).
CREATE TABLE after_sales (
    channel           TEXT NOT NULL,
    shop              TEXT NOT NULL,
    case_id           TEXT NOT NULL,
    platform_order_id TEXT NOT NULL,
    version           TEXT NOT NULL,       -- digest of the case without its times
    revision          INTEGER NOT NULL,    -- modification time, Unix ms
    status            TEXT NOT NULL,
    modified_at       INTEGER NOT NULL,
    doc               TEXT NOT NULL,       -- domain.AfterSale as JSON
    first_seen        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (channel, shop, case_id)
);
CREATE INDEX after_sales_order ON after_sales(channel, shop, platform_order_id);

-- A refund case's deliveries sit beside its order's, so an order's
-- webhooks keep one order: case_id '' is the order itself. SQLite cannot
-- change a UNIQUE constraint in place: the table is rebuilt.
CREATE TABLE deliveries_017 (
    id                TEXT PRIMARY KEY,
    event             TEXT NOT NULL,
    channel           TEXT NOT NULL,
    shop              TEXT NOT NULL,
    platform_order_id TEXT NOT NULL,
    case_id           TEXT NOT NULL DEFAULT '',
    revision          INTEGER NOT NULL,
    doc               TEXT NOT NULL,       -- order (and case) snapshot at this revision
    status            TEXT NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_http_status  INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    delivered_at      INTEGER NOT NULL DEFAULT 0,
    dispatched_at     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (channel, shop, platform_order_id, case_id, revision)
);
INSERT INTO deliveries_017 (id, event, channel, shop, platform_order_id, case_id, revision, doc, status, attempts, last_http_status,
    last_error, created_at, delivered_at, dispatched_at)
SELECT id, event, channel, shop, platform_order_id, '', revision, doc, status, attempts, last_http_status,
    last_error, created_at, delivered_at, dispatched_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_017 RENAME TO deliveries;
CREATE INDEX deliveries_pending ON deliveries(status, created_at);
CREATE INDEX deliveries_shop_pending ON deliveries(channel, shop, status, created_at, id);
