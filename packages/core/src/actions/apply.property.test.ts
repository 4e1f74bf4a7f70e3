import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { ErrorCode } from '../errors/catalog.ts';
import type { CartAction } from '../schemas/action.ts';
import type { CartState } from '../schemas/cart.ts';
import type { Discount } from '../schemas/discount.ts';
import { priceIn, type Product } from '../schemas/product.ts';
import { cart, clone, context, deepFreeze, NOW } from '../../test/support/fixtures.ts';
import { expectTotalsInvariants } from '../../test/support/invariants.ts';
import { apply, applyAll } from './apply.ts';
import type { ApplyContext, CartLimits } from './context.ts';
import { regionOf } from './line-pricing.ts';

/**
 * Random action sequences over a small random catalog. Small limits, stocks and
 * quantities make every refusal reachable within a few actions.
 */

const PRODUCT_IDS = ['p0', 'p1', 'p2', 'p3'];
const CODES = ['A', 'B', 'C', 'D'];
const ATTRIBUTES: Record<string, string>[] = [
  {},
  { size: 'M' },
  { size: 'L' },
  { size: 'M', color: 'red' },
  { color: 'red', size: 'M' }, // the same as the one before, in another key order
];

const catalogArb = fc
  .tuple(
    ...PRODUCT_IDS.map((id) =>
      fc
        .record({
          id: fc.constant(id),
          sku: fc.constant(`SKU-${id}`),
          name: fc.constant(`Product ${id}`),
          description: fc.constant(''),
          price: fc.record({
            amount: fc.nat({ max: 5000 }),
            currency: fc.constant('USD' as const),
          }),
          // Sold in euros, pounds, both or neither: some moves are refused whole.
          others: fc
            .subarray(['EUR', 'GBP'] as const)
            .chain((currencies) =>
              fc.tuple(
                ...currencies.map((currency) =>
                  fc.record({ amount: fc.nat({ max: 5000 }), currency: fc.constant(currency) }),
                ),
              ),
            ),
          requiresShipping: fc.boolean(),
          stock: fc.option(fc.nat({ max: 30 }), { nil: null }),
          maxPerOrder: fc.option(fc.integer({ min: 1, max: 20 }), { nil: null }),
          imageUrl: fc.constant(null),
        })
        .map(({ others, ...p }): Product => ({ ...p, prices: [p.price, ...others] })),
    ),
  )
  // Sometimes a product has left the catalog: lines of it can then only shrink.
  .chain((all) =>
    fc.oneof({ weight: 3, arbitrary: fc.constant(all) }, fc.subarray(all, { minLength: 1 })),
  );

const discountsArb = fc.tuple(
  ...CODES.map((code) =>
    fc
      .record({
        code: fc.constant(code),
        kind: fc.constantFrom('percent' as const, 'fixed' as const),
        value: fc.integer({ min: 1, max: 10_000 }),
        minSubtotal: fc.option(fc.nat({ max: 20_000 }), { nil: null, freq: 2 }),
        usageLimit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null, freq: 2 }),
        timesUsed: fc.nat({ max: 3 }),
        combinable: fc.boolean(),
        startsAt: fc.constantFrom(
          null,
          null,
          '2026-01-01T00:00:00.000Z',
          '2027-01-01T00:00:00.000Z',
        ),
        endsAt: fc.constantFrom(null, null, '2026-11-28T10:00:00.000Z', '2028-01-01T00:00:00.000Z'),
        currency: fc.constantFrom('USD' as const, 'EUR' as const, null),
      })
      .map((d): Discount => ({
        ...d,
        // A fixed value or a minimum needs a currency.
        currency: d.currency ?? (d.kind === 'fixed' || d.minSubtotal !== null ? 'USD' : null),
      })),
  ),
);

const limitsArb: fc.Arbitrary<CartLimits> = fc.record({
  maxLines: fc.integer({ min: 1, max: 5 }),
  maxQuantityPerLine: fc.integer({ min: 2, max: 12 }),
  maxDiscounts: fc.integer({ min: 1, max: 3 }),
});

// "#k" names the k-th line of the cart at the time (see `resolve`); the others are ids.
const lineIdArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('#0', '#1', '#2', '#3') },
  { weight: 2, arbitrary: fc.constantFrom('line-1', 'line-2', 'line-3', 'line-4') },
  { weight: 1, arbitrary: fc.constant('nope') },
);
const quantityArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 14 }) },
);
const codeArb = fc.constantFrom(...CODES, 'NOPE');

