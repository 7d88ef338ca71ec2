-- The other half of a shop's change set: listings whose SKU is no longer in
-- the catalog as part of the product they list and that the shop has not
-- ended yet. Triggers keep the set exact whatever path writes the catalog or
-- the listings: a row is here exactly when its listing's status is not
-- 'removed' and no skus row has its code under its product.
CREATE TABLE push_removals (
    channel      TEXT COLLATE "C" NOT NULL,
    shop         TEXT COLLATE "C" NOT NULL,
    sku_code     TEXT COLLATE "C" NOT NULL,
    product_code TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (channel, shop, sku_code)
);
CREATE INDEX push_removals_product ON push_removals(channel, shop, product_code);
CREATE INDEX push_removals_sku ON push_removals(sku_code, product_code);
CREATE INDEX push_removals_product_code ON push_removals(product_code);
-- A SKU's listings on every shop, for the triggers below.
CREATE INDEX listings_sku ON listings(sku_code);

-- A SKU left its product (deleted, or moved): its live listings on every
-- shop are to be ended. A SKU (back) under a product: nothing of it is.
CREATE FUNCTION skus_removals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO push_removals (channel, shop, sku_code, product_code)
        SELECT channel, shop, sku_code, product_code FROM listings
        WHERE sku_code = OLD.code AND product_code = OLD.product_code AND status <> 'removed'
        ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        DELETE FROM push_removals WHERE sku_code = NEW.code AND product_code = NEW.product_code;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER skus_removed AFTER DELETE ON skus FOR EACH ROW EXECUTE FUNCTION skus_removals();
CREATE TRIGGER skus_added AFTER INSERT ON skus FOR EACH ROW EXECUTE FUNCTION skus_removals();
CREATE TRIGGER skus_moved AFTER UPDATE OF code, product_code ON skus FOR EACH ROW EXECUTE FUNCTION skus_removals();

-- A listing written (by a push, a failure, a review outcome) is in the set
-- exactly when it is live and its SKU is gone; saved as removed, it leaves.
CREATE FUNCTION listings_removals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM push_removals WHERE channel = NEW.channel AND shop = NEW.shop AND sku_code = NEW.sku_code;
    INSERT INTO push_removals (channel, shop, sku_code, product_code)
    SELECT NEW.channel, NEW.shop, NEW.sku_code, NEW.product_code
    WHERE NEW.status <> 'removed'
      AND NOT EXISTS (SELECT 1 FROM skus WHERE code = NEW.sku_code AND product_code = NEW.product_code);
    RETURN NULL;
END $$;

CREATE TRIGGER listings_removal_insert AFTER INSERT ON listings FOR EACH ROW EXECUTE FUNCTION listings_removals();
CREATE TRIGGER listings_removal_update AFTER UPDATE OF status, product_code ON listings FOR EACH ROW EXECUTE FUNCTION listings_removals();
