import pg from 'pg';
import type { CartState, Discount, Product } from '@cart/core';
import type { AuditEntry, AuditRecord, IdempotencyRecord, StoredCart } from '../port.ts';

/**
 * Rows as PostgreSQL returns them through this adapter's pool, and their mapping to the
 * port's types. BIGINT arrives as a number (see `pgTypes`), JSONB parsed, BYTEA as a
 * Buffer, BOOLEAN as a boolean, and timestamps as the ISO-8601 text they were written as.
 */

const INT8_OID = 20;

/**
 * Type parsers for this adapter's connections only: BIGINT (money, stock, versions,
 * counts) as a JavaScript number. Every amount the service stores is a safe integer
 * (prices are bounded in @cart/core), so nothing is rounded. Set per pool, never on the
 * global `pg.types`, so other code in the process that uses pg keeps its defaults.
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

export interface CartRow {
  id: string;
  state: CartState;
  token_hash: Buffer;
}

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

export interface DiscountRow {
  code: string;
  kind: 'percent' | 'fixed';
  value: number;
  min_subtotal: number | null;
  starts_at: string | null;
  ends_at: string | null;
  usage_limit: number | null;
  times_used: number;
  combinable: boolean;
  created_at: string;
}

export interface IdempotencyRow {
  id: string;
  fingerprint: string;
  payload: string;
  created_at: string;
  expires_at: string;
}

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
}

export function toStoredCart(r: CartRow): StoredCart {
  return { state: r.state, tokenHash: r.token_hash };
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
    combinable: r.combinable,
  };
}

export function toIdempotency(r: IdempotencyRow): IdempotencyRecord {
  return {
    id: r.id,
    fingerprint: r.fingerprint,
    payload: r.payload,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  };
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
  };
}

/** Parameters of a product row, in the column order the insert and update use ($1…$10). */
export function productValues(
  id: string,
  p: Omit<Product, 'id'>,
  now: string,
): (string | number | null)[] {
  return [
    id,
    p.sku,
    p.name,
    p.description,
    p.price.amount,
    p.price.currency,
    p.stock,
    p.maxPerOrder,
    p.imageUrl,
    now,
  ];
}
