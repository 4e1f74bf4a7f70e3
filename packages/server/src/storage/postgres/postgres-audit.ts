import { chainRecord } from '../../audit/chain.ts';
import type { AuditKey, AuditKeyring } from '../../audit/keyring.ts';
import type { AuditEntry } from '../port.ts';
import type { Queryable } from './postgres-mutation.ts';

/**
 * Appending to the one audit hash chain: its lock and head in one statement, then the
 * records, chained in JS (the HMAC key never reaches the database), in another.
 */

/**
 * Advisory-lock class of the audit chain (the one-bigint form: this class in the high
 * half, the audit table's OID in the low half). One chain is one lock, whichever process
 * appends; another schema in the same database has its own table, so its own lock.
 */
const AUDIT_LOCK_CLASS = 0x6361_7274; // "cart"
export const AUDIT_LOCK = `(${AUDIT_LOCK_CLASS}::bigint << 32) | 'audit_log'::regclass::oid::bigint`;

/**
 * The chain's lock, then its head read by a query that starts after the lock is granted
 * (migration 006): one statement, one round trip. Always one row, (null, null) when the
 * chain is empty.
 */
const AUDIT_HEAD = `SELECT seq, hash FROM audit_chain_head(${AUDIT_LOCK})`;

/** The chain's head as `audit_chain_head` answers it: both null when the chain is empty. */
export interface Head {
  seq: number | null;
  hash: string | null;
}

export const headOf = (h: Head | null | undefined): { seq: number; hash: string } | null =>
  h && h.seq !== null && h.hash !== null ? { seq: h.seq, hash: h.hash } : null;

const INSERT_AUDIT = {
  name: 'audit-insert',
  text: `
INSERT INTO audit_log (seq, at, actor_type, actor_id, request_id, client_address, action,
  cart_id, before_version, after_version, detail, prev_hash, hash, key_id)
SELECT r.seq, r.at, r.actor_type, r.actor_id, r.request_id, r.client_address, r.action,
  r.cart_id, r.before_version, r.after_version, r.detail, r.prev_hash, r.hash, r.key_id
FROM jsonb_to_recordset($1::jsonb) AS r(seq bigint, at text, actor_type text, actor_id text,
  request_id text, client_address text, action text, cart_id text, before_version bigint,
  after_version bigint, detail text, prev_hash text, hash text, key_id text)`,
};

/**
 * Appends `entries` after `head` (read under the chain's lock, which the transaction
 * holds), each linked to the one before and signed with `key`, in one statement.
 */
export async function insertAudit(
  c: Queryable,
  entries: readonly AuditEntry[],
  head: { seq: number; hash: string } | null,
  key: AuditKey,
): Promise<void> {
  if (!entries.length) return;
  let prev = head;
  const records = entries.map((entry) => {
    const r = chainRecord(entry, prev, key);
    prev = r;
    return {
      seq: r.seq,
      at: r.at,
      actor_type: r.actorType,
      actor_id: r.actorId,
      request_id: r.requestId,
      client_address: r.clientAddress,
      action: r.action,
      cart_id: r.cartId,
      before_version: r.beforeVersion,
      after_version: r.afterVersion,
      // Stored as written (TEXT): the hash covers exactly this text.
      detail: JSON.stringify(r.detail),
      prev_hash: r.prevHash,
      hash: r.hash,
      key_id: r.keyId,
    };
  });
  await c.query({ ...INSERT_AUDIT, values: [JSON.stringify(records)] });
}

/** The chain's lock, then its head (null when the chain is empty): one round trip. */
export async function readAuditHead(c: Queryable): Promise<{ seq: number; hash: string } | null> {
  const { rows } = await c.query<Head>({ name: 'audit-head', text: AUDIT_HEAD });
  const head = rows[0];
  return head && head.seq !== null && head.hash !== null
    ? { seq: head.seq, hash: head.hash }
    : null;
}

/**
 * Appends to the one hash chain outside a mutation (admin changes): the lock and the
 * head in one statement, then the records. Each record is signed with the ring's first
 * key.
 */
export async function appendAudit(
  c: Queryable,
  entries: readonly AuditEntry[],
  keys: AuditKeyring,
): Promise<void> {
  if (!entries.length) return;
  const key = keys.requireSigning();
  await insertAudit(c, entries, await readAuditHead(c), key);
}
