// Over 400 lines on purpose: one class implements the whole storage port for SQLite, each
// method a prepared statement or two, around one writer (group commit) and one reader;
// splitting it by module (carts, catalog, audit, monitoring) is issue 14's storage split.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
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
import { chainRecord } from '../../audit/chain.ts';
import { loadAuditKeyring, type AuditKeyring } from '../../audit/keyring.ts';
import {
  AlreadyExistsError,
  WriteConflictError,
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
  type MutationWrite,
  type Storage,
  type StoredCart,
} from '../port.ts';
import { catalogKeys } from '../catalog-keys.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import {
  toAudit,
  toCartStateFromRow,
  toDiscount,
  toProduct,
  type AuditRow,
  type DiscountRow,
  type ProductRow,
  type StoredCartState,
} from '../rows.ts';
import { VersionedCache } from '../versioned-cache.ts';
import { GroupCommit } from './group-commit.ts';
import { SqliteMonitoring } from './sqlite-monitoring.ts';
import { SERVER_ROOT } from '../../paths.ts';

type Row = Record<string, unknown>;

/** How long a write waits for a lock another connection holds. */
const BUSY_TIMEOUT_MS = 5000;

const MIGRATIONS_DIR = join(SERVER_ROOT, 'src', 'storage', 'sqlite', 'migrations');

