import type { Cart, CartAction, CheckoutResult } from '@cart/core';
import { backoffDelay } from './backoff.ts';
import { reportFromLocal, type CartErrorReport } from './cart-snapshot.ts';
import {
  composeBatch,
  isTempLineId,
  learnLineIds,
  lineRef,
  pruneLineIds,
  tempLineId,
  type LineIdMap,
  type PendingAction,
} from './outbox.ts';
import type { StoredCart } from './records.ts';

/**
 * The SDK's sync core as one pure function: `step(state, event, ctx)` answers the next
 * state and the effects to run (requests to send, a time to wake at, callers to settle).
 * It does no I/O and reads no clock: the store (cart-store.ts) runs the effects, feeds
 * their outcomes back in as events, and saves every step's persisted part in one
 * storage transaction before it runs the step's effects. See README.md, "The state
 * machine".
 *
 * The protocol it relies on: every cart the server answers (to a read, a batch, a live
 * event) lists the ids of the actions recently applied to it (`appliedActionIds`), and
 * a refusal names the action it refused (`actionId`). So an action leaves the queue when
 * a cart lists it (applied) or a refusal names it (refused): nothing is inferred from
 * positions or from which request was answered.
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

class Stepper {
  readonly effects: SyncEffect[] = [];
  constructor(
    public s: SyncState,
    readonly ctx: StepContext,
  ) {}

  set(patch: Partial<SyncState>): void {
    this.s = { ...this.s, ...patch };
  }

  report(code: CartErrorReport['code'], detail: string, item: PendingAction | null = null) {
    return reportFromLocal({ code, message: detail }, item, this.ctx.now);
  }

  // ---- the queue -------------------------------------------------------------------

  enqueue(item: PendingAction): void {
    if (this.s.outbox.some((i) => i.actionId === item.actionId)) return;
    const outbox = [...this.s.outbox];
    // Never ahead of the addLine whose line it names: its order key is later by construction,
    // but an item from another tab's clock is put after it all the same.
    const ref = lineRef(item.action);
    const after =
      ref !== undefined && isTempLineId(ref)
        ? outbox.findIndex((i) => tempLineId(i.actionId) === ref)
        : -1;
    let at = outbox.length;
    while (at > after + 1 && (outbox[at - 1] as PendingAction).seq > item.seq) {
      if (this.inFlight((outbox[at - 1] as PendingAction).actionId)) break;
      at--;
    }
    outbox.splice(at, 0, item);
    this.set({ outbox, clock: Math.max(this.s.clock, orderTime(item.seq)) });
  }

  private inFlight(actionId: string): boolean {
    const r = this.s.request;
    return r?.kind === 'actions' && r.actions.some((a) => a.actionId === actionId);
  }

  /** Removes actions from the queue and tells their callers. */
  settle(items: readonly PendingAction[], report: CartErrorReport | null): void {
    if (items.length === 0) return;
    const ids = new Set(items.map((i) => i.actionId));
    this.set({ outbox: this.s.outbox.filter((i) => !ids.has(i.actionId)) });
    for (const item of items) {
      const r =
        report && report.actionId !== item.actionId
          ? { ...report, actionId: item.actionId, action: item.action }
          : report;
      this.effects.push({ type: 'settled', actionId: item.actionId, report: r });
    }
  }

  /** Refuses an action and what depends on it (changes to the line it would have made). */
  refuse(item: PendingAction, report: CartErrorReport): void {
    const dependents =
      item.action.type === 'addLine'
        ? this.s.outbox.filter((i) => lineRef(i.action) === tempLineId(item.actionId))
        : [];
    if (item.action.type === 'addLine')
      this.set({ lineIds: { ...this.s.lineIds, [tempLineId(item.actionId)]: null } });
    this.settle([item], report);
    for (const d of dependents)
      this.settle([d], this.report('LINE_NOT_FOUND', 'That item is no longer in your cart.', d));
    this.set({ lastError: report });
    this.effects.push({ type: 'announce', report });
  }

  // ---- carts from the server -------------------------------------------------------

  /**
   * Takes a cart the server sent, unless it is another cart or older than the one held,
   * and drops from the queue what it lists as applied.
   */
  adopt(cart: Cart, token?: string | null): boolean {
    const c = this.s.cart;
    if (c.kind === 'none' || cart.id !== c.id) return false;
    const applied = new Set(cart.appliedActionIds);
    const done = this.s.outbox.filter((i) => applied.has(i.actionId));
    const lineIds = learnLineIds(this.s.lineIds, done, cart);
    if (c.confirmed && cart.version < c.confirmed.version) {
      // An older cart (a replayed answer): not shown, but what it lists was applied.
      this.set({ lineIds });
      this.settle(done, null);
      return false;
    }
    const kind =
      cart.status === 'active' ? 'active' : cart.status === 'expired' ? 'expired' : 'closed';
    this.set({
      cart: {
        kind: c.kind === 'active' ? kind : c.kind,
        id: c.id,
        token: token ?? c.token,
        confirmed: cart,
      },
      lineIds,
    });
    this.settle(done, null);
    this.set({ lineIds: pruneLineIds(this.s.lineIds, this.s.outbox, cart) });
    if (c.kind === 'active' && kind !== 'active') this.lost(kind, null);
    return true;
  }

  /**
   * The cart can no longer take changes: expired (or gone), or closed (checked out or
   * merged elsewhere). Queued changes to its lines are refused; the others wait for a
   * new cart, which is made when there is something to put in it, spaced by a backoff
   * so that a cart that keeps being lost (a cookie that never sticks) is not a loop.
   */
  lost(kind: 'expired' | 'closed', report: CartErrorReport | null): void {
    const c = this.s.cart;
    if (c.kind === 'none') return;
    const why =
      report ??
      (kind === 'expired'
        ? this.report(
            'CART_EXPIRED',
            'Your cart expired, so we started a new one. Add what you want again.',
          )
        : this.report(
            'CART_CLOSED',
            'This cart has been checked out or merged; changes go to a new cart.',
          ));
    this.set({
      cart: { kind, id: c.id, token: c.token, confirmed: c.confirmed },
      cartLosses: this.s.cartLosses + 1,
      lastError: why,
      readWanted: false,
      createKey: null,
    });
    const lineIds = this.s.lineIds;
    const orphaned = this.s.outbox.filter((i) => {
      const ref = lineRef(i.action);
      if (ref === undefined) return false;
      // A line of the old cart, or one its confirmed add made there.
      return !isTempLineId(ref) || typeof lineIds[ref] === 'string';
    });
    for (const item of orphaned)
      this.settle(
        [item],
        this.report('LINE_NOT_FOUND', 'That item was in the cart that is gone.', item),
      );
    this.set({ lineIds: {} });
    if (this.s.checkout) this.endCheckout(null, why);
    if (this.s.switching?.kind !== 'create') this.switched(null, why);
    if (this.s.cartLosses >= MAX_CART_LOSSES) {
      const stop = this.report(
        'CART_NOT_FOUND',
        'Your cart keeps getting lost: this browser may be blocking the cart cookie. Allow cookies for this shop and try again.',
      );
      this.set({ link: 'fatal', lastError: { ...stop, retryable: true } });
    }
  }

  endCheckout(order: CheckoutResult | null, report: CartErrorReport | null): void {
    this.set({ checkout: null });
    this.effects.push({ type: 'checkout-ended', order, report });
  }

  switched(cart: Cart | null, report: CartErrorReport | null): void {
    if (!this.s.switching) return;
    this.set({ switching: null });
    this.effects.push({ type: 'switched', cart, report });
  }

  // ---- failures ----------------------------------------------------------------------

  /** No answer, or one that says to come back later: wait, then try again. */
  backOff(
    link: 'down' | 'trouble',
    retryAfterMs: number | null,
    report: CartErrorReport | null,
  ): void {
    const failures = this.s.failures + 1;
    const jitter = backoffDelay(
      failures - 1,
      { ...this.ctx.backoff, maxAttempts: 0, maxRetryAfterMs: 0 },
      this.ctx.random(),
    );
    const wait =
      retryAfterMs !== null ? Math.min(retryAfterMs, MAX_RETRY_AFTER_MS) : Math.max(250, jitter);
    this.set({ link, failures, waitUntil: this.ctx.now + wait });
    if (report) this.set({ lastError: report });
  }

  // ---- what to do next ---------------------------------------------------------------

  /** Sends the next request, if one is due and none is on the wire. */
  next(): void {
    const s = this.s;
    if (!s.leading || s.request || s.link === 'fatal') return;
    if (s.waitUntil !== null) {
      if (s.waitUntil > this.ctx.now) {
        this.effects.push({ type: 'wake-at', at: s.waitUntil });
        return;
      }
      this.set({ waitUntil: null });
    }
    const cartId = activeCartId(this.s);
    if (cartId !== null && this.s.readWanted) return this.send({ kind: 'read', cartId });

    const included = this.s.checkout ? new Set(this.s.checkout.actionIds) : null;
    const sendable =
      included === null ? this.s.outbox : this.s.outbox.filter((i) => included.has(i.actionId));
    const wantsCart =
      sendable.length > 0 ||
      this.s.checkout !== null ||
      this.s.switching?.kind === 'create' ||
      this.s.mergeWanted !== null;
    if (cartId === null) {
      if (!wantsCart) return;
      return this.create();
    }
    if (this.s.mergeWanted && sendable.length === 0) {
      const m = this.s.mergeWanted;
      return this.send({
        kind: 'merge',
        cartId: m.cartId ?? cartId,
        token: m.token,
        key: m.key,
        sourceCartId: m.sourceCartId,
        sourceToken: m.sourceToken,
      });
    }
    if (sendable.length > 0) {
      const batch = composeBatch(sendable, this.s.lineIds, this.s.maxBatch);
      for (const orphan of batch.orphans)
        this.settle(
          [orphan],
          this.report('LINE_NOT_FOUND', 'That item is no longer in your cart.', orphan),
        );
      if (batch.items.length > 0) {
        const body = JSON.stringify(batch.actions);
        const key = this.s.lastBatch?.body === body ? this.s.lastBatch.key : this.ctx.newKey();
        this.set({ lastBatch: { key, body } });
        return this.send({ kind: 'actions', cartId, key, actions: batch.actions });
      }
      if (batch.orphans.length > 0) return this.next();
    }
    if (this.s.checkout && sendable.length === 0) {
      const version = confirmedCart(this.s)?.version;
      if (version === undefined) return this.send({ kind: 'read', cartId });
      this.set({ checkout: { ...this.s.checkout, version } });
      return this.send({ kind: 'checkout', cartId, key: this.s.checkout.key, version });
    }
    // Nothing to send: after a failure, reading the cart is how we learn the shop is back.
    if (this.s.link !== 'up') return this.send({ kind: 'read', cartId });
  }

  private create(): void {
    // A new cart after one was lost waits a backoff: never a loop of new carts.
    if (this.s.cartLosses > 1 && this.s.createKey === null) {
      const gap = Math.max(
        250,
        backoffDelay(
          this.s.cartLosses - 2,
          { ...this.ctx.backoff, maxAttempts: 0, maxRetryAfterMs: 0 },
          this.ctx.random(),
        ),
      );
      this.set({ createKey: this.ctx.newKey(), waitUntil: this.ctx.now + gap });
      this.effects.push({ type: 'wake-at', at: this.ctx.now + gap });
      return;
    }
    // One key per logical creation: a retry after a lost answer gets the same cart back.
    const key = this.s.createKey ?? this.ctx.newKey();
    this.set({ createKey: key });
    this.send({ kind: 'create', key });
  }

  private send(request: SyncRequest): void {
    this.set({ request });
    this.effects.push({ type: 'send', request });
  }
}

