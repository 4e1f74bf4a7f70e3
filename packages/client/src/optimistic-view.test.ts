import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS,
  applyAll,
  computeTotals,
  type ApplyContext,
  type CartAction,
  type CartState,
  type CurrencyCode,
  type Money,
  type Product,
  type Region,
  type ShippingOption,
} from '@cart/core';
import { placeholderCart, showCart, viewBase, type ViewFacts } from './optimistic-view.ts';
import { tempLineId, type PendingAction } from './outbox.ts';
import { initialState } from './sync-state.ts';

const NOW = '2026-11-28T10:00:00.000Z';
const money = (amount: number, currency: CurrencyCode = 'USD'): Money => ({ amount, currency });

const product = (
  id: string,
  amount: number,
  stock: number | null = null,
  other: Money[] = [],
): Product => ({
  id,
  sku: `SKU-${id}`,
  name: `Product ${id}`,
  description: '',
  price: money(amount),
  prices: [money(amount), ...other],
  requiresShipping: true,
  stock,
  maxPerOrder: null,
  imageUrl: null,
});
const catalog = [
  product('p1', 1999, null, [money(1600, 'GBP')]),
  product('p2', 250, null, [money(200, 'GBP')]),
  product('p3', 12_345, 4),
];

const us: Region = {
  id: 'us',
  name: 'United States',
  currency: 'USD',
  countries: ['US', 'CA'],
  taxRateBps: 825,
  taxInclusive: false,
  default: true,
};
const gb: Region = {
  id: 'gb',
  name: 'United Kingdom',
  currency: 'GBP',
  countries: ['GB'],
  taxRateBps: 2000,
  taxInclusive: true,
  default: false,
};
const usStandard: ShippingOption = {
  id: 'us-std',
  regionId: 'us',
  name: 'Standard',
  amount: money(500),
  freeOverSubtotal: 5000,
  taxable: true,
};
const gbStandard: ShippingOption = {
  id: 'gb-std',
  regionId: 'gb',
  name: 'Royal Mail',
  amount: money(399, 'GBP'),
  freeOverSubtotal: null,
  taxable: false,
};

const facts = (
  taxRateBps = 825,
  known: { regions?: Region[]; options?: ShippingOption[] } = {},
): ViewFacts => ({
  product: (id) => catalog.find((p) => p.id === id),
  limits: DEFAULT_LIMITS,
  taxRule: { taxRateBps, taxInclusive: false },
  regions: known.regions ?? [],
  shippingOption: (id) => known.options?.find((o) => o.id === id),
  now: NOW,
});
/** Everything the client may know: both regions and their options. */
const everything = () => facts(825, { regions: [us, gb], options: [usStandard, gbStandard] });

/** The server's reducer context: it knows every region and option. */
const serverContext = (actionId: string): ApplyContext => ({
  now: NOW,
  newId: () => tempLineId(actionId),
  product: (id) => catalog.find((p) => p.id === id),
  discount: () => undefined,
  limits: DEFAULT_LIMITS,
  region: (id) => [us, gb].find((r) => r.id === id),
  regionFor: (country) => [us, gb].find((r) => r.countries.includes(country)),
  shippingOption: (id) => [usStandard, gbStandard].find((o) => o.id === id),
});

/** The server's way: each action applied with the reducer; refused ones are left out. */
function onServer(base: CartState, actions: readonly CartAction[]) {
  let state = base;
  for (const [i, action] of actions.entries()) {
    const r = applyAll(state, [action], serverContext(`act${i}`));
    if (r.ok) state = r.value;
  }
  return computeTotals(state);
}

const queue = (actions: CartAction[]): PendingAction[] =>
  actions.map((action, i) => ({ actionId: `act${i}`, action, seq: String(i), createdAt: 0 }));

/** A stand-in cart in the US region, as the server makes carts (its default). */
const inUs = () => placeholderCart('USD', us, NOW, 'us');

