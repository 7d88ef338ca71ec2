-- The commission rate (basis points) a listing's product has in the shop's
-- promotion pool; 0: not in the pool. Written only by SetPoolRate: a push
-- that saves the listing leaves it alone.
ALTER TABLE listings ADD COLUMN pool_rate_bp BIGINT NOT NULL DEFAULT 0;
