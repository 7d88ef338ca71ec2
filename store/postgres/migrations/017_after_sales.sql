-- Refunds and after-sales cases: one row per platform case, with the
-- version and revision the ERP last heard of (as orders have).
CREATE TABLE after_sales (
    channel           TEXT COLLATE "C" NOT NULL,
    shop              TEXT COLLATE "C" NOT NULL,
    case_id           TEXT COLLATE "C" NOT NULL,
    platform_order_id TEXT COLLATE "C" NOT NULL,
    version           TEXT    NOT NULL,       -- digest of the case without its times
    revision          BIGINT  NOT NULL,       -- modification time, Unix ms
    status            TEXT COLLATE "C" NOT NULL,
    modified_at       BIGINT  NOT NULL,
    doc               TEXT    NOT NULL,       -- domain.AfterSale as JSON
    first_seen        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL,
    PRIMARY KEY (channel, shop, case_id)
);
CREATE INDEX after_sales_order ON after_sales(channel, shop, platform_order_id);

-- A refund case's deliveries sit beside its order's, so an order's
-- webhooks keep one order: case_id '' is the order itself.
ALTER TABLE deliveries ADD COLUMN case_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE deliveries DROP CONSTRAINT deliveries_channel_shop_platform_order_id_revision_key;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_order_case_revision UNIQUE (channel, shop, platform_order_id, case_id, revision);
