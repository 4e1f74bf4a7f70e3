import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  priceIn,
  type Cart,
  type DiscountInput,
  type Product,
  type Region,
  type ShippingOption,
} from '@cart/core';
import {
  adminAuth,
  bearer,
  buildTestApp,
  productInput,
  type TestApp,
} from '@cart/test-support/test-app.ts';
import type { ActionResult, CartStore, ShownCart } from '../src/index.ts';
import { startRun, type ShopRun } from './support/shop-run.ts';

/** A change to the lines: shown at once, before the server answers. */
type LineChange =
  /** Adds product `product`; `gift` lines are another line of the same product. */
  | { kind: 'add'; product: number; quantity: number; gift: boolean }
  /** Sets the quantity of the n-th line shown (0 removes it). */
  | { kind: 'set'; line: number; quantity: number }
  | { kind: 'remove'; line: number };

type Step =
  | LineChange
  /** Applies promo code `discount` (not shown before the server confirms it). */
  | { kind: 'apply-code'; discount: number }
  /** Removes the n-th code on the cart (shown at once). */
  | { kind: 'remove-code'; code: number }
  /** Several changes made offline: all shown on top of each other, then sent together. */
  | { kind: 'offline'; changes: LineChange[] }
  /** Moves the cart to a country's region (shown at once; refused whole when a line is not sold there). */
  | { kind: 'country'; country: Country }
  /** Sets an address in a country (moves the cart as `country` does). */
  | { kind: 'address'; country: Country }
  /** Chooses the n-th shipping option of the cart's region. */
  | { kind: 'ship'; option: number };

/** The countries of the run's three regions: the default one, and two it makes. */
const COUNTRIES = ['US', 'GB', 'DE'] as const;
type Country = (typeof COUNTRIES)[number];
const POSTAL_CODES: Record<Country, string> = { US: '10118', GB: 'SW1A 2AA', DE: '10117' };

const lineChange: fc.Arbitrary<LineChange> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      product: fc.nat(3),
      quantity: fc.integer({ min: 1, max: 5 }),
      gift: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      line: fc.nat(9),
      quantity: fc.integer({ min: 0, max: 9 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), line: fc.nat(9) }) },
);

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: lineChange },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('apply-code' as const), discount: fc.nat(3) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('remove-code' as const), code: fc.nat(3) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('offline' as const),
      changes: fc.array(lineChange, { minLength: 2, maxLength: 4 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('country' as const),
      country: fc.constantFrom(...COUNTRIES),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('address' as const),
      country: fc.constantFrom(...COUNTRIES),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('ship' as const), option: fc.nat(2) }) },
);

/** A region's tax rule and its shipping options' terms (amounts in its minor units). */
const regionTerms = fc.record({
  taxRateBps: fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.constantFrom(0, 2000)),
  taxInclusive: fc.boolean(),
  options: fc.array(
    fc.record({
      amount: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3000 })),
      freeOverSubtotal: fc.option(fc.integer({ min: 0, max: 20_000 }), { freq: 2 }),
      taxable: fc.boolean(),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

/** Unit prices in cents: small ones (rounding shows there) and ordinary ones. */
const price = fc.oneof(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 100, max: 100_000 }));

/** A promo code's terms (its code is given by its place). */
const discountTerms = fc.oneof(
  fc.record({
    kind: fc.constant('percent' as const),
    value: fc.integer({ min: 1, max: 10_000 }),
    minSubtotal: fc.option(fc.integer({ min: 0, max: 10_000 }), { freq: 2 }),
    combinable: fc.constantFrom(true, true, false),
  }),
  fc.record({
    kind: fc.constant('fixed' as const),
    value: fc.integer({ min: 1, max: 30_000 }),
    minSubtotal: fc.option(fc.integer({ min: 0, max: 10_000 }), { freq: 2 }),
    combinable: fc.constantFrom(true, true, false),
  }),
);

