/**
 * Rows as both adapters' tables hold them (the column names are the same in SQLite and
 * PostgreSQL), and their mapping to the port's types and back: one mapping, whatever the
 * database. Carts, stored answers, the catalog and the audit log here; regions and shipping
 * options in region-rows.ts, the monitoring tables in monitoring-rows.ts. What differs by driver is said where it does (a JSON
 * column arrives as text from SQLite and parsed from PostgreSQL; SQLite binds no booleans).
 */
import {
  pricesOf,
  type AppliedDiscount,
  type CartState,
  type CurrencyCode,
  type Discount,
  type DiscountInput,
  type LineState,
  type Money,
  type Product,
  type ProductInput,
} from '@cart/core';
import type { AuditEntry, AuditRecord, IdempotencyRecord, StoredCart } from './port.ts';

/** A JSON column: text from SQLite, parsed already from PostgreSQL (JSONB). */
export const fromJson = <T>(value: string | T): T =>
  typeof value === 'string' ? (JSON.parse(value) as T) : value;

/** A boolean column: BOOLEAN in PostgreSQL, 0/1 in SQLite. */
export const fromBoolean = (value: boolean | number): boolean => value === true || value === 1;

// ---- carts --------------------------------------------------------------------------

/** Fields a cart written by an earlier version may lack. */
type Defaulted =
  | 'appliedActionIds'
  | 'regionId'
  | 'country'
  | 'shippingAddress'
  | 'shippingOption'
  | 'taxRateBps'
  | 'taxInclusive';

/**
 * A cart's `state` column as written, by this version or an earlier one: carts stored
 * before the applied-action window existed have no `appliedActionIds`; those stored
 * before regions existed have no region, country, address, shipping option or tax rule,
 * lines without `requiresShipping` and codes without `currency`. Migration 007 gives
 * the stored ones `regionId`, and the first regions seeded adopt them into the default
 * region with their tax rule (`seedRegions`); a version still running during an upgrade
 * may write more.
 */
export type StoredCartState = Omit<CartState, Defaulted | 'lines' | 'discounts'> &
  Partial<Pick<CartState, Defaulted>> & {
    lines: (Omit<LineState, 'requiresShipping'> & Partial<Pick<LineState, 'requiresShipping'>>)[];
    discounts: (Omit<AppliedDiscount, 'currency'> & Partial<Pick<AppliedDiscount, 'currency'>>)[];
  };

/** The region of carts stored before regions existed (migration 007 writes it too). */
export const LEGACY_REGION_ID = 'default';

/**
 * The cart state a row holds, whichever version wrote it: what an earlier version did
 * not write reads as the schema's default (no applied actions reported, nothing chosen
 * for shipping, lines shipped, codes of any currency) or as what that version meant (the
 * legacy region; tax added on top, at a rate of 0 when none was recorded: checkout's
 * re-pricing then brings in the region's), so every reader (changes, answers, live
 * events, sweepers) sees every field. Rows are not parsed by the schema (too slow for
 * every change), so the defaults are applied here.
 */
export function toCartStateFromRow(stored: StoredCartState): CartState {
  return {
    ...stored,
    regionId: stored.regionId ?? LEGACY_REGION_ID,
    country: stored.country ?? null,
    shippingAddress: stored.shippingAddress ?? null,
    shippingOption: stored.shippingOption ?? null,
    taxRateBps: stored.taxRateBps ?? 0,
    taxInclusive: stored.taxInclusive ?? false,
    // Lines and codes are copied only when one lacks its field: a current cart's are kept.
    lines: stored.lines.every((l) => l.requiresShipping !== undefined)
      ? (stored.lines as LineState[])
      : stored.lines.map((l) => ({ ...l, requiresShipping: l.requiresShipping ?? false })),
    discounts: stored.discounts.every((d) => d.currency !== undefined)
      ? (stored.discounts as AppliedDiscount[])
      : stored.discounts.map((d) => ({ ...d, currency: d.currency ?? null })),
    appliedActionIds: stored.appliedActionIds ?? [],
  };
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
  /** The prices in currencies other than `currency`'s: JSON text in SQLite, JSONB in PostgreSQL. */
  prices: string | Money[];
  /** BOOLEAN in PostgreSQL, 0/1 in SQLite. */
  requires_shipping: boolean | number;
  stock: number | null;
  max_per_order: number | null;
  image_url: string | null;
  created_at: string;
}

export function toProduct(r: ProductRow): Product {
  const price = { amount: r.price_amount, currency: r.currency as CurrencyCode };
  return {
    id: r.id,
    sku: r.sku,
    name: r.name,
    description: r.description,
    price,
    prices: [price, ...fromJson<Money[]>(r.prices)],
    requiresShipping: fromBoolean(r.requires_shipping),
    stock: r.stock,
    maxPerOrder: r.max_per_order,
    imageUrl: r.image_url,
  };
}

/**
 * A product's columns as its creation, its update and the seed write them (timestamps
 * aside). `prices` is JSON text, whatever the database: pg would send an array as a
 * PostgreSQL array, not as JSON. `requires_shipping` is a boolean: SQLite binds it as 0/1.
 */
export type ProductColumns = Omit<ProductRow, 'created_at' | 'prices' | 'requires_shipping'> & {
  prices: string;
  requires_shipping: boolean;
};

export function toProductColumns(id: string, p: ProductInput): ProductColumns {
  return {
    id,
    sku: p.sku,
    name: p.name,
    description: p.description,
    price_amount: p.price.amount,
    currency: p.price.currency,
    // `price` is kept in its own columns; the others beside it.
    prices: JSON.stringify(pricesOf(p).filter((m) => m.currency !== p.price.currency)),
    requires_shipping: p.requiresShipping,
    stock: p.stock,
    max_per_order: p.maxPerOrder,
    image_url: p.imageUrl,
  };
}

/** A product as a read gives it back once written: `prices` with `price` first. */
export const asStoredProduct = (id: string, p: ProductInput): Product => ({
  ...p,
  id,
  prices: pricesOf(p),
});

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
  currency: string | null;
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
    combinable: fromBoolean(r.combinable),
    currency: r.currency as CurrencyCode | null,
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
    // Resolved by the caller (the default region's, when the code needs one): left out is none.
    currency: d.currency ?? null,
  };
}

/** A code as a read gives it back once created. */
export const asStoredDiscount = (d: DiscountInput): Discount => ({
  ...d,
  currency: d.currency ?? null,
  timesUsed: 0,
});

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
