/**
 * The SQLite adapter's connections, opened once per storage and shared by its modules:
 * the writer, on which every write runs inside the group commit (group-commit.ts), and
 * the reader, for reads outside a write; and the helpers every module uses with them.
 */
import Database from 'better-sqlite3';
import { GroupCommit } from './group-commit.ts';
import { applyMigrations } from './migrations.ts';

/** How long a write waits for a lock another connection holds. */
export const BUSY_TIMEOUT_MS = 5000;

/** What the modules run their statements on. */
export interface SqliteConnection {
  /** The writer: its statements run inside a write of `commits` (the readiness ping aside). */
  readonly db: Database.Database;
  /** Reads outside a write, which see only what is committed: the writer itself for `:memory:`. */
  readonly reader: Database.Database;
  /** Writes that arrive together share one transaction and one commit. */
  readonly commits: GroupCommit;
}

export interface ConnectOptions {
  /** `full`: each commit synced to disk; `normal`: at checkpoints only. */
  synchronous: 'full' | 'normal';
  /** How long a group stays open for more writes, in ms (0: to the end of the turn). */
  commitWindowMs: number;
  /** Writes after which a group commits at once. */
  maxGroupWrites: number;
  /** Told when a group's writes are undone (its commit failed, or SQLite rolled it back). */
  onAbort: () => void;
}

/**
 * Opens the database at `path` (`:memory:` for one that is not kept), migrated: the
 * writer in WAL mode, then the reader, read-only. An in-memory database is one connection
 * for both: nothing of it is durable anyway.
 */
export function connect(path: string, options: ConnectOptions): SqliteConnection {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  applyMigrations(db);
  // From here on, a lock held by another connection is waited for by the group commit,
  // off the event loop, not inside SQLite.
  db.pragma('busy_timeout = 0');
  const commits = new GroupCommit(db, {
    windowMs: options.commitWindowMs,
    maxWrites: options.maxGroupWrites,
    busyTimeoutMs: BUSY_TIMEOUT_MS,
    onAbort: options.onAbort,
  });
  const reader = path === ':memory:' ? db : new Database(path);
  if (reader !== db) {
    reader.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    reader.pragma('query_only = ON');
  }
  return { db, reader, commits };
}

/**
 * A module's statements, prepared once on each connection: `stmt` on the writer (for use
 * inside a write), `reads` on the reader (for reads outside one); the same set when the
 * two are one connection.
 */
export function prepareOnBoth<S>(
  c: SqliteConnection,
  statements: (db: Database.Database) => S,
): { stmt: S; reads: S } {
  const stmt = statements(c.db);
  return { stmt, reads: c.reader === c.db ? stmt : statements(c.reader) };
}

/** Runs a synchronous read as a promise: what it throws rejects, as the port says. */
export function read<T>(work: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(work()));
}

/** A primary key or unique index refused the row (a sku, code or id taken). */
export function isUniqueViolation(e: unknown): boolean {
  const code = e instanceof Error && 'code' in e ? (e as { code: unknown }).code : undefined;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
