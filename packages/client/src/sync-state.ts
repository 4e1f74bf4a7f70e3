import type { Cart, CartAction, CheckoutResult } from '@cart/core';
import type { CartErrorReport } from './cart-snapshot.ts';
import type { LineIdMap, PendingAction } from './outbox.ts';
import type { StoredCart } from './records.ts';

/**
 * The state of the SDK's sync machine, and the events and effects of its steps (see
 * sync-machine.ts for the step function, sync-stepper.ts for its parts).
 */

/** What the store is doing about the server right now (shown as `snapshot.sync`). */
export type SyncPhase =
  | { kind: 'idle' }
  | { kind: 'sending' }
  | { kind: 'checking-out' }
  | { kind: 'waiting'; until: number };

/** What the store last learnt about reaching the shop. */
export type Link =
  /** Answers arrive. */
  | 'up'
  /** No answer (the network, a timeout, a proxy's page): retried after a backoff. */
  | 'down'
  /** The shop answers, but with failures (5xx after retries): retried after a backoff. */
  | 'trouble'
  /** The shop refused the store itself (credential, CSRF): nothing is sent until retry(). */
  | 'fatal';

/** A checkout asked for and not yet answered. */
export interface CheckoutIntent {
  /** Its Idempotency-Key, kept until answered: a repeat after a lost answer replays the order. */
  key: string;
  /** The queued actions it includes; actions queued after it are held back until it ends. */
  actionIds: string[];
  /** The cart version the checkout was sent for (`If-Match`); null until sent. */
  version: number | null;
}

/** A request on the wire. One at a time: the server applies a cart's changes in order anyway. */
export type SyncRequest =
  | { kind: 'create'; key: string }
  | { kind: 'read'; cartId: string }
  | { kind: 'actions'; cartId: string; key: string; actions: CartAction[] }
  | { kind: 'checkout'; cartId: string; key: string; version: number }
  | {
      kind: 'merge';
      cartId: string;
      /** The target's credential when it is not the cart in use (bearer: the shopper's cart). */
      token: string | null;
      key: string;
      sourceCartId: string;
      sourceToken: string;
    };

/** A refusal as data: the report, the action it names, the cart it carries. */
export interface Refusal {
  report: CartErrorReport;
  /** The action the server refused (`actionId` of the problem document). */
  actionId: string | null;
  /** Index of the refused action in the request, from the error path (older servers). */
  index: number | null;
  cart: Cart | null;
}

/** How a request ended. */
export type Outcome =
  | { ok: true; cart: Cart; token?: string | null }
  | { ok: true; order: CheckoutResult }
  /** No usable answer: the network, a timeout, a page that is not a problem document. */
  | { ok: false; kind: 'network'; retryAfterMs: number | null }
  /** The shop kept failing (5xx, 429) past the transport's retries. */
  | { ok: false; kind: 'trouble'; report: CartErrorReport; retryAfterMs: number | null }
  /** A problem document about the request: final. */
  | { ok: false; kind: 'refused'; refusal: Refusal };

export type SyncEvent =
  /** A new action (from this tab, or another tab through the leader). */
  | { type: 'enqueue'; item: PendingAction }
  /** This tab now leads (or the store started leading): read the cart, send the queue. */
  | { type: 'lead' }
  /** The device says it is online again: try now rather than after the backoff. */
  | { type: 'online' }
  /** The shopper asked to try again (clears a fatal stop and the backoff). */
  | { type: 'retry' }
  /** The wait of `sync.waiting` is over. */
  | { type: 'wake' }
  /** The request on the wire ended. */
  | { type: 'answered'; request: SyncRequest; outcome: Outcome }
  /** A cart from the live stream. */
  | { type: 'live'; cart: Cart }
  /** The live stream connected: the shop is reachable, whatever the device says. */
  | { type: 'live-up' }
  /** The live stream was told the cart is gone (a CART_NOT_FOUND problem): read it to know. */
  | { type: 'live-gone' }
  /** Check out: the queue up to now, then the order (`key` is used if none is pending). */
  | { type: 'checkout'; key: string }
  /** Forget the cart (after an order, or to start over); the next change starts a new one. */
  | { type: 'forget' }
  /** Switch to an existing cart (its credential: token in bearer mode). */
  | { type: 'load'; cartId: string; token: string | null }
  /** Merge a cart into this one (or this one into it, see CartStore.adoptCart). */
  | { type: 'merge'; cartId: string; token: string; into: 'given' | 'current' }
  /** Make a cart now, even with nothing queued. */
  | { type: 'create' };

