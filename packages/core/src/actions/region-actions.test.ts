import { describe, expect, it } from 'vitest';
import type { CartAction } from '../schemas/action.ts';
import type { CartState } from '../schemas/cart.ts';
import type { Product } from '../schemas/product.ts';
import { computeTotals } from '../totals/compute-totals.ts';
import {
  cart,
  chosen,
  context,
  DE_ADDRESS,
  deepFreeze,
  discount,
  expectOk,
  line,
  product,
  UK_ADDRESS,
  US_ADDRESS,
} from '../../test/support/fixtures.ts';
import { apply } from './apply.ts';

/** Sold in all three demo currencies. */
const mug = product({
  id: 'mug',
  name: 'Blue Mug',
  price: { amount: 1200, currency: 'USD' },
  prices: [
    { amount: 1200, currency: 'USD' },
    { amount: 1100, currency: 'EUR' },
    { amount: 1000, currency: 'GBP' },
  ],
});
/** Sold in dollars only. */
const hat = product({ id: 'hat', name: 'Sun Hat', price: { amount: 2500, currency: 'USD' } });

const ctx = (products: Product[] = [mug, hat]) => context({ products });
const withMug = (over: Partial<CartState> = {}) =>
  cart({ lines: [line('l1', 2, 1200, { productId: 'mug', name: 'Blue Mug' })], ...over });
const run = (state: CartState, action: CartAction, products?: Product[]) =>
  apply(deepFreeze(state), action, ctx(products));
const errorOf = (result: ReturnType<typeof apply>) => (result.ok ? undefined : result.error);

describe('setCountry', () => {
  it("moves the cart to the country's region: currency, prices and tax follow", () => {
    const moved = expectOk(run(withMug(), { type: 'setCountry', country: 'GB' }));
    expect(moved).toMatchObject({ regionId: 'uk', currency: 'GBP', country: 'GB' });
    expect(moved.lines).toEqual([
      { ...withMug().lines[0], sku: 'SKU-1', unitPrice: { amount: 1000, currency: 'GBP' } },
    ]);
    const priced = computeTotals(moved);
    // 2 × £10.00, 20% included: the total is the prices; the tax it contains is 2000/6.
    expect([priced.total.amount, priced.taxTotal.amount]).toEqual([2000, 333]);
  });

  it('within the same region only notes the country, keeping the option', () => {
    const inEurope = cart({
      lines: [line('l1', 2, 1100, { productId: 'mug' }, 'EUR')],
      regionId: 'eu',
      currency: 'EUR',
      country: 'DE',
      shippingOption: chosen('eu-standard'),
    });
    const next = expectOk(run(inEurope, { type: 'setCountry', country: 'FR' }));
    expect(next).toEqual({ ...inEurope, country: 'FR' });
  });

  it('drops an option of the old region and an address in another country', () => {
    const set = withMug({
      country: 'US',
      shippingAddress: US_ADDRESS,
      shippingOption: chosen('us-express'),
    });
    const next = expectOk(run(set, { type: 'setCountry', country: 'DE' }));
    expect(next).toMatchObject({ regionId: 'eu', shippingAddress: null, shippingOption: null });
    // Back in the US, an address there stays.
    const back = expectOk(run(set, { type: 'setCountry', country: 'US' }));
    expect(back.shippingAddress).toEqual(US_ADDRESS);
  });

  it('COUNTRY_NOT_SERVED for a country no region lists', () => {
    expect(errorOf(run(withMug(), { type: 'setCountry', country: 'JP' }))).toEqual({
      code: 'COUNTRY_NOT_SERVED',
      message: 'We do not sell to Japan.',
      path: '/country',
    });
  });

  it('refuses the whole move for a line with no price there, dropping nothing', () => {
    const both = cart({
      lines: [
        line('l1', 1, 1200, { productId: 'mug', name: 'Blue Mug' }),
        line('l2', 1, 2500, { productId: 'hat', name: 'Sun Hat' }),
      ],
    });
    expect(errorOf(run(both, { type: 'setCountry', country: 'GB' }))).toEqual({
      code: 'PRODUCT_NOT_AVAILABLE',
      message: 'Sun Hat is not for sale in United Kingdom (GBP): remove it to shop there.',
      path: '/country',
    });
    // A product gone from the catalog cannot be re-priced either.
    expect(errorOf(run(both, { type: 'setCountry', country: 'GB' }, [mug]))?.code).toBe(
      'PRODUCT_NOT_AVAILABLE',
    );
  });

  it('refuses the move for a code tied to the old currency; a code for any currency moves', () => {
    const fixed = {
      code: 'FIVE',
      kind: 'fixed' as const,
      value: 500,
      minSubtotal: null,
      combinable: true,
    };
    expect(
      errorOf(
        run(withMug({ discounts: [{ ...fixed, currency: 'USD' }] }), {
          type: 'setCountry',
          country: 'DE',
        }),
      ),
    ).toEqual({
      code: 'DISCOUNT_INVALID',
      message: 'The code FIVE is for carts in USD: remove it to shop in Europe.',
      path: '/country',
    });
    // Applied before codes had a currency: a fixed code is in the cart's.
    expect(
      errorOf(
        run(withMug({ discounts: [{ ...fixed, currency: null }] }), {
          type: 'setCountry',
          country: 'DE',
        }),
      )?.code,
    ).toBe('DISCOUNT_INVALID');
    const anywhere = { ...fixed, kind: 'percent' as const, value: 1000, currency: null };
    const moved = expectOk(
      run(withMug({ discounts: [anywhere] }), { type: 'setCountry', country: 'DE' }),
    );
    expect(moved.discounts).toEqual([anywhere]);
  });
});