describe('the cart shown', () => {
  it('prices queued adds exactly as the server reducer would', () => {
    const adds = fc.array(
      fc.record({
        type: fc.constant('addLine' as const),
        productId: fc.constantFrom('p1', 'p2', 'p3'),
        quantity: fc.integer({ min: 1, max: 5 }),
      }),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(adds, fc.integer({ min: 0, max: 3000 }), fc.boolean(), (actions, tax, incl) => {
        const base = placeholderCart('USD', { taxRateBps: tax, taxInclusive: incl }, NOW);
        const view = showCart(base, queue(actions), {}, facts(tax));
        const server = onServer(base, actions);
        expect(view.cart.total).toEqual(server.total);
        expect(view.cart.taxTotal).toEqual(server.taxTotal);
        expect(view.cart.lines.map((l) => [l.id, l.quantity, l.total])).toEqual(
          server.lines.map((l) => [l.id, l.quantity, l.total]),
        );
      }),
    );
  });

  it('flags the lines queued actions touch, and leaves out what the reducer refuses', () => {
    const base = placeholderCart('USD', { taxRateBps: 825, taxInclusive: false }, NOW);
    const view = showCart(
      base,
      queue([
        { type: 'addLine', productId: 'p3', quantity: 9 }, // only 4 in stock
        { type: 'addLine', productId: 'p1', quantity: 1 },
        { type: 'applyDiscount', code: 'SECRET' },
      ]),
      {},
      facts(),
    );
    expect(view.cart.lines.map((l) => [l.productId, l.pending])).toEqual([['p1', true]]);
    expect([...view.refused.entries()].map(([id, e]) => [id, e.code])).toEqual([
      ['act0', 'OUT_OF_STOCK'],
      ['act2', 'DISCOUNT_INVALID'],
    ]);
  });

  it('takes facts for an unknown product from its line, and from a queued add', () => {
    const base = {
      ...placeholderCart('USD', { taxRateBps: 0, taxInclusive: false }, NOW),
      lines: [
        {
          id: 'L1',
          productId: 'gone-from-catalog',
          sku: 'OLD-1',
          name: 'Old',
          quantity: 1,
          unitPrice: money(500),
          requiresShipping: false,
          attributes: {},
        },
      ],
    };
    const carried: PendingAction = {
      actionId: 'x',
      action: { type: 'addLine', productId: 'new-one', quantity: 2 },
      seq: '1',
      createdAt: 0,
      product: product('new-one', 100),
    };
    const view = showCart(
      base,
      [...queue([{ type: 'setLineQuantity', lineId: 'L1', quantity: 3 }]), carried],
      {},
      facts(0),
    );
    expect(view.cart.lines.map((l) => [l.name, l.quantity, l.requiresShipping])).toEqual([
      ['Old', 3, false],
      ['Product new-one', 2, true],
    ]);
    expect(view.cart.total.amount).toBe(1700);
  });

  it('prices a cart with its own tax rule, not the one for carts not made yet', () => {
    const base = { ...inUs(), taxRateBps: 2000, taxInclusive: true };
    const view = showCart(
      base,
      queue([{ type: 'addLine', productId: 'p1', quantity: 1 }]),
      {},
      {
        ...facts(0),
      },
    );
    // 1999 contains 1999 × 2000 / 12000 = 333.17 of tax.
    expect([view.cart.taxTotal.amount, view.cart.total.amount]).toEqual([333, 1999]);
  });
});

