-- When the delivery's workflow was last started: a pending delivery already
-- dispatched is not started again every pull round (a stale one is).
ALTER TABLE deliveries ADD COLUMN dispatched_at BIGINT NOT NULL DEFAULT 0;
