/**
 * The totals invariants of docs/money.md, asserted on one cart: shared by the totals and
 * the reducer property tests. Test support only.
 */
import { expect } from 'vitest';
import type { Cart, CartState } from '../../src/schemas/cart.ts';
import { computeTotals, type TaxRule } from '../../src/totals/compute-totals.ts';

/** Half-even n/d by exact comparison, written independently of the code under test. */
export function halfEven(n: bigint, d: bigint): bigint {
  const q = n / d;
  const twice = 2n * (n - q * d);
  if (twice < d) return q;
  if (twice > d) return q + 1n;
  return q % 2n === 0n ? q : q + 1n;
}

/**
 * Every invariant of a priced cart, tax-exclusive or tax-inclusive, with or without a
 * shipping option; the expected shipping and tax are computed here independently.
 */
export function expectTotalsInvariants(state: CartState, tax: TaxRule): Cart {
  const t = computeTotals({ ...state, ...tax });
  const rate = tax.taxRateBps;
  const amounts = [t.subtotal, t.discountTotal, t.shippingTotal, t.taxTotal, t.total].map(
    (m) => m.amount,
  );
  const lineSubtotals = state.lines.map((l) => l.unitPrice.amount * l.quantity);
  const sumOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const discounted = t.subtotal.amount - t.discountTotal.amount;

  expect(t.subtotal.amount).toBe(sumOf(lineSubtotals));
  expect(sumOf(t.lines.map((l) => l.total.amount))).toBe(discounted);

  // Shipping: the option's amount, unless nothing ships, nothing is chosen, or it is free.
  const option = state.shippingOption;
  const ships = option !== null && state.lines.some((l) => l.requiresShipping);
  const free =
    option !== null && option.freeOverSubtotal !== null && discounted >= option.freeOverSubtotal;
  expect(t.shippingTotal).toEqual({
    amount: ships && !free ? option.amount.amount : 0,
    currency: state.currency,
  });
  expect(t.shippingOptionId).toBe(option?.id ?? null);

  // Tax: once, on what is paid (plus taxable shipping); added, or contained.
  const taxable = BigInt(discounted + (ships && option.taxable ? t.shippingTotal.amount : 0));
  const expectedTax = tax.taxInclusive
    ? halfEven(taxable * BigInt(rate), 10_000n + BigInt(rate))
    : halfEven(taxable * BigInt(rate), 10_000n);
  expect(BigInt(t.taxTotal.amount)).toBe(expectedTax);
  expect([t.taxRateBps, t.taxInclusive]).toEqual([rate, tax.taxInclusive]);
  expect(t.total.amount).toBe(
    discounted + t.shippingTotal.amount + (tax.taxInclusive ? 0 : t.taxTotal.amount),
  );
  if (tax.taxInclusive) expect(t.taxTotal.amount).toBeLessThanOrEqual(t.total.amount);
  expect(sumOf(t.lines.map((l) => l.discountTotal.amount))).toBe(t.discountTotal.amount);
  expect(sumOf(t.discounts.map((d) => d.amount.amount))).toBe(t.discountTotal.amount);
  expect(t.discountTotal.amount).toBeLessThanOrEqual(t.subtotal.amount);
  expect(t.itemCount).toBe(sumOf(state.lines.map((l) => l.quantity)));

  for (const a of [...amounts, ...t.discounts.map((d) => d.amount.amount)]) {
    expect(Number.isSafeInteger(a) && a >= 0).toBe(true);
  }
  t.lines.forEach((l, i) => {
    const sub = lineSubtotals[i] ?? 0;
    expect(l.subtotal).toEqual({ amount: sub, currency: state.currency });
    expect(l.discountTotal.amount).toBeGreaterThanOrEqual(0);
    expect(l.total.amount).toBe(l.subtotal.amount - l.discountTotal.amount);
    expect(l.total.amount).toBeGreaterThanOrEqual(0);
    // within one minor unit of the exact proportional share
    // (|share − D·sub/S| < 1 ⇔ |share·S − D·sub| < S, in exact integers)
    if (t.subtotal.amount > 0) {
      const S = BigInt(t.subtotal.amount);
      const diff =
        BigInt(l.discountTotal.amount) * S - BigInt(t.discountTotal.amount) * BigInt(sub);
      expect(diff < S && -diff < S).toBe(true);
    }
  });

  // Each code: what it would take alone (percent of the subtotal, not compounding),
  // capped by what the codes before it left.
  let room = t.subtotal.amount;
  t.discounts.forEach((d, i) => {
    const applied = state.discounts[i];
    expect(d).toMatchObject(applied ?? {});
    const applicable = d.minSubtotal === null || t.subtotal.amount >= d.minSubtotal;
    expect(d.applicable).toBe(applicable);
    const wanted = !applicable
      ? 0
      : d.kind === 'fixed'
        ? d.value
        : Number(halfEven(BigInt(t.subtotal.amount) * BigInt(d.value), 10_000n));
    expect(d.amount.amount).toBe(Math.min(wanted, room));
    room -= d.amount.amount;
  });
  return t;
}
