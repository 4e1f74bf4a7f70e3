-- The PostgreSQL twin of sqlite/migrations/001_init.sql: the same tables and columns, so
-- both adapters keep the same facts. Differences, and why:
-- * money and counts are BIGINT (prices reach 10^10 minor units, past INTEGER);
-- * the cart state is JSONB, the token hash BYTEA, booleans BOOLEAN;
-- * timestamps stay ISO-8601 TEXT ("2026-11-28T10:00:00.000Z"), exactly as the service
--   writes them, so they read back byte for byte; keys and timestamps use the "C"
--   collation, so they compare and sort by bytes as in SQLite, whatever the database's
--   locale, and keyset paging sees the same order on both adapters.
-- Every name is unqualified: objects land in the schema the connection's search_path
-- names, and nothing is created outside it.

-- Catalog: products and discount codes, managed through the admin API.
CREATE TABLE products (
  id            TEXT COLLATE "C" PRIMARY KEY,
  sku           TEXT COLLATE "C" NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  description   TEXT NOT NULL,
  price_amount  BIGINT NOT NULL CHECK (price_amount >= 0),
  currency      TEXT NOT NULL,
  stock         BIGINT CHECK (stock IS NULL OR stock >= 0),
  max_per_order BIGINT,
  image_url     TEXT,
  created_at    TEXT COLLATE "C" NOT NULL,
  updated_at    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX products_created ON products (created_at, id);

CREATE TABLE discounts (
  code         TEXT COLLATE "C" PRIMARY KEY,
  kind         TEXT NOT NULL CHECK (kind IN ('percent', 'fixed')),
  value        BIGINT NOT NULL CHECK (value > 0),
  min_subtotal BIGINT,
  starts_at    TEXT COLLATE "C",
  ends_at      TEXT COLLATE "C",
  usage_limit  BIGINT,
  times_used   BIGINT NOT NULL DEFAULT 0 CHECK (usage_limit IS NULL OR times_used <= usage_limit),
  combinable   BOOLEAN NOT NULL,
  created_at   TEXT COLLATE "C" NOT NULL
);

-- Carts: the state is one JSON document (lines, codes, note…); totals are never stored.
-- version, status and expires_at are columns too, for conditional writes and the sweeper.
CREATE TABLE carts (
  id         TEXT COLLATE "C" PRIMARY KEY,
  token_hash BYTEA NOT NULL,
  version    BIGINT NOT NULL,
  status     TEXT NOT NULL,
  state      JSONB NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL,
  expires_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX carts_expiry ON carts (status, expires_at);

-- Client action ids a cart has applied: an action replayed by an offline client is skipped.
CREATE TABLE cart_applied_actions (
  cart_id   TEXT COLLATE "C" NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
  action_id TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (cart_id, action_id)
);

CREATE TABLE idempotency_keys (
  id          TEXT COLLATE "C" PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  payload     TEXT NOT NULL,
  created_at  TEXT COLLATE "C" NOT NULL,
  expires_at  TEXT COLLATE "C" NOT NULL
);
CREATE INDEX idempotency_expiry ON idempotency_keys (expires_at);

CREATE TABLE orders (
  id           TEXT COLLATE "C" PRIMARY KEY,
  cart_id      TEXT COLLATE "C" NOT NULL UNIQUE,
  total_amount BIGINT NOT NULL,
  currency     TEXT NOT NULL,
  cart         JSONB NOT NULL,
  created_at   TEXT COLLATE "C" NOT NULL
);

-- The audit log: append-only and hash-chained (see src/audit/chain.ts). seq is assigned
-- by the writer from the chain head, under an advisory lock (see storage/postgres/audit.ts);
-- the primary key is the backstop: two writers can never both link to one head.
CREATE TABLE audit_log (
  seq            BIGINT PRIMARY KEY,
  at             TEXT COLLATE "C" NOT NULL,
  actor_type     TEXT NOT NULL,
  actor_id       TEXT,
  request_id     TEXT,
  client_address TEXT,
  action         TEXT NOT NULL,
  cart_id        TEXT COLLATE "C",
  before_version BIGINT,
  after_version  BIGINT,
  detail         TEXT NOT NULL,
  prev_hash      TEXT NOT NULL,
  hash           TEXT NOT NULL
);
CREATE INDEX audit_cart ON audit_log (cart_id, seq);

-- detail stays TEXT, as written: the hash covers its content, and JSONB would rewrite
-- numbers and refuse some strings (\u0000), so the verifier could see another value.
-- Updates, deletes and truncation are refused by the database itself.

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE analytics_events (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at         TEXT COLLATE "C" NOT NULL,
  type       TEXT NOT NULL,
  cart_id    TEXT COLLATE "C" NOT NULL,
  product_id TEXT,
  quantity   BIGINT,
  amount     BIGINT,
  currency   TEXT
);
CREATE INDEX analytics_type_at ON analytics_events (type, at);
