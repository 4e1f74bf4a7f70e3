import { useSyncExternalStore } from 'react';
import type { CartStore } from '@cart/client';
import { shortfall, type AppliedDiscount } from '@cart/core';

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
 * does not (unknown, expired, used up) forgets it. Forgotten too once an order is placed.
 */
export class PromoMemory {
  private codes: readonly TriedCode[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(store: CartStore) {
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
    });
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
