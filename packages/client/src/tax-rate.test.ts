import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyBasisPoints, type Cart } from '@cart/core';
import { TaxRateEstimate, ratesGiving } from './tax-rate.ts';

const priced = (base: number, bps: number) =>
  ({
    subtotal: { amount: base, currency: 'USD' },
    discountTotal: { amount: 0, currency: 'USD' },
    taxTotal: { amount: applyBasisPoints(base, bps), currency: 'USD' },
  }) as Cart;

describe('the tax rate learnt from carts', () => {
  it('always keeps the true rate among the candidates', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        (base, bps) => {
          const range = ratesGiving(base, applyBasisPoints(base, bps));
          expect(range).not.toBeNull();
          const [lo, hi] = range as [number, number];
          expect(lo).toBeLessThanOrEqual(bps);
          expect(hi).toBeGreaterThanOrEqual(bps);
        },
      ),
    );
  });

  it('finds a shop’s rate from a couple of carts, and prices with it', () => {
    const estimate = new TaxRateEstimate();
    expect(estimate.value).toBe(0);
    estimate.observe(priced(1999, 825));
    estimate.observe(priced(123_456, 825));
    expect(estimate.value).toBe(825);
  });

  it('prefers the roundest rate that fits, and ignores untaxed or empty carts', () => {
    const estimate = new TaxRateEstimate();
    estimate.observe(priced(0, 2000));
    expect(estimate.value).toBe(0);
    estimate.observe(priced(100, 2000)); // 20 of 100: anything 1950–2049 gives 20
    expect(estimate.value).toBe(2000);
  });

  it('starts over when the rate changed', () => {
    const estimate = new TaxRateEstimate();
    estimate.observe(priced(1_000_000, 800));
    estimate.observe(priced(1_000_000, 1000));
    expect(estimate.value).toBe(1000);
  });

  it('uses a configured rate as is', () => {
    const estimate = new TaxRateEstimate(700);
    estimate.observe(priced(1_000_000, 800));
    expect(estimate.value).toBe(700);
  });
});