/** One step of the machine. */
export function step(state: SyncState, event: SyncEvent, ctx: StepContext): StepResult {
  const m = new Stepper(state, ctx);
  on(m, event);
  m.next();
  return { state: m.s, effects: m.effects };
}

function on(m: Stepper, event: SyncEvent): void {
  switch (event.type) {
    case 'enqueue':
      return m.enqueue(event.item);
    case 'lead':
      return m.set({
        leading: true,
        readWanted: activeCartId(m.s) !== null,
        waitUntil: null,
        failures: 0,
      });
    case 'online':
      if (m.s.link === 'down' || m.s.link === 'trouble') m.set({ waitUntil: null, failures: 0 });
      return;
    case 'retry':
      return m.set({
        link: m.s.link === 'fatal' ? 'up' : m.s.link,
        waitUntil: null,
        failures: 0,
        cartLosses: 0,
        readWanted: activeCartId(m.s) !== null,
      });
    case 'wake':
      if (m.s.waitUntil !== null && m.s.waitUntil <= m.ctx.now) m.set({ waitUntil: null });
      return;
    case 'live':
      m.adopt(event.cart);
      return;
    case 'live-up':
      if (m.s.link === 'down') m.set({ link: 'up', waitUntil: null, failures: 0 });
      return;
    case 'live-gone':
      if (activeCartId(m.s) !== null) m.set({ readWanted: true });
      return;
    case 'checkout': {
      // Asked again while one waits (after a failure): the shopper means now.
      if (m.s.checkout) return m.set({ waitUntil: null });
      const actionIds = m.s.outbox.map((i) => i.actionId);
      m.set({ checkout: { key: event.key, actionIds, version: null } });
      return;
    }
    case 'forget':
      return forget(m, null);
    case 'load':
      forget(m, { kind: 'active', id: event.cartId, token: event.token, confirmed: null });
      m.set({ readWanted: true, switching: { kind: 'load', cartId: event.cartId } });
      return;
    case 'merge':
      return merge(m, event);
    case 'create':
      forget(m, null);
      m.set({ switching: { kind: 'create' } });
      return;
    case 'answered':
      if (!sameRequest(m.s.request, event.request)) return;
      m.set({ request: null });
      return answered(m, event.request, event.outcome);
  }
}