describe('a queued setCountry', () => {
  const actions: CartAction[] = [
    { type: 'addLine', productId: 'p1', quantity: 2 },
    { type: 'setCountry', country: 'GB' },
  ];

  it('is shown at once when the regions are known: currency, prices, tax rule and totals follow', () => {
    const view = showCart(inUs(), queue(actions), {}, everything());
    expect(view.refused.size).toBe(0);
    const cart = view.cart;
    expect([cart.regionId, cart.country, cart.currency]).toEqual(['gb', 'GB', 'GBP']);
    expect([cart.taxRateBps, cart.taxInclusive]).toEqual([2000, true]);
    expect(cart.lines.map((l) => [l.productId, l.unitPrice, l.pending])).toEqual([
      ['p1', money(1600, 'GBP'), true],
    ]);
    // Tax-inclusive: 3200 contains 3200 × 2000 / 12000 = 533.33.
    expect([cart.subtotal, cart.taxTotal, cart.total]).toEqual([
      money(3200, 'GBP'),
      money(533, 'GBP'),
      money(3200, 'GBP'),
    ]);
    expect(cart).toMatchObject(onServer(inUs(), actions));
  });

  it('flags the lines it re-prices as pending, on a confirmed cart too', () => {
    const confirmed = onServer(inUs(), [actions[0] as CartAction]);
    const base = {
      ...inUs(),
      lines: confirmed.lines.map(({ subtotal: _s, discountTotal: _d, total: _t, ...l }) => l),
    };
    const view = showCart(base, queue([{ type: 'setCountry', country: 'GB' }]), {}, everything());
    expect(view.cart.lines.map((l) => [l.unitPrice.currency, l.pending])).toEqual([['GBP', true]]);
    // A move within the cart's region re-prices nothing.
    const stay = showCart(base, queue([{ type: 'setCountry', country: 'CA' }]), {}, everything());
    expect(stay.cart.lines.map((l) => [l.unitPrice.currency, l.pending])).toEqual([['USD', false]]);
    expect(stay.cart.country).toBe('CA');
  });

  it('is not shown while the regions are not known, until the server has applied it', () => {
    const view = showCart(inUs(), queue(actions), {}, facts());
    expect([view.cart.currency, view.cart.country]).toEqual(['USD', null]);
    expect(view.cart.lines.map((l) => l.unitPrice)).toEqual([money(1999)]);
    expect([...view.refused.entries()].map(([id, e]) => [id, e.code])).toEqual([
      ['act1', 'COUNTRY_NOT_SERVED'],
    ]);
    // Once confirmed, the server's cart is what is shown: in GBP, at its prices.
    const confirmed = onServer(inUs(), actions);
    const shown = showCart(
      {
        ...confirmed,
        lines: confirmed.lines.map(({ subtotal: _s, discountTotal: _d, total: _t, ...l }) => l),
        discounts: [],
      },
      [],
      {},
      facts(),
    );
    expect([shown.cart.currency, shown.cart.total]).toEqual(['GBP', money(3200, 'GBP')]);
  });

  it('is not shown while a line has no price known in the new currency', () => {
    // p3 is not sold in GBP; a line known only by its snapshot has its own price only.
    for (const [base, queued] of [
      [inUs(), [{ type: 'addLine', productId: 'p3', quantity: 1 }, actions[1]]],
      [
        {
          ...inUs(),
          lines: [
            {
              id: 'L1',
              productId: 'not-read',
              sku: 'X-1',
              name: 'Unread',
              quantity: 1,
              unitPrice: money(700),
              requiresShipping: true,
              attributes: {},
            },
          ],
        },
        [actions[1]],
      ],
    ] as [CartState, CartAction[]][]) {
      const view = showCart(base, queue(queued), {}, everything());
      expect(view.cart.currency).toBe('USD');
      expect([...view.refused.values()].map((e) => e.code)).toEqual(['PRODUCT_NOT_AVAILABLE']);
    }
  });

  it('moves a stand-in cart, whose region is not known yet, to the region of the country', () => {
    const pending = placeholderCart('USD', { taxRateBps: 0, taxInclusive: false }, NOW);
    const view = showCart(pending, queue(actions), {}, everything());
    expect([view.cart.regionId, view.cart.currency, view.cart.total]).toEqual([
      'gb',
      'GBP',
      money(3200, 'GBP'),
    ]);
  });

  it('is shown with a shipping address too, which moves the cart as setCountry does', () => {
    const address = {
      name: 'Jo Bloggs',
      line1: '1 High Street',
      line2: '',
      city: 'London',
      postalCode: 'SW1A 1AA',
      province: '',
      country: 'GB' as const,
    };
    const queued: CartAction[] = [
      actions[0] as CartAction,
      { type: 'setShippingAddress', address },
    ];
    const view = showCart(inUs(), queue(queued), {}, everything());
    expect([view.cart.currency, view.cart.country, view.cart.shippingAddress]).toEqual([
      'GBP',
      'GB',
      address,
    ]);
    expect(view.cart).toMatchObject(onServer(inUs(), queued));
    const unknown = showCart(inUs(), queue(queued), {}, facts());
    expect([unknown.cart.currency, unknown.cart.shippingAddress]).toEqual(['USD', null]);
  });
});

