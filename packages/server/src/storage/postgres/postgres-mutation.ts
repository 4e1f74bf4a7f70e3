import { catalogKeys } from '../catalog-keys.ts';
import type pg from 'pg';
import type { CartState } from '@cart/core';
import { chainRecord } from '../../audit/chain.ts';
import type { AuditKeyring } from '../../audit/keyring.ts';
import {
  WriteConflictError,
  type AnalyticsEvent,
  type AuditEntry,
  type IdempotencyRecord,
  type MutationPlan,
  type MutationSnapshot,
  type MutationWrite,
} from '../port.ts';
import {
  toDiscount,
  toIdempotency,
  toProduct,
  toStoredCart,
  type CartRow,
  type DiscountRow,
  type IdempotencyRow,
  type ProductRow,
} from './postgres-rows.ts';

/**
 * The steps of a mutation's transaction, in the order `PostgresStorage.mutate` runs them:
 * load and lock (`loadSnapshot`), write the decision (`writeChange`, `insertIdempotency`),
 * and append to the audit chain (`appendAudit`), last. Each takes the transaction's client.
 */

/** A connection, in a transaction or not (a pool client, or the pool for single reads). */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/**
 * Advisory-lock class of the audit chain (the one-bigint form: this class in the high
 * half, the audit table's OID in the low half). One chain is one lock, whichever process
 * appends; another schema in the same database has its own table, so its own lock.
 */
const AUDIT_LOCK_CLASS = 0x6361_7274; // "cart"
const AUDIT_LOCK = `(${AUDIT_LOCK_CLASS}::bigint << 32) | 'audit_log'::regclass::oid::bigint`;

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Loads what the plan names, in this order: the carts first, locked, so that every
 * read after the lock sees what the previous holder committed (READ COMMITTED takes a
 * fresh snapshot per statement); then the products and codes of the plan and of every
 * line and code on the loaded carts, the applied action ids and the idempotency record.
 */
export async function loadSnapshot(c: Queryable, plan: MutationPlan): Promise<MutationSnapshot> {
  const ids = plan.sourceCartId === undefined ? [plan.cartId] : [plan.cartId, plan.sourceCartId];
  // ORDER BY under FOR UPDATE locks rows in that order: two merges of the same pair,
  // named the other way round, queue instead of deadlocking.
  const { rows: cartRows } = await c.query<CartRow>(
    'SELECT id, state, token_hash FROM carts WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE',
    [ids],
  );
  const loaded = new Map(cartRows.map((r) => [r.id, toStoredCart(r)]));
  const cart = loaded.get(plan.cartId) ?? null;
  const source = plan.sourceCartId === undefined ? null : (loaded.get(plan.sourceCartId) ?? null);
  const { productIds, codes } = catalogKeys(plan, [cart, source]);

  const products = productIds.length
    ? (await c.query<ProductRow>('SELECT * FROM products WHERE id = ANY($1::text[])', [productIds]))
        .rows
    : [];
  const discounts = codes.length
    ? (await c.query<DiscountRow>('SELECT * FROM discounts WHERE code = ANY($1::text[])', [codes]))
        .rows
    : [];
  const applied = plan.actionIds.length
    ? (
        await c.query<{ action_id: string }>(
          'SELECT action_id FROM cart_applied_actions WHERE cart_id = $1 AND action_id = ANY($2::text[])',
          [plan.cartId, plan.actionIds],
        )
      ).rows
    : [];
  return {
    cart,
    source,
    products: new Map(products.map((r) => [r.id, toProduct(r)])),
    discounts: new Map(discounts.map((r) => [r.code, toDiscount(r)])),
    appliedActionIds: new Set(applied.map((r) => r.action_id)),
    idempotent: plan.idempotencyId === null ? null : await readIdempotency(c, plan.idempotencyId),
    orderId: plan.withOrder
      ? ((await c.query<{ id: string }>('SELECT id FROM orders WHERE cart_id = $1', [plan.cartId]))
          .rows[0]?.id ?? null)
      : null,
  };
}

/** Everything a decision writes but its audit records, which go last (`appendAudit`). */
export async function writeChange(c: Queryable, w: MutationWrite): Promise<void> {
  await saveCart(c, w.cart, w.expectedVersion, w.tokenHash);
  if (w.source) await saveCart(c, w.source.state, w.source.expectedVersion);
  if (w.appliedActionIds.length) {
    await c.query(
      'INSERT INTO cart_applied_actions (cart_id, action_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING',
      [w.cart.id, w.appliedActionIds],
    );
  }
  // In id order, as every checkout does: two checkouts sharing products lock them in
  // the same order and never deadlock.
  const reserve = [...(w.reserveStock ?? [])].sort((a, b) => byId(a.productId, b.productId));
  for (const r of reserve) {
    const taken = await c.query(
      'UPDATE products SET stock = stock - $1 WHERE id = $2 AND (stock IS NULL OR stock >= $1)',
      [r.quantity, r.productId],
    );
    if (taken.rowCount !== 1) throw new WriteConflictError('stock', r.productId);
  }
  for (const code of [...(w.useDiscounts ?? [])].sort(byId)) {
    const used = await c.query(
      'UPDATE discounts SET times_used = times_used + 1 WHERE code = $1 AND (usage_limit IS NULL OR times_used < usage_limit)',
      [code],
    );
    if (used.rowCount !== 1) throw new WriteConflictError('discount', code);
  }
  if (w.order) {
    const o = w.order;
    await c.query(
      'INSERT INTO orders (id, cart_id, total_amount, currency, cart, created_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6)',
      [o.id, o.cartId, o.total, o.currency, JSON.stringify(o.cart), o.createdAt],
    );
  }
  await insertEvents(c, w.events);
}

