import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type * as z from 'zod/mini';
import { Money } from '../money/money.ts';
import {
  actionArbs,
  cartStateArb,
  discountArb,
  moneyArb,
  productArb,
  taxRateArb,
} from '../../test/support/arbitraries.ts';
import { computeTotals } from '../totals/compute-totals.ts';
import { exclusive, priceUnder } from '../../test/support/fixtures.ts';
import { ActionBatch, CartAction } from './action.ts';
import { Cart, CartState, CheckoutResult, CreatedCart, toCartState } from './cart.ts';
import { Discount, DiscountInput } from './discount.ts';
import { Product, ProductInput } from './product.ts';

/**
 * parse is a projection: whatever it accepts, parsing its output again gives the same
 * value. This is what lets a value cross several boundaries (client, server, storage)
 * and stay the same. Returns how many generated values were accepted, so a test can
 * make sure it checked something.
 */
function checkRoundTrip<T>(schema: z.ZodMiniType, arb: fc.Arbitrary<T>, numRuns = 200): number {
  let accepted = 0;
  fc.assert(
    fc.property(arb, (input) => {
      const first = schema.safeParse(input);
      if (!first.success) return;
      accepted += 1;
      const second = schema.safeParse(first.data);
      expect(second.success).toBe(true);
      expect(second.data).toEqual(first.data);
    }),
    { numRuns },
  );
  return accepted;
}

describe('parse(parse(x)) equals parse(x)', () => {
  it('Money', () => {
    expect(checkRoundTrip(Money, moneyArb)).toBe(200);
  });

  it('Product and ProductInput', () => {
    expect(checkRoundTrip(Product, productArb)).toBeGreaterThan(100);
    expect(
      checkRoundTrip(
        ProductInput,
        productArb.map(({ id: _id, ...rest }) => rest),
      ),
    ).toBeGreaterThan(100);
  });

  it('Discount and DiscountInput', () => {
    expect(checkRoundTrip(Discount, discountArb)).toBeGreaterThan(150);
    expect(
      checkRoundTrip(
        DiscountInput,
        discountArb.map(({ timesUsed: _t, ...rest }) => rest),
      ),
    ).toBeGreaterThan(150);
  });

  it('Cart (as computed from a stored cart) and CheckoutResult', () => {
    const cartArb = fc
      .tuple(cartStateArb, taxRateArb)
      .map(([state, rate]) => priceUnder(state, exclusive(rate)));
    expect(checkRoundTrip(Cart, cartArb)).toBe(200);
    expect(
      checkRoundTrip(
        CheckoutResult,
        cartArb.map((cart) => ({ orderId: 'order-1', orderNumber: 1, cart })),
      ),
    ).toBe(200);
  });

  it('CreatedCart: a cart and its token, of at most 128 characters', () => {
    fc.assert(
      fc.property(cartStateArb, fc.string({ minLength: 1, maxLength: 128 }), (state, token) => {
        const created = { ...computeTotals(state), token };
        expect(CreatedCart.parse(created)).toEqual(created);
      }),
      { numRuns: 50 },
    );
    const cart = priceUnder(fc.sample(cartStateArb, 1)[0] as CartState, exclusive(0));
    expect(CreatedCart.safeParse({ ...cart, token: 'x'.repeat(129) }).success).toBe(false);
    expect(CreatedCart.safeParse(cart).success).toBe(false);
  });

  it('a cart stored before appliedActionIds existed parses with none', () => {
    fc.assert(
      fc.property(cartStateArb, (state) => {
        const { appliedActionIds: _ids, ...old } = state;
        expect(CartState.parse(old)).toEqual({ ...state, appliedActionIds: [] });
      }),
    );
  });

  it('a stored cart survives toCartState(computeTotals(state))', () => {
    fc.assert(
      fc.property(cartStateArb, (state) => {
        expect(CartState.parse(state)).toEqual(state);
        expect(toCartState(computeTotals(state))).toEqual(state);
      }),
    );
  });

  for (const [type, arb] of Object.entries(actionArbs) as [string, fc.Arbitrary<object>][]) {
    it(`CartAction ${type}`, () => {
      expect(checkRoundTrip(CartAction, arb)).toBeGreaterThan(50);
    });
  }

  it('ActionBatch', () => {
    const batchArb = fc.record({
      actions: fc.array(fc.oneof(...(Object.values(actionArbs) as fc.Arbitrary<object>[])), {
        minLength: 1,
        maxLength: 5,
      }),
    });
    expect(checkRoundTrip(ActionBatch, batchArb)).toBeGreaterThan(20);
  });

  it('text that only becomes NFC once stripped (regression)', () => {
    const action = { type: 'setNote', note: 'caf' + 'e\u200B\u0301' };
    const first = CartAction.parse(action);
    expect(first).toEqual({ type: 'setNote', note: 'café' });
    expect(CartAction.parse(first)).toEqual(first);
  });
});
