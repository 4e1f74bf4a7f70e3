// Over 400 lines on purpose: one describe per action of the reducer, then applyAll and
// checkCheckout, sharing the fixtures at the top; together they are the reducer's spec.
import { describe, it, expect } from 'vitest';
import type { Result } from '../errors/problem.ts';
import type { CartAction } from '../schemas/action.ts';
import type { CartState } from '../schemas/cart.ts';
import {
  cart,
  clone,
  context,
  deepFreeze,
  discount,
  exclusive,
  expectOk,
  line,
  priceUnder,
  product,
  US_ADDRESS,
  US_STANDARD,
  withTax,
} from '../../test/support/fixtures.ts';
import { apply, applyAll, checkCheckout, sameAttributes } from './apply.ts';
import { DEFAULT_LIMITS } from './context.ts';

const mug = product({ id: 'mug', name: 'Blue Mug', price: { amount: 1000, currency: 'USD' } });
const tea = product({
  id: 'tea',
  sku: 'TEA',
  name: 'Tea',
  price: { amount: 450, currency: 'USD' },
});

const add = (
  productId: string,
  quantity: number,
  attributes?: Record<string, string>,
): CartAction =>
  attributes
    ? { type: 'addLine', productId, quantity, attributes }
    : { type: 'addLine', productId, quantity };
const setQty = (lineId: string, quantity: number): CartAction => ({
  type: 'setLineQuantity',
  lineId,
  quantity,
});

function errorOf(result: Result<CartState>) {
  expect(result.ok).toBe(false);
  return result.ok ? undefined : result.error;
}

