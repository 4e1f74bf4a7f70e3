-- Stored idempotent answers are bounded per cart (MAX_IDEMPOTENT_ANSWERS_PER_CART): each
-- record names the cart it answered for, so storing one more can delete that cart's
-- oldest in the same transaction. Records written before this migration, and those that
-- belong to no cart (admin changes, a stranger's 404), have no cart and expire as before.
ALTER TABLE idempotency_keys ADD COLUMN cart_id TEXT;
CREATE INDEX idempotency_cart ON idempotency_keys (cart_id, created_at) WHERE cart_id IS NOT NULL;
