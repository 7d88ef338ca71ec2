-- A product's listings in SKU order straight from one index: with only
-- (channel, shop, product_code), SQLite walked the whole shop's listings
-- in primary-key order to skip the sort, so every push of a product cost
-- a scan of the shop (94 % of a push's time at 60 000 SKUs).
DROP INDEX listings_product;
CREATE INDEX listings_product ON listings(channel, shop, product_code, sku_code);
