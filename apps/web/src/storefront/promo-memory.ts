import { useSyncExternalStore } from 'react';
import type { CartStore } from '@cart/client';
import {
  DEFAULT_LIMITS,
  adviceFor,
  formatMoney,
  shortfall,
  toCartState,
  type AppliedDiscount,
} from '@cart/core';

/** A code the shopper tried that the server refused only for now, with its terms. */
export interface TriedCode {
  /** Its public terms, as the server's refusal gave them. */
  terms: AppliedDiscount;
  /** Refused because the cart was below its minimum: the page applies it once it is not. */
  waitsForMinimum: boolean;
  /** The page applied it when the cart reached its minimum (and says so while it is on). */
  appliedForYou: boolean;
  /**
   * The subtotal the page last applied it at. The server refused it there, so the page
   * does not try again until the cart changes (its refusal wins over the device's maths).
   */
  triedAt: number | null;
}

/**
 * The promo codes the shopper typed that the server refused for now (below their
 * minimum, or not combinable), kept for this page so the storefront can compare them
 * with the codes on the cart as the cart changes (components/promo-advice.tsx). Filled
 * from the store's refusals: one that carries the code's terms remembers it, one that
 * does not (unknown, expired, used up) forgets it. Forgotten once on the cart (unless
 * the page applied it, which the cart page then says), and once an order is placed.
 *
 * A code refused for its minimum is applied, on whichever page, as soon as the cart
 * shown reaches it (core's `adviceFor`, pending changes included: the apply is queued
 * after them). The server stays the judge: a refusal is remembered again, and the code
 * is not sent again until the subtotal changes.
 */
export class PromoMemory {
  private codes: readonly TriedCode[] = [];
  private readonly listeners = new Set<() => void>();
  private following = false;

  constructor(
    private readonly store: CartStore,
    /** Applies a code the shopper tried before, saying so (`useCartChanges().applyCode`). */
    private readonly apply: (code: string, saying: string) => void,
  ) {
    store.onRefusal((report) => {
      if (report.action?.type !== 'applyDiscount') return;
      const code = report.action.code.trim().toUpperCase();
      if (!report.discount) return this.forget(code);
      const subtotal = store.getSnapshot().cart?.subtotal.amount ?? 0;
      const was = this.get(code);
      this.put({
        terms: report.discount,
        waitsForMinimum:
          (was?.waitsForMinimum ?? false) || shortfall(report.discount, subtotal) > 0,
        appliedForYou: false,
        triedAt: was?.triedAt ?? null,
      });
    });
    let order = store.getSnapshot().lastOrder;
    store.subscribe(() => {
      const now = store.getSnapshot().lastOrder;
      if (now !== order && now !== null) this.set([]);
      order = now;
      this.follow();
    });
    this.subscribe(() => this.follow());
  }

  /**
   * Forgets the codes the cart now holds, and applies those whose minimum it reached.
   * Not re-entered: what it changes (the store, this memory) calls it again, and it reads
   * both afresh for each code.
   */
  private follow(): void {
    if (this.following) return;
    this.following = true;
    try {
      for (const { terms } of this.codes) this.followCode(terms.code);
    } finally {
      this.following = false;
    }
  }

  private followCode(code: string): void {
    const t = this.get(code);
    const { cart, pending } = this.store.getSnapshot();
    if (!t || cart === null) return;
    if (cart.discounts.some((d) => d.code === code)) {
      if (!t.appliedForYou) this.forget(code);
      return;
    }
    if (!t.waitsForMinimum || t.triedAt === cart.subtotal.amount) return;
    const queued = pending.some(
      ({ action }) => action.type === 'applyDiscount' && action.code.toUpperCase() === code,
    );
    if (queued) return;
    if (adviceFor(toCartState(cart), t.terms, DEFAULT_LIMITS.maxDiscounts)?.kind !== 'apply')
      return;
    // Noted first: the apply changes the store, which calls `follow` again.
    this.appliedAt(code, cart.subtotal.amount);
    const min = formatMoney({ amount: t.terms.minSubtotal ?? 0, currency: cart.currency });
    this.apply(code, `Your cart reached ${min}: applying ${code}…`);
  }

  readonly subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  readonly all = (): readonly TriedCode[] => this.codes;

  get(code: string): TriedCode | undefined {
    return this.codes.find((c) => c.terms.code === code);
  }

  /** Notes that the page applied a code for the shopper at this subtotal. */
  appliedAt(code: string, subtotal: number): void {
    const was = this.get(code);
    if (was) this.put({ ...was, appliedForYou: true, triedAt: subtotal });
  }

  forget(code: string): void {
    if (this.get(code)) this.set(this.codes.filter((c) => c.terms.code !== code));
  }

  private put(entry: TriedCode): void {
    const i = this.codes.findIndex((c) => c.terms.code === entry.terms.code);
    this.set(i === -1 ? [...this.codes, entry] : this.codes.map((c, j) => (j === i ? entry : c)));
  }

  private set(codes: readonly TriedCode[]): void {
    this.codes = codes;
    for (const listener of [...this.listeners]) listener();
  }
}

/** The codes tried, re-rendering when they change. */
export function useTriedCodes(memory: PromoMemory): readonly TriedCode[] {
  return useSyncExternalStore(memory.subscribe, memory.all);
}
