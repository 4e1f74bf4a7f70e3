import { describe, expect, it } from 'vitest';
import {
  cart,
  chosen,
  deepFreeze,
  discount,
  exclusive,
  line,
  priceUnder,
  product,
  regions,
  shippingOptions,
} from '../../test/support/fixtures.ts';
import type { ShippingOption } from '../schemas/region.ts';
import { reprice, type RepriceCatalog } from './reprice.ts';

function catalog(
  products: ReturnType<typeof product>[],
  discounts: ReturnType<typeof discount>[] = [],
): RepriceCatalog {
  const p = new Map(products.map((x) => [x.id, x]));
  const d = new Map(discounts.map((x) => [x.code, x]));
  return {
    product: (id) => p.get(id),
    discount: (code) => d.get(code),
    shippingOption: (id) => shippingOptions().find((o) => o.id === id),
    region: (id) => regions().find((r) => r.id === id),
  };
}

const applied = {
  code: 'SAVE10',
  kind: 'percent',
  value: 1000,
  minSubtotal: null,
  combinable: true,
  currency: null,
} as const;

describe('reprice', () => {
  it('gives back the very same cart when the catalog has not changed', () => {
    const state = deepFreeze(
      cart({
        lines: [line('a', 2, 1000, { productId: 'p1', sku: 'SKU-1', name: 'Blue Mug' })],
        discounts: [applied],
      }),
    );
    const result = reprice(state, catalog([product()], [discount()]));
    expect(result.state).toBe(state);
    expect(result.lines).toEqual([]);
    expect(result.discounts).toEqual([]);
  });

  it("moves a line to today's price, with today's name and sku, and says from what", () => {
    const state = deepFreeze(
      cart({ lines: [line('a', 3, 1000, { productId: 'p1' }), line('b', 1, 500)] }),
    );
    const today = product({
      price: { amount: 1250, currency: 'USD' },
      name: 'Big Mug',
      sku: 'MUG-2',
    });
    const result = reprice(
      state,
      catalog([today, product({ id: 'prod-b', price: { amount: 500, currency: 'USD' } })]),
    );
    expect(result.lines).toEqual([
      {
        lineId: 'a',
        productId: 'p1',
        from: { amount: 1000, currency: 'USD' },
        to: { amount: 1250, currency: 'USD' },
      },
    ]);
    expect(result.state.lines[0]).toMatchObject({
      id: 'a',
      quantity: 3,
      name: 'Big Mug',
      sku: 'MUG-2',
      unitPrice: { amount: 1250, currency: 'USD' },
    });
    expect(result.state.lines[1]).toBe(state.lines[1]);
    expect(priceUnder(result.state, exclusive(0)).subtotal.amount).toBe(3 * 1250 + 500);
    // the input is untouched
    expect(state.lines[0]?.unitPrice.amount).toBe(1000);
  });

  it('re-prices a price that went down as well as one that went up', () => {
    const state = cart({ lines: [line('a', 1, 1000, { productId: 'p1' })] });
    const cheaper = reprice(state, catalog([product({ price: { amount: 800, currency: 'USD' } })]));
    expect(cheaper.state.lines[0]?.unitPrice.amount).toBe(800);
    expect(cheaper.lines).toHaveLength(1);
  });

  it('changes nothing for a new name or sku alone', () => {
    const state = cart({ lines: [line('a', 1, 1000, { productId: 'p1', name: 'Old name' })] });
    const result = reprice(state, catalog([product({ name: 'New name', sku: 'NEW' })]));
    expect(result.state).toBe(state);
    expect(result.lines).toEqual([]);
  });

  it('leaves alone a product that left the catalog or is priced in another currency', () => {
    const state = cart({
      lines: [line('a', 1, 1000, { productId: 'gone' }), line('b', 1, 1000, { productId: 'p1' })],
    });
    const euro = product({ price: { amount: 900, currency: 'EUR' } });
    const result = reprice(state, catalog([euro]));
    expect(result.state).toBe(state);
    expect(result.lines).toEqual([]);
  });

  it("takes a code's current terms when any of them changed", () => {
    for (const change of [
      { value: 2000 },
      { kind: 'fixed' as const, value: 1000 },
      { minSubtotal: 5000 },
      { combinable: false },
    ]) {
      const state = cart({ lines: [line('a', 1, 10_000)], discounts: [applied] });
      const result = reprice(state, catalog([], [discount(change)]));
      const to = {
        kind: 'percent',
        value: 1000,
        minSubtotal: null,
        combinable: true,
        currency: null,
        ...change,
      };
      expect(result.discounts, JSON.stringify(change)).toEqual([
        {
          code: 'SAVE10',
          from: {
            kind: 'percent',
            value: 1000,
            minSubtotal: null,
            combinable: true,
            currency: null,
          },
          to,
        },
      ]);
      expect(result.state.discounts).toEqual([{ code: 'SAVE10', ...to }]);
    }
  });

  it('ignores what an applied code does not hold (usage, window) and a code that is gone', () => {
    const state = cart({
      lines: [line('a', 1, 10_000)],
      discounts: [applied, { ...applied, code: 'GONE' }],
    });
    const live = discount({ usageLimit: 3, timesUsed: 2, endsAt: '2030-01-01T00:00:00.000Z' });
    const result = reprice(state, catalog([], [live]));
    expect(result.state).toBe(state);
    expect(result.discounts).toEqual([]);
  });

  it('re-prices lines and codes together, and the totals follow', () => {
    const state = cart({
      lines: [line('a', 2, 1000, { productId: 'p1' })],
      discounts: [{ ...applied, kind: 'fixed', value: 300 }],
    });
    const result = reprice(
      state,
      catalog(
        [product({ price: { amount: 1500, currency: 'USD' } })],
        [discount({ kind: 'fixed', value: 500 })],
      ),
    );
    expect(result.lines).toHaveLength(1);
    expect(result.discounts).toHaveLength(1);
    const totals = priceUnder(result.state, exclusive(1000));
    expect(totals.subtotal.amount).toBe(3000);
    expect(totals.discountTotal.amount).toBe(500);
    expect(totals.total.amount).toBe(2500 + 250);
  });
});

