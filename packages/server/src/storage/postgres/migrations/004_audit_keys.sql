-- The audit chain is keyed (src/audit/chain.ts): each record names the key whose HMAC
-- its hash is. Records written before have none (NULL): their hash is plain SHA-256,
-- and the verifier accepts them only before the first keyed record. The key itself is
-- never stored in the database.
ALTER TABLE audit_log ADD COLUMN key_id TEXT;