export type SyncEffect =
  | { type: 'send'; request: SyncRequest }
  /** Wake the machine at this time (replaces any earlier wake). */
  | { type: 'wake-at'; at: number }
  /** An action ended: applied (report null) or refused. */
  | { type: 'settled'; actionId: string; report: CartErrorReport | null }
  /** A refusal to tell the refusal listeners about. */
  | { type: 'announce'; report: CartErrorReport }
  /** The checkout ended (or failed to reach the shop: `order` and `report` null). */
  | { type: 'checkout-ended'; order: CheckoutResult | null; report: CartErrorReport | null }
  /** A create/load/merge the caller waits for ended (`cart` null: it failed with `report`). */
  | { type: 'switched'; cart: Cart | null; report: CartErrorReport | null };

export interface SyncState {
  // ---- persisted (the meta record and the queue) ----
  cart: StoredCart;
  /** Actions not yet known to be applied or refused, in order. */
  outbox: readonly PendingAction[];
  lineIds: LineIdMap;
  checkout: CheckoutIntent | null;
  /** The Idempotency-Key of a cart creation not yet answered. */
  createKey: string | null;
  /** The last order-key time issued: order keys never go backwards, whatever the clock does. */
  clock: number;
  lastOrder: CheckoutResult | null;
  // ---- this run only ----
  leading: boolean;
  request: SyncRequest | null;
  /** Nothing is sent before this time (a backoff, or the server's Retry-After). */
  waitUntil: number | null;
  link: Link;
  /** Failed rounds in a row (the backoff grows with them). */
  failures: number;
  /** Carts lost in a row (gone, expired, closed); new carts are spaced by a backoff. */
  cartLosses: number;
  /** Read the cart before anything else (after a load, a take-over, a probe). */
  readWanted: boolean;
  /** A create, load or merge someone waits for. */
  switching: { kind: 'create' } | { kind: 'load'; cartId: string } | { kind: 'merge' } | null;
  /** A merge to send once a cart exists (cookie mode merges into this browser's cart). */
  mergeWanted: {
    /** The cart to merge into; null: the cart in use (made first if there is none). */
    cartId: string | null;
    token: string | null;
    sourceCartId: string;
    sourceToken: string;
    /** One key per merge: a repeat after a lost answer gets the same answer. */
    key: string;
  } | null;
  maxBatch: number;
  /**
   * The last batch sent and its key: the very same batch again (after a lost answer) goes
   * with the same key, so the server answers it from its record.
   */
  lastBatch: { key: string; body: string } | null;
  lastError: CartErrorReport | null;
}

export interface StepContext {
  now: number;
  /** A fresh idempotency key. */
  newKey(): string;
  /** Backoff curve for retries and new carts. */
  backoff: { baseDelayMs: number; maxDelayMs: number };
  /** In [0, 1), for the jitter. */
  random(): number;
}

export interface StepResult {
  state: SyncState;
  effects: SyncEffect[];
}

/** Carts lost in a row after which the store stops and says so (a cookie that never sticks). */
export const MAX_CART_LOSSES = 5;
/** The longest Retry-After honoured; a longer one is taken as this. */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

export function initialState(maxBatch: number): SyncState {
  return {
    cart: { kind: 'none' },
    outbox: [],
    lineIds: {},
    checkout: null,
    createKey: null,
    clock: 0,
    lastOrder: null,
    leading: false,
    request: null,
    waitUntil: null,
    link: 'up',
    failures: 0,
    cartLosses: 0,
    readWanted: false,
    switching: null,
    mergeWanted: null,
    maxBatch,
    lastBatch: null,
    lastError: null,
  };
}

/** The phase shown to the UI. */
export function phaseOf(s: SyncState): SyncPhase {
  if (s.request?.kind === 'checkout') return { kind: 'checking-out' };
  if (s.request) return { kind: 'sending' };
  if (s.waitUntil !== null) return { kind: 'waiting', until: s.waitUntil };
  return { kind: 'idle' };
}

/** The cart id requests go to, when there is an active cart. */
export function activeCartId(s: SyncState): string | null {
  return s.cart.kind === 'active' ? s.cart.id : null;
}

/** The cart the server confirmed last, when it is the one in use. */
export function confirmedCart(s: SyncState): Cart | null {
  return s.cart.kind === 'none' ? null : s.cart.confirmed;
}

/**
 * The next order key: the later of the clock and the last key issued plus one, so a
 * clock that steps back never sorts a new action ahead of an older one (a Lamport
 * clock over the wall clock).
 */
export function nextOrderTime(s: Pick<SyncState, 'clock'>, now: number): number {
  return Math.max(now, s.clock + 1);
}

/** The time part of an order key (`<time36>.<count36>.<tab>`). */
export function orderTime(seq: string): number {
  const t = Number.parseInt(seq.slice(0, seq.indexOf('.')), 36);
  return Number.isFinite(t) ? t : 0;
}
