-- Refused changes (issue 16, docs/operations.md#lost-demand): adds refused for stock or a
-- limit, and refused checkouts. A refusal changes no cart, so it has no place among the
-- analytics events written with a change: one row per refusal, recorded after it is
-- decided. Only ids, the error code and the units asked: nothing identifies a shopper.
CREATE TABLE refusals (
  id         INTEGER PRIMARY KEY,
  at         TEXT NOT NULL,
  stage      TEXT NOT NULL CHECK (stage IN ('add', 'checkout')),
  code       TEXT NOT NULL,
  cart_id    TEXT NOT NULL,
  product_id TEXT,
  quantity   INTEGER CHECK (quantity IS NULL OR quantity >= 1)
);
-- Every query reads one window of `at`.
CREATE INDEX refusals_at ON refusals (at);