describe('apply: addLine', () => {
  it('adds a line with a snapshot of the product', () => {
    const next = expectOk(apply(cart(), add('mug', 2), context({ products: [mug] })));
    expect(next.lines).toEqual([
      {
        id: 'line-1',
        productId: 'mug',
        sku: 'SKU-1',
        name: 'Blue Mug',
        quantity: 2,
        unitPrice: { amount: 1000, currency: 'USD' },
        requiresShipping: true,
        attributes: {},
      },
    ]);
  });

  it('merges the same product and attributes into one line, whatever the key order', () => {
    const ctx = context({ products: [mug] });
    const one = expectOk(apply(cart(), add('mug', 1, { size: 'L', color: 'red' }), ctx));
    expect(Object.keys(one.lines[0]?.attributes ?? {})).toEqual(['color', 'size']);
    const two = expectOk(apply(one, add('mug', 2, { color: 'red', size: 'L' }), ctx));
    expect(two.lines).toHaveLength(1);
    expect(two.lines[0]).toMatchObject({ id: 'line-1', quantity: 3 });
  });

  it('stores attributes sorted by name', () => {
    const ctx = context({ products: [mug] });
    const attributes = { wrap: 'gift', size: 'L', color: 'red', engraving: 'A', b: '1', a: '2' };
    const next = expectOk(apply(cart(), add('mug', 1, attributes), ctx));
    expect(Object.keys(next.lines[0]?.attributes ?? {})).toEqual([
      'a',
      'b',
      'color',
      'engraving',
      'size',
      'wrap',
    ]);
  });

  it('keeps different attributes on different lines', () => {
    const ctx = context({ products: [mug] });
    let state = expectOk(apply(cart(), add('mug', 1, { size: 'L' }), ctx));
    state = expectOk(apply(state, add('mug', 1, { size: 'M' }), ctx));
    state = expectOk(apply(state, add('mug', 1), ctx));
    state = expectOk(apply(state, add('mug', 1, { size: 'L', gift: 'yes' }), ctx));
    expect(state.lines.map((l) => l.attributes)).toEqual([
      { size: 'L' },
      { size: 'M' },
      {},
      { gift: 'yes', size: 'L' },
    ]);
  });

  it('refreshes the price snapshot when more is added', () => {
    const state = cart({
      lines: [line('l1', 1, 800, { productId: 'mug', sku: 'OLD', name: 'Old Mug' })],
    });
    const next = expectOk(apply(state, add('mug', 1), context({ products: [mug] })));
    expect(next.lines[0]).toMatchObject({
      id: 'l1',
      quantity: 2,
      sku: 'SKU-1',
      name: 'Blue Mug',
      unitPrice: { amount: 1000 },
    });
  });

  it('PRODUCT_NOT_FOUND for a product not in the catalog', () => {
    expect(errorOf(apply(cart(), add('ghost', 1), context({ products: [mug] })))).toEqual({
      code: 'PRODUCT_NOT_FOUND',
      message: 'That product is not available any more.',
      path: '/productId',
    });
  });

  it('PRODUCT_NOT_AVAILABLE for a product with no price in the cart’s currency', () => {
    const euro = product({ id: 'euro', price: { amount: 100, currency: 'EUR' } });
    expect(errorOf(apply(cart(), add('euro', 1), context({ products: [euro] })))).toEqual({
      code: 'PRODUCT_NOT_AVAILABLE',
      message: 'Blue Mug is not for sale in United States (USD).',
      path: '/productId',
    });
  });

  it('prices a line in the cart’s currency, from the product’s prices', () => {
    const both = product({
      id: 'both',
      price: { amount: 1000, currency: 'USD' },
      prices: [
        { amount: 1000, currency: 'USD' },
        { amount: 850, currency: 'GBP' },
      ],
      requiresShipping: false,
    });
    const uk = cart({ regionId: 'uk', currency: 'GBP' });
    const next = expectOk(apply(uk, add('both', 2), context({ products: [both] })));
    expect(next.lines[0]).toMatchObject({
      unitPrice: { amount: 850, currency: 'GBP' },
      requiresShipping: false,
    });
  });

  it('QUANTITY_LIMIT_EXCEEDED past the per-line limit, also when merging', () => {
    const ctx = context({ products: [mug], limits: { maxQuantityPerLine: 5 } });
    expectOk(apply(cart(), add('mug', 5), ctx));
    expect(errorOf(apply(cart(), add('mug', 6), ctx))).toEqual({
      code: 'QUANTITY_LIMIT_EXCEEDED',
      message: 'At most 5 of one item per line.',
      path: '/quantity',
    });
    const four = expectOk(apply(cart(), add('mug', 4), ctx));
    expect(errorOf(apply(four, add('mug', 2), ctx))?.code).toBe('QUANTITY_LIMIT_EXCEEDED');
    expect(DEFAULT_LIMITS.maxQuantityPerLine).toBe(999);
    expect(errorOf(apply(cart(), add('mug', 1000), context({ products: [mug] })))?.code).toBe(
      'QUANTITY_LIMIT_EXCEEDED',
    );
  });

  it('QUANTITY_LIMIT_EXCEEDED past maxPerOrder, counted across lines of the product', () => {
    const limited = product({ ...mug, maxPerOrder: 3 });
    const ctx = context({ products: [limited, tea] });
    let state = expectOk(apply(cart(), add('mug', 2, { size: 'L' }), ctx));
    state = expectOk(apply(state, add('tea', 10), ctx)); // other products do not count
    state = expectOk(apply(state, add('mug', 1, { size: 'M' }), ctx));
    expect(errorOf(apply(state, add('mug', 1, { size: 'S' }), ctx))).toEqual({
      code: 'QUANTITY_LIMIT_EXCEEDED',
      message: 'At most 3 of Blue Mug per order.',
      path: '/quantity',
    });
    expect(errorOf(apply(state, add('mug', 1, { size: 'L' }), ctx))?.code).toBe(
      'QUANTITY_LIMIT_EXCEEDED',
    );
  });

  it('OUT_OF_STOCK past the stock, counted across lines of the product', () => {
    const ctx = context({ products: [product({ ...mug, stock: 3 })] });
    let state = expectOk(apply(cart(), add('mug', 2, { size: 'L' }), ctx));
    state = expectOk(apply(state, add('mug', 1, { size: 'M' }), ctx));
    expect(errorOf(apply(state, add('mug', 1), ctx))).toEqual({
      code: 'OUT_OF_STOCK',
      message: 'Only 3 of Blue Mug left.',
      path: '/quantity',
    });
    const soldOut = context({ products: [product({ ...mug, stock: 0 })] });
    expect(errorOf(apply(cart(), add('mug', 1), soldOut))).toEqual({
      code: 'OUT_OF_STOCK',
      message: 'Blue Mug is sold out.',
      path: '/quantity',
    });
  });

  it('CART_LIMIT_EXCEEDED for a new line past the line limit, while merging still works', () => {
    const ctx = context({ products: [mug, tea], limits: { maxLines: 1 } });
    const one = expectOk(apply(cart(), add('mug', 1), ctx));
    expect(errorOf(apply(one, add('tea', 1), ctx))).toEqual({
      code: 'CART_LIMIT_EXCEEDED',
      message: 'A cart can hold at most 1 different items.',
    });
    expect(errorOf(apply(one, add('mug', 1, { size: 'L' }), ctx))?.code).toBe(
      'CART_LIMIT_EXCEEDED',
    );
    expect(expectOk(apply(one, add('mug', 1), ctx)).lines[0]?.quantity).toBe(2);
  });

  it('AMOUNT_TOO_LARGE when the cart would leave the safe-integer range', () => {
    const pricey = product({ ...mug, price: { amount: 10_000_000_000, currency: 'USD' } });
    const ctx = context({ products: [pricey], limits: { maxQuantityPerLine: 1_000_000 } });
    expectOk(apply(cart(), add('mug', 900_000), ctx)); // 9.0e15: still safe
    expect(errorOf(apply(cart(), add('mug', 1_000_000), ctx))).toEqual({
      code: 'AMOUNT_TOO_LARGE',
      message: 'This cart would be worth more than we can take in one order.',
    });
    // tax can be what overflows
    const taxed = context({ products: [pricey], limits: { maxQuantityPerLine: 1_000_000 } });
    expect(errorOf(apply(cart({ taxRateBps: 2000 }), add('mug', 900_000), taxed))?.code).toBe(
      'AMOUNT_TOO_LARGE',
    );
  });
});

