import { applyBasisPoints, type Cart } from '@cart/core';

/**
 * The tax rate, learnt from the carts the server sends, for optimistic totals when the
 * app does not configure it. Each priced cart narrows the rates consistent with
 * `taxTotal = round(bps × (subtotal − discountTotal))`; of those left, the roundest is
 * taken (shops set rates like 800 or 2000, rarely 799).
 */
export class TaxRateEstimate {
  private lo = 0;
  private hi = 10_000;

  constructor(private readonly fixed?: number) {}

  observe(cart: Cart): void {
    if (this.fixed !== undefined) return;
    const base = cart.subtotal.amount - cart.discountTotal.amount;
    if (base <= 0) return;
    const range = ratesGiving(base, cart.taxTotal.amount);
    if (range === null) return;
    const lo = Math.max(this.lo, range[0]);
    const hi = Math.min(this.hi, range[1]);
    // Inconsistent with what came before (the rate was changed): start again from here.
    [this.lo, this.hi] = lo <= hi ? [lo, hi] : range;
  }

  /** The rate to price optimistic carts with (0 until a taxed cart has been seen). */
  get value(): number {
    if (this.fixed !== undefined) return this.fixed;
    if (this.lo === 0 && this.hi === 10_000) return 0;
    for (const step of [1000, 100, 25, 5, 1]) {
      const candidate = Math.ceil(this.lo / step) * step;
      if (candidate <= this.hi) return candidate;
    }
    return this.lo;
  }
}

/** The basis points r (0–10000) with applyBasisPoints(base, r) === tax, or null. */
export function ratesGiving(base: number, tax: number): [number, number] | null {
  // applyBasisPoints is non-decreasing in r: binary search the first r reaching `tax`
  // and the first r passing it.
  const first = (target: number) => {
    let lo = 0;
    let hi = 10_001;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (applyBasisPoints(base, mid) >= target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const lo = first(tax);
  const hi = first(tax + 1) - 1;
  return lo <= hi && lo <= 10_000 ? [lo, Math.min(hi, 10_000)] : null;
}
