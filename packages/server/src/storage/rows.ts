import type {
  AlertEvent,
  CartState,
  Discount,
  ErrorGroup,
  ErrorGroupSummary,
  ErrorSource,
  Product,
} from '@cart/core';
import type { AnalyticsCounts, AuditEntry, AuditRecord } from './port.ts';

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
  /** Null in records written before the chain was keyed (migration 004). */
  key_id: string | null;
}

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
    keyId: r.key_id ?? null,
  };
}

export interface ErrorGroupRow {
  fingerprint: string;
  source: ErrorSource;
  error_class: string;
  message: string;
  route: string;
  top_frame: string;
  count: number;
  first_seen: string;
  last_seen: string;
  sample_request_id: string | null;
  stack: string;
}

export function toErrorGroupSummary(r: ErrorGroupRow): ErrorGroupSummary {
  return {
    fingerprint: r.fingerprint,
    source: r.source,
    errorClass: r.error_class,
    message: r.message,
    route: r.route,
    topFrame: r.top_frame,
    count: r.count,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    sampleRequestId: r.sample_request_id,
  };
}

export function toErrorGroup(r: ErrorGroupRow): ErrorGroup {
  return { ...toErrorGroupSummary(r), stack: r.stack };
}

export interface AlertEventRow {
  id: number;
  rule: string;
  state: AlertEvent['state'];
  at: string;
  value: number | null;
  summary: string;
}

export function toAlertEvent(r: AlertEventRow): AlertEvent {
  return { id: r.id, rule: r.rule, state: r.state, at: r.at, value: r.value, summary: r.summary };
}

/** One row of the analytics window query: a funnel step (or other type) and its counts. */
export interface AnalyticsTypeRow {
  type: string;
  /** Distinct carts with an event of this type. */
  carts: number;
  /** Events of this type. */
  events: number;
  /** Sum of their amounts (0 when none has one). */
  amount: number;
}

export interface TopProductRow {
  product_id: string;
  quantity_added: number;
  carts: number;
}

/** The event types `analyticsCounts` reads from its window query. */
export const ANALYTICS_WINDOW_TYPES = [
  'cart_created',
  'line_added',
  'checkout_started',
  'checked_out',
  'cart_abandoned',
] as const;

/** The port's AnalyticsCounts from the two window queries, the same on every adapter. */
export function toAnalyticsCounts(
  types: readonly AnalyticsTypeRow[],
  top: readonly TopProductRow[],
): AnalyticsCounts {
  const of = (type: string) => types.find((t) => t.type === type);
  const carts = (type: string) => of(type)?.carts ?? 0;
  return {
    funnel: {
      cart_created: carts('cart_created'),
      line_added: carts('line_added'),
      checkout_started: carts('checkout_started'),
      checked_out: carts('checked_out'),
    },
    abandonedCarts: carts('cart_abandoned'),
    orders: of('checked_out')?.events ?? 0,
    revenue: of('checked_out')?.amount ?? 0,
    topProducts: top.map((r) => ({
      productId: r.product_id,
      quantityAdded: r.quantity_added,
      carts: r.carts,
    })),
  };
}