async function saveCart(
  c: Queryable,
  cart: CartState,
  expectedVersion: number | null,
  tokenHash?: Buffer,
): Promise<void> {
  const json = JSON.stringify(cart);
  if (expectedVersion === null) {
    if (!tokenHash) throw new TypeError('a new cart needs its token hash');
    await c.query(
      'INSERT INTO carts (id, token_hash, version, status, state, created_at, updated_at, expires_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)',
      [
        cart.id,
        tokenHash,
        cart.version,
        cart.status,
        json,
        cart.createdAt,
        cart.updatedAt,
        cart.expiresAt,
      ],
    );
    return;
  }
  const updated = await c.query(
    'UPDATE carts SET version = $1, status = $2, state = $3::jsonb, updated_at = $4, expires_at = $5 WHERE id = $6 AND version = $7',
    [cart.version, cart.status, json, cart.updatedAt, cart.expiresAt, cart.id, expectedVersion],
  );
  if (updated.rowCount !== 1) throw new WriteConflictError('version', cart.id);
}

async function insertEvents(c: Queryable, events: readonly AnalyticsEvent[]): Promise<void> {
  if (!events.length) return;
  // One statement for the batch: one array per column, zipped by unnest, in order.
  await c.query(
    `INSERT INTO analytics_events (at, type, cart_id, product_id, quantity, amount, currency)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[])`,
    [
      events.map((e) => e.at),
      events.map((e) => e.type),
      events.map((e) => e.cartId),
      events.map((e) => e.productId ?? null),
      events.map((e) => e.quantity ?? null),
      events.map((e) => e.amount ?? null),
      events.map((e) => e.currency ?? null),
    ],
  );
}

/** Stores an answer; with `keep`, then deletes its cart's oldest beyond `keep`. */
export async function insertIdempotency(
  c: Queryable,
  rec: IdempotencyRecord,
  keep?: number,
): Promise<void> {
  // Another process committed the same key first (two requests raced past the snapshot):
  // this one rolls back, and the service's next attempt replays the winner's answer.
  const inserted = await c.query(
    'INSERT INTO idempotency_keys (id, fingerprint, payload, created_at, expires_at, cart_id) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING',
    [rec.id, rec.fingerprint, rec.payload, rec.createdAt, rec.expiresAt, rec.cartId],
  );
  if (inserted.rowCount !== 1) throw new WriteConflictError('idempotency', rec.id);
  if (rec.cartId === null || keep === undefined) return;
  // The cart's answers but the one just stored, newest first, past the first `keep - 1`.
  // Changes to one cart are serialized by its row lock, so two never prune at once.
  await c.query(
    `DELETE FROM idempotency_keys WHERE id IN (
       SELECT id FROM idempotency_keys WHERE cart_id = $1 AND id <> $2
       ORDER BY created_at DESC, id DESC OFFSET $3)`,
    [rec.cartId, rec.id, Math.max(keep - 1, 0)],
  );
}

/**
 * Appends to the one hash chain. The lock and the head are read in two statements on
 * purpose: a READ COMMITTED statement sees what was committed when it started, so the
 * head must be read by a statement that starts after the lock is granted, when the
 * previous holder's record is committed and visible. Each record is signed with the
 * ring's first key.
 */
export async function appendAudit(
  c: Queryable,
  entries: readonly AuditEntry[],
  keys: AuditKeyring,
): Promise<void> {
  if (!entries.length) return;
  const key = keys.requireSigning();
  await c.query(`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`);
  const { rows } = await c.query<{ seq: number; hash: string }>(
    'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
  );
  let head: { seq: number; hash: string } | null = rows[0] ?? null;
  for (const entry of entries) {
    const r = chainRecord(entry, head, key);
    await c.query(
      `INSERT INTO audit_log (seq, at, actor_type, actor_id, request_id, client_address, action, cart_id, before_version, after_version, detail, prev_hash, hash, key_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        r.seq,
        r.at,
        r.actorType,
        r.actorId,
        r.requestId,
        r.clientAddress,
        r.action,
        r.cartId,
        r.beforeVersion,
        r.afterVersion,
        JSON.stringify(r.detail),
        r.prevHash,
        r.hash,
        r.keyId,
      ],
    );
    head = r;
  }
}

export async function readIdempotency(c: Queryable, id: string): Promise<IdempotencyRecord | null> {
  const { rows } = await c.query<IdempotencyRow>('SELECT * FROM idempotency_keys WHERE id = $1', [
    id,
  ]);
  return rows[0] ? toIdempotency(rows[0]) : null;
}