const actionArb: fc.Arbitrary<CartAction> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      type: fc.constant('addLine' as const),
      productId: fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom(...PRODUCT_IDS) },
        { weight: 1, arbitrary: fc.constant('ghost') },
      ),
      quantity: quantityArb,
      attributes: fc.constantFrom(...ATTRIBUTES),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('setLineQuantity' as const),
      lineId: lineIdArb,
      quantity: fc.oneof(fc.constant(0), quantityArb),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant('removeLine' as const), lineId: lineIdArb }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ type: fc.constant('applyDiscount' as const), code: codeArb }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant('removeDiscount' as const), code: codeArb }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('setNote' as const), note: fc.string() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('setEmail' as const),
      email: fc.constantFrom(null, 'a@b.co'),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ type: 'clear' as const }) },
  {
    weight: 2,
    // JP is served by no region.
    arbitrary: fc.record({
      type: fc.constant('setCountry' as const),
      country: fc.constantFrom(
        'US' as const,
        'DE' as const,
        'FR' as const,
        'GB' as const,
        'JP' as const,
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('setShippingAddress' as const),
      address: fc.option(
        fc.constantFrom('US' as const, 'DE' as const, 'GB' as const).map((country) => ({
          name: 'Ada Lovelace',
          line1: '1 Main St',
          line2: '',
          city: 'Springfield',
          postalCode: { US: '10118', DE: '10115', GB: 'SW1A 2AA' }[country],
          province: '',
          country,
        })),
        { nil: null },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('setShippingOption' as const),
      shippingOptionId: fc.constantFrom(
        'us-standard',
        'us-express',
        'eu-standard',
        'uk-express',
        'nope',
        null,
      ),
    }),
  },
);

const scenarioArb = fc.record({
  products: catalogArb,
  discounts: discountsArb,
  limits: limitsArb,
  taxRateBps: fc.constantFrom(0, 825, 1000, 2000),
  actions: fc.array(actionArb, { minLength: 5, maxLength: 40 }),
});
type Scenario = {
  products: Product[];
  discounts: Discount[];
  limits: CartLimits;
  taxRateBps: number;
  actions: CartAction[];
};

const ALLOWED: Record<CartAction['type'], readonly ErrorCode[]> = {
  addLine: [
    'PRODUCT_NOT_FOUND',
    'PRODUCT_NOT_AVAILABLE',
    'QUANTITY_LIMIT_EXCEEDED',
    'OUT_OF_STOCK',
    'CART_LIMIT_EXCEEDED',
  ],
  setLineQuantity: [
    'LINE_NOT_FOUND',
    'PRODUCT_NOT_AVAILABLE',
    'QUANTITY_LIMIT_EXCEEDED',
    'OUT_OF_STOCK',
  ],
  removeLine: ['LINE_NOT_FOUND'],
  applyDiscount: ['DISCOUNT_INVALID'],
  removeDiscount: ['DISCOUNT_INVALID'],
  setNote: [],
  setEmail: [],
  clear: [],
  setCountry: ['COUNTRY_NOT_SERVED', 'PRODUCT_NOT_AVAILABLE', 'DISCOUNT_INVALID'],
  setShippingAddress: ['PRODUCT_NOT_AVAILABLE', 'DISCOUNT_INVALID'],
  setShippingOption: ['SHIPPING_OPTION_UNAVAILABLE'],
};

const identity = (productId: string, attributes: Record<string, string>) =>
  JSON.stringify([productId, Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1))]);

