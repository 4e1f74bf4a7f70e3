-- PostgreSQL only (SQLite appends under its single writer and needs no such function).
--
-- The head of the audit chain, read under the chain's advisory lock, in one statement.
-- A statement sees what was committed when it started, so a head read by the statement
-- that waits for the lock would miss the record of the holder it waited for. Inside this
-- VOLATILE function each query takes a fresh snapshot (READ COMMITTED), so the read, run
-- after the lock is granted, sees the previous holder's record. The lock key is the
-- caller's (AUDIT_LOCK, audit.ts), so one chain is one lock whichever code appends.
-- Always one row: (NULL, NULL) when the chain is empty.
CREATE FUNCTION audit_chain_head(lock_key BIGINT, OUT seq BIGINT, OUT hash TEXT)
LANGUAGE plpgsql VOLATILE
SET search_path FROM CURRENT
AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(lock_key);
  SELECT a.seq, a.hash INTO seq, hash FROM audit_log a ORDER BY a.seq DESC LIMIT 1;
END
$$;
