/**
 * The monitoring tables' rows (analytics events, error groups, alert events) as both
 * adapters hold them, and their mapping to the port's types and back, as in rows.ts.
 */
import {
  isLostDemand,
  LOST_DEMAND_CODES,
  type AlertEvent,
  type ErrorCode,
  type ErrorGroup,
  type ErrorGroupSummary,
  type ErrorSource,
  type LostDemandReason,
} from '@cart/core';
import type { AnalyticsCounts, AnalyticsEvent, RefusalCounts, RefusalEvent } from './port.ts';

/** An `analytics_events` row as written (its id is the database's). */
export interface AnalyticsEventRow {
  at: string;
  type: string;
  cart_id: string;
  product_id: string | null;
  quantity: number | null;
  amount: number | null;
  currency: string | null;
}

export function toAnalyticsEventRow(e: AnalyticsEvent): AnalyticsEventRow {
  return {
    at: e.at,
    type: e.type,
    cart_id: e.cartId,
    product_id: e.productId ?? null,
    quantity: e.quantity ?? null,
    amount: e.amount ?? null,
    currency: e.currency ?? null,
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

/** A `refusals` row as written (its id is the database's). */
export interface RefusalRow {
  at: string;
  stage: string;
  code: string;
  cart_id: string;
  product_id: string | null;
  quantity: number | null;
}

export function toRefusalRow(e: RefusalEvent): RefusalRow {
  return {
    at: e.at,
    stage: e.stage,
    code: e.code,
    cart_id: e.cartId,
    product_id: e.productId,
    quantity: e.quantity,
  };
}

function lostDemandReason(code: string): LostDemandReason {
  if (!isLostDemand(code)) throw new Error(`${code} is not a lost-demand code`);
  return LOST_DEMAND_CODES[code];
}

export interface RefusedCodeRow {
  code: string;
  count: number;
}

export interface LostDemandRow {
  product_id: string;
  code: string;
  refusals: number;
  units: number;
  carts: number;
}

/** The port's RefusalCounts from the three window queries, the same on every adapter. */
export function toRefusalCounts(
  byCode: readonly RefusedCodeRow[],
  checkoutCarts: number,
  lost: readonly LostDemandRow[],
): RefusalCounts {
  return {
    checkoutsRefused: byCode.reduce((n, r) => n + r.count, 0),
    checkoutCarts,
    refusedByCode: byCode.map((r) => ({ code: r.code as ErrorCode, count: r.count })),
    lostDemand: lost.map((r) => ({
      productId: r.product_id,
      reason: lostDemandReason(r.code),
      refusals: r.refusals,
      units: r.units,
      carts: r.carts,
    })),
  };
}
