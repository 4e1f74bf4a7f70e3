-- Storing an answer deletes its cart's oldest past MAX_IDEMPOTENT_ANSWERS_PER_CART, in the
-- order (created_at, id). With the id in the index, that order is the index's: the
-- bound is found by walking it, not by sorting every answer of the cart on each change.
CREATE INDEX idempotency_cart_order ON idempotency_keys (cart_id, created_at, id) WHERE cart_id IS NOT NULL;
DROP INDEX idempotency_cart;
