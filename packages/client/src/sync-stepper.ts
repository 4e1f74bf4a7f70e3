import type { Cart, CheckoutResult } from '@cart/core';
import { backoffDelay } from './backoff.ts';
import { reportFromLocal, type CartErrorReport } from './cart-snapshot.ts';
import {
  composeBatch,
  isTempLineId,
  learnLineIds,
  lineRef,
  pruneLineIds,
  tempLineId,
  type PendingAction,
} from './outbox.ts';
import {
  MAX_CART_LOSSES,
  MAX_RETRY_AFTER_MS,
  activeCartId,
  confirmedCart,
  orderTime,
  type StepContext,
  type SyncEffect,
  type SyncRequest,
  type SyncState,
} from './sync-state.ts';

/**
 * One step of the machine in the making: the state so far and the effects asked for,
 * with the moves every event handler shares (queue, adopt a cart, lose a cart, back off)
 * and `next()`, which decides the request to send, if any. Used by sync-machine.ts only.
 */
export class Stepper {
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
    // Checked out while our own checkout is pending (its live event came first): only the
    // checkout's answer, replayed by its key if need be, says whether the order is ours.
    const ours = kind === 'closed' && this.s.checkout !== null;
    if (c.kind === 'active' && kind !== 'active' && !ours) this.lost(kind, null);
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
    const c = this.s.cart;
    if (this.s.checkout && c.kind === 'closed') {
      // See adopt: the checkout is asked again, with its key, of the cart it was for.
      const version = this.s.checkout.version ?? c.confirmed?.version ?? 1;
      return this.send({ kind: 'checkout', cartId: c.id, key: this.s.checkout.key, version });
    }

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
