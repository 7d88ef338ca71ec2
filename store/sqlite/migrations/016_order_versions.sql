-- An order's revision now comes from the platform's modification time
-- (Unix ms), so it is the same in a store rebuilt from scratch; versions
-- counts the versions this store recorded (what revision counted before).
ALTER TABLE orders ADD COLUMN versions INTEGER NOT NULL DEFAULT 1;
UPDATE orders SET versions = revision;
