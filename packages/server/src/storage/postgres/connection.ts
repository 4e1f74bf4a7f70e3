/**
 * The PostgreSQL adapter's connections: one bounded `pg.Pool` per storage, shared by its
 * modules, the type parsers its connections use, and the transaction every write runs in
 * (retried when PostgreSQL aborts it as a deadlock or serialization failure).
 */
import pg from 'pg';

/** A connection, in a transaction or not (a pool client, or the pool for single reads). */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** What the modules run their statements on. */
export interface PostgresConnection {
  /** Single statements, each committed on its own (reads, one-statement writes). */
  readonly pool: pg.Pool;
  /**
   * Runs `work` in one READ COMMITTED transaction on one connection: committed if it
   * returns, rolled back if it throws. A deadlock or serialization failure (nothing was
   * written) is run again, a few times, before it is passed on.
   */
  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
}

export interface ConnectOptions {
  connectionString: string;
  poolMax: number;
  statementTimeoutMs: number;
  connectionTimeoutMs: number;
  idleTimeoutMs: number;
}

/** Attempts at a transaction PostgreSQL aborted as a deadlock or serialization failure. */
const MAX_TRANSACTION_ATTEMPTS = 3;

const INT8_OID = 20;

/**
 * Type parsers for this adapter's connections only: BIGINT (money, stock, versions,
 * counts) as a JavaScript number. Every amount the service stores is a safe integer
 * (prices are bounded in @cart/core), so nothing is rounded. Set per pool, never on the
 * global `pg.types`, so other code in the process that uses pg keeps its defaults. JSONB
 * arrives parsed, BYTEA as a Buffer, BOOLEAN as a boolean, and timestamps as the
 * ISO-8601 text they were written as.
 */
type TypeParser = (value: string) => unknown;

export const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): TypeParser =>
    oid === INT8_OID && format !== 'binary'
      ? (text) => Number(text)
      : (pg.types.getTypeParser(
          oid,
          format,
        ) as TypeParser)) as pg.CustomTypesConfig['getTypeParser'],
};

const pgCode = (e: unknown): unknown =>
  e instanceof Error && 'code' in e ? (e as { code: unknown }).code : undefined;

/** Deadlock detected or serialization failure: nothing was written; running again is safe. */
const isTransient = (e: unknown) => pgCode(e) === '40P01' || pgCode(e) === '40001';

/** A unique violation on a catalog key (sku, code); never one on the audit chain. */
export const isUniqueViolation = (e: unknown) =>
  pgCode(e) === '23505' && (e as { table?: unknown }).table !== 'audit_log';

/** Opens the pool (connections are made on first use). */
export function connect(options: ConnectOptions): PostgresConnection {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolMax,
    connectionTimeoutMillis: options.connectionTimeoutMs,
    idleTimeoutMillis: options.idleTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    // A transaction left open (a process paused mid-request) would hold its cart lock,
    // or the audit lock, for everyone: the server ends it.
    idle_in_transaction_session_timeout: Math.max(options.statementTimeoutMs, 1000),
    application_name: 'cart-server',
    keepAlive: true,
    types: pgTypes,
  });
  // An idle connection that breaks (a database restart) is dropped by the pool and
  // replaced on next use; without a listener the event would end the process.
  pool.on('error', () => undefined);
  // The pool listens only while a connection is idle. One that breaks while checked out
  // (mid-transaction, or in the instant between being handed over and its first query)
  // would emit an 'error' nobody hears, and that too ends the process. Its queries fail
  // on their own, and the pool drops it on release, since it is no longer queryable.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return { pool, transaction: (work) => transaction(pool, work) };
}

async function transaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((e: unknown) => {
        // The connection is unusable (it broke mid-transaction): the pool discards it.
        broken = e instanceof Error ? e : new Error(String(e));
      });
      if (attempt < MAX_TRANSACTION_ATTEMPTS && isTransient(error)) continue;
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
