/**
 * The PostgreSQL adapter of the storage port: the class that opens the pool
 * (connection.ts), composes the modules — carts.ts, mutation.ts, catalog.ts, regions.ts,
 * audit.ts, monitoring.ts — and answers for the lifecycle. Every other port method is one module's,
 * handed on by ComposedStorage (../composed-storage.ts).
 */
import type pg from 'pg';
import type { AuditKeyring } from '../../audit/keyring.ts';
import type { Storage } from '../port.ts';
import { ComposedStorage } from '../composed-storage.ts';
import { PostgresAudit } from './audit.ts';
import { PostgresCarts } from './carts.ts';
import { PostgresCatalog } from './catalog.ts';
import { connect, type PostgresConnection } from './connection.ts';
import type { GroupCommit, GroupCommitOptions } from './group-commit.ts';
import { applyMigrations } from './migrations.ts';
import { PostgresMonitoring } from './monitoring.ts';
import { PostgresMutation } from './mutation.ts';
import { PostgresRegions } from './regions.ts';

export interface PostgresStorageOptions {
  /** `postgres://…`; a schema is chosen with `?options=-c%20search_path%3D<schema>`. */
  connectionString: string;
  /** Most connections this process opens (DATABASE_POOL_MAX). */
  poolMax?: number;
  /** Longest any statement may run, lock waits included (DATABASE_STATEMENT_TIMEOUT_MS). */
  statementTimeoutMs?: number;
  /** Longest wait for a connection, new or from the pool, before a request fails (DATABASE_POOL_WAIT_MS). */
  connectionTimeoutMs?: number;
  /** An idle connection is closed after this long. */
  idleTimeoutMs?: number;
  /**
   * The audit chain's keys, shared by every instance (AUDIT_KEYS or AUDIT_KEY_FILE; see
   * src/audit/keyring.ts). An empty ring can read and verify but never append.
   */
  auditKeys: AuditKeyring;
  /**
   * Mutation groups in flight at once and mutations per group (group-commit.ts);
   * by default two groups (fewer with a pool under four) of up to 64.
   */
  groupCommit?: Partial<GroupCommitOptions>;
}

/**
 * PostgreSQL through a bounded `pg.Pool`, for several server processes on one database.
 *
 * Where SQLite serializes every transaction, here they run side by side (READ COMMITTED),
 * and correctness comes from three things:
 * - a mutation locks the rows it decides on, its cart (and a merge's source, both in id
 *   order, so two merges cannot deadlock), with `SELECT … FOR UPDATE`: changes to one cart
 *   queue, none is lost. Within a process they queue before that, in memory (`CartQueue`),
 *   so that waiters do not each hold a connection;
 * - what is shared between carts is written conditionally (stock, code uses, the
 *   idempotency record): a race lost to another cart is a WriteConflictError, and the
 *   service decides again on fresh data. Products are read, not locked, so carts holding
 *   a popular product never wait for one another;
 * - the audit chain is appended under one advisory lock, taken last, so the chain stays
 *   one line however many processes write, and the lock is held only for the append and
 *   the commit. Because that commit is a WAL flush, mutations of different carts that
 *   arrive together share one transaction (`GroupCommit`): one flush, one hold of the
 *   chain's lock, for all of them.
 */
export class PostgresStorage extends ComposedStorage implements Storage {
  readonly dialect = 'postgres' as const;
  readonly auditKeys: AuditKeyring;
  /** The pool and its transactions (connection.ts); the tests watch the pool. */
  private readonly conn: PostgresConnection;
  private readonly pool: pg.Pool;
  /** Mutation groups (group-commit.ts); its `stats` are read by the tests. */
  readonly groups: GroupCommit;
  private closed = false;
  protected readonly carts: PostgresCarts;
  protected readonly mutation: PostgresMutation;
  protected readonly catalog: PostgresCatalog;
  protected readonly regions: PostgresRegions;
  protected readonly audit: PostgresAudit;
  protected readonly monitoring: PostgresMonitoring;

  constructor(options: PostgresStorageOptions) {
    super();
    this.auditKeys = options.auditKeys;
    const poolMax = options.poolMax ?? 10;
    const statementTimeoutMs = options.statementTimeoutMs ?? 5000;
    this.conn = connect({
      connectionString: options.connectionString,
      poolMax,
      statementTimeoutMs,
      connectionTimeoutMs: options.connectionTimeoutMs ?? 5000,
      idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
    });
    this.pool = this.conn.pool;
    this.audit = new PostgresAudit(this.conn, this.auditKeys);
    this.monitoring = new PostgresMonitoring(this.conn);
    this.mutation = new PostgresMutation(this.conn, this.audit, {
      statementTimeoutMs,
      poolMax,
      groupCommit: options.groupCommit,
    });
    this.groups = this.mutation.groups;
    this.carts = new PostgresCarts(this.conn);
    this.catalog = new PostgresCatalog(this.conn, this.audit, this.mutation);
    this.regions = new PostgresRegions(this.conn, this.audit, this.mutation);
  }

  // ---- lifecycle ----------------------------------------------------------------

  async migrate(): Promise<void> {
    await this.conn.transaction((c) => applyMigrations(c));
  }

  async ping(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