const scenario = fc.record({
  /** The shop's TAX_RATE_BPS. */
  taxRateBps: fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.constantFrom(0, 810, 825, 10_000)),
  prices: fc.array(price, { minLength: 1, maxLength: 4 }),
  /** Each product's prices in GBP and EUR: null when it is not sold in that currency. */
  otherPrices: fc.array(fc.tuple(fc.option(price, { freq: 4 }), fc.option(price, { freq: 4 })), {
    minLength: 4,
    maxLength: 4,
  }),
  /** The default region (USD, the shop's TAX_RATE_BPS added), the UK's (GBP) and Germany's (EUR). */
  regions: fc.tuple(regionTerms, regionTerms, regionTerms),
  discounts: fc.array(discountTerms, { minLength: 1, maxLength: 4 }),
  /**
   * The first change is made before the store has a cart (it is told the shop's tax
   * rate, as the README says to), rather than after createCart().
   */
  beforeAnyCart: fc.boolean(),
  steps: fc.array(step, { minLength: 3, maxLength: 12 }),
});

/** What a shopper reads off a cart: every total, each code's amount, each line's. */
function totalsOf(cart: Cart | ShownCart) {
  return {
    currency: cart.currency,
    regionId: cart.regionId,
    taxRateBps: cart.taxRateBps,
    taxInclusive: cart.taxInclusive,
    itemCount: cart.itemCount,
    subtotal: cart.subtotal,
    discountTotal: cart.discountTotal,
    shippingOptionId: cart.shippingOptionId,
    shippingTotal: cart.shippingTotal,
    taxTotal: cart.taxTotal,
    total: cart.total,
    discounts: cart.discounts.map((d) => ({
      code: d.code,
      amount: d.amount,
      applicable: d.applicable,
    })),
    lines: cart.lines.map((l) => ({
      productId: l.productId,
      attributes: l.attributes,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      discountTotal: l.discountTotal,
      total: l.total,
    })),
  };
}

/**
 * Issue 11: the optimistic cart is the core reducer applied to the confirmed cart and the
 * queue, priced with the tax rate the cart carries, so what the shopper sees while a
 * change is on its way is what the server answers once it has applied it — every total,
 * every line, every code — whatever the shop's tax rate, prices, quantities and promo
 * codes (percent or fixed, with or without a minimum subtotal, combinable or not). Each
 * run is a shop of its own, started with its TAX_RATE_BPS.
 */
