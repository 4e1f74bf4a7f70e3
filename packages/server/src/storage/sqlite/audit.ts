/**
 * The audit module of the SQLite adapter: appending to the one hash chain inside a write
 * (its head read and its records inserted on the writer, which the group commit holds, so
 * no other connection appends in between), and reading the log back.
 */
import type Database from 'better-sqlite3';
import { chainRecord } from '../../audit/chain.ts';
import type { AuditKeyring } from '../../audit/keyring.ts';
import type { AuditEntry, AuditQuery, AuditRecord, AuditStore } from '../port.ts';
import { toAudit, toAuditRow, type AuditRow } from '../rows.ts';
import { prepareOnBoth, type SqliteConnection } from './connection.ts';

const statements = (db: Database.Database) => ({
  auditHead: db.prepare<[], { seq: number; hash: string }>(
    'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
  ),
  insertAudit: db.prepare<AuditRow>(
    `INSERT INTO audit_log (seq, at, actor_type, actor_id, request_id, client_address, action, cart_id, before_version, after_version, detail, prev_hash, hash, key_id)
     VALUES (@seq, @at, @actor_type, @actor_id, @request_id, @client_address, @action, @cart_id, @before_version, @after_version, @detail, @prev_hash, @hash, @key_id)`,
  ),
  auditChain: db.prepare<[number, number], AuditRow>(
    'SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?',
  ),
});

type Statements = ReturnType<typeof statements>;

export class SqliteAudit implements AuditStore {
  private readonly stmt: Statements;
  private readonly reads: Statements;

  constructor(
    private readonly conn: SqliteConnection,
    readonly auditKeys: AuditKeyring,
  ) {
    ({ stmt: this.stmt, reads: this.reads } = prepareOnBoth(conn, statements));
  }

  /**
   * Appends `entries` after the chain's head, each linked to the one before and signed
   * with the ring's first key. Inside a write only (mutations, admin changes, the seed).
   */
  append(entries: readonly AuditEntry[]): void {
    if (!entries.length) return;
    const key = this.auditKeys.requireSigning();
    let head = this.stmt.auditHead.get() ?? null;
    for (const entry of entries) {
      const record = chainRecord(entry, head, key);
      this.stmt.insertAudit.run(toAuditRow(record));
      head = record;
    }
  }

  listAudit(q: AuditQuery): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      where.push(sql);
      params.push(value);
    };
    if (q.cartId !== undefined) add('cart_id = ?', q.cartId);
    if (q.actorType !== undefined) add('actor_type = ?', q.actorType);
    if (q.action !== undefined) add('action = ?', q.action);
    if (q.from !== undefined) add('at >= ?', q.from);
    if (q.to !== undefined) add('at < ?', q.to);
    if (q.beforeSeq !== undefined) add('seq < ?', q.beforeSeq);
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    // Filters combine into a handful of shapes; better-sqlite3 caches nothing, so prepare per call (admin-only, rare).
    const rows = this.conn.reader.prepare<unknown[], AuditRow>(sql).all(...params, q.limit);
    return Promise.resolve(rows.map(toAudit));
  }

  readAuditChain(afterSeq: number, limit: number): Promise<AuditRecord[]> {
    return Promise.resolve(this.reads.auditChain.all(afterSeq, limit).map(toAudit));
  }
}
