import type { Cart, CheckoutResult } from '@cart/core';
import { errorFromReport, type ActionResult, type CartErrorReport } from './cart-snapshot.ts';

const SETTLED_KEPT = 500;

interface Pending<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * The promises the store has handed out, and how each ended: queued actions (settled on
 * the next snapshot, so a caller sees the state its result describes), checkouts, and
 * cart switches (create, load, adopt). It also remembers the most recently settled
 * actions, so that an action heard of again (from storage, another tab) is not queued
 * again, and the other tabs can settle their own callers.
 */
export class Callers {
  private readonly actions = new Map<string, (result: ActionResult) => void>();
  private readonly due: (() => void)[] = [];
  private checkouts: Pending<CheckoutResult>[] = [];
  private switches: Pending<Cart>[] = [];
  /** Recently settled actions: null when applied, else why they were refused. */
  private readonly settled = new Map<string, CartErrorReport | null>();

  /** The result of a queued action, once it settles. */
  action(actionId: string): Promise<ActionResult> {
    return new Promise((resolve) => this.actions.set(actionId, resolve));
  }

  /** An action ended: applied (report null, with the cart confirmed then) or refused. */
  settle(actionId: string, report: CartErrorReport | null, cart: Cart | null): void {
    this.settled.set(actionId, report);
    if (this.settled.size > SETTLED_KEPT) {
      const oldest = this.settled.keys().next().value;
      if (oldest !== undefined) this.settled.delete(oldest);
    }
    const resolve = this.actions.get(actionId);
    if (!resolve) return;
    this.actions.delete(actionId);
    const result: ActionResult =
      report === null ? { ok: true, actionId, cart } : { ok: false, actionId, error: report };
    this.due.push(() => resolve(result));
  }

  hasSettled(actionId: string): boolean {
    return this.settled.has(actionId);
  }

  /** The most recently settled actions, oldest first. */
  recent(n: number): { actionId: string; report: CartErrorReport | null }[] {
    return [...this.settled].slice(-n).map(([actionId, report]) => ({ actionId, report }));
  }

  /** Resolves the actions settled since the last call (after the snapshot is new). */
  flush(): void {
    for (const resolve of this.due.splice(0)) resolve();
  }

  checkout(): Promise<CheckoutResult> {
    return new Promise((resolve, reject) => this.checkouts.push({ resolve, reject }));
  }

  /** The checkout ended: the order, or the refusal (null: the shop could not be reached). */
  checkoutEnded(order: CheckoutResult | null, report: CartErrorReport | null): void {
    for (const w of this.checkouts.splice(0)) {
      if (order) w.resolve(order);
      else w.reject(errorFromReport(report));
    }
  }

  /** The checkout could not reach the shop: its callers hear now; it is kept and sent again. */
  checkoutUnreachable(error: Error): void {
    for (const w of this.checkouts.splice(0)) w.reject(error);
  }

  switch(): { promise: Promise<Cart>; waiting(): boolean; fail(error: Error): void } {
    let pending!: Pending<Cart>;
    const promise = new Promise<Cart>((resolve, reject) => {
      pending = { resolve, reject };
      this.switches.push(pending);
    });
    return {
      promise,
      waiting: () => this.switches.includes(pending),
      fail: (error) => {
        this.switches = this.switches.filter((w) => w !== pending);
        pending.reject(error);
      },
    };
  }

  /** A create, load or merge ended: the cart switched to, or why not. */
  switched(cart: Cart | null, report: CartErrorReport | null): void {
    for (const w of this.switches.splice(0)) {
      if (cart) w.resolve(cart);
      else w.reject(errorFromReport(report));
    }
  }

  /**
   * Settles everything still pending (the store is disposed): actions with `unfinished`
   * (their action id filled in), checkouts and switches with `error`.
   */
  abandon(unfinished: CartErrorReport, error: Error): void {
    for (const [actionId, resolve] of this.actions)
      resolve({ ok: false, actionId, error: { ...unfinished, actionId } });
    this.actions.clear();
    for (const w of [...this.checkouts, ...this.switches]) w.reject(error);
    this.checkouts = [];
    this.switches = [];
  }
}
