-- One writer per product and shop (every worker): a push of a product to a
-- shop plans and writes while it holds the lease, so a plan made from
-- older catalog data never writes after one made from newer. Unix ms.
CREATE TABLE write_leases (
    channel      TEXT    NOT NULL,
    shop         TEXT    NOT NULL,
    product_code TEXT    NOT NULL,
    holder       TEXT    NOT NULL,
    until        INTEGER NOT NULL,
    PRIMARY KEY (channel, shop, product_code)
);
