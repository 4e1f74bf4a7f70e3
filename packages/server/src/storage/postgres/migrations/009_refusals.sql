-- The PostgreSQL twin of sqlite/migrations/009_refusals.sql (see 001_init.sql for the
-- differences in types and collations): refused adds and checkouts, one row each.
CREATE TABLE refusals (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at         TEXT COLLATE "C" NOT NULL,
  stage      TEXT NOT NULL CHECK (stage IN ('add', 'checkout')),
  code       TEXT NOT NULL,
  cart_id    TEXT COLLATE "C" NOT NULL,
  product_id TEXT COLLATE "C",
  quantity   BIGINT CHECK (quantity IS NULL OR quantity >= 1)
);
-- Every query reads one window of `at`.
CREATE INDEX refusals_at ON refusals (at);
