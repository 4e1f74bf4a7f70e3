/**
 * The SQLite adapter of the storage port: the class that opens the connections
 * (connection.ts), composes the modules — carts.ts, mutation.ts, catalog.ts, regions.ts,
 * audit.ts, monitoring.ts — and answers for the lifecycle. Every other port method is one module's,
 * handed on by ComposedStorage (../composed-storage.ts).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { loadAuditKeyring, type AuditKeyring } from '../../audit/keyring.ts';
import type { Storage } from '../port.ts';
import { ComposedStorage } from '../composed-storage.ts';
import { SqliteAudit } from './audit.ts';
import { SqliteCarts } from './carts.ts';
import { SqliteCatalog } from './catalog.ts';
import { connect } from './connection.ts';
import type { GroupCommit } from './group-commit.ts';
import { SqliteMonitoring } from './monitoring.ts';
import { SqliteMutation } from './mutation.ts';
import { SqliteRegions } from './regions.ts';

/** How writes are grouped into commits (group-commit.ts); the defaults suit most shops. */
export interface SqliteOptions {
  /** The audit chain's keys (see the constructor). */
  auditKeys?: AuditKeyring;
  /**
   * How long a group stays open for more writes, in ms. 0 (the default): to the end of
   * the event-loop turn that opened it, so a lone write waits for nothing.
   */
  commitWindowMs?: number;
  /** Writes after which a group commits at once. */
  maxGroupWrites?: number;
  /** `full` (the default): each commit synced to disk; `normal`: at checkpoints only. */
  synchronous?: 'full' | 'normal';
  /** Bound of the cache of cart states last committed here, in characters of JSON. */
  stateCacheBytes?: number;
}

/**
 * Embedded SQLite through better-sqlite3: WAL journal, `synchronous = FULL` so that a
 * commit is on disk before the answer leaves (an acknowledged change survives a crash
 * or power loss), and every statement prepared once. better-sqlite3 is synchronous, so
 * a transaction runs start to finish without yielding: mutations in one process are
 * serialized by construction, and no other request can interleave inside one.
 *
 * Two connections: every write goes through the writer, where writes that arrive together
 * share one commit and one fsync (group-commit.ts), each answered once that commit is
 * durable; reads outside a write use the reader, which sees only what is committed, so
 * no one is ever shown a change that is not yet on disk. (An in-memory database is one
 * connection for both: nothing of it is durable anyway.)
 */
export class SqliteStorage extends ComposedStorage implements Storage {
  readonly dialect = 'sqlite' as const;
  readonly auditKeys: AuditKeyring;
  /** The writer and the reader (connection.ts); the tests read their settings. */
  private readonly db: Database.Database;
  private readonly reader: Database.Database;
  private readonly commits: GroupCommit;
  private readonly pingStatement: Database.Statement<[], unknown>;
  protected readonly carts: SqliteCarts;
  protected readonly mutation: SqliteMutation;
  protected readonly catalog: SqliteCatalog;
  protected readonly regions: SqliteRegions;
  protected readonly audit: SqliteAudit;
  protected readonly monitoring: SqliteMonitoring;

  /**
   * `auditKeys`: the audit chain's keys; by default those of a SQLite database without
   * AUDIT_KEYS or AUDIT_KEY_FILE (`audit.key` next to the file, created on first open;
   * a random one for `:memory:`).
   */
  constructor(path: string, options: SqliteOptions = {}) {
    super();
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.auditKeys =
      options.auditKeys ?? loadAuditKeyring({ DATABASE_URL: `sqlite:${path}` }, true);
    const conn = connect(path, {
      synchronous: options.synchronous ?? 'full',
      commitWindowMs: options.commitWindowMs ?? 0,
      maxGroupWrites: options.maxGroupWrites ?? 500,
      onAbort: () => this.mutation.forgetStates(),
    });
    ({ db: this.db, reader: this.reader, commits: this.commits } = conn);
    this.pingStatement = this.db.prepare('SELECT 1');
    this.audit = new SqliteAudit(conn, this.auditKeys);
    this.monitoring = new SqliteMonitoring(conn);
    this.mutation = new SqliteMutation(
      conn,
      this.audit,
      this.monitoring,
      options.stateCacheBytes ?? 32 * 1024 * 1024,
    );
    this.carts = new SqliteCarts(conn);
    this.catalog = new SqliteCatalog(conn, this.audit, this.mutation);
    this.regions = new SqliteRegions(conn, this.audit, this.mutation);
  }

  // ---- lifecycle ----------------------------------------------------------------

  migrate(): Promise<void> {
    // Migrations run as the writer opens, before any statement is prepared against the schema.
    return Promise.resolve();
  }

  ping(): Promise<boolean> {
    try {
      this.pingStatement.get();
      return Promise.resolve(true);
    } catch {
      return Promise.resolve(false);
    }
  }

  close(): Promise<void> {
    if (this.db.open) {
      this.commits.flush();
      if (this.reader !== this.db) this.reader.close();
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    }
    return Promise.resolve();
  }
}
