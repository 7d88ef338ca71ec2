-- Units the platform reported sold beyond the stock last pushed (Vipshop
-- over_sell_quantity), written with the listing by the push.
ALTER TABLE listings ADD COLUMN over_sell BIGINT NOT NULL DEFAULT 0;
