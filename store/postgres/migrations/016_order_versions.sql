-- An order's revision comes from the platform's modification time (Unix
-- ms); versions counts the versions this store recorded.
ALTER TABLE orders ADD COLUMN versions BIGINT NOT NULL DEFAULT 1;