describe('apply: setLineQuantity and removeLine', () => {
  const ctx = () => context({ products: [product({ ...mug, stock: 5, maxPerOrder: 4 })] });
  const withMug = (quantity: number) =>
    cart({
      lines: [line('l1', quantity, 1000, { productId: 'mug', sku: 'SKU-1', name: 'Blue Mug' })],
    });

  it('sets the quantity; 0 removes the line', () => {
    expect(expectOk(apply(withMug(2), setQty('l1', 3), ctx())).lines[0]?.quantity).toBe(3);
    expect(expectOk(apply(withMug(2), setQty('l1', 1), ctx())).lines[0]?.quantity).toBe(1);
    expect(expectOk(apply(withMug(2), setQty('l1', 2), ctx())).lines[0]?.quantity).toBe(2);
    expect(expectOk(apply(withMug(2), setQty('l1', 0), ctx())).lines).toEqual([]);
    const two = cart({ lines: [line('a', 1, 100), line('b', 2, 200)] });
    expect(expectOk(apply(two, setQty('a', 0), context())).lines).toEqual([line('b', 2, 200)]);
    // Fewer of one line leaves the others as they are.
    expect(expectOk(apply(two, setQty('b', 1), context())).lines).toEqual([
      line('a', 1, 100),
      line('b', 1, 200),
    ]);
  });

  it('setting the quantity a line has changes nothing, even for a product gone from the catalog', () => {
    const gone = context({ products: [] });
    expect(expectOk(apply(withMug(2), setQty('l1', 2), gone)).lines).toEqual(withMug(2).lines);
  });

  it('holds only an increase to the catalog', () => {
    expect(errorOf(apply(withMug(2), setQty('l1', 5), ctx()))?.code).toBe(
      'QUANTITY_LIMIT_EXCEEDED',
    );
    const gone = context({ products: [] });
    expect(expectOk(apply(withMug(2), setQty('l1', 1), gone)).lines[0]?.quantity).toBe(1);
    expect(errorOf(apply(withMug(2), setQty('l1', 3), gone))).toEqual({
      code: 'PRODUCT_NOT_FOUND',
      message: 'Blue Mug is not available any more.',
      path: '/quantity',
    });
    // stock dropped below what is in the cart: buying fewer still works
    const scarce = context({ products: [product({ ...mug, stock: 1 })] });
    expect(expectOk(apply(withMug(3), setQty('l1', 2), scarce)).lines[0]?.quantity).toBe(2);
    expect(errorOf(apply(withMug(3), setQty('l1', 4), scarce))?.code).toBe('OUT_OF_STOCK');
  });

  it('counts the other lines of the product against maxPerOrder and stock', () => {
    const state = cart({
      lines: [
        line('l1', 2, 1000, { productId: 'mug', attributes: { size: 'L' } }),
        line('l2', 1, 1000, { productId: 'mug', attributes: { size: 'M' } }),
      ],
    });
    expectOk(apply(state, setQty('l2', 2), ctx()));
    expect(errorOf(apply(state, setQty('l2', 3), ctx()))?.code).toBe('QUANTITY_LIMIT_EXCEEDED');
    const stock = context({ products: [product({ ...mug, stock: 4 })] });
    expect(errorOf(apply(state, setQty('l2', 3), stock))?.code).toBe('OUT_OF_STOCK');
  });

  it('holds an increase to the per-line limit', () => {
    const small = context({ products: [mug], limits: { maxQuantityPerLine: 3 } });
    expect(errorOf(apply(withMug(2), setQty('l1', 4), small))?.code).toBe(
      'QUANTITY_LIMIT_EXCEEDED',
    );
  });

  it('an increase refreshes the price snapshot, like adding more does', () => {
    const state = cart({
      lines: [line('l1', 1, 800, { productId: 'mug', sku: 'OLD', name: 'Old Mug' })],
    });
    const up = expectOk(apply(state, setQty('l1', 2), context({ products: [mug] })));
    expect(up.lines[0]).toMatchObject({
      quantity: 2,
      sku: 'SKU-1',
      name: 'Blue Mug',
      unitPrice: { amount: 1000 },
    });
    const down = expectOk(
      apply(
        cart({ ...state, lines: [{ ...state.lines[0]!, quantity: 3 }] }),
        setQty('l1', 2),
        context({ products: [mug] }),
      ),
    );
    expect(down.lines[0]).toMatchObject({ quantity: 2, sku: 'OLD', unitPrice: { amount: 800 } });
    const euro = context({
      products: [
        product({
          ...mug,
          price: { amount: 1, currency: 'EUR' },
          prices: [{ amount: 1, currency: 'EUR' }],
        }),
      ],
    });
    expect(errorOf(apply(state, setQty('l1', 2), euro))).toEqual({
      code: 'PRODUCT_NOT_AVAILABLE',
      message: 'Blue Mug is not for sale in United States (USD).',
      path: '/lineId',
    });
  });

  it('LINE_NOT_FOUND for an unknown line', () => {
    const expected = {
      code: 'LINE_NOT_FOUND',
      message: 'There is no line nope in this cart.',
      path: '/lineId',
    };
    expect(errorOf(apply(withMug(1), setQty('nope', 1), ctx()))).toEqual(expected);
    expect(errorOf(apply(withMug(1), setQty('nope', 0), ctx()))).toEqual(expected);
    expect(errorOf(apply(withMug(1), { type: 'removeLine', lineId: 'nope' }, ctx()))).toEqual(
      expected,
    );
  });

  it('removeLine removes just that line', () => {
    const state = cart({ lines: [line('a', 1, 100), line('b', 2, 200), line('c', 3, 300)] });
    const next = expectOk(apply(state, { type: 'removeLine', lineId: 'b' }, context()));
    expect(next.lines.map((l) => l.id)).toEqual(['a', 'c']);
  });
});

