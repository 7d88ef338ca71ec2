-- The commission rate (basis points) a listing's product has in the shop's
-- promotion pool (Kuaishou 分销, Douyin 精选联盟, WeChat 优选联盟); 0: not
-- in the pool. It is its own fact, written only by SetPoolRate: a push that
-- saves the listing leaves it alone.
ALTER TABLE listings ADD COLUMN pool_rate_bp INTEGER NOT NULL DEFAULT 0;
