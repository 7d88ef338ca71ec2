-- Shipments the ERP sent (POST /v1/shipments) and the platform's answer,
-- one per order and tracking number. Unix ms.
CREATE TABLE shipments (
    channel           TEXT COLLATE "C" NOT NULL,
    shop              TEXT COLLATE "C" NOT NULL,
    platform_order_id TEXT COLLATE "C" NOT NULL,
    tracking_no       TEXT COLLATE "C" NOT NULL,
    doc               TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    error             TEXT    NOT NULL DEFAULT '',
    updated_at        BIGINT  NOT NULL,
    PRIMARY KEY (channel, shop, platform_order_id, tracking_no)
);