describe('apply: discounts', () => {
  const filled = cart({ lines: [line('l1', 3, 1000)] }); // subtotal 30.00
  const codes = {
    save10: discount(),
    fixed: discount({ code: 'FIVE', kind: 'fixed', value: 500 }),
    solo: discount({ code: 'SOLO', combinable: false }),
    min: discount({ code: 'OVER50', minSubtotal: 5000 }),
    future: discount({ code: 'SOON', startsAt: '2026-12-01T00:00:00.000Z' }),
    past: discount({ code: 'OLD', endsAt: '2026-11-01T00:00:00.000Z' }),
    usedUp: discount({ code: 'GONE', usageLimit: 10, timesUsed: 10 }),
  };
  const ctx = (limits = {}) => context({ discounts: Object.values(codes), limits });
  const applyCode = (state: CartState, code: string, limits = {}) =>
    apply(state, { type: 'applyDiscount', code }, ctx(limits));

  it('applies a code, copying the terms that price it', () => {
    const next = expectOk(applyCode(filled, 'SAVE10'));
    expect(next.discounts).toEqual([
      {
        code: 'SAVE10',
        kind: 'percent',
        value: 1000,
        minSubtotal: null,
        combinable: true,
        currency: null,
      },
    ]);
    expect(priceUnder(next, exclusive(0)).discountTotal.amount).toBe(300);
  });

  it('applying a code twice changes nothing and is not an error', () => {
    const once = expectOk(applyCode(filled, 'SAVE10'));
    expect(expectOk(applyCode(once, 'SAVE10'))).toBe(once);
  });

  it.each([
    ['an unknown code', 'NOPE', "We don't recognise the code NOPE."],
    ['a code not valid yet', 'SOON', 'The code SOON is not valid yet.'],
    ['an expired code', 'OLD', 'The code OLD has expired.'],
    ['a used-up code', 'GONE', 'The code GONE has been used up.'],
    [
      'a code below its minimum subtotal',
      'OVER50',
      'The code OVER50 needs a subtotal of at least $50.00.',
    ],
  ])('DISCOUNT_INVALID for %s', (_what, code, message) => {
    expect(errorOf(applyCode(filled, code))).toMatchObject({
      code: 'DISCOUNT_INVALID',
      message,
      path: '/code',
    });
  });

  it('a code refused only for now carries its terms; one refused for good does not', () => {
    expect(errorOf(applyCode(filled, 'OVER50'))?.discount).toMatchObject({
      code: 'OVER50',
      minSubtotal: 5000,
    });
    for (const code of ['NOPE', 'SOON', 'OLD', 'GONE'])
      expect(errorOf(applyCode(filled, code))).not.toHaveProperty('discount');
  });

  it('DISCOUNT_INVALID for codes that cannot be combined, both ways', () => {
    const solo = expectOk(applyCode(filled, 'SOLO'));
    expect(errorOf(applyCode(solo, 'SAVE10'))?.message).toBe(
      'The code SOLO cannot be combined with other codes.',
    );
    const other = expectOk(applyCode(filled, 'SAVE10'));
    expect(errorOf(applyCode(other, 'SOLO'))?.message).toBe(
      'The code SOLO cannot be combined with other codes.',
    );
    expect(errorOf(applyCode(other, 'SOLO'))?.code).toBe('DISCOUNT_INVALID');
  });

  it('DISCOUNT_INVALID past the most codes per cart', () => {
    const one = expectOk(applyCode(filled, 'SAVE10', { maxDiscounts: 1 }));
    expect(errorOf(applyCode(one, 'FIVE', { maxDiscounts: 1 }))).toEqual({
      code: 'DISCOUNT_INVALID',
      message: 'A cart can hold at most 1 codes.',
      path: '/code',
    });
    expect(DEFAULT_LIMITS.maxDiscounts).toBe(5);
  });

  it('removeDiscount removes an applied code; DISCOUNT_INVALID when it is not applied', () => {
    const two = expectOk(applyCode(expectOk(applyCode(filled, 'SAVE10')), 'FIVE'));
    const next = expectOk(apply(two, { type: 'removeDiscount', code: 'SAVE10' }, ctx()));
    expect(next.discounts.map((d) => d.code)).toEqual(['FIVE']);
    expect(errorOf(apply(next, { type: 'removeDiscount', code: 'SAVE10' }, ctx()))).toEqual({
      code: 'DISCOUNT_INVALID',
      message: 'The code SAVE10 is not applied to this cart.',
      path: '/code',
    });
  });

  it('a min-subtotal code stays on the cart but stops applying when the cart drops below', () => {
    const big = cart({ lines: [line('l1', 6, 1000, { productId: 'p1' })] });
    const withCode = expectOk(
      apply(big, { type: 'applyDiscount', code: 'OVER50' }, context({ discounts: [codes.min] })),
    );
    const smaller = expectOk(apply(withCode, setQty('l1', 4), context()));
    expect(smaller.discounts.map((d) => d.code)).toEqual(['OVER50']);
    const totals = priceUnder(smaller, exclusive(0));
    expect(totals.discounts[0]).toMatchObject({ applicable: false, amount: { amount: 0 } });
    expect(totals.total.amount).toBe(4000);
  });

  it('AMOUNT_TOO_LARGE, not a throw, for a cart already past the safe range', () => {
    const huge = cart({ lines: [line('l1', 2, Number.MAX_SAFE_INTEGER)] });
    expect(errorOf(applyCode(huge, 'SAVE10'))?.code).toBe('AMOUNT_TOO_LARGE');
  });
});

