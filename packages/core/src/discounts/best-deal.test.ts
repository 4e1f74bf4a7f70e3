import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { apply } from '../actions/apply.ts';
import type { AppliedDiscount, CartState } from '../schemas/cart.ts';
import type { Discount } from '../schemas/discount.ts';
import { computeTotals } from '../totals/compute-totals.ts';
import { appliedDiscountArb, cartStateArb } from '../../test/support/arbitraries.ts';
import { cart, context, line } from '../../test/support/fixtures.ts';
import { adviceFor, outlook, shortfall, subtotalOf } from './best-deal.ts';

const MAX = 5;
const terms = (code: string, over: Partial<AppliedDiscount> = {}): AppliedDiscount => ({
  code,
  kind: 'fixed',
  value: 500,
  minSubtotal: null,
  combinable: true,
  currency: 'USD',
  ...over,
});
/** The code the server holds for these terms: usable now, no window, no usage limit. */
const stored = (t: AppliedDiscount): Discount => ({
  ...t,
  usageLimit: null,
  startsAt: null,
  endsAt: null,
  timesUsed: 0,
});
const shop = (lines: CartState['lines'], discounts: AppliedDiscount[] = []) =>
  cart({ lines, discounts });

describe('shortfall', () => {
  it('is what the subtotal lacks for the minimum, and 0 once met or with none', () => {
    expect(shortfall({ minSubtotal: 3000 }, 1100)).toBe(1900);
    expect(shortfall({ minSubtotal: 3000 }, 3000)).toBe(0);
    expect(shortfall({ minSubtotal: 3000 }, 9000)).toBe(0);
    expect(shortfall({ minSubtotal: null }, 0)).toBe(0);
  });
});

describe('adviceFor', () => {
  const save5 = terms('SAVE5', { minSubtotal: 3000 });
  const big = terms('BIGSPENDER', { kind: 'percent', value: 2000, combinable: false });

  it('says how much more a cart below the minimum needs', () => {
    expect(adviceFor(shop([line('a', 1, 1100)]), save5, MAX)).toEqual({
      kind: 'addMore',
      code: 'SAVE5',
      amount: 1900,
    });
  });

  it('applies a code that qualifies and joins', () => {
    expect(adviceFor(shop([line('a', 3, 1100)]), save5, MAX)).toEqual({
      kind: 'apply',
      code: 'SAVE5',
      gain: 500,
    });
  });

  it('offers the switch to a code that cannot be combined but saves more', () => {
    const state = shop([line('a', 10, 1100)], [save5]);
    // 20% of $110.00 is $22.00; SAVE5 takes $5.00 off.
    expect(adviceFor(state, big, MAX)).toEqual({
      kind: 'switch',
      code: 'BIGSPENDER',
      replaces: ['SAVE5'],
      gain: 1700,
    });
  });

  it('keeps the codes on the cart when they save as much or more', () => {
    const state = shop([line('a', 1, 2000)], [big]);
    expect(adviceFor(state, terms('TEN', { value: 100 }), MAX)).toEqual({
      kind: 'keep',
      code: 'TEN',
      replaces: ['BIGSPENDER'],
    });
  });

  it('has none for a code tied to another currency or past the most codes', () => {
    expect(adviceFor(shop([]), terms('POUND', { currency: 'GBP' }), MAX)).toBeNull();
    expect(adviceFor(shop([], [terms('A'), terms('B')]), terms('C'), 2)).toBeNull();
  });
});

describe('outlook, as the server decides (properties)', () => {
  const active = cartStateArb.map((s): CartState => ({ ...s, status: 'active' }));
  // A code not on the cart yet, under a name no applied code has.
  const candidate = appliedDiscountArb.map((d) => ({ ...d, code: `NEW-${d.code}` }));

  it('predicts the saving the server gives once it has applied the code', () => {
    fc.assert(
      fc.property(active, candidate, (state, t) => {
        const o = outlook(state, t, MAX);
        if (o === null || o.shortfall > 0) return;
        const ctx = context({ discounts: [stored(t)] });
        let after = state;
        for (const code of o.replaces) {
          const removed = apply(after, { type: 'removeDiscount', code }, ctx);
          if (!removed.ok) throw new Error(removed.error.message);
          after = removed.value;
        }
        const applied = apply(after, { type: 'applyDiscount', code: t.code }, ctx);
        if (!applied.ok) throw new Error(applied.error.message);
        expect(computeTotals(applied.value).discountTotal.amount).toBe(o.savingWith);
        expect(o.savingNow).toBe(computeTotals(state).discountTotal.amount);
      }),
    );
  });

  it('names a shortfall exactly when the server refuses for the minimum, with its terms', () => {
    fc.assert(
      fc.property(active, candidate, (state, t) => {
        const o = outlook({ ...state, discounts: [] }, t, MAX);
        if (o === null) return;
        const ctx = context({ discounts: [stored(t)] });
        const result = apply(
          { ...state, discounts: [] },
          { type: 'applyDiscount', code: t.code },
          ctx,
        );
        expect(result.ok).toBe(o.shortfall === 0);
        if (!result.ok) expect(result.error.discount).toEqual(t);
      }),
    );
  });

  it('"add X" is exactly enough: X more qualifies, one minor unit less does not', () => {
    fc.assert(
      fc.property(
        active,
        candidate.filter((t) => t.minSubtotal !== null),
        (state, t) => {
          const base = { ...state, discounts: [] };
          const lack = shortfall(t, subtotalOf(base));
          fc.pre(lack > 0);
          const ctx = context({ discounts: [stored(t)] });
          const topUp = (amount: number) =>
            apply(
              { ...base, lines: [...base.lines, line('top-up', 1, amount)] },
              { type: 'applyDiscount', code: t.code },
              ctx,
            ).ok;
          expect(topUp(lack)).toBe(true);
          expect(topUp(lack - 1)).toBe(false);
        },
      ),
    );
  });
});