function isUniqueViolation(e: unknown): boolean {
  const code = e instanceof Error && 'code' in e ? (e as { code: unknown }).code : undefined;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

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
export class SqliteStorage implements Storage {
  readonly dialect = 'sqlite' as const;
  readonly auditKeys: AuditKeyring;
  private readonly db: Database.Database;
  private readonly reader: Database.Database;
  private readonly commits: GroupCommit;
  /** Statements on the writer: used inside writes only. */
  private readonly stmt;
  /** The same statements on the reader: for reads outside a write. */
  private readonly reads;
  private readonly monitoring: SqliteMonitoring;
  private readonly monitoringReads: SqliteMonitoring;
  /** The cart states this process committed last, so a change need not parse its cart again. */
  private readonly states: VersionedCache<CartState>;

  /**
   * `auditKeys`: the audit chain's keys; by default those of a SQLite database without
   * AUDIT_KEYS or AUDIT_KEY_FILE (`audit.key` next to the file, created on first open;
   * a random one for `:memory:`).
   */
  constructor(path: string, options: SqliteOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.auditKeys =
      options.auditKeys ?? loadAuditKeyring({ DATABASE_URL: `sqlite:${path}` }, true);
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    this.migrateNow();
    // From here on, a lock held by another connection is waited for by the group commit,
    // off the event loop, not inside SQLite.
    this.db.pragma('busy_timeout = 0');
    this.commits = new GroupCommit(this.db, {
      windowMs: options.commitWindowMs ?? 0,
      maxWrites: options.maxGroupWrites ?? 500,
      busyTimeoutMs: BUSY_TIMEOUT_MS,
      // States kept from a group that did not commit name versions the rows never reached.
      onAbort: () => this.states.clear(),
    });
    this.states = new VersionedCache(options.stateCacheBytes ?? 32 * 1024 * 1024);
    this.reader = path === ':memory:' ? this.db : new Database(path);
    if (this.reader !== this.db) {
      this.reader.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      this.reader.pragma('query_only = ON');
    }
    this.stmt = this.prepare(this.db);
    this.reads = this.reader === this.db ? this.stmt : this.prepare(this.reader);
    this.monitoring = new SqliteMonitoring(this.db);
    this.monitoringReads =
      this.reader === this.db ? this.monitoring : new SqliteMonitoring(this.reader);
  }

  private migrateNow(): void {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    const applied = new Set(
      (this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
        (r) => r.version,
      ),
    );
    const files = readdirSync(MIGRATIONS_DIR)
      .filter((f) => /^\d{3}_.+\.sql$/.test(f))
      .sort();
    for (const file of files) {
      const version = Number(file.slice(0, 3));
      if (applied.has(version)) continue;
      const sql = readFileSync(join(MIGRATIONS_DIR, file), 'utf8');
      this.db
        .transaction(() => {
          this.db.exec(sql);
          this.db
            .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
            .run(version, file, new Date().toISOString());
        })
        .immediate();
    }
  }

  private prepare(db: Database.Database) {
    return {
      cart: db.prepare<[string], { state: string; token_hash: Buffer }>(
        'SELECT state, token_hash FROM carts WHERE id = ?',
      ),
      // The state only when it is not the version the caller knows (readCart).
      cartUnlessAt: db.prepare<
        [number, string],
        { state: string | null; token_hash: Buffer; version: number }
      >(
        'SELECT CASE WHEN version = ? THEN NULL ELSE state END AS state, token_hash, version FROM carts WHERE id = ?',
      ),
      insertCart: db.prepare(
        'INSERT INTO carts (id, token_hash, version, status, state, created_at, updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      updateCart: db.prepare(
        'UPDATE carts SET version = ?, status = ?, state = ?, updated_at = ?, expires_at = ? WHERE id = ? AND version = ?',
      ),
      appliedActions: db.prepare<[string, string], { action_id: string }>(
        'SELECT action_id FROM cart_applied_actions WHERE cart_id = ? AND action_id IN (SELECT value FROM json_each(?))',
      ),
      insertAppliedAction: db.prepare(
        'INSERT OR IGNORE INTO cart_applied_actions (cart_id, action_id) VALUES (?, ?)',
      ),
      productsByIds: db.prepare<[string], ProductRow>(
        'SELECT * FROM products WHERE id IN (SELECT value FROM json_each(?))',
      ),
      discountsByCodes: db.prepare<[string], DiscountRow>(
        'SELECT * FROM discounts WHERE code IN (SELECT value FROM json_each(?))',
      ),
      product: db.prepare<[string], ProductRow>('SELECT * FROM products WHERE id = ?'),
      productsFirst: db.prepare<[number], ProductRow>(
        'SELECT * FROM products ORDER BY created_at, id LIMIT ?',
      ),
      productsAfter: db.prepare<[string, string, string, number], ProductRow>(
        'SELECT * FROM products WHERE created_at > ? OR (created_at = ? AND id > ?) ORDER BY created_at, id LIMIT ?',
      ),
      countProducts: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM products'),
      insertProduct: db.prepare(
        `INSERT INTO products (id, sku, name, description, price_amount, currency, stock, max_per_order, image_url, created_at, updated_at)
         VALUES (@id, @sku, @name, @description, @price_amount, @currency, @stock, @max_per_order, @image_url, @now, @now)`,
      ),
      updateProduct: db.prepare(
        `UPDATE products SET sku = @sku, name = @name, description = @description, price_amount = @price_amount, currency = @currency,
         stock = @stock, max_per_order = @max_per_order, image_url = @image_url, updated_at = @now WHERE id = @id`,
      ),
      deleteProduct: db.prepare('DELETE FROM products WHERE id = ?'),
      takeStock: db.prepare(
        'UPDATE products SET stock = stock - ? WHERE id = ? AND (stock IS NULL OR stock >= ?)',
      ),
      discountsFirst: db.prepare<[number], DiscountRow>(
        'SELECT * FROM discounts ORDER BY created_at, code LIMIT ?',
      ),
      discountsAfter: db.prepare<
        [string, string, string, number],
        DiscountRow & { created_at: string }
      >(
        'SELECT * FROM discounts WHERE created_at > ? OR (created_at = ? AND code > ?) ORDER BY created_at, code LIMIT ?',
      ),
      discount: db.prepare<[string], DiscountRow>('SELECT * FROM discounts WHERE code = ?'),
      insertDiscount: db.prepare(
        `INSERT INTO discounts (code, kind, value, min_subtotal, starts_at, ends_at, usage_limit, times_used, combinable, created_at)
         VALUES (@code, @kind, @value, @min_subtotal, @starts_at, @ends_at, @usage_limit, 0, @combinable, @now)`,
      ),
      // The seed's codes: one that exists is left as it is (no change, so no audit record).
      seedDiscount: db.prepare(
        `INSERT INTO discounts (code, kind, value, min_subtotal, starts_at, ends_at, usage_limit, times_used, combinable, created_at)
         VALUES (@code, @kind, @value, @min_subtotal, @starts_at, @ends_at, @usage_limit, 0, @combinable, @now)
         ON CONFLICT (code) DO NOTHING`,
      ),
      deleteDiscount: db.prepare('DELETE FROM discounts WHERE code = ?'),
      useDiscount: db.prepare(
        'UPDATE discounts SET times_used = times_used + 1 WHERE code = ? AND (usage_limit IS NULL OR times_used < usage_limit)',
      ),
      idempotency: db.prepare<
        [string],
        {
          id: string;
          fingerprint: string;
          payload: string;
          created_at: string;
          expires_at: string;
          cart_id: string | null;
        }
      >('SELECT * FROM idempotency_keys WHERE id = ?'),
      insertIdempotency: db.prepare(
        'INSERT OR IGNORE INTO idempotency_keys (id, fingerprint, payload, created_at, expires_at, cart_id) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      // The cart's answers but the one just stored (`id`), newest first, past the first
      // `keep - 1`: what is over the bound once the new one counts.
      pruneIdempotency: db.prepare<[string, string, number]>(
        `DELETE FROM idempotency_keys WHERE id IN (
           SELECT id FROM idempotency_keys WHERE cart_id = ? AND id <> ?
           ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ?)`,
      ),
      deleteIdempotency: db.prepare('DELETE FROM idempotency_keys WHERE id = ?'),
      purgeIdempotency: db.prepare('DELETE FROM idempotency_keys WHERE expires_at <= ?'),
      orderOfCart: db.prepare<[string], { id: string }>('SELECT id FROM orders WHERE cart_id = ?'),
      insertOrder: db.prepare(
        'INSERT INTO orders (id, cart_id, total_amount, currency, cart, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      auditHead: db.prepare<[], { seq: number; hash: string }>(
        'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
      ),
      insertAudit: db.prepare(
        `INSERT INTO audit_log (seq, at, actor_type, actor_id, request_id, client_address, action, cart_id, before_version, after_version, detail, prev_hash, hash, key_id)
         VALUES (@seq, @at, @actorType, @actorId, @requestId, @clientAddress, @action, @cartId, @beforeVersion, @afterVersion, @detail, @prevHash, @hash, @keyId)`,
      ),
      auditChain: db.prepare<[number, number], AuditRow>(
        'SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?',
      ),
      insertEvent: db.prepare(
        'INSERT INTO analytics_events (at, type, cart_id, product_id, quantity, amount, currency) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      expiredCarts: db.prepare<[string, number], { id: string }>(
        "SELECT id FROM carts WHERE status = 'active' AND expires_at <= ? LIMIT ?",
      ),
      insertServerSecret: db.prepare(
        'INSERT INTO server_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING',
      ),
      serverSecret: db.prepare<[string], { value: Buffer }>(
        'SELECT value FROM server_secrets WHERE name = ?',
      ),
      revokeAdminSession: db.prepare(
        'INSERT INTO revoked_admin_sessions (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING',
      ),
      adminSessionRevoked: db.prepare<[string], { id: string }>(
        'SELECT id FROM revoked_admin_sessions WHERE id = ?',
      ),
      purgeRevokedAdminSessions: db.prepare(
        'DELETE FROM revoked_admin_sessions WHERE expires_at <= ?',
      ),
      ping: db.prepare('SELECT 1'),
    };
  }

  migrate(): Promise<void> {
    // Migrations run in the constructor, before any statement is prepared against the schema.
    return Promise.resolve();
  }

  ping(): Promise<boolean> {
    try {
      this.stmt.ping.get();
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

  mutate<T>(
    plan: MutationPlan,
    decide: (snapshot: MutationSnapshot) => MutationDecision<T>,
  ): Promise<T> {
    // The group holds the write lock (BEGIN IMMEDIATE): no other connection can change
    // what we read. What the write throws (a decision's error, a WriteConflictError)
    // rejects the promise, as the port says.
    return this.commits.write(() => this.mutateInTransaction(plan, decide));
  }

  private mutateInTransaction<T>(
    plan: MutationPlan,
    decide: (snapshot: MutationSnapshot) => MutationDecision<T>,
  ): T {
    const s = this.stmt;
    const written: { state: CartState; bytes: number }[] = [];
    const cart = this.lockedCart(plan.cartId);
    const source = plan.sourceCartId === undefined ? null : this.lockedCart(plan.sourceCartId);
    const { productIds, codes } = catalogKeys(plan, [cart, source]);
    const snapshot: MutationSnapshot = {
      cart,
      source,
      products: new Map(
        (productIds.length ? s.productsByIds.all(JSON.stringify(productIds)) : []).map((r) => [
          r.id,
          toProduct(r),
        ]),
      ),
      discounts: new Map(
        (codes.length ? s.discountsByCodes.all(JSON.stringify(codes)) : []).map((r) => [
          r.code,
          toDiscount(r),
        ]),
      ),
      appliedActionIds: new Set(
        plan.actionIds.length
          ? s.appliedActions
              .all(plan.cartId, JSON.stringify(plan.actionIds))
              .map((r) => r.action_id)
          : [],
      ),
      idempotent: plan.idempotencyId === null ? null : this.readIdempotency(plan.idempotencyId),
      orderId: plan.withOrder ? (s.orderOfCart.get(plan.cartId)?.id ?? null) : null,
    };
    const decision = decide(snapshot);
    if (decision.write) this.write(decision.write, written);
    if (decision.idempotency) this.insertIdempotency(decision.idempotency, decision.answersPerCart);
    // The write went through whole: its states are what the rows now hold, read back as a
    // load would read them, for the next change of the cart, in this group or a later
    // one. Should the group not commit, the cache is emptied (onAbort, constructor).
    for (const w of written) {
      const state = toCartStateFromRow(w.state);
      this.states.put(state.id, state.version, state, w.bytes);
    }
    return decision.reply;
  }

  /** Stores an answer; with `keep`, then deletes its cart's oldest beyond `keep`. */
  private insertIdempotency(rec: IdempotencyRecord, keep?: number): void {
    const { changes } = this.stmt.insertIdempotency.run(
      rec.id,
      rec.fingerprint,
      rec.payload,
      rec.createdAt,
      rec.expiresAt,
      rec.cartId,
    );
    if (changes !== 1) throw new WriteConflictError('idempotency', rec.id);
    if (rec.cartId !== null && keep !== undefined)
      this.stmt.pruneIdempotency.run(rec.cartId, rec.id, Math.max(keep - 1, 0));
  }

  /**
   * A cart as a mutation loads it, in its transaction: its state parsed from the row, or
   * the very state this process last committed for it when the row is still at that
   * version (states are never changed in place: the reducer makes new ones).
   */
  private lockedCart(id: string): StoredCart | null {
    const known = this.states.get(id);
    const row = this.stmt.cartUnlessAt.get(known?.version ?? -1, id);
    if (!row) return null;
    const state =
      row.state === null && known !== undefined
        ? known.value
        : toCartStateFromRow(JSON.parse(row.state ?? 'null') as StoredCartState);
    return { state, tokenHash: row.token_hash };
  }

  private loadCart(id: string, stmt = this.stmt): StoredCart | null {
    const row = stmt.cart.get(id);
    return row
      ? {
          state: toCartStateFromRow(JSON.parse(row.state) as StoredCartState),
          tokenHash: row.token_hash,
        }
      : null;
  }

  private readIdempotency(id: string, stmt = this.stmt): IdempotencyRecord | null {
    const r = stmt.idempotency.get(id);
    return r
      ? {
          id: r.id,
          fingerprint: r.fingerprint,
          payload: r.payload,
          createdAt: r.created_at,
          expiresAt: r.expires_at,
          cartId: r.cart_id,
        }
      : null;
  }

  private saveCart(
    cart: CartState,
    expectedVersion: number | null,
    written: { state: CartState; bytes: number }[],
    tokenHash?: Buffer,
  ): void {
    const s = this.stmt;
    const json = JSON.stringify(cart);
    written.push({ state: cart, bytes: json.length });
    if (expectedVersion === null) {
      if (!tokenHash) throw new TypeError('a new cart needs its token hash');
      s.insertCart.run(
        cart.id,
        tokenHash,
        cart.version,
        cart.status,
        json,
        cart.createdAt,
        cart.updatedAt,
        cart.expiresAt,
      );
      return;
    }
    const changed = s.updateCart.run(
      cart.version,
      cart.status,
      json,
      cart.updatedAt,
      cart.expiresAt,
      cart.id,
      expectedVersion,
    ).changes;
    if (changed !== 1) throw new WriteConflictError('version', cart.id);
  }

  private write(w: MutationWrite, written: { state: CartState; bytes: number }[]): void {
    const s = this.stmt;
    this.saveCart(w.cart, w.expectedVersion, written, w.tokenHash);
    if (w.source) this.saveCart(w.source.state, w.source.expectedVersion, written);
    for (const id of w.appliedActionIds) s.insertAppliedAction.run(w.cart.id, id);
    for (const r of w.reserveStock ?? []) {
      if (s.takeStock.run(r.quantity, r.productId, r.quantity).changes !== 1)
        throw new WriteConflictError('stock', r.productId);
    }
    for (const code of w.useDiscounts ?? []) {
      if (s.useDiscount.run(code).changes !== 1) throw new WriteConflictError('discount', code);
    }
    if (w.order) {
      const o = w.order;
      s.insertOrder.run(o.id, o.cartId, o.total, o.currency, JSON.stringify(o.cart), o.createdAt);
    }
    this.appendAudit(w.audit);
    for (const e of w.events) {
      s.insertEvent.run(
        e.at,
        e.type,
        e.cartId,
        e.productId ?? null,
        e.quantity ?? null,
        e.amount ?? null,
        e.currency ?? null,
      );
    }
  }

  private appendAudit(entries: readonly AuditEntry[]): void {
    if (!entries.length) return;
    const key = this.auditKeys.requireSigning();
    let head = this.stmt.auditHead.get() ?? null;
    for (const entry of entries) {
      const record = chainRecord(entry, head, key);
      this.stmt.insertAudit.run({ ...record, detail: JSON.stringify(record.detail) });
      head = record;
    }
  }

  getCart(id: string): Promise<StoredCart | null> {
    return Promise.resolve(this.loadCart(id, this.reads));
  }

  readCart(id: string, knownVersion: number | null): Promise<CartRead | null> {
    const row = this.reads.cartUnlessAt.get(knownVersion ?? -1, id);
    if (!row) return Promise.resolve(null);
    return Promise.resolve({
      tokenHash: row.token_hash,
      version: row.version,
      state:
        row.state === null ? null : toCartStateFromRow(JSON.parse(row.state) as StoredCartState),
    });
  }

  getIdempotency(id: string): Promise<IdempotencyRecord | null> {
    return Promise.resolve(this.readIdempotency(id, this.reads));
  }

  listProducts(limit: number, cursor: string | null): Promise<ProductPage> {
    const after = cursor === null ? null : decodeCursor(cursor);
    const rows = after
      ? this.reads.productsAfter.all(after.at, after.at, after.id, limit + 1)
      : this.reads.productsFirst.all(limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return Promise.resolve({
      items: page.map(toProduct),
      nextCursor:
        rows.length > limit && last ? encodeCursor({ at: last.created_at, id: last.id }) : null,
    });
  }

  getProduct(id: string): Promise<Product | null> {
    const row = this.reads.product.get(id);
    return Promise.resolve(row ? toProduct(row) : null);
  }

  countProducts(): Promise<number> {
    return Promise.resolve(this.reads.countProducts.get()?.n ?? 0);
  }

  private productParams(id: string, p: ProductInput, now: string): Row {
    return {
      id,
      sku: p.sku,
      name: p.name,
      description: p.description,
      price_amount: p.price.amount,
      currency: p.price.currency,
      stock: p.stock,
      max_per_order: p.maxPerOrder,
      image_url: p.imageUrl,
      now,
    };
  }

  /**
   * One admin change, one transaction: its idempotency record (a key already committed
   * is WriteConflictError), then `run`, which changes the catalog and answers
   * (null/false: nothing to change, so nothing is kept, the key included), then its
   * audit record. A duplicate sku or code is AlreadyExistsError.
   */
  private adminChange<T>(
    subject: string,
    audit: AuditEntry,
    idempotency: IdempotencyRecord | null | undefined,
    run: () => T,
  ): Promise<T> {
    return this.commits
      .write(() => {
        // The key first: one already committed (the same request, answered by another
        // process) is WriteConflictError before the change can fail on what that
        // answer did (a taken sku, a deleted id), so the caller replays the answer.
        if (idempotency) this.insertIdempotency(idempotency);
        const result = run();
        if (result === null || result === false) {
          if (idempotency) this.stmt.deleteIdempotency.run(idempotency.id);
          return result;
        }
        this.appendAudit([audit]);
        return result;
      })
      .catch((e: unknown) => {
        throw isUniqueViolation(e) ? new AlreadyExistsError(subject) : e;
      });
  }

  createProduct(
    product: Product,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Product> {
    return this.adminChange(`product with sku ${product.sku}`, audit, idempotency, () => {
      this.stmt.insertProduct.run(this.productParams(product.id, product, audit.at));
      return product;
    });
  }

  updateProduct(
    id: string,
    input: ProductInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Product | null> {
    return this.adminChange(`product with sku ${input.sku}`, audit, idempotency, () =>
      this.stmt.updateProduct.run(this.productParams(id, input, audit.at)).changes === 0
        ? null
        : { id, ...input },
    );
  }

  deleteProduct(
    id: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean> {
    return this.adminChange(
      `product ${id}`,
      audit,
      idempotency,
      () => this.stmt.deleteProduct.run(id).changes === 1,
    );
  }

  listDiscounts(limit: number, cursor: string | null): Promise<DiscountPage> {
    const after = cursor === null ? null : decodeCursor(cursor);
    const rows = after
      ? this.reads.discountsAfter.all(after.at, after.at, after.id, limit + 1)
      : this.reads.discountsFirst.all(limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return Promise.resolve({
      items: page.map(toDiscount),
      nextCursor:
        rows.length > limit && last ? encodeCursor({ at: last.created_at, id: last.code }) : null,
    });
  }

  getDiscount(code: string): Promise<Discount | null> {
    const row = this.reads.discount.get(code);
    return Promise.resolve(row ? toDiscount(row) : null);
  }

  private discountParams(d: DiscountInput, now: string): Row {
    return {
      code: d.code,
      kind: d.kind,
      value: d.value,
      min_subtotal: d.minSubtotal,
      starts_at: d.startsAt,
      ends_at: d.endsAt,
      usage_limit: d.usageLimit,
      combinable: d.combinable ? 1 : 0,
      now,
    };
  }

  createDiscount(
    d: DiscountInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Discount> {
    return this.adminChange(`discount ${d.code}`, audit, idempotency, () => {
      this.stmt.insertDiscount.run(this.discountParams(d, audit.at));
      return { ...d, timesUsed: 0 };
    });
  }

  deleteDiscount(
    code: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean> {
    return this.adminChange(
      `discount ${code}`,
      audit,
      idempotency,
      () => this.stmt.deleteDiscount.run(code).changes === 1,
    );
  }

  seedCatalog(seed: CatalogSeed): Promise<boolean> {
    // One write of the group commit, so one savepoint: it holds the write lock (BEGIN
    // IMMEDIATE), so no other process can add a product between the count and the
    // inserts, and whatever it throws undoes all of it.
    return this.commits
      .write(() => {
        if ((this.stmt.countProducts.get()?.n ?? 0) > 0) return false;
        const audit: AuditEntry[] = [];
        for (const { product, audit: entry } of seed.products) {
          this.stmt.insertProduct.run(this.productParams(product.id, product, entry.at));
          audit.push(entry);
        }
        for (const { discount, audit: entry } of seed.discounts) {
          if (this.stmt.seedDiscount.run(this.discountParams(discount, entry.at)).changes === 1)
            audit.push(entry);
        }
        this.appendAudit(audit);
        return true;
      })
      .catch((e: unknown) => {
        throw isUniqueViolation(e) ? new AlreadyExistsError('a product of the seed') : e;
      });
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
    const rows = this.reader.prepare<unknown[], AuditRow>(sql).all(...params, q.limit);
    return Promise.resolve(rows.map(toAudit));
  }

  readAuditChain(afterSeq: number, limit: number): Promise<AuditRecord[]> {
    return Promise.resolve(this.reads.auditChain.all(afterSeq, limit).map(toAudit));
  }

  findExpiredCarts(now: string, limit: number): Promise<string[]> {
    return Promise.resolve(this.reads.expiredCarts.all(now, limit).map((r) => r.id));
  }

  purgeIdempotency(now: string): Promise<number> {
    return this.commits.write(() => this.stmt.purgeIdempotency.run(now).changes);
  }

  // ---- shared by every instance on the database -----------------------------------

  serverSecret(name: string, candidate: Buffer): Promise<Buffer> {
    return this.commits.write(() => {
      // The first writer wins; every caller (this one included) reads the winner back.
      this.stmt.insertServerSecret.run(name, candidate, new Date().toISOString());
      const row = this.stmt.serverSecret.get(name);
      if (!row) throw new Error(`server secret ${name} was not stored`);
      return row.value;
    });
  }

  revokeAdminSession(id: string, expiresAt: string): Promise<void> {
    return this.commits.write(() => void this.stmt.revokeAdminSession.run(id, expiresAt));
  }

  isAdminSessionRevoked(id: string): Promise<boolean> {
    return this.run(() => this.reads.adminSessionRevoked.get(id) !== undefined);
  }

  purgeRevokedAdminSessions(now: string): Promise<number> {
    return this.commits.write(() => this.stmt.purgeRevokedAdminSessions.run(now).changes);
  }

  // ---- monitoring (sqlite-monitoring.ts) ------------------------------------------

  findIdleCarts(idleBefore: string, limit: number): Promise<CartState[]> {
    return this.run(() => this.monitoringReads.findIdleCarts(idleBefore, limit));
  }

  markAbandoned(cartId: string, idleBefore: string, event: AnalyticsEvent): Promise<boolean> {
    return this.commits.write(() => this.monitoring.markAbandoned(cartId, idleBefore, event));
  }

  analyticsCounts(from: string, to: string, topLimit: number): Promise<AnalyticsCounts> {
    return this.run(() => this.monitoringReads.analyticsCounts(from, to, topLimit));
  }

  recordError(occurrence: ErrorOccurrence, limits: ErrorGroupLimits): Promise<ErrorRecordOutcome> {
    return this.commits.write(() => this.monitoring.recordError(occurrence, limits));
  }

  purgeErrorGroups(before: string): Promise<number> {
    return this.commits.write(() => this.monitoring.purgeErrorGroups(before));
  }

  listErrorGroups(
    query: ErrorGroupQuery,
  ): Promise<{ items: ErrorGroupSummary[]; nextCursor: string | null }> {
    return this.run(() => this.monitoringReads.listErrorGroups(query));
  }

  getErrorGroup(fingerprint: string): Promise<ErrorGroup | null> {
    return this.run(() => this.monitoringReads.getErrorGroup(fingerprint));
  }

  recordAlertEvent(event: AlertEventInput): Promise<AlertEvent> {
    return this.commits.write(() => this.monitoring.recordAlertEvent(event));
  }

  listAlertEvents(limit: number): Promise<AlertEvent[]> {
    return this.run(() => this.monitoringReads.listAlertEvents(limit));
  }

  /** Runs a synchronous read as a promise: what it throws rejects, as the port says. */
  private run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve) => resolve(work()));
  }
}
