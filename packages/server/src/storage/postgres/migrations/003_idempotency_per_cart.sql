-- The PostgreSQL twin of sqlite/migrations/003_idempotency_per_cart.sql: stored idempotent
-- answers name their cart, so that at most MAX_IDEMPOTENT_ANSWERS_PER_CART are kept each.
-- Adding a nullable column without a default rewrites no rows.
ALTER TABLE idempotency_keys ADD COLUMN cart_id TEXT COLLATE "C";
CREATE INDEX idempotency_cart ON idempotency_keys (cart_id, created_at) WHERE cart_id IS NOT NULL;
