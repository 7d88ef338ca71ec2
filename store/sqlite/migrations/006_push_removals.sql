-- The other half of a shop's change set: listings whose SKU is no longer in
-- the catalog as part of the product they list (an import dropped it, or
-- `catalog remove` removed its product) and that the shop has not ended yet.
-- The next push ends them on the channel and saves them as removed, which
-- takes them out. Triggers keep the set exact whatever path writes the
-- catalog or the listings: a row is here exactly when its listing's status
-- is not 'removed' and no skus row has its code under its product.
CREATE TABLE push_removals (
    channel      TEXT NOT NULL,
    shop         TEXT NOT NULL,
    sku_code     TEXT NOT NULL,
    product_code TEXT NOT NULL,
    PRIMARY KEY (channel, shop, sku_code)
);
CREATE INDEX push_removals_product ON push_removals(channel, shop, product_code);
CREATE INDEX push_removals_sku ON push_removals(sku_code, product_code);
-- A SKU's listings on every shop, for the triggers below.
CREATE INDEX listings_sku ON listings(sku_code);

-- A SKU left its product: its live listings on every shop are to be ended.
-- (An import rewrites a product as delete + insert of its SKUs: the insert
-- below takes back what the delete put in.)
CREATE TRIGGER skus_removed AFTER DELETE ON skus BEGIN
    INSERT OR IGNORE INTO push_removals (channel, shop, sku_code, product_code)
    SELECT channel, shop, sku_code, product_code FROM listings
    WHERE sku_code = OLD.code AND product_code = OLD.product_code AND status <> 'removed';
END;

CREATE TRIGGER skus_added AFTER INSERT ON skus BEGIN
    DELETE FROM push_removals WHERE sku_code = NEW.code AND product_code = NEW.product_code;
END;

CREATE TRIGGER skus_moved AFTER UPDATE OF code, product_code ON skus BEGIN
    INSERT OR IGNORE INTO push_removals (channel, shop, sku_code, product_code)
    SELECT channel, shop, sku_code, product_code FROM listings
    WHERE sku_code = OLD.code AND product_code = OLD.product_code AND status <> 'removed';
    DELETE FROM push_removals WHERE sku_code = NEW.code AND product_code = NEW.product_code;
END;

-- A listing written (by a push, a failure, a review outcome) is in the set
-- exactly when it is live and its SKU is gone; saved as removed, it leaves.
CREATE TRIGGER listings_removal_insert AFTER INSERT ON listings BEGIN
    DELETE FROM push_removals WHERE channel = NEW.channel AND shop = NEW.shop AND sku_code = NEW.sku_code;
    INSERT INTO push_removals (channel, shop, sku_code, product_code)
    SELECT NEW.channel, NEW.shop, NEW.sku_code, NEW.product_code
    WHERE NEW.status <> 'removed'
      AND NOT EXISTS (SELECT 1 FROM skus WHERE code = NEW.sku_code AND product_code = NEW.product_code);
END;

CREATE TRIGGER listings_removal_update AFTER UPDATE OF status, product_code ON listings BEGIN
    DELETE FROM push_removals WHERE channel = NEW.channel AND shop = NEW.shop AND sku_code = NEW.sku_code;
    INSERT INTO push_removals (channel, shop, sku_code, product_code)
    SELECT NEW.channel, NEW.shop, NEW.sku_code, NEW.product_code
    WHERE NEW.status <> 'removed'
      AND NOT EXISTS (SELECT 1 FROM skus WHERE code = NEW.sku_code AND product_code = NEW.product_code);
END;

-- What earlier versions left behind: SKUs dropped by imports while their
-- listings stayed on sale.
INSERT INTO push_removals (channel, shop, sku_code, product_code)
SELECT l.channel, l.shop, l.sku_code, l.product_code FROM listings l
WHERE l.status <> 'removed'
  AND NOT EXISTS (SELECT 1 FROM skus s WHERE s.code = l.sku_code AND s.product_code = l.product_code);