describe('apply: note, email, clear', () => {
  it('sets and clears the note and the email', () => {
    const ctx = context();
    const noted = expectOk(apply(cart(), { type: 'setNote', note: 'Ring twice' }, ctx));
    expect(noted.note).toBe('Ring twice');
    const mailed = expectOk(apply(noted, { type: 'setEmail', email: 'a@b.co' }, ctx));
    expect(mailed.email).toBe('a@b.co');
    expect(expectOk(apply(mailed, { type: 'setEmail', email: null }, ctx)).email).toBeNull();
    expect(expectOk(apply(mailed, { type: 'setNote', note: '' }, ctx)).note).toBe('');
  });

  it('clear empties lines and codes, keeping note and email', () => {
    const state = cart({
      lines: [line('l1', 1, 100)],
      discounts: [
        {
          code: 'X',
          kind: 'fixed',
          value: 1,
          minSubtotal: null,
          combinable: true,
          currency: 'USD',
        },
      ],
      note: 'n',
      email: 'a@b.co',
    });
    expect(expectOk(apply(state, { type: 'clear' }, context()))).toEqual({
      ...state,
      lines: [],
      discounts: [],
    });
  });
});

describe('apply: rules for every action', () => {
  const actions: CartAction[] = [
    add('mug', 1),
    setQty('l1', 2),
    { type: 'removeLine', lineId: 'l1' },
    { type: 'applyDiscount', code: 'SAVE10' },
    { type: 'removeDiscount', code: 'SAVE10' },
    { type: 'setNote', note: 'x' },
    { type: 'setEmail', email: null },
    { type: 'clear', actionId: 'a1' },
  ];
  const open = cart({
    lines: [line('l1', 1, 1000, { productId: 'mug' })],
    discounts: [
      {
        code: 'SAVE10',
        kind: 'percent',
        value: 1000,
        minSubtotal: null,
        combinable: true,
        currency: null,
      },
    ],
  });

  it.each(['merged', 'checked_out'] as const)(
    'CART_CLOSED on a %s cart, for every action',
    (status) => {
      for (const action of actions) {
        const error = errorOf(apply({ ...open, status }, action, context({ products: [mug] })));
        expect(error?.code).toBe('CART_CLOSED');
        expect(error?.message).toBe(
          `This cart is ${status.replace('_', ' ')} and can no longer change.`,
        );
      }
    },
  );

  it('CART_EXPIRED on an expired cart, for every action: the shopper starts a new one', () => {
    for (const action of actions) {
      expect(
        errorOf(apply({ ...open, status: 'expired' }, action, context({ products: [mug] }))),
      ).toEqual({
        code: 'CART_EXPIRED',
        message: 'Your cart expired, so we started a new one. Add what you want again.',
      });
    }
  });

  it('never mutates its input and is deterministic', () => {
    const frozen = deepFreeze(clone(open));
    for (const action of [
      ...actions,
      add('mug', 1, { size: 'L' }),
      setQty('l1', 0),
      setQty('nope', 1),
    ]) {
      const ctx = () => context({ products: [mug], discounts: [discount({ code: 'OTHER' })] });
      const first = apply(frozen, deepFreeze(clone(action)), ctx());
      const second = apply(frozen, action, ctx());
      expect(second).toEqual(first);
      expect(frozen).toEqual(open);
    }
  });

  it('does not touch version or updatedAt', () => {
    const next = expectOk(apply(open, add('mug', 1), context({ products: [mug] })));
    expect(next.version).toBe(open.version);
    expect(next.updatedAt).toBe(open.updatedAt);
  });

  it('throws (a programming error, not a business rule) for an unknown action type', () => {
    const bogus = { type: 'setPrice' } as unknown as CartAction;
    expect(() => apply(open, bogus, context())).toThrow(
      new TypeError('unknown action {"type":"setPrice"}'),
    );
  });

  it('rethrows errors other than overflow', () => {
    const broken = withTax(open, { taxRateBps: -1, taxInclusive: false });
    expect(() => apply(broken, add('mug', 1), context({ products: [mug] }))).toThrow(RangeError);
  });
});