describe('optimistic totals equal the server’s', () => {
  it('after each change, the cart shown before the answer is the cart the server answers', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenario,
        async ({ taxRateBps, prices, otherPrices, regions, discounts, beforeAnyCart, steps }) => {
          const t: TestApp = await buildTestApp({
            env: { RATE_LIMITS: 'off', LOG_LEVEL: 'silent', TAX_RATE_BPS: String(taxRateBps) },
          });
          const r: ShopRun = startRun(t.app);
          try {
            // Three regions: the default one (made from TAX_RATE_BPS, tax added) takes the
            // US and the terms drawn for it but its tax, then the UK's and Germany's.
            const admin = async <T>(method: 'POST' | 'PUT', url: string, payload: object) => {
              const res = await t.app.inject({ method, url, headers: adminAuth, payload });
              expect(res.statusCode, res.body).toBeLessThan(300);
              return res.json<T>();
            };
            const made: Region[] = [
              await admin<Region>('PUT', '/api/admin/regions/default', {
                name: 'Default',
                currency: 'USD',
                countries: ['US'],
                taxRateBps,
                taxInclusive: false,
                default: true,
              }),
            ];
            for (const [name, currency, country, terms] of [
              ['United Kingdom', 'GBP', 'GB', regions[1]],
              ['Germany', 'EUR', 'DE', regions[2]],
            ] as const)
              made.push(
                await admin<Region>('POST', '/api/admin/regions', {
                  name,
                  currency,
                  countries: [country],
                  taxRateBps: terms.taxRateBps,
                  taxInclusive: terms.taxInclusive,
                  default: false,
                }),
              );
            const options: ShippingOption[] = [];
            for (const [i, region] of made.entries())
              for (const [j, o] of (regions[i]?.options ?? []).entries())
                options.push(
                  await admin<ShippingOption>('POST', '/api/admin/shipping-options', {
                    regionId: region.id,
                    name: `Option ${j}`,
                    amount: { amount: o.amount, currency: region.currency },
                    freeOverSubtotal: o.freeOverSubtotal,
                    taxable: o.taxable,
                  }),
                );

            const products: Product[] = [];
            for (const [i, amount] of prices.entries()) {
              const [gbp, eur] = otherPrices[i] ?? [null, null];
              const res = await t.app.inject({
                method: 'POST',
                url: '/api/admin/products',
                headers: adminAuth,
                payload: productInput({
                  price: { amount, currency: 'USD' },
                  prices: [
                    ...(gbp === null ? [] : [{ amount: gbp, currency: 'GBP' as const }]),
                    ...(eur === null ? [] : [{ amount: eur, currency: 'EUR' as const }]),
                  ],
                  requiresShipping: i % 2 === 0,
                }),
              });
              expect(res.statusCode, res.body).toBe(201);
              products.push(res.json<Product>());
            }
            const codes: string[] = [];
            for (const [i, terms] of discounts.entries()) {
              const input: DiscountInput = {
                code: `CODE${i}`,
                ...terms,
                // A plain percent code follows the cart anywhere; one with an amount is in dollars.
                currency: terms.kind === 'percent' && terms.minSubtotal === null ? null : 'USD',
                startsAt: null,
                endsAt: null,
                usageLimit: null,
              };
              const res = await t.app.inject({
                method: 'POST',
                url: '/api/admin/discounts',
                headers: adminAuth,
                payload: input,
              });
              expect(res.statusCode, res.body).toBe(201);
              codes.push(input.code);
            }

            const store: CartStore = r.store(beforeAnyCart ? { taxRateBps } : {});
            // What the storefront reads (GET /api/regions, the cart's options): the facts
            // that let a move or a choice be shown before the server answers.
            store.rememberRegions(made);
            store.rememberShippingOptions(options);
            await r.settle(store.start());
            if (!beforeAnyCart) await r.settle(store.createCart());

            const idle = () => {
              const s = store.getSnapshot();
              return s.pendingCount === 0 && s.status === 'idle';
            };
            const onServer = async (): Promise<Cart> => {
              const cartId = store.getSnapshot().cartId as string;
              const res = await t.app.inject({
                url: `/api/carts/${cartId}`,
                headers: bearer(r.wire.tokens.get(cartId) as string),
              });
              expect(res.statusCode, res.body).toBe(200);
              return res.json<Cart>();
            };
            /** Makes a change, if there is a line for it; answers its result promise. */
            const change = (c: LineChange): Promise<ActionResult> | null => {
              // A storefront offers only what is sold in the cart's currency.
              const currency = store.getSnapshot().cart?.currency ?? 'USD';
              if (c.kind === 'add') {
                const product = products[c.product % products.length] as Product;
                if (!priceIn(product, currency)) return null;
              }
              if (c.kind === 'add')
                return store.addLine(
                  products[c.product % products.length] as Product,
                  c.quantity,
                  c.gift ? { gift: 'wrapped' } : undefined,
                );
              const lines = store.getSnapshot().cart?.lines ?? [];
              const line = lines[c.line % Math.max(1, lines.length)];
              if (!line) return null;
              return c.kind === 'set'
                ? store.setQuantity(line.id, c.quantity)
                : store.removeLine(line.id);
            };
            /** The cart shown now, which must be the optimistic one: something is pending. */
            const shownWhilePending = () => {
              const s = store.getSnapshot();
              expect(s.pendingCount, 'the change is shown before it is confirmed').toBeGreaterThan(
                0,
              );
              return totalsOf(s.cart as ShownCart);
            };
            const settled = async (results: Promise<ActionResult>[]) => {
              for (const result of results) {
                const got = await r.settle(result);
                expect(
                  got.ok ? 'ok' : `${got.error.source}: ${got.error.code}`,
                  'the change is taken',
                ).toBe('ok');
              }
              expect(await r.drive(idle), 'the store gets idle').toBe(true);
            };

            // Whatever the steps, the first change of a run without a cart is an add.
            const plan: Step[] = beforeAnyCart
              ? [{ kind: 'add', product: 0, quantity: 1, gift: false }, ...steps]
              : steps;
            for (const [i, s] of plan.entries()) {
              const at = `step ${i} (${JSON.stringify(s)})`;
              switch (s.kind) {
                case 'add':
                case 'set':
                case 'remove': {
                  const result = change(s);
                  if (!result) break;
                  const shown = shownWhilePending();
                  await settled([result]);
                  expect(shown, `${at}: shown before the answer`).toEqual(
                    totalsOf(await onServer()),
                  );
                  break;
                }
                case 'offline': {
                  r.net.isDown = true;
                  const results: Promise<ActionResult>[] = [];
                  for (const c of s.changes) {
                    const result = change(c);
                    if (result) results.push(result);
                  }
                  if (results.length === 0) {
                    r.net.isDown = false;
                    break;
                  }
                  const shown = shownWhilePending();
                  await r.quiet();
                  r.net.isDown = false;
                  store.retry();
                  await settled(results);
                  expect(shown, `${at}: shown before the answers`).toEqual(
                    totalsOf(await onServer()),
                  );
                  break;
                }
                case 'apply-code': {
                  const code = codes[s.discount % codes.length];
                  if (code === undefined) break;
                  // The server decides (it alone knows the terms): taken or refused, the
                  // cart shown once it has answered is the server's.
                  await r.settle(store.applyDiscount(code));
                  expect(await r.drive(idle), 'the store gets idle').toBe(true);
                  break;
                }
                case 'country':
                case 'address':
                case 'ship': {
                  const cart = store.getSnapshot().cart;
                  if (!cart) break;
                  const choices = options.filter((o) => o.regionId === cart.regionId);
                  const option =
                    s.kind === 'ship' ? choices[s.option % Math.max(1, choices.length)] : undefined;
                  const result =
                    s.kind === 'country'
                      ? store.setCountry(s.country)
                      : s.kind === 'address'
                        ? store.setShippingAddress({
                            name: 'Ada Lovelace',
                            line1: '1 Main Street',
                            line2: '',
                            city: 'Springfield',
                            postalCode: POSTAL_CODES[s.country],
                            province: '',
                            country: s.country,
                          })
                        : option
                          ? store.setShippingOption(option.id)
                          : null;
                  if (!result) break;
                  const shown = totalsOf(store.getSnapshot().cart as ShownCart);
                  const got = await r.settle(result);
                  expect(await r.drive(idle), 'the store gets idle').toBe(true);
                  // A move the server refuses (a line not sold there, a code in dollars)
                  // changes nothing; one it takes was shown, re-priced, before it answered.
                  if (got.ok)
                    expect(shown, `${at}: shown before the answer`).toEqual(
                      totalsOf(await onServer()),
                    );
                  else
                    expect(['PRODUCT_NOT_AVAILABLE', 'DISCOUNT_INVALID']).toContain(got.error.code);
                  break;
                }
                case 'remove-code': {
                  const applied = store.getSnapshot().cart?.discounts ?? [];
                  const code = applied[s.code % Math.max(1, applied.length)]?.code;
                  if (code === undefined) break;
                  const result = store.removeDiscount(code);
                  const shown = shownWhilePending();
                  await settled([result]);
                  expect(shown, `${at}: shown before the answer`).toEqual(
                    totalsOf(await onServer()),
                  );
                  break;
                }
              }
              // Once answered, the cart shown is the server's too.
              if (store.getSnapshot().cartId !== null)
                expect(
                  totalsOf(store.getSnapshot().cart as ShownCart),
                  `${at}: shown once answered`,
                ).toEqual(totalsOf(await onServer()));
            }
          } finally {
            r.close();
            await t.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});
