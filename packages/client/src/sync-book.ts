import type { Cart } from '@cart/core';
import type { CartErrorReport } from './cart-snapshot.ts';
import type { CartApiError } from './errors.ts';
import {
  composeBatch,
  insertPending,
  isTempLineId,
  learnLineIds,
  lineRef,
  pruneLineIds,
  refusedIndex,
  tempLineId,
  type Attempt,
  type LineIdMap,
  type PendingAction,
} from './outbox.ts';
import type { PersistedMeta, PersistedState } from './storage.ts';

const SETTLED_KEPT = 500;

/** What to do about a refused batch (see SyncBook.judge). */
export type Verdict =
  /** Drop this action: the server refused it. */
  | { kind: 'drop'; item: PendingAction }
  /** Send again (a new key, earlier attempts first, or smaller batches). */
  | { kind: 'again' }
  /** The cart is gone, or closed: about the whole queue. */
  | { kind: 'cart-gone' }
  | { kind: 'cart-closed' }
  /** A refusal of the request itself, not of an action: the queue cannot move. */
  | { kind: 'stuck' };

/**
 * The bookkeeping of the sync engine, without I/O: the confirmed cart, the queue, the
 * optimistic line ids, the attempts whose answers were lost, and what settled. The
 * store does the talking; this decides what to send next and what an answer means.
 */
export class SyncBook {
  cartId: string | null = null;
  confirmed: Cart | null = null;
  outbox: PendingAction[] = [];
  lineIds: LineIdMap = {};
  /** Batches sent without an answer, oldest first; each holds all of the one before. */
  attempts: Attempt[] = [];
  /** Earlier attempts are being re-sent, oldest first, to learn what they did. */
  resolving = false;
  checkoutKey: string | null = null;
  /** Recently settled actions: null when applied, else why they were dropped. */
  readonly settled = new Map<string, CartErrorReport | null>();

  constructor(
    public maxBatch: number,
    private readonly observe: (cart: Cart) => void = () => undefined,
  ) {}

  /** Takes a cart from the server unless it belongs elsewhere or is older than the one held. */
  adopt(cart: Cart): boolean {
    if (this.cartId !== null && cart.id !== this.cartId) return false;
    if (this.confirmed?.id === cart.id && cart.version < this.confirmed.version) return false;
    this.confirmed = cart;
    this.observe(cart);
    this.lineIds = pruneLineIds(this.lineIds, this.outbox, cart);
    return true;
  }

  /** Queues an action in order (never ahead of what was sent); false when already settled. */
  enqueue(item: PendingAction): boolean {
    if (this.settled.has(item.actionId)) return false;
    this.outbox = insertPending(this.outbox, item, this.sentCount());
    return true;
  }

  /** How many leading queued actions have been sent already (their order is fixed). */
  sentCount(): number {
    const sent = new Set(this.attempts.flatMap((a) => a.actions.map((x) => x.actionId)));
    let n = 0;
    while (n < this.outbox.length && sent.has((this.outbox[n] as PendingAction).actionId)) n++;
    return n;
  }

  /**
   * The next request: while resolving, the oldest lost attempt exactly as it went;
   * otherwise the longest sendable prefix of the queue. The same batch as the last lost
   * attempt is the same request (same key: the server answers from its record if the
   * first copy was applied); any other batch is a new request with a new key, and the
   * actionIds keep it exactly-once. Orphans are returned to be dropped first.
   */
  nextAttempt(newKey: () => string): { attempt: Attempt | null; orphans: PendingAction[] } {
    if (this.resolving && this.attempts.length > 0)
      return { attempt: this.attempts[0] as Attempt, orphans: [] };
    const batch = composeBatch(this.outbox, this.lineIds, this.maxBatch);
    if (batch.orphans.length > 0 || batch.items.length === 0)
      return { attempt: null, orphans: batch.orphans };
    const last = this.attempts.at(-1);
    if (last !== undefined && JSON.stringify(last.actions) === JSON.stringify(batch.actions))
      return { attempt: last, orphans: [] };
    const attempt = { key: newKey(), actions: batch.actions };
    this.attempts.push(attempt);
    return { attempt, orphans: [] };
  }

  /** A batch was applied: each action now or by an earlier copy. Answers their ids. */
  confirm(attempt: Attempt, cart: Cart): string[] {
    const ids = attempt.actions.map((a) => a.actionId as string);
    const done = new Set(ids);
    this.lineIds = learnLineIds(
      this.lineIds,
      this.outbox.filter((i) => done.has(i.actionId)),
      cart,
    );
    this.outbox = this.outbox.filter((i) => !done.has(i.actionId));
    for (const id of ids) this.settle(id, null);
    this.attempts = this.attempts.filter((a) =>
      a.actions.some((x) => !this.settled.has(x.actionId as string)),
    );
    if (this.attempts.length === 0) this.resolving = false;
    this.adopt(cart);
    return ids;
  }

