-- Monitoring (docs/operations.md): error groups, alert history, and what the idle sweep
-- and the analytics queries need.

-- One row per error fingerprint (source + error class + top application frame + route):
-- how often, first and last seen, and the latest occurrence's message, request id and
-- stack. The stack is shown to the admin API only, never to a shopper.
CREATE TABLE error_groups (
  fingerprint       TEXT PRIMARY KEY,
  source            TEXT NOT NULL CHECK (source IN ('server', 'client')),
  error_class       TEXT NOT NULL,
  message           TEXT NOT NULL,
  route             TEXT NOT NULL,
  top_frame         TEXT NOT NULL,
  count             INTEGER NOT NULL CHECK (count >= 1),
  first_seen        TEXT NOT NULL,
  last_seen         TEXT NOT NULL,
  sample_request_id TEXT,
  stack             TEXT NOT NULL
);
-- Listed most recently seen first, paged by (last_seen, fingerprint); a source filter
-- reads the same order (there is one row per kind of error, not per occurrence).
CREATE INDEX error_groups_last_seen ON error_groups (last_seen, fingerprint);

-- Every alert rule's change of state, oldest first by id.
CREATE TABLE alert_events (
  id      INTEGER PRIMARY KEY,
  rule    TEXT NOT NULL,
  state   TEXT NOT NULL CHECK (state IN ('firing', 'resolved')),
  at      TEXT NOT NULL,
  value   REAL,
  summary TEXT NOT NULL
);

-- When the idle sweep last counted the cart as abandoned: a cart is idle again only
-- after a change (updated_at) later than this.
ALTER TABLE carts ADD COLUMN abandoned_at TEXT;
-- The idle sweep: carts by status and last change, only those not counted as abandoned
-- since that change (carts already counted cost the sweep nothing).
CREATE INDEX carts_idle ON carts (status, updated_at)
  WHERE abandoned_at IS NULL OR abandoned_at < updated_at;

-- Analytics over a window (funnel, orders, top products) read analytics_type_at
-- (type, at) of 001: one range per event type.