/** Everything that must hold of every cart `apply` accepts. */
function expectCartInvariants(state: CartState, s: Scenario, ctx: ApplyContext): void {
  const region = regionOf(state, ctx);
  expectTotalsInvariants(state, region);
  // Money never mixes currencies: the cart is in its region's, and so is all it holds.
  expect(state.currency).toBe(region.currency);
  for (const l of state.lines) expect(l.unitPrice.currency).toBe(state.currency);
  if (state.shippingOption) {
    expect(state.shippingOption.amount.currency).toBe(state.currency);
    expect(ctx.shippingOption(state.shippingOption.id)?.regionId).toBe(state.regionId);
  }
  if (state.shippingAddress) expect(state.shippingAddress.country).toBe(state.country);
  if (state.country !== null) expect(region.countries).toContain(state.country);
  const { limits } = ctx;
  expect(state.lines.length).toBeLessThanOrEqual(limits.maxLines);
  expect(new Set(state.lines.map((l) => l.id)).size).toBe(state.lines.length);
  expect(new Set(state.lines.map((l) => identity(l.productId, l.attributes))).size).toBe(
    state.lines.length,
  );
  for (const l of state.lines) {
    expect(l.quantity).toBeGreaterThanOrEqual(1);
    expect(l.quantity).toBeLessThanOrEqual(limits.maxQuantityPerLine);
    const product = ctx.product(l.productId);
    expect(product).toBeDefined();
    // the catalog does not change here, so every snapshot is today's price
    expect(l.unitPrice).toEqual(product && priceIn(product, state.currency));
  }
  for (const product of s.products) {
    const held = state.lines
      .filter((l) => l.productId === product.id)
      .reduce((n, l) => n + l.quantity, 0);
    if (product.maxPerOrder !== null) expect(held).toBeLessThanOrEqual(product.maxPerOrder);
    if (product.stock !== null) expect(held).toBeLessThanOrEqual(product.stock);
  }
  expect(state.discounts.length).toBeLessThanOrEqual(limits.maxDiscounts);
  expect(new Set(state.discounts.map((d) => d.code)).size).toBe(state.discounts.length);
  if (state.discounts.some((d) => !d.combinable)) expect(state.discounts).toHaveLength(1);
}

/** Which limits an addLine or setLineQuantity would pass, judged from the cart alone. */
function violatedLimits(
  state: CartState,
  action: CartAction,
  ctx: ApplyContext,
): ErrorCode[] | undefined {
  let productId: string;
  let lineId: string | undefined;
  let quantity: number;
  let isNewLine = false;
  if (action.type === 'addLine') {
    productId = action.productId;
    const existing = state.lines.find(
      (l) =>
        identity(l.productId, l.attributes) === identity(action.productId, action.attributes ?? {}),
    );
    lineId = existing?.id;
    quantity = (existing?.quantity ?? 0) + action.quantity;
    isNewLine = existing === undefined;
  } else if (action.type === 'setLineQuantity') {
    const line = state.lines.find((l) => l.id === action.lineId);
    if (!line) return ['LINE_NOT_FOUND'];
    if (action.quantity <= line.quantity) return [];
    productId = line.productId;
    lineId = line.id;
    quantity = action.quantity;
  } else {
    return undefined;
  }
  const product = ctx.product(productId);
  if (!product) return ['PRODUCT_NOT_FOUND'];
  if (!priceIn(product, state.currency)) return ['PRODUCT_NOT_AVAILABLE'];
  const violated: ErrorCode[] = [];
  const held =
    state.lines
      .filter((l) => l.productId === productId && l.id !== lineId)
      .reduce((n, l) => n + l.quantity, 0) + quantity;
  if (quantity > ctx.limits.maxQuantityPerLine) violated.push('QUANTITY_LIMIT_EXCEEDED');
  if (product.maxPerOrder !== null && held > product.maxPerOrder)
    violated.push('QUANTITY_LIMIT_EXCEEDED');
  if (product.stock !== null && held > product.stock) violated.push('OUT_OF_STOCK');
  if (isNewLine && state.lines.length >= ctx.limits.maxLines) violated.push('CART_LIMIT_EXCEEDED');
  return violated;
}

/** Points a "#k" line reference at the k-th line of the cart (or at no line). */
function resolve(action: CartAction, state: CartState): CartAction {
  if (
    (action.type !== 'setLineQuantity' && action.type !== 'removeLine') ||
    !action.lineId.startsWith('#')
  ) {
    return action;
  }
  const k = Number(action.lineId.slice(1));
  return { ...action, lineId: state.lines[k % Math.max(state.lines.length, 1)]?.id ?? 'nope' };
}

const contextOf = (s: Scenario) =>
  context({
    products: s.products,
    discounts: s.discounts,
    limits: s.limits,
    taxRateBps: s.taxRateBps,
    now: NOW,
  });

