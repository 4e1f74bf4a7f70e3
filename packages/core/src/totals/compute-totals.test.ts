import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { MoneyOverflowError } from '../money/money.ts';
import type { AppliedDiscount } from '../schemas/cart.ts';
import { cartStateArb, taxRateArb, taxRuleArb } from '../../test/support/arbitraries.ts';
import {
  cart,
  clone,
  deepFreeze,
  exclusive,
  line,
  priceUnder,
  withTax,
} from '../../test/support/fixtures.ts';
import { expectTotalsInvariants } from '../../test/support/invariants.ts';
import { checkAmounts, isApplicable } from './compute-totals.ts';

const percent = (
  code: string,
  bps: number,
  more: Partial<AppliedDiscount> = {},
): AppliedDiscount => ({
  code,
  kind: 'percent',
  value: bps,
  minSubtotal: null,
  combinable: true,
  currency: null,
  ...more,
});
const fixed = (
  code: string,
  amount: number,
  more: Partial<AppliedDiscount> = {},
): AppliedDiscount => ({
  ...percent(code, amount, more),
  kind: 'fixed',
});

describe('computeTotals: the answer carries what it was priced with', () => {
  it('says its tax rate, so a client prices a change exactly as the server will', () => {
    const state = cart({ lines: [line('mug', 1, 500)] });
    for (const rate of [0, 810, 825, 10_000]) {
      const priced = priceUnder(state, exclusive(rate));
      expect(priced.taxRateBps).toBe(rate);
      expect(priceUnder(state, exclusive(priced.taxRateBps))).toEqual(priced);
    }
  });

  it('passes the applied action ids through', () => {
    const state = cart({ appliedActionIds: ['a-1', 'a-2'] });
    expect(priceUnder(state, exclusive(0)).appliedActionIds).toEqual(['a-1', 'a-2']);
  });
});