/** Drops the cart (and the queue with it); `next` is the cart to use instead, if any. */
function forget(m: Stepper, next: StoredCart | null): void {
  const gone = m.s.outbox;
  m.set({
    cart: next ?? { kind: 'none' },
    lineIds: {},
    createKey: null,
    readWanted: false,
    mergeWanted: null,
    cartLosses: 0,
    lastError: null,
  });
  m.settle(gone, m.report('CART_CLOSED', 'The change was dropped with the cart it was for.'));
  if (m.s.checkout)
    m.endCheckout(null, m.report('CART_CLOSED', 'The checkout was dropped with its cart.'));
  m.switched(null, m.report('CART_CLOSED', 'Another cart was asked for first.'));
}

function merge(m: Stepper, e: Extract<SyncEvent, { type: 'merge' }>): void {
  m.switched(null, m.report('CART_CLOSED', 'Another cart was asked for first.'));
  const current = m.s.cart;
  const key = m.ctx.newKey();
  if (e.into === 'given') {
    // Bearer mode: the given cart survives. This device's cart, once what is queued for it
    // is sent, is merged into it; with no cart of its own, the device just switches.
    if (current.kind !== 'active' || current.token === null) {
      forget(m, { kind: 'active', id: e.cartId, token: e.token, confirmed: null });
      m.set({ switching: { kind: 'merge' }, readWanted: true });
      return;
    }
    m.set({
      switching: { kind: 'merge' },
      mergeWanted: {
        cartId: e.cartId,
        token: e.token,
        sourceCartId: current.id,
        sourceToken: current.token,
        key,
      },
    });
    return;
  }
  // Cookie mode: this browser's cart (its credential is the HttpOnly cookie) survives and
  // takes the given one in; a cart is made first when there is none.
  m.set({
    switching: { kind: 'merge' },
    mergeWanted: { cartId: null, token: null, sourceCartId: e.cartId, sourceToken: e.token, key },
  });
}