describe('apply reaches every region and refusal (property coverage)', () => {
  it('moves carts between regions and sets shipping in some runs', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(scenarioArb, (s: Scenario) => {
        const ctx = contextOf(s);
        let state: CartState = cart();
        for (const action of s.actions) {
          const result = apply(state, resolve(action, state), ctx);
          if (!result.ok) {
            seen.add(result.error.code);
            continue;
          }
          state = result.value;
          seen.add(state.regionId);
          if (state.shippingOption) seen.add('shipping');
        }
      }),
      { numRuns: 300 },
    );
    for (const expected of [
      'us',
      'eu',
      'uk',
      'shipping',
      'COUNTRY_NOT_SERVED',
      'PRODUCT_NOT_AVAILABLE',
      'SHIPPING_OPTION_UNAVAILABLE',
    ])
      expect(seen, expected).toContain(expected);
  });
});

describe('apply over random action sequences (property)', () => {
  it('keeps every invariant, refuses exactly what passes a limit, never throws or mutates', () => {
    fc.assert(
      fc.property(scenarioArb, (s: Scenario) => {
        const ctx = contextOf(s);
        let state: CartState = deepFreeze(cart());
        for (const generated of s.actions) {
          const action = resolve(generated, state);
          const before = clone(state);
          const result = apply(state, action, ctx);
          expect(state).toEqual(before);

          const violated = violatedLimits(state, action, ctx);
          if (violated !== undefined) {
            if (violated.length === 0) expect(result.ok).toBe(true);
            else expect(violated).toContain(result.ok ? 'OK' : result.error.code);
          }
          if (!result.ok) {
            expect(ALLOWED[action.type]).toContain(result.error.code);
            continue;
          }
          const next = result.value;
          expectCartInvariants(next, s, ctx);
          if (action.type === 'addLine') {
            const key = identity(action.productId, action.attributes ?? {});
            const was =
              state.lines.find((l) => identity(l.productId, l.attributes) === key)?.quantity ?? 0;
            expect(
              next.lines.find((l) => identity(l.productId, l.attributes) === key)?.quantity,
            ).toBe(was + action.quantity);
          }
          if (action.type === 'setLineQuantity') {
            const line = next.lines.find((l) => l.id === action.lineId);
            if (action.quantity === 0) expect(line).toBeUndefined();
            else expect(line?.quantity).toBe(action.quantity);
          }
          if (action.type === 'setCountry' || action.type === 'setShippingAddress') {
            // A move keeps every line and every code, re-priced; it never drops one.
            const held = (c: CartState) => c.lines.map((l) => [l.id, l.quantity]);
            expect(held(next)).toEqual(held(state));
            expect(next.discounts.map((d) => d.code)).toEqual(state.discounts.map((d) => d.code));
            const country = action.type === 'setCountry' ? action.country : action.address?.country;
            if (country !== undefined) expect(next.country).toBe(country);
            if (next.regionId !== state.regionId) expect(next.shippingOption).toBeNull();
          }
          state = deepFreeze(next);
        }
      }),
      { numRuns: 300 },
    );
  }, 30_000);

  it('is deterministic: the same actions on the same cart give the same cart', () => {
    fc.assert(
      fc.property(scenarioArb, (s: Scenario) => {
        const run = () => {
          const ctx = contextOf(s);
          return s.actions.map((a) => apply(cart(), a, ctx));
        };
        expect(run()).toEqual(run());
        expect(applyAll(cart(), s.actions, contextOf(s))).toEqual(
          applyAll(cart(), s.actions, contextOf(s)),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('applyAll equals applying one by one, or fails whole at the first refusal', () => {
    const shortArb = scenarioArb.chain((s) =>
      fc.array(actionArb, { maxLength: 8 }).map((actions) => ({ ...s, actions })),
    );
    fc.assert(
      fc.property(shortArb, (s: Scenario) => {
        const initial = deepFreeze(cart());
        const all = applyAll(initial, s.actions, contextOf(s));

        const ctx = contextOf(s);
        let state = initial;
        for (const [i, action] of s.actions.entries()) {
          const result = apply(state, action, ctx);
          if (!result.ok) {
            expect(all).toEqual({
              ok: false,
              error: { ...result.error, path: `/actions/${i}${result.error.path ?? ''}` },
            });
            return;
          }
          state = result.value;
        }
        expect(all).toEqual({ ok: true, value: state });
      }),
      { numRuns: 200 },
    );
  }, 30_000);
});
