-- One writer per product and shop (every worker). Unix ms.
CREATE TABLE write_leases (
    channel      TEXT COLLATE "C" NOT NULL,
    shop         TEXT COLLATE "C" NOT NULL,
    product_code TEXT COLLATE "C" NOT NULL,
    holder       TEXT COLLATE "C" NOT NULL,
    until        BIGINT  NOT NULL,
    PRIMARY KEY (channel, shop, product_code)
);
