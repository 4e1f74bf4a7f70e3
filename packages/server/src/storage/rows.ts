import type { Discount, Product } from '@cart/core';
import type { AuditEntry, AuditRecord } from './port.ts';

/**
 * Rows as both adapters' tables hold them (the column names are the same in SQLite and
 * PostgreSQL), and their mapping to the domain: one mapping, whatever the database.
 */

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
  /** BOOLEAN in PostgreSQL, 0/1 in SQLite. */
  combinable: boolean | number;
  created_at: string;
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
    combinable: r.combinable === true || r.combinable === 1,
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
