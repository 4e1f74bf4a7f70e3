import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CurrencyMismatchError } from '../money/money.ts';
import type { AppliedDiscount } from '../schemas/cart.ts';
import { cartStateArb, taxRuleArb } from '../../test/support/arbitraries.ts';
import {
  cart,
  chosen,
  exclusive,
  inclusive,
  line,
  priceUnder,
} from '../../test/support/fixtures.ts';
import { expectTotalsInvariants } from '../../test/support/invariants.ts';
import { shippingCost, taxContained } from './compute-totals.ts';

const save10: AppliedDiscount = {
  code: 'SAVE10',
  kind: 'percent',
  value: 1000,
  minSubtotal: null,
  combinable: true,
  currency: null,
};

describe('docs/money.md worked examples with shipping', () => {
  it('tax-exclusive (United States, 8.25%): tax on the discounted goods and the shipping', () => {
    const state = cart({
      lines: [line('mug', 2, 1250), line('tea', 1, 747)],
      discounts: [save10],
      shippingOption: chosen('us-standard'), // $5.00, free from $50.00, taxable
    });
    const t = priceUnder(state, exclusive(825));
    expect(t.subtotal.amount).toBe(3247); // 2 × 1250 + 747
    expect(t.discountTotal.amount).toBe(325); // 324.7 → 325
    expect(t.shippingTotal.amount).toBe(500); // 2922 is under 5000: not free
    expect(t.taxTotal.amount).toBe(282); // (2922 + 500) × 825 / 10000 = 282.315 → 282
    expect(t.total.amount).toBe(3704); // 2922 + 500 + 282
  });

  it('tax-inclusive (United Kingdom, 20%): the total is the prices; the tax is what it contains', () => {
    const state = cart({
      regionId: 'uk',
      currency: 'GBP',
      lines: [line('mug', 2, 1000, {}, 'GBP'), line('tea', 1, 650, {}, 'GBP')],
      shippingOption: chosen('uk-express'), // £9.95, never free, taxable
    });
    const t = priceUnder(state, inclusive(2000));
    expect(t.subtotal.amount).toBe(2650);
    expect(t.shippingTotal.amount).toBe(995);
    expect(t.total.amount).toBe(3645); // 2650 + 995: nothing is added
    expect(t.taxTotal.amount).toBe(608); // 3645 × 2000 / 12000 = 607.5 → 608 (half to even)
    // The lines and the shipping add up to the total, to the penny.
    const lines = t.lines.reduce((n, l) => n + l.total.amount, 0);
    expect(lines + t.shippingTotal.amount).toBe(t.total.amount);
  });
});

describe('shipping', () => {
  it('is free once the subtotal after discounts reaches the threshold, not before', () => {
    const at = (unit: number) =>
      priceUnder(
        cart({
          lines: [line('l1', 1, unit)],
          discounts: [save10],
          shippingOption: chosen('us-standard'),
        }),
        exclusive(0),
      ).shippingTotal.amount;
    expect(at(5556)).toBe(0); // 5556 − 556 = 5000: reaches $50.00
    expect(at(5555)).toBe(500); // 5555 − 556 (555.5 → 556) = 4999: one cent short
  });

  it('costs nothing when no line is shipped, or no option is chosen', () => {
    const digital = cart({
      lines: [line('card', 1, 2500, { requiresShipping: false })],
      shippingOption: chosen('us-express'),
    });
    expect(priceUnder(digital, exclusive(1000))).toMatchObject({
      shippingTotal: { amount: 0 },
      taxTotal: { amount: 250 },
      shippingOptionId: 'us-express',
    });
    expect(priceUnder(cart({ lines: [line('l1', 1, 100)] }), exclusive(0)).shippingTotal).toEqual({
      amount: 0,
      currency: 'USD',
    });
  });

  it('is taxed only when the option is taxable', () => {
    const state = (taxable: boolean) =>
      cart({ lines: [line('l1', 1, 1000)], shippingOption: { ...chosen('us-express'), taxable } });
    expect(priceUnder(state(true), exclusive(1000)).taxTotal.amount).toBe(250);
    expect(priceUnder(state(false), exclusive(1000)).taxTotal.amount).toBe(100);
    expect(priceUnder(state(true), inclusive(2500)).taxTotal.amount).toBe(500); // 2500 / 5
    expect(priceUnder(state(false), inclusive(2500)).taxTotal.amount).toBe(200); // 1000 / 5
  });

  it('refuses an option priced in another currency than the cart (a typed error)', () => {
    const mixed = cart({ lines: [line('l1', 1, 1000)], shippingOption: chosen('uk-express') });
    expect(() => priceUnder(mixed, exclusive(0))).toThrow(CurrencyMismatchError);
    expect(() => shippingCost(chosen('uk-express'), { amount: 0, currency: 'USD' })).toThrow(
      new CurrencyMismatchError('USD', 'GBP'),
    );
    // Free or not, the currencies must agree.
    const freeUk = { ...chosen('uk-standard'), freeOverSubtotal: 0 };
    expect(() => shippingCost(freeUk, { amount: 0, currency: 'USD' })).toThrow(
      CurrencyMismatchError,
    );
  });
});

describe('taxContained', () => {
  it('is amount × rate / (10000 + rate), rounded half to even', () => {
    expect(taxContained(1200, 2000)).toBe(200);
    expect(taxContained(3645, 2000)).toBe(608); // 607.5 → 608
    expect(taxContained(3639, 2000)).toBe(606); // 606.5 → 606
    expect(taxContained(1000, 0)).toBe(0);
    expect(taxContained(0, 2000)).toBe(0);
    expect(taxContained(Number.MAX_SAFE_INTEGER, 10_000)).toBe(4503599627370496); // (2^53−1)/2 → even
  });

  it('refuses what is not a non-negative safe integer', () => {
    for (const [amount, bps] of [
      [-1, 2000],
      [1.5, 2000],
      [100, -1],
      [100, 0.5],
      [Number.MAX_SAFE_INTEGER + 1, 1],
    ])
      expect(() => taxContained(amount!, bps!), `${amount} ${bps}`).toThrow(RangeError);
  });

  it('never exceeds the amount, and with what is left adds back up to it (property)', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.nat({ max: 10_000 }), (a, bps) => {
        const tax = taxContained(a, bps);
        expect(tax).toBeLessThanOrEqual(a);
        // within half a unit of the exact figure: |tax·(10000+bps) − a·bps| ≤ (10000+bps)/2
        const d = BigInt(10_000 + bps);
        const diff = BigInt(tax) * d - BigInt(a) * BigInt(bps);
        expect(2n * (diff < 0n ? -diff : diff) <= d).toBe(true);
      }),
    );
  });
});

describe('every invariant, in both tax modes, with and without shipping (property)', () => {
  it('holds for random carts and rules', () => {
    fc.assert(
      fc.property(cartStateArb, taxRuleArb, (s, r) => void expectTotalsInvariants(s, r)),
      { numRuns: 500 },
    );
  });
});
