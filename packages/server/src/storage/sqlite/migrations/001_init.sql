-- Catalog: products and discount codes, managed through the admin API.
CREATE TABLE products (
  id            TEXT PRIMARY KEY,
  sku           TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  description   TEXT NOT NULL,
  price_amount  INTEGER NOT NULL CHECK (price_amount >= 0),
  currency      TEXT NOT NULL,
  stock         INTEGER CHECK (stock IS NULL OR stock >= 0),
  max_per_order INTEGER,
  image_url     TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);
CREATE INDEX products_created ON products (created_at, id);

CREATE TABLE discounts (
  code         TEXT PRIMARY KEY,
  kind         TEXT NOT NULL CHECK (kind IN ('percent', 'fixed')),
  value        INTEGER NOT NULL CHECK (value > 0),
  min_subtotal INTEGER,
  starts_at    TEXT,
  ends_at      TEXT,
  usage_limit  INTEGER,
  times_used   INTEGER NOT NULL DEFAULT 0 CHECK (usage_limit IS NULL OR times_used <= usage_limit),
  combinable   INTEGER NOT NULL,
  created_at   TEXT NOT NULL
);

-- Carts: the state is one JSON document (lines, codes, note…); totals are never stored.
-- version, status and expires_at are columns too, for conditional writes and the sweeper.
CREATE TABLE carts (
  id         TEXT PRIMARY KEY,
  token_hash BLOB NOT NULL,
  version    INTEGER NOT NULL,
  status     TEXT NOT NULL,
  state      TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX carts_expiry ON carts (status, expires_at);

-- Client action ids a cart has applied: an action replayed by an offline client is skipped.
CREATE TABLE cart_applied_actions (
  cart_id   TEXT NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
  action_id TEXT NOT NULL,
  PRIMARY KEY (cart_id, action_id)
) WITHOUT ROWID;

CREATE TABLE idempotency_keys (
  id          TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  payload     TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL
);
CREATE INDEX idempotency_expiry ON idempotency_keys (expires_at);

CREATE TABLE orders (
  id           TEXT PRIMARY KEY,
  cart_id      TEXT NOT NULL UNIQUE,
  total_amount INTEGER NOT NULL,
  currency     TEXT NOT NULL,
  cart         TEXT NOT NULL,
  created_at   TEXT NOT NULL
);

-- The audit log: append-only and hash-chained (see src/audit/chain.ts).
CREATE TABLE audit_log (
  seq            INTEGER PRIMARY KEY,
  at             TEXT NOT NULL,
  actor_type     TEXT NOT NULL,
  actor_id       TEXT,
  request_id     TEXT,
  client_address TEXT,
  action         TEXT NOT NULL,
  cart_id        TEXT,
  before_version INTEGER,
  after_version  INTEGER,
  detail         TEXT NOT NULL,
  prev_hash      TEXT NOT NULL,
  hash           TEXT NOT NULL
);
CREATE INDEX audit_cart ON audit_log (cart_id, seq);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE analytics_events (
  id         INTEGER PRIMARY KEY,
  at         TEXT NOT NULL,
  type       TEXT NOT NULL,
  cart_id    TEXT NOT NULL,
  product_id TEXT,
  quantity   INTEGER,
  amount     INTEGER,
  currency   TEXT
);
CREATE INDEX analytics_type_at ON analytics_events (type, at);
