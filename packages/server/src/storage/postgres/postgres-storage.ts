// Over 400 lines on purpose: one class implements the whole port for PostgreSQL, each
// method a statement or two; the SQL of mutations, monitoring and migrations, and the
// queueing of mutations, live in the sibling modules it delegates to.
import pg from 'pg';
import type {
  AlertEvent,
  CartState,
  Discount,
  DiscountInput,
  ErrorGroup,
  ErrorGroupSummary,
  Product,
  ProductInput,
  ProductPage,
} from '@cart/core';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import {
  AlreadyExistsError,
  type AlertEventInput,
  type AnalyticsCounts,
  type AnalyticsEvent,
  type AuditEntry,
  type AuditQuery,
  type AuditRecord,
  type CartRead,
  type CatalogSeed,
  type DiscountPage,
  type ErrorGroupQuery,
  type ErrorGroupLimits,
  type ErrorOccurrence,
  type ErrorRecordOutcome,
  type IdempotencyRecord,
  type MutationDecision,
  type MutationPlan,
  type MutationSnapshot,
  type Storage,
  type StoredCart,
} from '../port.ts';
import type { AuditKeyring } from '../../audit/keyring.ts';
import { CartQueue } from './cart-queue.ts';
import {
  GroupCommit,
  mutateAlone,
  type GroupCommitOptions,
  type Member,
} from './postgres-group-commit.ts';
import { applyMigrations } from './postgres-migrations.ts';
import * as monitoring from './postgres-monitoring.ts';
import { appendAudit } from './postgres-audit.ts';
import { insertIdempotency, readIdempotency } from './postgres-mutation.ts';
import {
  pgTypes,
  productValues,
  toAudit,
  toDiscount,
  toProduct,
  toStoredCart,
  type AuditRow,
  type CartRow,
  type DiscountRow,
  type ProductRow,
} from './postgres-rows.ts';

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
   * Mutation groups in flight at once and mutations per group (postgres-group-commit.ts);
   * by default two groups (fewer with a pool under four) of up to 64.
   */
  groupCommit?: Partial<GroupCommitOptions>;
}

/** Attempts at a transaction PostgreSQL aborted as a deadlock or serialization failure. */
const MAX_TRANSACTION_ATTEMPTS = 3;

const pgCode = (e: unknown): unknown =>
  e instanceof Error && 'code' in e ? (e as { code: unknown }).code : undefined;

/** Deadlock detected or serialization failure: nothing was written; running again is safe. */
const isTransient = (e: unknown) => pgCode(e) === '40P01' || pgCode(e) === '40001';

/** A unique violation on a catalog key (sku, code); never one on the audit chain. */
const isUniqueViolation = (e: unknown) =>
  pgCode(e) === '23505' && (e as { table?: unknown }).table !== 'audit_log';

/** The seed's products, from one JSON array, in one statement. */
const SEED_PRODUCTS = `
INSERT INTO products (id, sku, name, description, price_amount, currency, stock,
  max_per_order, image_url, created_at, updated_at)
SELECT p.id, p.sku, p.name, p.description, p.price_amount, p.currency, p.stock,
  p.max_per_order, p.image_url, p.at, p.at
FROM jsonb_to_recordset($1::jsonb) AS p(id text, sku text, name text, description text,
  price_amount bigint, currency text, stock bigint, max_per_order bigint, image_url text,
  at text)`;

/** The seed's codes, from one JSON array: one that exists is left as it is (not returned). */
const SEED_DISCOUNTS = `
INSERT INTO discounts (code, kind, value, min_subtotal, starts_at, ends_at, usage_limit,
  times_used, combinable, created_at)
SELECT d.code, d.kind, d.value, d.min_subtotal, d.starts_at, d.ends_at, d.usage_limit, 0,
  d.combinable, d.at
FROM jsonb_to_recordset($1::jsonb) AS d(code text, kind text, value bigint,
  min_subtotal bigint, starts_at text, ends_at text, usage_limit bigint, combinable boolean,
  at text)
ON CONFLICT (code) DO NOTHING
RETURNING code`;

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
export class PostgresStorage implements Storage {
  readonly dialect = 'postgres' as const;
  readonly auditKeys: AuditKeyring;
  private readonly pool: pg.Pool;
  private readonly carts: CartQueue<Member>;
  /** Mutation groups (postgres-group-commit.ts); its `stats` are read by the tests. */
  readonly groups: GroupCommit;
  private closed = false;