describe('reprice: the chosen shipping option', () => {
  const withOption = (option = chosen('us-standard')) =>
    cart({ lines: [line('a', 1, 1000, { productId: 'p1' })], shippingOption: option });
  const catalogWith = (options: ShippingOption[]): RepriceCatalog => ({
    product: () => product({ price: { amount: 1000, currency: 'USD' } }),
    discount: () => undefined,
    shippingOption: (id) => options.find((o) => o.id === id),
    region: (id) => regions().find((r) => r.id === id),
  });

  it("takes today's terms and reports them, or changes nothing", () => {
    const today = shippingOptions().map((o) =>
      o.id === 'us-standard' ? { ...o, amount: { amount: 650, currency: 'USD' as const } } : o,
    );
    const result = reprice(withOption(), catalogWith(today));
    expect(result.shipping).toEqual({
      shippingOptionId: 'us-standard',
      from: { amount: { amount: 500, currency: 'USD' }, freeOverSubtotal: 5000, taxable: true },
      to: { amount: { amount: 650, currency: 'USD' }, freeOverSubtotal: 5000, taxable: true },
    });
    expect(result.state.shippingOption).toEqual({
      ...chosen('us-standard'),
      amount: { amount: 650, currency: 'USD' },
    });
    for (const change of [{ freeOverSubtotal: null }, { taxable: false }]) {
      const edited = shippingOptions().map((o) =>
        o.id === 'us-standard' ? { ...o, ...change } : o,
      );
      expect(
        reprice(withOption(), catalogWith(edited)).shipping?.to,
        JSON.stringify(change),
      ).toMatchObject(change);
    }
    const same = withOption();
    expect(reprice(same, catalogWith(shippingOptions())).state).toBe(same);
  });

  it('leaves an option gone, or moved to another region, for checkout to refuse', () => {
    const moved = shippingOptions().map((o) =>
      o.id === 'us-standard' ? { ...o, regionId: 'eu' } : o,
    );
    for (const options of [[], moved]) {
      const result = reprice(withOption(), catalogWith(options));
      expect(result.shipping).toBeNull();
      expect(result.state.shippingOption).toEqual(chosen('us-standard'));
    }
  });
});

describe('reprice: the tax rule', () => {
  it("takes the region's rule of today when it changed since the cart last moved", () => {
    const state = cart({ lines: [line('a', 1, 1000, { productId: 'p1' })], taxRateBps: 500 });
    const result = reprice(state, catalog([product({ price: { amount: 1000, currency: 'USD' } })]));
    expect(result.tax).toEqual({
      from: { taxRateBps: 500, taxInclusive: false },
      to: { taxRateBps: 0, taxInclusive: false },
    });
    expect([result.state.taxRateBps, result.state.taxInclusive]).toEqual([0, false]);
    expect(
      reprice(result.state, catalog([product({ price: { amount: 1000, currency: 'USD' } })])).tax,
    ).toBeNull();
  });

  it('leaves a cart in a region that is gone as it is', () => {
    const lost = cart({ regionId: 'mars', taxRateBps: 500 });
    expect(reprice(lost, catalog([])).state).toBe(lost);
  });
});
