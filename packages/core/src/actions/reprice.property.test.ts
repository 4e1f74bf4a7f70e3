import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { CartAction } from '../schemas/action.ts';
import type { CartState } from '../schemas/cart.ts';
import type { Discount } from '../schemas/discount.ts';
import type { Product } from '../schemas/product.ts';
import { cart, context, deepFreeze, exclusive, priceUnder } from '../../test/support/fixtures.ts';
import { apply } from './apply.ts';
import { reprice, type RepriceCatalog } from './reprice.ts';

/**
 * Carts built by the reducer while the catalog changes under them: each action sees
 * the catalog of its day, "before" or "after" (only prices and code terms differ).
 * Re-pricing against "after" must then give the cart the reducer would have built had
 * "after" been the catalog all along.
 */

const PRODUCT_IDS = ['p0', 'p1', 'p2', 'p3'];
const CODES = ['A', 'B', 'C'];
const ATTRIBUTES: Record<string, string>[] = [{}, { size: 'M' }, { size: 'L' }];

const priceArb = fc.record({
  amount: fc.oneof(fc.nat({ max: 5000 }), fc.constantFrom(0, 1, 999, 1000)),
  currency: fc.constant('USD' as const),
});

const productsArb = fc.tuple(
  ...PRODUCT_IDS.map((id) =>
    fc
      .record({
        id: fc.constant(id),
        sku: fc.constant(`SKU-${id}`),
        name: fc.constant(`Product ${id}`),
        description: fc.constant(''),
        price: priceArb,
        stock: fc.constant(null),
        maxPerOrder: fc.constant(null),
        imageUrl: fc.constant(null),
      })
      .map((p): Product => ({ ...p, prices: [p.price], requiresShipping: true })),
  ),
);

const termsArb = fc.record({
  kind: fc.constantFrom('percent' as const, 'fixed' as const),
  value: fc.integer({ min: 1, max: 10_000 }),
  minSubtotal: fc.option(fc.nat({ max: 3000 }), { nil: null, freq: 2 }),
  combinable: fc.boolean(),
});

const discountsArb = fc.tuple(
  ...CODES.map((code) =>
    termsArb.map((t): Discount => ({
      code,
      ...t,
      usageLimit: null,
      timesUsed: 0,
      startsAt: null,
      endsAt: null,
      currency: 'USD',
    })),
  ),
);

/** The same catalog with some prices and some code terms changed. */
const editedArb = (products: Product[], discounts: Discount[]) =>
  fc.record({
    products: fc.tuple(
      ...products.map((p) =>
        fc.oneof(
          { weight: 1, arbitrary: fc.constant(p) },
          { weight: 1, arbitrary: priceArb.map((price) => ({ ...p, price, prices: [price] })) },
        ),
      ),
    ),
    discounts: fc.tuple(
      ...discounts.map((d) =>
        fc.oneof(
          { weight: 1, arbitrary: fc.constant(d) },
          { weight: 1, arbitrary: termsArb.map((t) => ({ ...d, ...t })) },
        ),
      ),
    ),
  });

const actionArb: fc.Arbitrary<CartAction> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      type: fc.constant('addLine' as const),
      productId: fc.constantFrom(...PRODUCT_IDS),
      quantity: fc.integer({ min: 1, max: 4 }),
      attributes: fc.constantFrom(...ATTRIBUTES),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('applyDiscount' as const),
      code: fc.constantFrom(...CODES),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('removeDiscount' as const),
      code: fc.constantFrom(...CODES),
    }),
  },
);

const scenarioArb = fc
  .record({ products: productsArb, discounts: discountsArb })
  .chain(({ products, discounts }) =>
    fc.record({
      before: fc.constant({ products, discounts }),
      after: editedArb(products, discounts),
      // each action with the catalog of its day: false = before, true = after
      steps: fc.array(fc.tuple(actionArb, fc.boolean()), { minLength: 1, maxLength: 15 }),
      taxRateBps: fc.constantFrom(0, 825, 2000),
    }),
  );

type Catalog = { products: Product[]; discounts: Discount[] };

function lookups(c: Catalog): RepriceCatalog {
  const p = new Map(c.products.map((x) => [x.id, x]));
  const d = new Map(c.discounts.map((x) => [x.code, x]));
  return {
    product: (id) => p.get(id),
    discount: (code) => d.get(code),
    shippingOption: () => undefined,
    region: () => undefined,
  };
}

/**
 * Applies the steps, each against its day's catalog; a step the reducer refuses is
 * skipped. The accepted actions are returned too, to build the same cart again.
 */
function build(
  steps: readonly [CartAction, boolean][],
  pick: (later: boolean) => Catalog,
): { state: CartState; accepted: [CartAction, boolean][] } {
  let state = cart();
  const accepted: [CartAction, boolean][] = [];
  const ids = { n: 0 };
  for (const [action, later] of steps) {
    const c = pick(later);
    const ctx = {
      ...context({ products: c.products, discounts: c.discounts }),
      newId: () => `line-${++ids.n}`,
    };
    const result = apply(state, action, ctx);
    if (result.ok) {
      state = result.value;
      accepted.push([action, later]);
    }
  }
  return { state, accepted };
}

describe('reprice (properties)', () => {
  it('is the identity on a cart built against an unchanged catalog', () => {
    fc.assert(
      fc.property(scenarioArb, ({ before, steps }) => {
        const { state } = build(steps, () => before);
        deepFreeze(state);
        const result = reprice(state, lookups(before));
        expect(result.state).toBe(state);
        expect(result.lines).toEqual([]);
        expect(result.discounts).toEqual([]);
        expect(result.shipping).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it("gives the totals of the same cart built at today's prices and terms", () => {
    fc.assert(
      fc.property(scenarioArb, ({ before, after, steps, taxRateBps }) => {
        const mixed = build(steps, (later) => (later ? after : before));
        // The same accepted actions, all against today's catalog: a code's minimum
        // subtotal or combinability may then refuse one, and the carts differ in what
        // they hold rather than in their prices; such cases say nothing here.
        const today = build(mixed.accepted, () => after);
        fc.pre(today.accepted.length === mixed.accepted.length);

        const result = reprice(deepFreeze(mixed.state), lookups(after));
        expect(result.state.lines.map((l) => l.unitPrice)).toEqual(
          today.state.lines.map((l) => l.unitPrice),
        );
        expect(priceUnder(result.state, exclusive(taxRateBps))).toEqual(
          priceUnder(today.state, exclusive(taxRateBps)),
        );
        // once re-priced, it stays so
        const again = reprice(result.state, lookups(after));
        expect(again.state).toBe(result.state);
        // every change reported is a real one, and every real one is reported
        const changedLines = mixed.state.lines.filter(
          (l, i) => l.unitPrice.amount !== result.state.lines[i]?.unitPrice.amount,
        );
        expect(result.lines.map((c) => c.lineId)).toEqual(changedLines.map((l) => l.id));
        for (const c of result.discounts) expect(c.from).not.toEqual(c.to);
      }),
      { numRuns: 300 },
    );
  });
});