  constructor(options: PostgresStorageOptions) {
    this.auditKeys = options.auditKeys;
    const statementTimeout = options.statementTimeoutMs ?? 5000;
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolMax ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
      idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
      statement_timeout: statementTimeout,
      // A transaction left open (a process paused mid-request) would hold its cart lock,
      // or the audit lock, for everyone: the server ends it.
      idle_in_transaction_session_timeout: Math.max(statementTimeout, 1000),
      application_name: 'cart-server',
      keepAlive: true,
      types: pgTypes,
    });
    // An idle connection that breaks (a database restart) is dropped by the pool and
    // replaced on next use; without a listener the event would end the process.
    this.pool.on('error', () => undefined);
    // The pool listens only while a connection is idle. One that breaks while checked out
    // (mid-transaction, or in the instant between being handed over and its first query)
    // would emit an 'error' nobody hears, and that too ends the process. Its queries fail
    // on their own, and the pool drops it on release, since it is no longer queryable.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
    // A mutation waits in its cart's queue no longer than for the row lock in the database.
    this.carts = new CartQueue<Member>(statementTimeout, {
      start: (member) => this.groups.submit(member),
      expire: (member, error) => member.reject(error),
    });
    const poolMax = options.poolMax ?? 10;
    const maxMembers = options.groupCommit?.maxMembers ?? 64;
    this.groups = new GroupCommit(
      {
        connect: () => this.pool.connect(),
        alone: (plan, decide) =>
          this.transaction((c) => mutateAlone(c, plan, decide, this.auditKeys)),
        adopt: (member, max) => this.carts.adopt(member, max),
        keys: this.auditKeys,
      },
      { maxGroups: options.groupCommit?.maxGroups ?? (poolMax >= 4 ? 2 : 1), maxMembers },
    );
  }

  // ---- lifecycle ----------------------------------------------------------------

  async migrate(): Promise<void> {
    await this.transaction((c) => applyMigrations(c));
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

  /**
   * Runs `work` in one READ COMMITTED transaction on one connection: committed if it
   * returns, rolled back if it throws. A deadlock or serialization failure (nothing was
   * written) is run again, a few times, before it is passed on.
   */
  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
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

  // ---- mutations ----------------------------------------------------------------

  /**
   * In the cart's queue (and the source's), then in a group with mutations of other carts
   * ready at the same time, in a chain with the mutations of its cart queued behind it,
   * or alone: see GroupCommit. Answered once committed, when the cart's next turn starts.
   */
  mutate<T>(
    plan: MutationPlan,
    decide: (snapshot: MutationSnapshot) => MutationDecision<T>,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const member: Member = {
        keys: plan.sourceCartId === undefined ? [plan.cartId] : [plan.cartId, plan.sourceCartId],
        plan,
        decide,
        resolve: (value) => {
          this.carts.release(member);
          resolve(value as T);
        },
        reject: (error) => {
          this.carts.release(member);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      };
      this.carts.enqueue(member);
    });
  }

  // ---- reads --------------------------------------------------------------------

  async getCart(id: string): Promise<StoredCart | null> {
    const { rows } = await this.pool.query<CartRow>(
      'SELECT id, state, token_hash FROM carts WHERE id = $1',
      [id],
    );
    return rows[0] ? toStoredCart(rows[0]) : null;
  }

  async readCart(id: string, knownVersion: number | null): Promise<CartRead | null> {
    // Named: prepared once per connection, then bound and run (one round trip, no parse).
    const { rows } = await this.pool.query<CartRow & { version: number }>({
      name: 'cart-read',
      text: 'SELECT id, CASE WHEN version = $2 THEN NULL ELSE state END AS state, token_hash, version FROM carts WHERE id = $1',
      values: [id, knownVersion ?? -1],
    });
    const row = rows[0];
    if (!row) return null;
    return {
      tokenHash: row.token_hash,
      version: row.version,
      state: row.state === null ? null : toStoredCart(row).state,
    };
  }

  getIdempotency(id: string): Promise<IdempotencyRecord | null> {
    return readIdempotency(this.pool, id);
  }

  async listProducts(limit: number, cursor: string | null): Promise<ProductPage> {
    const after = cursor === null ? null : decodeCursor(cursor);
    const { rows } = after
      ? await this.pool.query<ProductRow>(
          'SELECT * FROM products WHERE (created_at, id) > ($1, $2) ORDER BY created_at, id LIMIT $3',
          [after.at, after.id, limit + 1],
        )
      : await this.pool.query<ProductRow>(
          'SELECT * FROM products ORDER BY created_at, id LIMIT $1',
          [limit + 1],
        );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(toProduct),
      nextCursor:
        rows.length > limit && last ? encodeCursor({ at: last.created_at, id: last.id }) : null,
    };
  }

  async getProduct(id: string): Promise<Product | null> {
    const { rows } = await this.pool.query<ProductRow>('SELECT * FROM products WHERE id = $1', [
      id,
    ]);
    return rows[0] ? toProduct(rows[0]) : null;
  }

  async countProducts(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>('SELECT count(*) AS n FROM products');
    return rows[0]?.n ?? 0;
  }

  async listDiscounts(limit: number, cursor: string | null): Promise<DiscountPage> {
    const after = cursor === null ? null : decodeCursor(cursor);
    const { rows } = after
      ? await this.pool.query<DiscountRow>(
          'SELECT * FROM discounts WHERE (created_at, code) > ($1, $2) ORDER BY created_at, code LIMIT $3',
          [after.at, after.id, limit + 1],
        )
      : await this.pool.query<DiscountRow>(
          'SELECT * FROM discounts ORDER BY created_at, code LIMIT $1',
          [limit + 1],
        );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(toDiscount),
      nextCursor:
        rows.length > limit && last ? encodeCursor({ at: last.created_at, id: last.code }) : null,
    };
  }

  async getDiscount(code: string): Promise<Discount | null> {
    const { rows } = await this.pool.query<DiscountRow>('SELECT * FROM discounts WHERE code = $1', [
      code,
    ]);
    return rows[0] ? toDiscount(rows[0]) : null;
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
    const { rows } = await this.pool.query<AuditRow>(
      `SELECT * FROM audit_log ${filter} ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toAudit);
  }

  async readAuditChain(afterSeq: number, limit: number): Promise<AuditRecord[]> {
    const { rows } = await this.pool.query<AuditRow>(
      'SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2',
      [afterSeq, limit],
    );
    return rows.map(toAudit);
  }

  async findExpiredCarts(now: string, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      "SELECT id FROM carts WHERE status = 'active' AND expires_at <= $1 LIMIT $2",
      [now, limit],
    );
    return rows.map((r) => r.id);
  }

  async purgeIdempotency(now: string): Promise<number> {
    const { rowCount } = await this.pool.query(
      'DELETE FROM idempotency_keys WHERE expires_at <= $1',
      [now],
    );
    return rowCount ?? 0;
  }

  // ---- shared by every instance on the database -----------------------------------

  async serverSecret(name: string, candidate: Buffer): Promise<Buffer> {
    // Two statements, each committed on its own: an instance starting at the same moment
    // makes the INSERT wait for its commit and then do nothing, and the SELECT (a fresh
    // snapshot under READ COMMITTED) reads the winner's value.
    await this.pool.query(
      'INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
      [name, candidate, new Date().toISOString()],
    );
    const { rows } = await this.pool.query<{ value: Buffer }>(
      'SELECT value FROM server_secrets WHERE name = $1',
      [name],
    );
    const value = rows[0]?.value;
    if (!value) throw new Error(`server secret ${name} was not stored`);
    return value;
  }

  async revokeAdminSession(id: string, expiresAt: string): Promise<void> {
    await this.pool.query(
      'INSERT INTO revoked_admin_sessions (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING',
      [id, expiresAt],
    );
  }

  async isAdminSessionRevoked(id: string): Promise<boolean> {
    const { rows } = await this.pool.query('SELECT 1 FROM revoked_admin_sessions WHERE id = $1', [
      id,
    ]);
    return rows.length > 0;
  }

  async purgeRevokedAdminSessions(now: string): Promise<number> {
    const { rowCount } = await this.pool.query(
      'DELETE FROM revoked_admin_sessions WHERE expires_at <= $1',
      [now],
    );
    return rowCount ?? 0;
  }

  // ---- admin: each change is one transaction with its audit record ----------------

  /**
   * One admin change, one transaction: its idempotency record (a key already committed
   * is WriteConflictError), then `work`, which changes the catalog and answers
   * (null/false: nothing to change, so nothing is kept, the key included), then its
   * audit record. A duplicate sku or code is AlreadyExistsError.
   */
  private async adminChange<T>(
    subject: string,
    audit: AuditEntry,
    idempotency: IdempotencyRecord | null | undefined,
    work: (c: pg.PoolClient) => Promise<T>,
  ): Promise<T> {
    try {
      return await this.transaction(async (c) => {
        // The key first: one already committed (the same request, answered by another
        // process) is WriteConflictError before the change can fail on what that answer
        // did (a taken sku, a deleted id); one being committed is waited for.
        if (idempotency) await insertIdempotency(c, idempotency);
        const result = await work(c);
        if (result === null || result === false) {
          if (idempotency)
            await c.query('DELETE FROM idempotency_keys WHERE id = $1', [idempotency.id]);
          return result;
        }
        await appendAudit(c, [audit], this.auditKeys);
        return result;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new AlreadyExistsError(subject);
      throw e;
    }
  }

  createProduct(
    product: Product,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Product> {
    return this.adminChange(`product with sku ${product.sku}`, audit, idempotency, async (c) => {
      await c.query(
        `INSERT INTO products (id, sku, name, description, price_amount, currency, stock, max_per_order, image_url, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
        productValues(product.id, product, audit.at),
      );
      return product;
    });
  }

  updateProduct(
    id: string,
    input: ProductInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Product | null> {
    return this.adminChange(`product with sku ${input.sku}`, audit, idempotency, async (c) => {
      const updated = await c.query(
        `UPDATE products SET sku = $2, name = $3, description = $4, price_amount = $5, currency = $6,
         stock = $7, max_per_order = $8, image_url = $9, updated_at = $10 WHERE id = $1`,
        productValues(id, input, audit.at),
      );
      return updated.rowCount === 0 ? null : { id, ...input };
    });
  }

  deleteProduct(
    id: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean> {
    return this.adminChange(`product ${id}`, audit, idempotency, async (c) => {
      const deleted = await c.query('DELETE FROM products WHERE id = $1', [id]);
      return deleted.rowCount === 1;
    });
  }

  createDiscount(
    d: DiscountInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Discount> {
    return this.adminChange(`discount ${d.code}`, audit, idempotency, async (c) => {
      await c.query(
        `INSERT INTO discounts (code, kind, value, min_subtotal, starts_at, ends_at, usage_limit, times_used, combinable, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9)`,
        [
          d.code,
          d.kind,
          d.value,
          d.minSubtotal,
          d.startsAt,
          d.endsAt,
          d.usageLimit,
          d.combinable,
          audit.at,
        ],
      );
      return { ...d, timesUsed: 0 };
    });
  }

  deleteDiscount(
    code: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean> {
    return this.adminChange(`discount ${code}`, audit, idempotency, async (c) => {
      const deleted = await c.query('DELETE FROM discounts WHERE code = $1', [code]);
      return deleted.rowCount === 1;
    });
  }

  async seedCatalog(seed: CatalogSeed): Promise<boolean> {
    try {
      return await this.transaction(async (c) => {
        const taken = async () =>
          (await c.query<{ taken: boolean }>('SELECT EXISTS (SELECT 1 FROM products) AS taken'))
            .rows[0]?.taken === true;
        // A shop with products (every start but the first) takes no lock.
        if (await taken()) return false;
        // Held to the commit: no product can be added, by an admin or by another instance
        // seeding at the same moment, between the check and the inserts. (Reads go on; a
        // change that takes stock waits.) A second seeder waits here, then finds products.
        await c.query('LOCK TABLE products IN SHARE ROW EXCLUSIVE MODE');
        if (await taken()) return false;
        await c.query(SEED_PRODUCTS, [
          JSON.stringify(
            seed.products.map(({ product: p, audit }) => ({
              id: p.id,
              sku: p.sku,
              name: p.name,
              description: p.description,
              price_amount: p.price.amount,
              currency: p.price.currency,
              stock: p.stock,
              max_per_order: p.maxPerOrder,
              image_url: p.imageUrl,
              at: audit.at,
            })),
          ),
        ]);
        const inserted = await c.query<{ code: string }>(SEED_DISCOUNTS, [
          JSON.stringify(
            seed.discounts.map(({ discount: d, audit }) => ({
              code: d.code,
              kind: d.kind,
              value: d.value,
              min_subtotal: d.minSubtotal,
              starts_at: d.startsAt,
              ends_at: d.endsAt,
              usage_limit: d.usageLimit,
              combinable: d.combinable,
              at: audit.at,
            })),
          ),
        ]);
        // A code written now gets its record (once); one that existed is left unrecorded.
        const written = new Set(inserted.rows.map((r) => r.code));
        await appendAudit(
          c,
          [
            ...seed.products.map((p) => p.audit),
            ...seed.discounts.filter((d) => written.delete(d.discount.code)).map((d) => d.audit),
          ],
          this.auditKeys,
        );
        return true;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new AlreadyExistsError('a product of the seed');
      throw e;
    }
  }

  // ---- monitoring (postgres-monitoring.ts) ----------------------------------------

  findIdleCarts(idleBefore: string, limit: number): Promise<CartState[]> {
    return monitoring.findIdleCarts(this.pool, idleBefore, limit);
  }

  markAbandoned(cartId: string, idleBefore: string, event: AnalyticsEvent): Promise<boolean> {
    return this.transaction((c) => monitoring.markAbandoned(c, cartId, idleBefore, event));
  }

  analyticsCounts(from: string, to: string, topLimit: number): Promise<AnalyticsCounts> {
    return monitoring.analyticsCounts(this.pool, from, to, topLimit);
  }

  recordError(occurrence: ErrorOccurrence, limits: ErrorGroupLimits): Promise<ErrorRecordOutcome> {
    return monitoring.recordError(this.pool, occurrence, limits);
  }

  purgeErrorGroups(before: string): Promise<number> {
    return monitoring.purgeErrorGroups(this.pool, before);
  }

  listErrorGroups(
    query: ErrorGroupQuery,
  ): Promise<{ items: ErrorGroupSummary[]; nextCursor: string | null }> {
    return monitoring.listErrorGroups(this.pool, query);
  }

  getErrorGroup(fingerprint: string): Promise<ErrorGroup | null> {
    return monitoring.getErrorGroup(this.pool, fingerprint);
  }

  recordAlertEvent(event: AlertEventInput): Promise<AlertEvent> {
    return monitoring.recordAlertEvent(this.pool, event);
  }

  listAlertEvents(limit: number): Promise<AlertEvent[]> {
    return monitoring.listAlertEvents(this.pool, limit);
  }
}