  /**
   * What a refused batch (a 4xx: nothing of it was applied) means. The error's path names
   * the refused action by its index among the actions the server did not skip. When an
   * earlier attempt's answer was lost, the server may have skipped some (that attempt
   * was applied after all), so the index cannot be trusted yet: the earlier attempts
   * are sent again first, oldest first, each exactly as before, until all are settled;
   * then the index is read against what is known to be applied.
   */
  judge(error: CartApiError, attempt: Attempt): Verdict {
    this.attempts = this.attempts.filter((a) => a.key !== attempt.key);
    if (error.code === 'CART_NOT_FOUND') return { kind: 'cart-gone' };
    if (error.code === 'CART_CLOSED') return { kind: 'cart-closed' };
    if (error.code === 'IDEMPOTENCY_KEY_REUSED') return { kind: 'again' };
    const tooBig =
      error.code === 'PAYLOAD_TOO_LARGE' ||
      (error.code === 'VALIDATION_FAILED' && error.errors.some((e) => e.path === '/actions'));
    if (tooBig && attempt.actions.length > 1) {
      this.maxBatch = Math.max(1, Math.floor(attempt.actions.length / 2));
      return { kind: 'again' };
    }
    const index = refusedIndex(error) ?? (tooBig ? 0 : null);
    if (index === null) return { kind: 'stuck' };
    if (this.attempts.length > 0) {
      this.resolving = true;
      return { kind: 'again' };
    }
    const considered = attempt.actions.filter((a) => !this.isApplied(a.actionId));
    const target = considered[index];
    const item = this.outbox.find((i) => i.actionId === target?.actionId);
    if (!item) return { kind: 'stuck' };
    // This attempt was not applied, so neither was any later one (each holds it all).
    this.attempts = [];
    this.resolving = false;
    return { kind: 'drop', item };
  }

  /** Drops an action and the actions on the line it would have made. Answers all dropped. */
  drop(item: PendingAction): PendingAction[] {
    const dropped = [item];
    if (item.action.type === 'addLine') {
      const temp = tempLineId(item.actionId);
      this.lineIds = { ...this.lineIds, [temp]: null };
      dropped.push(...this.outbox.filter((i) => lineRef(i.action) === temp));
    }
    const ids = new Set(dropped.map((i) => i.actionId));
    this.outbox = this.outbox.filter((i) => !ids.has(i.actionId));
    return dropped;
  }

  /**
   * Forgets a cart that is gone; keeps the queue for a new one, except the actions that
   * name a line of the old cart, which are answered to be dropped.
   */
  cartGone(): PendingAction[] {
    this.cartId = null;
    this.confirmed = null;
    this.attempts = [];
    this.resolving = false;
    this.lineIds = {};
    return this.outbox.filter((i) => {
      const ref = lineRef(i.action);
      return ref !== undefined && !isTempLineId(ref);
    });
  }

  /** Forgets everything about the cart; answers the queue that is dropped with it. */
  forget(): PendingAction[] {
    const dropped = this.outbox;
    this.cartId = null;
    this.confirmed = null;
    this.outbox = [];
    this.lineIds = {};
    this.attempts = [];
    this.resolving = false;
    this.checkoutKey = null;
    return dropped;
  }

  /** Merges what storage holds (a reload, or what the previous leading tab left). */
  restore(persisted: PersistedState): string | null | undefined {
    const meta = persisted.meta;
    let token: string | null | undefined;
    if (meta && (this.cartId === null || this.cartId === meta.cartId)) {
      this.cartId = meta.cartId;
      token = meta.token;
      if (meta.confirmed) this.adopt(meta.confirmed);
      this.lineIds = { ...meta.lineIds, ...this.lineIds };
      this.attempts = meta.attempts;
      this.checkoutKey = meta.checkoutKey;
    }
    for (const item of persisted.outbox) this.enqueue(item);
    return token;
  }

  meta(token: string | null): PersistedMeta {
    return {
      cartId: this.cartId,
      token,
      confirmed: this.confirmed,
      lineIds: this.lineIds,
      attempts: this.attempts,
      checkoutKey: this.checkoutKey,
    };
  }

  isApplied(actionId: string | undefined): boolean {
    return actionId !== undefined && this.settled.get(actionId) === null;
  }

  settle(actionId: string, error: CartErrorReport | null): void {
    this.settled.set(actionId, error);
    if (this.settled.size > SETTLED_KEPT) {
      const oldest = this.settled.keys().next().value;
      if (oldest !== undefined) this.settled.delete(oldest);
    }
  }
}
