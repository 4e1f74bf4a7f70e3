/**
 * The audit module of the PostgreSQL adapter: appending to the one hash chain — its lock
 * and head in one statement, then the records, chained in JS (the HMAC key never reaches
 * the database), in another — and reading the log back.
 */
import { chainRecord } from '../../audit/chain.ts';
import type { AuditKey, AuditKeyring } from '../../audit/keyring.ts';
import type { AuditEntry, AuditQuery, AuditRecord, AuditStore } from '../port.ts';
import { toAudit, toAuditRow, type AuditRow } from '../rows.ts';
import type { PostgresConnection, Queryable } from './connection.ts';

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
    return toAuditRow(r);
  });
  await c.query({ ...INSERT_AUDIT, values: [JSON.stringify(records)] });
}

/** The chain's lock, then its head (null when the chain is empty): one round trip. */
export async function readAuditHead(c: Queryable): Promise<{ seq: number; hash: string } | null> {
  const { rows } = await c.query<Head>({ name: 'audit-head', text: AUDIT_HEAD });
  return headOf(rows[0]);
}

export class PostgresAudit implements AuditStore {
  constructor(
    private readonly conn: PostgresConnection,
    readonly auditKeys: AuditKeyring,
  ) {}

  /**
   * Appends `entries` to the chain in `c`'s transaction, outside a mutation (admin
   * changes, the seed): the lock and the head in one statement, then the records, each
   * signed with the ring's first key. (Mutations append as group-commit.ts does.)
   */
  async append(c: Queryable, entries: readonly AuditEntry[]): Promise<void> {
    if (!entries.length) return;
    const key = this.auditKeys.requireSigning();
    await insertAudit(c, entries, await readAuditHead(c), key);
  }

  async listAudit(q: AuditQuery): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (column: string, op: string, value: unknown) => {
      params.push(value);
      where.push(`${column} ${op} $${params.length}`);
    };
    if (q.cartId !== undefined) add('cart_id', '=', q.cartId);
    if (q.actorType !== undefined) add('actor_type', '=', q.actorType);
    if (q.action !== undefined) add('action', '=', q.action);
    if (q.from !== undefined) add('at', '>=', q.from);
    if (q.to !== undefined) add('at', '<', q.to);
    if (q.beforeSeq !== undefined) add('seq', '<', q.beforeSeq);
    params.push(q.limit);
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const { rows } = await this.conn.pool.query<AuditRow>(
      `SELECT * FROM audit_log ${filter} ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toAudit);
  }

  async readAuditChain(afterSeq: number, limit: number): Promise<AuditRecord[]> {
    const { rows } = await this.conn.pool.query<AuditRow>(
      'SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2',
      [afterSeq, limit],
    );
    return rows.map(toAudit);
  }
}