describe('setShippingAddress', () => {
  it('sets the address, and its country moves the cart', () => {
    const next = expectOk(run(withMug(), { type: 'setShippingAddress', address: UK_ADDRESS }));
    expect(next).toMatchObject({
      regionId: 'uk',
      currency: 'GBP',
      country: 'GB',
      shippingAddress: UK_ADDRESS,
    });
  });

  it('keeps the option while it is still offered in the region, at today’s terms', () => {
    const stale = { ...chosen('us-standard'), amount: { amount: 1, currency: 'USD' as const } };
    const state = withMug({ shippingOption: stale });
    const next = expectOk(run(state, { type: 'setShippingAddress', address: US_ADDRESS }));
    expect(next.shippingOption).toEqual(chosen('us-standard'));
    // An option withdrawn since it was chosen is dropped.
    const gone = { ...stale, id: 'us-withdrawn' };
    const after = expectOk(
      run(withMug({ shippingOption: gone }), { type: 'setShippingAddress', address: US_ADDRESS }),
    );
    expect(after.shippingOption).toBeNull();
  });

  it('null clears the address and nothing else', () => {
    const state = withMug({
      country: 'US',
      shippingAddress: US_ADDRESS,
      shippingOption: chosen('us-express'),
    });
    expect(expectOk(run(state, { type: 'setShippingAddress', address: null }))).toEqual({
      ...state,
      shippingAddress: null,
    });
  });

  it('names the address country when the move is refused', () => {
    const hats = cart({ lines: [line('l2', 1, 2500, { productId: 'hat', name: 'Sun Hat' })] });
    expect(errorOf(run(hats, { type: 'setShippingAddress', address: DE_ADDRESS }))).toMatchObject({
      code: 'PRODUCT_NOT_AVAILABLE',
      path: '/address/country',
    });
    const jp = { ...US_ADDRESS, country: 'JP' as const, postalCode: '100-0001' };
    expect(errorOf(run(hats, { type: 'setShippingAddress', address: jp }))).toMatchObject({
      code: 'COUNTRY_NOT_SERVED',
      path: '/address/country',
    });
  });
});

describe('setShippingOption', () => {
  it("chooses an option of the cart's region, with its terms", () => {
    const next = expectOk(
      run(withMug(), { type: 'setShippingOption', shippingOptionId: 'us-express' }),
    );
    expect(next.shippingOption).toEqual(chosen('us-express'));
    const priced = computeTotals(next);
    expect([priced.shippingTotal.amount, priced.shippingOptionId]).toEqual([1500, 'us-express']);
    expect(
      expectOk(run(next, { type: 'setShippingOption', shippingOptionId: null })).shippingOption,
    ).toBeNull();
  });

  it('SHIPPING_OPTION_UNAVAILABLE for an option of another region, or none', () => {
    for (const id of ['uk-express', 'nope'])
      expect(errorOf(run(withMug(), { type: 'setShippingOption', shippingOptionId: id }))).toEqual({
        code: 'SHIPPING_OPTION_UNAVAILABLE',
        message: 'That shipping method is not offered in United States.',
        path: '/shippingOptionId',
      });
  });
});

describe('apply in a region the context does not know', () => {
  it('throws where it needs the region: the caller must know every region a cart can be in', () => {
    const lost = withMug({ regionId: 'mars' });
    expect(expectOk(run(lost, { type: 'setNote', note: 'hi' })).note).toBe('hi');
    expect(() => run(lost, { type: 'setShippingOption', shippingOptionId: 'nope' })).toThrow(
      new TypeError('unknown region mars'),
    );
  });

  it('discount codes in another currency stay refused after a move (currency fixed at apply)', () => {
    const gbp = expectOk(run(withMug(), { type: 'setCountry', country: 'GB' }));
    const code = discount({ code: 'TENOFF', kind: 'fixed', value: 1000, currency: 'USD' });
    const result = apply(
      gbp,
      { type: 'applyDiscount', code: 'TENOFF' },
      context({ products: [mug], discounts: [code] }),
    );
    expect(errorOf(result)?.message).toBe('The code TENOFF is for carts in USD, not GBP.');
  });
});
