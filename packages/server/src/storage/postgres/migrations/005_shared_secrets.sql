-- The PostgreSQL twin of sqlite/migrations/005_shared_secrets.sql (see 001_init.sql for
-- the differences in types and collations, and why).

-- Secrets generated once, by whichever instance starts first (INSERT … ON CONFLICT DO
-- NOTHING, then read back), and shared by every instance from then on. `signing` signs
-- CSRF tokens and, together with ADMIN_TOKEN (never stored), dashboard sessions.
CREATE TABLE server_secrets (
  name       TEXT COLLATE "C" PRIMARY KEY,
  value      BYTEA NOT NULL CHECK (octet_length(value) >= 32),
  created_at TEXT COLLATE "C" NOT NULL
);

-- Dashboard sessions ended by a sign-out, refused by every instance until they would
-- have expired anyway; the background sweep then deletes them.
CREATE TABLE revoked_admin_sessions (
  id         TEXT COLLATE "C" PRIMARY KEY,
  expires_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX revoked_admin_sessions_expiry ON revoked_admin_sessions (expires_at);