function sameRequest(a: SyncRequest | null, b: SyncRequest): boolean {
  return a !== null && a.kind === b.kind && JSON.stringify(a) === JSON.stringify(b);
}

function answered(m: Stepper, request: SyncRequest, outcome: Outcome): void {
  if (outcome.ok) {
    m.set({ link: 'up', failures: 0, waitUntil: null });
    if (m.s.lastError && m.s.lastError.retryable) m.set({ lastError: null });
    if ('order' in outcome) return ordered(m, outcome.order);
    return gotCart(m, request, outcome.cart, outcome.token);
  }
  if (outcome.kind === 'network') return m.backOff('down', outcome.retryAfterMs, null);
  if (outcome.kind === 'trouble') return m.backOff('trouble', outcome.retryAfterMs, outcome.report);
  m.set({ link: 'up', failures: 0 });
  return refused(m, request, outcome.refusal);
}

function gotCart(
  m: Stepper,
  request: SyncRequest,
  cart: Cart,
  token: string | null | undefined,
): void {
  switch (request.kind) {
    case 'create': {
      const previous = m.s.cart;
      if (previous.kind === 'active') return; // a cart was loaded meanwhile
      m.set({
        cart: { kind: 'active', id: cart.id, token: token ?? null, confirmed: null },
        createKey: null,
      });
      m.adopt(cart, token ?? null);
      if (m.s.switching?.kind === 'create') m.switched(cart, null);
      return;
    }
    case 'read':
      m.set({ readWanted: false });
      m.adopt(cart);
      if (m.s.switching?.kind === 'load' || (m.s.switching?.kind === 'merge' && !m.s.mergeWanted))
        m.switched(confirmedCart(m.s), null);
      return;
    case 'merge': {
      m.set({ mergeWanted: null });
      if (request.token !== null) {
        // Bearer: the device now works on the cart it merged into. What was queued for its
        // old cart meanwhile goes there too, except changes to the old cart's lines.
        const old = m.s.lineIds;
        const orphaned = m.s.outbox.filter((i) => {
          const ref = lineRef(i.action);
          return ref !== undefined && (!isTempLineId(ref) || typeof old[ref] === 'string');
        });
        for (const item of orphaned)
          m.settle(
            [item],
            m.report('LINE_NOT_FOUND', 'That item was in the cart that was merged.', item),
          );
        m.set({
          cart: { kind: 'active', id: cart.id, token: request.token, confirmed: null },
          lineIds: {},
        });
      }
      m.adopt(cart);
      m.switched(cart, null);
      return;
    }
    case 'actions': {
      // The cart lists what it applied: those leave the queue (see adopt).
      if (m.adopt(cart)) m.set({ cartLosses: 0 });
      // Still pending after its own answer (an old answer replayed after its actions fell
      // out of the window): the next send takes a new key, and the server lists them again.
      const sent = new Set(request.actions.map((a) => a.actionId));
      if (m.s.outbox.some((i) => sent.has(i.actionId))) m.set({ lastBatch: null });
      return;
    }
    case 'checkout':
      return; // answered with an order (see ordered)
  }
}

