import { useSyncExternalStore } from 'react';
import type { CartErrorReport, CartStore } from '@cart/client';
import type { CartAction } from '@cart/core';
import { isCartNotice } from './components/cart-notice.tsx';

/**
 * What a refusal is about, so the page can show it next to what caused it:
 * `product:<id>` (an add), `line:<id>` (a quantity change or removal; the id is the
 * line's real or temporary id), `promo`, `note`, `email`, `country`, `address`, `shipping`,
 * or `cart` (the cart as a whole).
 */
export type RefusalTarget = string;

/** The target of a queued action. */
export function targetOf(action: CartAction | null): RefusalTarget {
  if (action === null) return 'cart';
  switch (action.type) {
    case 'addLine':
      return `product:${action.productId}`;
    case 'setLineQuantity':
    case 'removeLine':
      return `line:${action.lineId}`;
    case 'applyDiscount':
    case 'removeDiscount':
      return 'promo';
    case 'setNote':
      return 'note';
    case 'setEmail':
      return 'email';
    case 'clear':
      return 'cart';
    case 'setCountry':
      return 'country';
    case 'setShippingAddress':
      return 'address';
    case 'setShippingOption':
      return 'shipping';
  }
}

/**
 * The refusals the store reported (its `onRefusal`), by target: the latest for each,
 * until the shopper acts on that target again or dismisses it. The store itself keeps
 * only the last one (`lastError`); a page with several lines needs each in its place.
 */
export class RefusalLog {
  private byTarget = new Map<RefusalTarget, CartErrorReport>();
  private readonly listeners = new Set<() => void>();
  private version = 0;

  constructor(store: CartStore) {
    store.onRefusal((report) => {
      // A notice (a new cart for an expired one) is the status bar's, not a refusal of
      // what the shopper touched: the change it names went through, into the new cart.
      if (isCartNotice(report)) return;
      this.set(targetOf(report.action), report);
    });
  }

  readonly subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  readonly getVersion = () => this.version;

  /** The refusal shown for one of these targets (the first that has one). */
  get(...targets: RefusalTarget[]): CartErrorReport | null {
    for (const t of targets) {
      const r = this.byTarget.get(t);
      if (r) return r;
    }
    return null;
  }

  /** Forgets the refusal of a target (the shopper acted on it again, or dismissed it). */
  clear(...targets: RefusalTarget[]): void {
    let changed = false;
    for (const t of targets) changed = this.byTarget.delete(t) || changed;
    if (changed) this.bump();
  }

  set(target: RefusalTarget, report: CartErrorReport): void {
    this.byTarget.set(target, report);
    this.bump();
  }

  private bump(): void {
    this.byTarget = new Map(this.byTarget);
    this.version++;
    for (const listener of [...this.listeners]) listener();
  }
}

/** The refusal shown for these targets, re-rendering when it changes. */
export function useRefusal(log: RefusalLog, ...targets: RefusalTarget[]): CartErrorReport | null {
  useSyncExternalStore(log.subscribe, log.getVersion);
  return log.get(...targets);
}
