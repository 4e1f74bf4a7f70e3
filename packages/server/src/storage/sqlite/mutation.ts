/**
 * The mutation module of the SQLite adapter: `mutate`, one write of the group commit that
 * loads what the plan names, lets the decision run on it, and writes what it returns —
 * carts, applied action ids, stock, code uses, the order, audit records, analytics events
 * and the answer to replay — and the stored answers of admin changes, written the same way.
 */
import type Database from 'better-sqlite3';
import type { CartState } from '@cart/core';
import {
  WriteConflictError,
  type CartStore,
  type IdempotencyRecord,
  type MutationDecision,
  type MutationPlan,
  type MutationSnapshot,
  type MutationWrite,
  type StoredCart,
} from '../port.ts';
import { catalogKeys } from '../catalog-keys.ts';
import {
  toCartStateFromRow,
  toDiscount,
  toIdempotency,
  toIdempotencyRow,
  toProduct,
  type DiscountRow,
  type IdempotencyRow,
  type ProductRow,
  type StoredCartState,
} from '../rows.ts';
import {
  toRegion,
  toShippingOption,
  type RegionRow,
  type ShippingOptionRow,
} from '../region-rows.ts';
import { VersionedCache } from '../versioned-cache.ts';
import type { SqliteAudit } from './audit.ts';
import type { SqliteConnection } from './connection.ts';
import type { SqliteMonitoring } from './monitoring.ts';
import { REGIONS_SQL, SHIPPING_OPTIONS_SQL } from './regions.ts';