function ordered(m: Stepper, order: CheckoutResult): void {
  const applied = new Set(order.cart.appliedActionIds);
  m.settle(
    m.s.outbox.filter((i) => applied.has(i.actionId)),
    null,
  );
  const held = m.s.outbox;
  m.set({
    lastOrder: order,
    cart: { kind: 'closed', id: order.cart.id, token: null, confirmed: order.cart },
    lineIds: {},
    lastError: null,
  });
  m.endCheckout(order, null);
  // Changes made while the order was being placed are not in it: say so, rather than
  // sending them to a closed cart or into a new one the shopper did not ask for.
  for (const item of held)
    m.settle(
      [item],
      m.report(
        'CART_CLOSED',
        'Your order was placed before this change, so it is not part of it.',
        item,
      ),
    );
}

function refused(m: Stepper, request: SyncRequest, r: Refusal): void {
  const code = r.report.code;
  if (request.kind === 'merge') {
    m.set({ mergeWanted: null });
    m.switched(null, r.report);
    m.set({ lastError: r.report });
    // About the cart to take in, or about the shopper's cart (bearer): not about the cart
    // in use, which stays as it is.
    const aboutSource = r.report.errors.some((e) => e.path.startsWith('/source'));
    if (aboutSource || request.token !== null) return;
  }
  if (code === 'CART_NOT_FOUND' || code === 'CART_EXPIRED') {
    return m.lost('expired', r.report);
  }
  if (code === 'CART_CLOSED') {
    if (r.cart) m.adopt(r.cart);
    if (m.s.cart.kind === 'active') m.lost('closed', r.report);
    return;
  }
  switch (request.kind) {
    case 'actions':
      return refusedBatch(m, request, r);
    case 'checkout':
      // The shopper decides again, on the cart as it is now (re-priced, changed elsewhere).
      if (r.cart) m.adopt(r.cart);
      m.endCheckout(null, r.report);
      m.set({ lastError: r.report });
      return;
    case 'merge':
      return;
    case 'create':
    case 'read':
      return stop(m, r.report);
  }
}

function refusedBatch(
  m: Stepper,
  request: Extract<SyncRequest, { kind: 'actions' }>,
  r: Refusal,
): void {
  const code = r.report.code;
  if (code === 'IDEMPOTENCY_KEY_REUSED') {
    m.set({ lastBatch: null }); // the next send takes a new key
    return;
  }
  const tooBig =
    code === 'PAYLOAD_TOO_LARGE' ||
    (code === 'VALIDATION_FAILED' && r.report.errors.some((e) => e.path === '/actions'));
  if (tooBig && request.actions.length > 1) {
    m.set({ maxBatch: Math.max(1, Math.floor(request.actions.length / 2)) });
    return;
  }
  const index = r.index ?? (tooBig ? 0 : null);
  const id = r.actionId ?? (index !== null ? (request.actions[index]?.actionId ?? null) : null);
  const item = id === null ? undefined : m.s.outbox.find((i) => i.actionId === id);
  if (!item) return stop(m, r.report);
  m.refuse(item, { ...r.report, actionId: item.actionId, action: item.action });
  // The checkout asked for after it cannot go ahead on a cart the shopper did not see.
  if (m.s.checkout?.actionIds.includes(item.actionId))
    m.endCheckout(null, { ...r.report, actionId: item.actionId, action: item.action });
}

/** A refusal of the store itself (its credential, CSRF): nothing moves until retry(). */
function stop(m: Stepper, report: CartErrorReport): void {
  m.set({ link: 'fatal', lastError: report });
  if (m.s.checkout) m.endCheckout(null, report);
  m.switched(null, report);
}