describe('computeTotals: worked examples that pin the rounding rule', () => {
  it('docs/money.md worked example', () => {
    // Asserted number for number by docs/money.md: change both together.
    const state = cart({
      lines: [line('mug', 7, 33), line('tea', 2, 747)],
      discounts: [percent('SAVE10', 1000), fixed('FIVEOFF', 508)],
    });
    const totals = priceUnder(state, exclusive(1000));
    expect(totals.subtotal.amount).toBe(1725); // 7 × 33 + 2 × 747 = 231 + 1494
    expect(totals.discounts.map((d) => d.amount.amount)).toEqual([172, 508]); // 172.5 → 172
    expect(totals.discountTotal.amount).toBe(680);
    expect(totals.lines.map((l) => l.subtotal.amount)).toEqual([231, 1494]);
    expect(totals.lines.map((l) => l.discountTotal.amount)).toEqual([91, 589]); // 91.06…, 588.93…
    expect(totals.lines.map((l) => l.total.amount)).toEqual([140, 905]);
    expect(totals.taxTotal.amount).toBe(104); // 10 % of 1045 = 104.5 → 104
    expect(totals.total.amount).toBe(1149);
    expect(totals.itemCount).toBe(9);
  });

  it('a 10% code over 7 units of 0.33 takes 0.23 (Vendure #3003)', () => {
    // Per-unit rounding would take 7 × round(3.3) = 21 cents; per-line or per-cart
    // rounding of 23.1 takes 23.
    const totals = priceUnder(
      cart({ lines: [line('l1', 7, 33)], discounts: [percent('TEN', 1000)] }),
      exclusive(0),
    );
    expect(totals.subtotal.amount).toBe(231);
    expect(totals.discountTotal.amount).toBe(23);
    expect(totals.lines[0]?.discountTotal.amount).toBe(23);
    expect(totals.lines[0]?.total.amount).toBe(208);
    expect(totals.total.amount).toBe(208);
  });

  it('rounds percent codes and tax half to even', () => {
    const at = (unit: number, bps: number, tax: number) =>
      priceUnder(
        cart({ lines: [line('l1', 1, unit)], discounts: [percent('P', bps)] }),
        exclusive(tax),
      );
    expect(at(250, 500, 0).discountTotal.amount).toBe(12); // 12.5 → 12
    expect(at(270, 500, 0).discountTotal.amount).toBe(14); // 13.5 → 14
    expect(at(251, 500, 0).discountTotal.amount).toBe(13); // 12.55 → 13
    const tax = (amount: number, bps: number) =>
      priceUnder(cart({ lines: [line('l1', 1, amount)] }), exclusive(bps));
    expect(tax(25, 1000).taxTotal.amount).toBe(2); // 2.5 → 2
    expect(tax(35, 1000).taxTotal.amount).toBe(4); // 3.5 → 4
    expect(tax(1999, 825).taxTotal.amount).toBe(165); // 164.9175 → 165
  });

  it('measures every percent code against the subtotal: codes do not compound', () => {
    const totals = priceUnder(
      cart({ lines: [line('l1', 1, 1000)], discounts: [percent('A', 1000), percent('B', 2000)] }),
      exclusive(0),
    );
    expect(totals.discounts.map((d) => d.amount.amount)).toEqual([100, 200]); // not 100 + 180
    expect(totals.total.amount).toBe(700);
  });

  it('caps stacked codes at the subtotal: total 0 plus tax 0, never negative', () => {
    const totals = priceUnder(
      cart({
        lines: [line('l1', 1, 1000), line('l2', 2, 1000)],
        discounts: [fixed('BIG', 2500), percent('HALF', 5000), fixed('MORE', 100)],
      }),
      exclusive(2000),
    );
    expect(totals.subtotal.amount).toBe(3000);
    expect(totals.discounts.map((d) => d.amount.amount)).toEqual([2500, 500, 0]);
    expect(totals.discountTotal.amount).toBe(3000);
    expect(totals.lines.map((l) => l.total.amount)).toEqual([0, 0]);
    expect(totals.taxTotal.amount).toBe(0);
    expect(totals.total.amount).toBe(0);
  });

  it('switches a min-subtotal code off (applicable: false, amount 0) below its minimum', () => {
    const discounts = [fixed('OVER50', 500, { minSubtotal: 5000 })];
    const above = priceUnder(cart({ lines: [line('l1', 5, 1000)], discounts }), exclusive(0));
    expect(above.discounts[0]).toMatchObject({
      applicable: true,
      amount: { amount: 500, currency: 'USD' },
    });
    expect(above.total.amount).toBe(4500);
    const below = priceUnder(cart({ lines: [line('l1', 4, 1000)], discounts }), exclusive(0));
    expect(below.discounts[0]).toMatchObject({
      applicable: false,
      amount: { amount: 0, currency: 'USD' },
    });
    expect(below.discountTotal.amount).toBe(0);
    expect(below.total.amount).toBe(4000);
    // The minimum is compared with the subtotal before any discount: exactly at the
    // minimum, a code that would take the cart below it still applies.
    const exact = priceUnder(cart({ lines: [line('l1', 5, 1000)], discounts }), exclusive(0));
    expect(exact.discounts[0]?.applicable).toBe(true);
  });

  it('spreads the discount by largest remainder, no cent lost', () => {
    const totals = priceUnder(
      cart({
        lines: [line('a', 1, 333), line('b', 1, 333), line('c', 1, 334)],
        discounts: [fixed('F', 100)],
      }),
      exclusive(0),
    );
    expect(totals.lines.map((l) => l.discountTotal.amount)).toEqual([33, 33, 34]);
    expect(totals.lines.map((l) => l.total.amount)).toEqual([300, 300, 300]);
  });

  it('taxes once per cart, not per line', () => {
    // Three lines of 5 cents at 10%: per line 0.5 → 0 each (0 in all); per cart 1.5 → 2.
    const totals = priceUnder(
      cart({ lines: [line('a', 1, 5), line('b', 1, 5), line('c', 1, 5)] }),
      exclusive(1000),
    );
    expect(totals.taxTotal.amount).toBe(2);
    expect(totals.total.amount).toBe(17);
  });

  it('prices an empty cart at zero and keeps its codes', () => {
    const totals = priceUnder(
      cart({ discounts: [percent('P', 1000), fixed('F', 100)] }),
      exclusive(2000),
    );
    expect(totals).toMatchObject({
      itemCount: 0,
      subtotal: { amount: 0, currency: 'USD' },
      discountTotal: { amount: 0, currency: 'USD' },
      taxTotal: { amount: 0, currency: 'USD' },
      total: { amount: 0, currency: 'USD' },
      lines: [],
    });
    expect(totals.discounts.map((d) => [d.code, d.amount.amount, d.applicable])).toEqual([
      ['P', 0, true],
      ['F', 0, true],
    ]);
  });

  it('handles free lines: zero-priced lines take no discount', () => {
    const totals = priceUnder(
      cart({ lines: [line('free', 3, 0), line('paid', 1, 100)], discounts: [fixed('F', 30)] }),
      exclusive(0),
    );
    expect(totals.lines.map((l) => l.discountTotal.amount)).toEqual([0, 30]);
    expect(totals.itemCount).toBe(4);
  });

  it('prices in the cart currency', () => {
    const totals = priceUnder(
      cart({
        currency: 'JPY',
        lines: [line('l1', 3, 1000, {}, 'JPY')],
        discounts: [percent('P', 333)],
      }),
      exclusive(1000),
    );
    expect(totals.subtotal).toEqual({ amount: 3000, currency: 'JPY' });
    expect(totals.discountTotal).toEqual({ amount: 100, currency: 'JPY' }); // 99.9 → 100
    expect(totals.taxTotal).toEqual({ amount: 290, currency: 'JPY' });
    expect(totals.lines[0]?.total.currency).toBe('JPY');
  });

  it('keeps the stored fields and never mutates its input', () => {
    const state = deepFreeze(
      cart({
        lines: [line('l1', 2, 500)],
        discounts: [percent('P', 1000)],
        note: 'hi',
        email: 'a@b.co',
      }),
    );
    const before = clone(state);
    const totals = priceUnder(state, exclusive(1000));
    expect(state).toEqual(before);
    expect(totals).toMatchObject({ id: state.id, version: 1, note: 'hi', email: 'a@b.co' });
    expect(totals.lines[0]).toMatchObject(state.lines[0] ?? {});
  });

  it('throws MoneyOverflowError rather than give a wrong total', () => {
    const huge = cart({ lines: [line('l1', 2, Number.MAX_SAFE_INTEGER)] });
    expect(() => priceUnder(huge, exclusive(0))).toThrow(MoneyOverflowError);
    const taxed = cart({ lines: [line('l1', 1, Number.MAX_SAFE_INTEGER - 10)] });
    expect(() => priceUnder(taxed, exclusive(1000))).toThrow(MoneyOverflowError);
  });

  it("checkAmounts (the reducer's cheap check) throws exactly when pricing would", () => {
    const throws = (run: () => unknown) => {
      try {
        run();
        return false;
      } catch (error) {
        if (error instanceof MoneyOverflowError) return true;
        throw error;
      }
    };
    // Prices near the safe-integer limit, with codes and tax, so that some carts overflow
    // (in the line products, the subtotal, or only once tax is added) and some do not.
    const big = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 3 }), big), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        (lines, rate, off) => {
          const state = cart({
            lines: lines.map(([quantity, price], i) => line(`l${i}`, quantity, price)),
            discounts: [percent('HALF', off)],
          });
          expect(throws(() => checkAmounts(withTax(state, exclusive(rate))))).toBe(
            throws(() => priceUnder(state, exclusive(rate))),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses an unknown discount kind loudly', () => {
    const bogus = { ...percent('X', 1), kind: 'bogo' } as unknown as AppliedDiscount;
    expect(() =>
      priceUnder(cart({ lines: [line('l1', 1, 100)], discounts: [bogus] }), exclusive(0)),
    ).toThrow(new TypeError('unknown discount kind bogo'));
  });

  it('isApplicable compares the minimum with the given subtotal', () => {
    const usd = (amount: number) => ({ amount, currency: 'USD' as const });
    expect(isApplicable({ minSubtotal: null }, usd(0))).toBe(true);
    expect(isApplicable({ minSubtotal: 100 }, usd(99))).toBe(false);
    expect(isApplicable({ minSubtotal: 100 }, usd(100))).toBe(true);
  });
});

describe('computeTotals: invariants (property)', () => {
  it('hold for any stored cart and tax rate', () => {
    fc.assert(
      fc.property(cartStateArb, taxRuleArb, (s, r) => void expectTotalsInvariants(s, r)),
      { numRuns: 500 },
    );
  });

  it('hold when codes are worth more than the cart', () => {
    const smallCart = cartStateArb.map((s) => ({
      ...s,
      lines: s.lines.map((l) => ({
        ...l,
        unitPrice: { ...l.unitPrice, amount: l.unitPrice.amount % 200 },
      })),
    }));
    fc.assert(
      fc.property(smallCart, taxRuleArb, (s, r) => void expectTotalsInvariants(s, r)),
      { numRuns: 300 },
    );
  });

  it('are deterministic', () => {
    fc.assert(
      fc.property(cartStateArb, taxRateArb, (state, rate) => {
        expect(priceUnder(state, exclusive(rate))).toEqual(
          priceUnder(clone(state), exclusive(rate)),
        );
      }),
    );
  });
});
