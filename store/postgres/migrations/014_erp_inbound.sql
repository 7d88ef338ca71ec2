-- ERP changes in (syncctl serve): the last ERP version applied per SKU and
-- field, so a stale update loses; and the request ids already taken, so a
-- replayed request is refused. Unix ms.
CREATE TABLE erp_versions (
    sku_code TEXT COLLATE "C" NOT NULL,
    field    TEXT COLLATE "C" NOT NULL, -- stock | price
    version  BIGINT  NOT NULL,
    PRIMARY KEY (sku_code, field)
);
CREATE TABLE inbound_requests (
    id          TEXT COLLATE "C" PRIMARY KEY,
    received_at BIGINT  NOT NULL
);
CREATE INDEX inbound_requests_at ON inbound_requests (received_at);
