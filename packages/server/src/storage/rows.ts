/**
 * Rows as both adapters' tables hold them (the column names are the same in SQLite and
 * PostgreSQL), and their mapping to the port's types and back: one mapping, whatever the
 * database. Carts, stored answers, the catalog and the audit log here; the monitoring
 * tables in monitoring-rows.ts. What differs by driver is said where it does (a JSON
 * column arrives as text from SQLite and parsed from PostgreSQL; SQLite binds no booleans).
 */
import type { CartState, Discount, DiscountInput, Product, ProductInput } from '@cart/core';
import type { AuditEntry, AuditRecord, IdempotencyRecord, StoredCart } from './port.ts';

// ---- carts --------------------------------------------------------------------------

/**
 * A cart's `state` column as written, by this version or an earlier one: carts stored
 * before the applied-action window existed have no `appliedActionIds`.
 */
export type StoredCartState = Omit<CartState, 'appliedActionIds'> &
  Partial<Pick<CartState, 'appliedActionIds'>>;

/**
 * The cart state a row holds, whichever version wrote it: a cart stored before the
 * window existed reads as having reported no applied actions (the schema's default), so
 * every reader (changes, answers, live events, sweepers) sees the field.
 */
export function toCartStateFromRow(stored: StoredCartState): CartState {
  return { ...stored, appliedActionIds: stored.appliedActionIds ?? [] };
}

/** A cart's state and credential; `state` as parsed from the JSON column. */
export interface CartRow {
  state: StoredCartState;
  token_hash: Buffer;
}

export function toStoredCart(r: CartRow): StoredCart {
  return { state: toCartStateFromRow(r.state), tokenHash: r.token_hash };
}

// ---- stored answers (idempotency) ---------------------------------------------------

export interface IdempotencyRow {
  id: string;
  fingerprint: string;
  payload: string;
  created_at: string;
  expires_at: string;
  cart_id: string | null;
}

export function toIdempotency(r: IdempotencyRow): IdempotencyRecord {
  return {
    id: r.id,
    fingerprint: r.fingerprint,
    payload: r.payload,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    cartId: r.cart_id,
  };
}

export function toIdempotencyRow(rec: IdempotencyRecord): IdempotencyRow {
  return {
    id: rec.id,
    fingerprint: rec.fingerprint,
    payload: rec.payload,
    created_at: rec.createdAt,
    expires_at: rec.expiresAt,
    cart_id: rec.cartId,
  };
}

// ---- catalog ------------------------------------------------------------------------

export interface ProductRow {
  id: string;
  sku: string;
  name: string;
  description: string;
  price_amount: number;
  currency: string;
  stock: number | null;
  max_per_order: number | null;
  image_url: string | null;
  created_at: string;
}

export function toProduct(r: ProductRow): Product {
  return {
    id: r.id,
    sku: r.sku,
    name: r.name,
    description: r.description,
    price: { amount: r.price_amount, currency: r.currency as Product['price']['currency'] },
    stock: r.stock,
    maxPerOrder: r.max_per_order,
    imageUrl: r.image_url,
  };
}

/** A product's columns as its creation, its update and the seed write them (timestamps aside). */
export type ProductColumns = Omit<ProductRow, 'created_at'>;

export function toProductColumns(id: string, p: ProductInput): ProductColumns {
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
  };
}

export interface DiscountRow {
  code: string;
  kind: 'percent' | 'fixed';
  value: number;
  min_subtotal: number | null;
  starts_at: string | null;
  ends_at: string | null;
  usage_limit: number | null;
  times_used: number;
  /** BOOLEAN in PostgreSQL, 0/1 in SQLite. */
  combinable: boolean | number;
  created_at: string;
}

export function toDiscount(r: DiscountRow): Discount {
  return {
    code: r.code,
    kind: r.kind,
    value: r.value,
    minSubtotal: r.min_subtotal,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    usageLimit: r.usage_limit,
    timesUsed: r.times_used,
    combinable: r.combinable === true || r.combinable === 1,
  };
}

/**
 * A code's columns as `createDiscount` and the seed write them (timestamps aside; a new
 * code is used 0 times). `combinable` is a boolean: SQLite binds it as 0/1.
 */
export type DiscountColumns = Omit<DiscountRow, 'times_used' | 'created_at' | 'combinable'> & {
  combinable: boolean;
};

export function toDiscountColumns(d: DiscountInput): DiscountColumns {
  return {
    code: d.code,
    kind: d.kind,
    value: d.value,
    min_subtotal: d.minSubtotal,
    starts_at: d.startsAt,
    ends_at: d.endsAt,
    usage_limit: d.usageLimit,
    combinable: d.combinable,
  };
}

// ---- audit log ----------------------------------------------------------------------

export interface AuditRow {
  seq: number;
  at: string;
  actor_type: AuditEntry['actorType'];
  actor_id: string | null;
  request_id: string | null;
  client_address: string | null;
  action: string;
  cart_id: string | null;
  before_version: number | null;
  after_version: number | null;
  detail: string;
  prev_hash: string;
  hash: string;
  /** Null in records written before the chain was keyed (migration 004). */
  key_id: string | null;
}

export function toAudit(r: AuditRow): AuditRecord {
  return {
    seq: r.seq,
    at: r.at,
    actorType: r.actor_type,
    actorId: r.actor_id,
    requestId: r.request_id,
    clientAddress: r.client_address,
    action: r.action,
    cartId: r.cart_id,
    beforeVersion: r.before_version,
    afterVersion: r.after_version,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
    prevHash: r.prev_hash,
    hash: r.hash,
    keyId: r.key_id ?? null,
  };
}

export function toAuditRow(r: AuditRecord): AuditRow {
  return {
    seq: r.seq,
    at: r.at,
    actor_type: r.actorType,
    actor_id: r.actorId,
    request_id: r.requestId,
    client_address: r.clientAddress,
    action: r.action,
    cart_id: r.cartId,
    before_version: r.beforeVersion,
    after_version: r.afterVersion,
    // Stored as written (TEXT): the hash covers exactly this text.
    detail: JSON.stringify(r.detail),
    prev_hash: r.prevHash,
    hash: r.hash,
    key_id: r.keyId,
  };
}
