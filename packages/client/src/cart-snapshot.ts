import {
  ERROR_CATALOG,
  type AppliedDiscount,
  type Cart,
  type CartAction,
  type CartError,
  type CheckoutResult,
  type ErrorCode,
  type FieldError,
} from '@cart/core';
import { CartApiError, CartNetworkError } from './errors.ts';
import type { ShownCart } from './optimistic-view.ts';
import type { PendingAction } from './outbox.ts';
import type { SyncPhase } from './sync-state.ts';

/**
 * - `loading`: nothing to show yet (first load of a cart).
 * - `syncing`: changes are queued or on their way.
 * - `offline`: the device or the shop is unreachable; changes are kept and queued.
 * - `error`: the shop keeps failing or refused the store itself (see `lastError`);
 *   queued changes are kept, and `retry()` tries again.
 * - `idle`: everything shown is confirmed.
 */
export type SyncStatus = 'idle' | 'loading' | 'syncing' | 'offline' | 'error';

/**
 * Why the store is `offline`: the `device` has no network (the online signal says so,
 * `navigator.onLine` false), or the device is online and the `shop` does not answer
 * (connection refused, a timeout, a proxy's page). The words differ: "check your
 * connection" helps only the first.
 */
export type OfflineReason = 'device' | 'shop';

/** A refusal or failure, in words for people and in codes for programs. */
export interface CartErrorReport {
  code: ErrorCode;
  /** HTTP status, or the catalog's status for a refusal made on the device. */
  status: number;
  /** The catalog's plain-words message ("Sorry, we do not have that many in stock."). */
  message: string;
  /** The specific reason ("Only 2 of Blue Mug left."). */
  detail: string;
  errors: readonly FieldError[];
  requestId: string | undefined;
  /** The action it refused, when it is about one. */
  actionId: string | null;
  action: CartAction | null;
  /** `local`: refused on the device before sending (the cart shown already breaks a rule). */
  source: 'local' | 'server';
  /** Whether trying again (`retry()`) can help. */
  retryable: boolean;
  /** When it happened (ms since the epoch). */
  at: number;
  /**
   * A promo code the server refused only for now (below its minimum subtotal, or not
   * combinable with the codes on the cart): its public terms, so the page can say how
   * much more the cart needs or offer a switch. Absent otherwise.
   */
  discount?: AppliedDiscount;
}

/** What the UI renders. Immutable; the same object until something changes. */
export interface CartSnapshot {
  status: SyncStatus;
  /**
   * What the store is doing about the server: nothing (`idle`), a request on its way
   * (`sending`), the checkout on its way (`checking-out`), or `waiting` until a time (a
   * backoff after a failure, or the server's Retry-After) before it tries again.
   */
  sync: SyncPhase;
  /** The cart to show: the confirmed cart with every queued change applied. Null while loading. */
  cart: ShownCart | null;
  /** The last cart the server confirmed. */
  confirmed: Cart | null;
  cartId: string | null;
  /** Queued changes, in the order they will be applied. */
  pending: readonly PendingAction[];
  pendingCount: number;
  /** The device's and the SDK's view of the network. */
  online: boolean;
  /** While `status` is `offline`, why (see OfflineReason); null otherwise. */
  offlineReason: OfflineReason | null;
  /** This tab is the one talking to the server. */
  leader: boolean;
  lastError: CartErrorReport | null;
  /** The last order placed from this store. */
  lastOrder: CheckoutResult | null;
  /**
   * Units left of each product the store knows (null: unlimited): from the products it
   * has read, updated by the live `stock` events of the cart's products. A product it
   * has not read nor heard of is absent.
   */
  stock: Readonly<Record<string, number | null>>;
}

/** How a queued action ended. */
export type ActionResult =
  | { ok: true; actionId: string; cart: Cart | null }
  | { ok: false; actionId: string | null; error: CartErrorReport };

export function reportFromApi(
  error: CartApiError,
  item: PendingAction | null,
  at: number,
  retryable = false,
): CartErrorReport {
  return {
    code: error.code,
    status: error.status,
    message: error.message,
    detail: error.detail,
    errors: error.errors,
    requestId: error.requestId,
    actionId: item?.actionId ?? null,
    action: item?.action ?? null,
    source: 'server',
    retryable,
    at,
    ...(error.discount ? { discount: error.discount } : {}),
  };
}

export function reportFromLocal(
  error: CartError,
  item: Pick<PendingAction, 'actionId' | 'action'> | null,
  at: number,
): CartErrorReport {
  const entry = ERROR_CATALOG[error.code];
  return {
    code: error.code,
    status: entry.status,
    message: entry.message,
    detail: error.message,
    errors: error.path === undefined ? [] : [{ path: error.path, message: error.message }],
    requestId: undefined,
    actionId: item?.actionId ?? null,
    action: item?.action ?? null,
    source: 'local',
    retryable: false,
    at,
  };
}

/**
 * A report as the error a caller's promise rejects with: the CartApiError of a refusal,
 * or a CartNetworkError when the shop could not be reached (no report, or UNAVAILABLE
 * with no HTTP status).
 */
export function errorFromReport(report: CartErrorReport | null): Error {
  if (report === null || (report.code === 'UNAVAILABLE' && report.status === 0))
    return new CartNetworkError('network', 0);
  return new CartApiError({
    code: report.code,
    status: report.status,
    detail: report.detail,
    errors: report.errors,
    requestId: report.requestId,
    discount: report.discount ?? null,
  });
}

/** An error as a report (to carry it to another tab): UNAVAILABLE, status 0, when not an answer. */
export function reportFromError(error: unknown, at: number): CartErrorReport {
  if (error instanceof CartApiError) return reportFromApi(error, null, at);
  const r = reportFromLocal({ code: 'UNAVAILABLE', message: String(error) }, null, at);
  return { ...r, status: 0, retryable: true };
}