describe('applyAll', () => {
  const ctx = () =>
    context({ products: [mug, product({ ...tea, stock: 2 })], limits: { maxLines: 2 } });

  it('applies actions in order', () => {
    const next = expectOk(
      applyAll(cart(), [add('mug', 1), add('tea', 2), setQty('line-1', 3)], ctx()),
    );
    expect(next.lines.map((l) => [l.productId, l.quantity])).toEqual([
      ['mug', 3],
      ['tea', 2],
    ]);
    expect(expectOk(applyAll(cart(), [], ctx()))).toEqual(cart());
  });

  it('is all or nothing, and prefixes the error path with /actions/<i>', () => {
    const state = deepFreeze(cart());
    const result = applyAll(state, [add('mug', 1), add('tea', 1), add('tea', 5)], ctx());
    expect(errorOf(result)).toEqual({
      code: 'OUT_OF_STOCK',
      message: 'Only 2 of Tea left.',
      path: '/actions/2/quantity',
    });
    expect(state).toEqual(cart());
  });

  it('names the action also when the error has no path', () => {
    const result = applyAll(
      cart(),
      [add('mug', 1), add('tea', 1), add('mug', 1, { size: 'L' })],
      ctx(),
    );
    expect(errorOf(result)).toEqual({
      code: 'CART_LIMIT_EXCEEDED',
      message: 'A cart can hold at most 2 different items.',
      path: '/actions/2',
    });
    expect(errorOf(applyAll(cart({ status: 'expired' }), [add('mug', 1)], ctx()))?.path).toBe(
      '/actions/0',
    );
  });

  it('names the refused action by its actionId when it has one', () => {
    const withId = { ...add('tea', 5), actionId: 'too-many' };
    expect(
      errorOf(applyAll(cart(), [{ ...add('mug', 1), actionId: 'fine' }, withId], ctx())),
    ).toEqual({
      code: 'OUT_OF_STOCK',
      message: 'Only 2 of Tea left.',
      path: '/actions/1/quantity',
      actionId: 'too-many',
    });
    expect(errorOf(applyAll(cart(), [add('tea', 5)], ctx()))).not.toHaveProperty('actionId');
  });

  it('passes over the skipped actions, and still indexes a refusal as the actions were given', () => {
    const actions = [add('mug', 1), add('tea', 1), { ...add('tea', 5), actionId: 'late' }];
    // Skipped ones take no effect…
    const next = expectOk(applyAll(cart(), actions.slice(0, 2), ctx(), { skip: new Set([0]) }));
    expect(next.lines.map((l) => [l.productId, l.quantity])).toEqual([['tea', 1]]);
    // …but keep their place: the third action is /actions/2, not /actions/0.
    expect(errorOf(applyAll(cart(), actions, ctx(), { skip: new Set([0, 1]) }))).toEqual({
      code: 'OUT_OF_STOCK',
      message: 'Only 2 of Tea left.',
      path: '/actions/2/quantity',
      actionId: 'late',
    });
    expect(expectOk(applyAll(cart(), actions, ctx(), { skip: new Set([0, 1, 2]) }))).toEqual(
      cart(),
    );
  });
});