describe('a queued setShippingOption', () => {
  it('is shown at once when the option is known, priced and taxed as the server does', () => {
    const queued: CartAction[] = [
      { type: 'addLine', productId: 'p1', quantity: 2 },
      { type: 'setShippingOption', shippingOptionId: 'us-std' },
    ];
    const view = showCart(inUs(), queue(queued), {}, everything());
    expect(view.refused.size).toBe(0);
    // 3998 + 500 shipping, taxable: 4498 × 8.25% = 371.085.
    expect(view.cart).toMatchObject({
      shippingOptionId: 'us-std',
      shippingOption: { id: 'us-std', name: 'Standard', amount: money(500) },
      subtotal: money(3998),
      shippingTotal: money(500),
      taxTotal: money(371),
      total: money(4869),
    });
    expect(view.cart.shippingOption).not.toHaveProperty('regionId');
    expect(view.cart).toMatchObject(onServer(inUs(), queued));

    // Over 5000 the option is free: 5248 × 8.25% = 432.96.
    const more = [...queued, { type: 'addLine', productId: 'p2', quantity: 5 } as const];
    const free = showCart(inUs(), queue(more), {}, everything());
    expect([free.cart.shippingTotal, free.cart.taxTotal, free.cart.total]).toEqual([
      money(0),
      money(433),
      money(5681),
    ]);
  });

  it('is shown after a queued move, in the new region', () => {
    const queued: CartAction[] = [
      { type: 'addLine', productId: 'p1', quantity: 2 },
      { type: 'setCountry', country: 'GB' },
      { type: 'setShippingOption', shippingOptionId: 'gb-std' },
    ];
    const view = showCart(inUs(), queue(queued), {}, everything());
    // Not taxable: the tax stays what 3200 contains; the total adds 399.
    expect([view.cart.shippingTotal, view.cart.taxTotal, view.cart.total]).toEqual([
      money(399, 'GBP'),
      money(533, 'GBP'),
      money(3599, 'GBP'),
    ]);
    expect(view.cart).toMatchObject(onServer(inUs(), queued));
  });

  it("is not shown while the option is not known, or not of the cart's region", () => {
    const base = { ...inUs(), regionId: 'somewhere' };
    const queued: CartAction[] = [
      { type: 'addLine', productId: 'p1', quantity: 1 },
      { type: 'setShippingOption', shippingOptionId: 'us-std' },
    ];
    for (const known of [facts(), everything()]) {
      // The cart's region is not among those read: its own facts stand in for it.
      const view = showCart(base, queue(queued), {}, known);
      expect([view.cart.shippingOptionId, view.cart.shippingTotal]).toEqual([null, money(0)]);
      expect([...view.refused.values()]).toEqual([
        expect.objectContaining({
          code: 'SHIPPING_OPTION_UNAVAILABLE',
          message: 'That shipping method is not offered in somewhere.',
        }),
      ]);
    }
  });

  it('is shown on a cart in a region not read, for an option of that region', () => {
    const base = { ...placeholderCart('GBP', gb, NOW, 'gb') };
    const view = showCart(
      base,
      queue([
        { type: 'addLine', productId: 'p2', quantity: 1 },
        { type: 'setShippingOption', shippingOptionId: 'gb-std' },
      ]),
      {},
      facts(0, { options: [gbStandard] }),
    );
    expect([view.cart.shippingTotal, view.cart.total]).toEqual([
      money(399, 'GBP'),
      money(599, 'GBP'),
    ]);
  });
});

describe('the stand-in for a cart not made yet', () => {
  const ready = (known: ViewFacts) => viewBase(initialState(100), true, 'EUR', known, 0);

  it('is in the default region once the regions are known, as the server will make it', () => {
    expect(ready(everything())).toMatchObject({
      regionId: 'us',
      currency: 'USD',
      taxRateBps: 825,
      taxInclusive: false,
      country: null,
      shippingAddress: null,
      shippingOption: null,
    });
  });

  it('is in the currency and tax rule given while they are not', () => {
    const known = { ...facts(), taxRule: { taxRateBps: 1900, taxInclusive: true } };
    expect(ready(known)).toMatchObject({
      regionId: 'pending',
      currency: 'EUR',
      taxRateBps: 1900,
      taxInclusive: true,
    });
  });
});