/** A mutation's statements: on the writer only, where every mutation runs. */
const statements = (db: Database.Database) => ({
  // The state only when it is not the version this process last committed (lockedCart).
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
  // Whole tables, a handful of rows each: every decision may need the cart's region and
  // options (pricing, a country chosen, an option chosen).
  regions: db.prepare<[], RegionRow>(REGIONS_SQL),
  shippingOptions: db.prepare<[], ShippingOptionRow>(SHIPPING_OPTIONS_SQL),
  takeStock: db.prepare(
    'UPDATE products SET stock = stock - ? WHERE id = ? AND (stock IS NULL OR stock >= ?)',
  ),
  useDiscount: db.prepare(
    'UPDATE discounts SET times_used = times_used + 1 WHERE code = ? AND (usage_limit IS NULL OR times_used < usage_limit)',
  ),
  idempotency: db.prepare<[string], IdempotencyRow>('SELECT * FROM idempotency_keys WHERE id = ?'),
  insertIdempotency: db.prepare<IdempotencyRow>(
    `INSERT OR IGNORE INTO idempotency_keys (id, fingerprint, payload, created_at, expires_at, cart_id)
     VALUES (@id, @fingerprint, @payload, @created_at, @expires_at, @cart_id)`,
  ),
  // The cart's answers but the one just stored (`id`), newest first, past the first
  // `keep - 1`: what is over the bound once the new one counts.
  pruneIdempotency: db.prepare<[string, string, number]>(
    `DELETE FROM idempotency_keys WHERE id IN (
       SELECT id FROM idempotency_keys WHERE cart_id = ? AND id <> ?
       ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ?)`,
  ),
  deleteIdempotency: db.prepare<[string]>('DELETE FROM idempotency_keys WHERE id = ?'),
  orderOfCart: db.prepare<[string], { id: string; number: number }>(
    'SELECT id, number FROM orders WHERE cart_id = ?',
  ),
  // One writer at a time (migration 008): the next number is the greatest so far + 1.
  nextOrderNumber: db.prepare<[], { n: number }>(
    'SELECT coalesce(max(number), 0) + 1 AS n FROM orders',
  ),
  insertOrder: db.prepare(
    'INSERT INTO orders (id, number, cart_id, total_amount, currency, cart, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ),
});

type Statements = ReturnType<typeof statements>;

/** The states a mutation wrote, with the size of their JSON, for the state cache. */
type Written = { state: CartState; bytes: number }[];

export class SqliteMutation implements Pick<CartStore, 'mutate'> {
  private readonly stmt: Statements;
  /** The cart states this process committed last, so a change need not parse its cart again. */
  private readonly states: VersionedCache<CartState>;

  constructor(
    private readonly conn: SqliteConnection,
    private readonly audit: SqliteAudit,
    private readonly monitoring: SqliteMonitoring,
    stateCacheBytes: number,
  ) {
    this.stmt = statements(conn.db);
    this.states = new VersionedCache(stateCacheBytes);
  }

  /**
   * Empties the state cache, when a group's writes are undone: states kept from a group
   * that did not commit name versions the rows never reached.
   */
  forgetStates(): void {
    this.states.clear();
  }

  mutate<T>(
    plan: MutationPlan,
    decide: (snapshot: MutationSnapshot) => MutationDecision<T>,
  ): Promise<T> {
    // The group holds the write lock (BEGIN IMMEDIATE): no other connection can change
    // what we read. What the write throws (a decision's error, a WriteConflictError)
    // rejects the promise, as the port says.
    return this.conn.commits.write(() => this.mutateInTransaction(plan, decide));
  }

  private mutateInTransaction<T>(
    plan: MutationPlan,
    decide: (snapshot: MutationSnapshot) => MutationDecision<T>,
  ): T {
    const s = this.stmt;
    const written: Written = [];
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
      regions: s.regions.all().map(toRegion),
      shippingOptions: new Map(s.shippingOptions.all().map((r) => [r.id, toShippingOption(r)])),
      appliedActionIds: new Set(
        plan.actionIds.length
          ? s.appliedActions
              .all(plan.cartId, JSON.stringify(plan.actionIds))
              .map((r) => r.action_id)
          : [],
      ),
      idempotent: plan.idempotencyId === null ? null : this.readIdempotency(plan.idempotencyId),
      ...this.orderOf(plan, cart),
    };
    const decision = decide(snapshot);
    if (decision.write) this.write(decision.write, written);
    if (decision.idempotency) this.insertIdempotency(decision.idempotency, decision.answersPerCart);
    // The write went through whole: its states are what the rows now hold, read back as a
    // load would read them, for the next change of the cart, in this group or a later
    // one. Should the group not commit, the cache is emptied (forgetStates).
    for (const w of written) {
      const state = toCartStateFromRow(w.state);
      this.states.put(state.id, state.version, state, w.bytes);
    }
    return decision.reply;
  }

  /** The cart's order, or the number a new one gets (`withOrder`). */
  private orderOf(
    plan: MutationPlan,
    cart: StoredCart | null,
  ): Pick<MutationSnapshot, 'order' | 'newOrderNumber'> {
    if (!plan.withOrder) return { order: null, newOrderNumber: null };
    const order = this.stmt.orderOfCart.get(plan.cartId) ?? null;
    const open = order === null && cart?.state.status === 'active';
    return { order, newOrderNumber: open ? (this.stmt.nextOrderNumber.get()?.n ?? 1) : null };
  }

  /**
   * Stores an answer, inside a write; with `keep`, then deletes its cart's oldest beyond
   * `keep`. A key already taken is WriteConflictError.
   */
  insertIdempotency(rec: IdempotencyRecord, keep?: number): void {
    const { changes } = this.stmt.insertIdempotency.run(toIdempotencyRow(rec));
    if (changes !== 1) throw new WriteConflictError('idempotency', rec.id);
    if (rec.cartId !== null && keep !== undefined)
      this.stmt.pruneIdempotency.run(rec.cartId, rec.id, Math.max(keep - 1, 0));
  }

  /** Deletes an answer stored in this write (a change that came to nothing keeps none). */
  deleteIdempotency(id: string): void {
    this.stmt.deleteIdempotency.run(id);
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

  private readIdempotency(id: string): IdempotencyRecord | null {
    const r = this.stmt.idempotency.get(id);
    return r ? toIdempotency(r) : null;
  }

  private saveCart(
    cart: CartState,
    expectedVersion: number | null,
    written: Written,
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

  private write(w: MutationWrite, written: Written): void {
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
      s.insertOrder.run(
        o.id,
        o.number,
        o.cartId,
        o.total,
        o.currency,
        JSON.stringify(o.cart),
        o.createdAt,
      );
    }
    this.audit.append(w.audit);
    this.monitoring.appendEvents(w.events);
  }
}