describe('checkCheckout', () => {
  it('accepts an open cart with lines, and an address and option when one is shipped', () => {
    const digital = cart({ lines: [line('l1', 1, 100, { requiresShipping: false })] });
    expect(expectOk(checkCheckout(digital))).toBe(digital);
    const shipped = cart({
      lines: [line('l1', 1, 100)],
      shippingAddress: US_ADDRESS,
      shippingOption: US_STANDARD,
    });
    expect(expectOk(checkCheckout(shipped))).toBe(shipped);
  });

  it('SHIPPING_REQUIRED for a line to ship without an address, or without an option', () => {
    const lines = [line('l1', 1, 100, { requiresShipping: false }), line('l2', 1, 100)];
    expect(errorOf(checkCheckout(cart({ lines, shippingOption: US_STANDARD })))).toEqual({
      code: 'SHIPPING_REQUIRED',
      message: 'Enter the address to ship to.',
      path: '/shippingAddress',
    });
    expect(errorOf(checkCheckout(cart({ lines, shippingAddress: US_ADDRESS })))).toEqual({
      code: 'SHIPPING_REQUIRED',
      message: 'Choose a shipping method.',
      path: '/shippingOptionId',
    });
  });

  it('CART_EMPTY for an empty cart', () => {
    expect(errorOf(checkCheckout(cart()))).toEqual({
      code: 'CART_EMPTY',
      message: 'Your cart is empty. Add something before checking out.',
    });
  });

  it.each(['merged', 'checked_out'] as const)('CART_CLOSED for a %s cart', (status) => {
    expect(errorOf(checkCheckout(cart({ status, lines: [line('l1', 1, 100)] })))?.code).toBe(
      'CART_CLOSED',
    );
  });

  it('CART_EXPIRED for an expired cart', () => {
    expect(
      errorOf(checkCheckout(cart({ status: 'expired', lines: [line('l1', 1, 100)] })))?.code,
    ).toBe('CART_EXPIRED');
  });
});

describe('sameAttributes', () => {
  it('compares keys and values, in any order', () => {
    expect(sameAttributes({}, {})).toBe(true);
    expect(sameAttributes({ a: '1', b: '2' }, { b: '2', a: '1' })).toBe(true);
    expect(sameAttributes({ a: '1' }, { a: '2' })).toBe(false);
    expect(sameAttributes({ a: '1' }, { b: '1' })).toBe(false);
    expect(sameAttributes({ a: '1' }, { a: '1', b: '2' })).toBe(false);
    expect(sameAttributes({ a: '' }, {})).toBe(false);
    expect(sameAttributes({ toString: 'x' }, { valueOf: 'x' })).toBe(false);
  });
});
