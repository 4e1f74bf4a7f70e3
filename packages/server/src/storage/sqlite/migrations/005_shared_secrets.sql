-- What several instances on one database must agree on without extra setup
-- (docs/deploy.md): the server secret, when SECRET is not set, and signed-out dashboard
-- sessions.

-- Secrets generated once, by whichever instance starts first (INSERT … ON CONFLICT DO
-- NOTHING, then read back), and shared by every instance from then on. `signing` signs
-- CSRF tokens and, together with ADMIN_TOKEN (never stored), dashboard sessions.
CREATE TABLE server_secrets (
  name       TEXT PRIMARY KEY,
  value      BLOB NOT NULL CHECK (length(value) >= 32),
  created_at TEXT NOT NULL
);

-- Dashboard sessions ended by a sign-out, refused by every instance until they would
-- have expired anyway; the background sweep then deletes them.
CREATE TABLE revoked_admin_sessions (
  id         TEXT PRIMARY KEY,
  expires_at TEXT NOT NULL
);
CREATE INDEX revoked_admin_sessions_expiry ON revoked_admin_sessions (expires_at);
