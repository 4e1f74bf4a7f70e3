import pg from 'pg';
import type { Product } from '@cart/core';
import type { IdempotencyRecord, StoredCart } from '../port.ts';
import { toCartStateFromRow, type StoredCartState } from '../rows.ts';

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
  state: StoredCartState;
  token_hash: Buffer;
}

export interface IdempotencyRow {
  id: string;
  fingerprint: string;
  payload: string;
  created_at: string;
  expires_at: string;
  cart_id: string | null;
}

export {
  toAudit,
  toDiscount,
  toProduct,
  type AuditRow,
  type DiscountRow,
  type ProductRow,
} from '../rows.ts';

export function toStoredCart(r: CartRow): StoredCart {
  return { state: toCartStateFromRow(r.state), tokenHash: r.token_hash };
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
