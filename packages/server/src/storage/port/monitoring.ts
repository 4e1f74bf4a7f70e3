// The monitoring part of the storage port: analytics events and their counts, the idle
// sweep that marks carts abandoned, error groups for error tracking, and alert history.
import type {
  AlertEvent,
  AnalyticsEvent,
  CartState,
  ErrorGroup,
  ErrorGroupSummary,
  ErrorCode,
  ErrorSource,
  FunnelStep,
  LostDemandReason,
  RefusalEvent,
} from '@cart/core';

/** Usage events and their types: core's schemas (packages/core/src/schemas/monitoring.ts). */
export type { AnalyticsEvent, AnalyticsEventType, RefusalEvent } from '@cart/core';

/** One occurrence of a server error or a browser-reported error, for error tracking. */
export interface ErrorOccurrence {
  fingerprint: string;
  source: ErrorSource;
  errorClass: string;
  message: string;
  route: string;
  topFrame: string;
  /** Server stacks stay server-side: only the admin API shows them. */
  stack: string;
  requestId: string | null;
  at: string;
}

/**
 * What an occurrence may do to the error groups: `mayCreate` false (the reporting
 * client spent its quota of new groups) lets it count only in a group that exists;
 * `maxGroups` is the most groups of its source kept, beyond which no new one starts.
 */
export interface ErrorGroupLimits {
  mayCreate: boolean;
  maxGroups: number;
}

/** What became of an occurrence: counted in its group, a new group, or not stored. */
export type ErrorRecordOutcome = 'counted' | 'created' | 'refused';

export interface ErrorGroupQuery {
  source?: ErrorSource;
  /** Opaque cursor from a previous page (groups are listed most recently seen first). */
  cursor: string | null;
  limit: number;
}

/** An alert rule changing state, as recorded (and shown on the dashboard). */
export interface AlertEventInput {
  rule: string;
  state: 'firing' | 'resolved';
  at: string;
  value: number | null;
  summary: string;
}

/** The raw counts behind `GET /api/admin/analytics`, for events with from <= at < to. */
export interface AnalyticsCounts {
  /** Distinct carts with at least one event of each funnel type. */
  funnel: Record<FunnelStep, number>;
  abandonedCarts: number;
  /** Orders (checked_out events): how many, and the sum of their amounts. */
  orders: number;
  revenue: number;
  /** Most units added first (line_added quantity plus positive quantity_changed), ties by id. */
  topProducts: { productId: string; quantityAdded: number; carts: number }[];
}

/** The raw counts of refusals behind `GET /api/admin/analytics`, for from <= at < to. */
export interface RefusalCounts {
  /** Refused checkouts. */
  checkoutsRefused: number;
  /** Distinct carts that asked to check out: a checkout_started event or a refused checkout. */
  checkoutCarts: number;
  /** Refused checkouts by code, most first, ties by code. */
  refusedByCode: { code: ErrorCode; count: number }[];
  /**
   * Per product and reason (OUT_OF_STOCK is `stock`, QUANTITY_LIMIT_EXCEEDED `limit`), at
   * adds and checkouts alike: refusals, units asked and distinct carts; most refusals
   * first, then most units, ties by product id and reason.
   */
  lostDemand: {
    productId: string;
    reason: LostDemandReason;
    refusals: number;
    units: number;
    carts: number;
  }[];
}

export interface MonitoringStore {
  /**
   * The states of at most `limit` active carts holding at least one line, last changed
   * before `idleBefore`, and not marked abandoned since their last change, least recently
   * changed first: what the abandonment sweep prices, read in one statement.
   */
  findIdleCarts(idleBefore: string, limit: number): Promise<CartState[]>;
  /**
   * Marks the cart abandoned and records `event` (a `cart_abandoned`) in one transaction,
   * only if it still matches `findIdleCarts`' conditions; false when it no longer does.
   */
  markAbandoned(cartId: string, idleBefore: string, event: AnalyticsEvent): Promise<boolean>;
  analyticsCounts(from: string, to: string, topLimit: number): Promise<AnalyticsCounts>;
  /** Records refused changes (they change no cart: written on their own, in one transaction). */
  recordRefusals(events: readonly RefusalEvent[]): Promise<void>;
  refusalCounts(from: string, to: string, lostDemandLimit: number): Promise<RefusalCounts>;

  /**
   * Adds one occurrence to its group, creating the group on first sight when `limits`
   * allow it (else the occurrence is not stored: 'refused').
   */
  recordError(occurrence: ErrorOccurrence, limits: ErrorGroupLimits): Promise<ErrorRecordOutcome>;
  /** Deletes the error groups last seen before `before` (retention); returns how many. */
  purgeErrorGroups(before: string): Promise<number>;
  listErrorGroups(
    query: ErrorGroupQuery,
  ): Promise<{ items: ErrorGroupSummary[]; nextCursor: string | null }>;
  getErrorGroup(fingerprint: string): Promise<ErrorGroup | null>;

  recordAlertEvent(event: AlertEventInput): Promise<AlertEvent>;
  /** Newest first. */
  listAlertEvents(limit: number): Promise<AlertEvent[]>;
}
