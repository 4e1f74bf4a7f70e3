// Over 400 lines on purpose: the table of every route the fuzzer calls, one entry per
// route, kept in one place so a new route has one place to be added.
/**
 * The fuzzer's endpoints: every route of the API, with bodies generated from the core
 * schema it validates against (through zod's JSON Schema, see schema-arbitrary.ts) and
 * then spoiled (fuzz-mutations.ts), the query strings it may get, and the shape a
 * successful answer must have (the core schema of the resource it returns).
 */
import fc from 'fast-check';
import * as z from 'zod';
import {
  ActionBatch,
  AddLineBody,
  AlertsView,
  Analytics,
  ApplyDiscountBody,
  AuditChainStatus,
  Cart,
  ClientErrorReport,
  ErrorGroupPage,
  MonitoringSeries,
  CheckoutResult,
  CreatedCart,
  CURRENCY_EXPONENTS,
  Discount,
  DiscountInput,
  MergeBody,
  Product,
  ProductInput,
  ProductPage,
  SetLineQuantityBody,
  SetShippingOptionBody,
  UpdateCartBody,
  CartShippingOptions,
  Region,
  RegionInput,
  RegionList,
  ShippingOption,
  ShippingOptionInput,
  ShippingOptionList,
} from '@cart/core';
import { fuzzText, mutationArb, type Mutation } from './fuzz-mutations.ts';
import { isRef, ref, type FuzzCart, type World } from './fuzz-world.ts';
import { arbitraryFor, jsonSchemaOf, type SchemaArbitraryOptions } from './schema-arbitrary.ts';

// ---- bodies ---------------------------------------------------------------------

/** A body as generated: a JSON value (with references) and how to spoil it. */
export type BodyPlan = { kind: 'none' } | { kind: 'json'; value: unknown; mutation: Mutation };

const fields: SchemaArbitraryOptions = {
  text: fuzzText,
  maxItems: 4,
  fields: {
    productId: fc.oneof(
      { arbitrary: ref('product'), weight: 9 },
      { arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), weight: 1 },
    ),
    lineId: fc.oneof({ arbitrary: ref('line'), weight: 9 }, { arbitrary: fc.uuid(), weight: 1 }),
    code: fc.oneof(
      { arbitrary: ref('code'), weight: 8 },
      { arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), weight: 2 },
    ),
    sourceCartId: fc.oneof(
      { arbitrary: ref('cart'), weight: 9 },
      { arbitrary: fc.uuid(), weight: 1 },
    ),
    sourceToken: fc.oneof(
      { arbitrary: ref('token'), weight: 8 },
      { arbitrary: fc.base64String({ minLength: 44, maxLength: 44 }), weight: 2 },
    ),
    shippingOptionId: fc.oneof(
      { arbitrary: fc.constant(null), weight: 1 },
      { arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), weight: 2 },
    ),
    quantity: fc.oneof(
      { arbitrary: fc.integer({ min: 1, max: 5 }), weight: 9 },
      { arbitrary: fc.constantFrom(0, 999, 1000, 1_000_000), weight: 1 },
    ),
    attributes: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 3 },
      {
        arbitrary: fc.dictionary(
          fc.constantFrom('size', 'colour', 'engraving', 'constructor', 'toString'),
          fuzzText,
          { maxKeys: 3 },
        ),
        weight: 2,
      },
    ),
  },
};
const adminFields: SchemaArbitraryOptions = {
  text: fuzzText,
  maxItems: 6,
  fields: {
    sku: fc.oneof(
      { arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{3,20}$/), weight: 8 },
      { arbitrary: ref('sku'), weight: 2 },
    ),
    code: fc.oneof(
      { arbitrary: fc.stringMatching(/^[A-Z][A-Z0-9]{3,12}$/), weight: 8 },
      { arbitrary: ref('code'), weight: 2 },
    ),
    currency: fc.oneof(
      { arbitrary: fc.constant('USD'), weight: 5 },
      { arbitrary: fc.constantFrom(...Object.keys(CURRENCY_EXPONENTS)), weight: 1 },
    ),
    stock: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 20 })),
    maxPerOrder: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 5 })),
    // Options mostly for the server's default region (made from CURRENCY: USD).
    regionId: fc.oneof(
      { arbitrary: fc.constant('default'), weight: 8 },
      { arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), weight: 1 },
    ),
  },
};

const bodyFrom = (
  schema: z.core.$ZodType,
  options: SchemaArbitraryOptions,
): fc.Arbitrary<BodyPlan> =>
  fc.record({
    kind: fc.constant('json' as const),
    value: arbitraryFor(jsonSchemaOf(schema), options),
    mutation: mutationArb,
  });

/** Routes without a body: usually none, sometimes {} or something spoiled. */
const noBody: fc.Arbitrary<BodyPlan> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'none' as const }), weight: 8 },
  {
    arbitrary: fc.record({
      kind: fc.constant('json' as const),
      value: fc.constant({}),
      mutation: mutationArb,
    }),
    weight: 2,
  },
);

/** Merge bodies name, half the time, a cart together with its own token. */
const mergeBody: fc.Arbitrary<BodyPlan> = fc
  .tuple(bodyFrom(MergeBody, fields), fc.boolean())
  .map(([plan, paired]) => {
    if (!paired || plan.kind !== 'json') return plan;
    const value = plan.value as { sourceCartId?: unknown; sourceToken?: unknown };
    if (isRef(value.sourceCartId) && isRef(value.sourceToken))
      return {
        ...plan,
        value: { ...value, sourceToken: { fuzzRef: 'token', n: value.sourceCartId.n } },
      };
    return plan;
  });

// ---- routes ---------------------------------------------------------------------

/** The numbers a route's path and references draw on. */
export interface Pick {
  line: number;
  code: number;
  product: number;
  junk: string;
}

/** How a successful answer must look: a schema for a JSON body, or 'empty'. */
export type Shape = z.core.$ZodType | 'empty' | 'json' | 'text' | 'html';

export interface Route {
  name: string;
  method: string;
  /** Who may call it: cart routes take cart credentials, admin ones the admin token. */
  audience: 'cart' | 'admin' | 'public';
  path: (world: World, cart: FuzzCart, pick: Pick) => string;
  body: fc.Arbitrary<BodyPlan>;
  query: fc.Arbitrary<string>;
  /** Successful answers by status. Any other status under 400 is a violation. */
  ok: Record<number, Shape>;
  weight: number;
}

const Health = z.strictObject({ status: z.string() });
const CsrfAnswer = z.strictObject({ token: z.string().min(16) });
const DiscountPage = z.strictObject({
  items: z.array(Discount),
  nextCursor: z.string().nullable(),
});
const hash = z.string().regex(/^[0-9a-f]{64}$/);
const AuditPage = z.strictObject({
  items: z.array(
    z.strictObject({
      seq: z.int().min(1),
      at: z.iso.datetime(),
      actorType: z.enum(['cart', 'admin', 'system']),
      actorId: z.string().nullable(),
      requestId: z.string().nullable(),
      clientAddress: z.string().nullable(),
      action: z.string().min(1),
      cartId: z.string().nullable(),
      beforeVersion: z.int().nullable(),
      afterVersion: z.int().nullable(),
      detail: z.record(z.string(), z.unknown()),
      prevHash: hash,
      hash,
      // The key the record's HMAC is under; null for records from before keys.
      keyId: z.string().nullable(),
    }),
  ),
  nextCursor: z.string().nullable(),
});

const noQuery: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constant(''), weight: 19 },
  { arbitrary: fc.constantFrom('?x=1', '?limit=1', '?__proto__=1', '?a[b]=c'), weight: 1 },
);
const pageQuery: fc.Arbitrary<string> = fc.oneof(
  fc.constant(''),
  fc.integer({ min: 1, max: 100 }).map((n) => `?limit=${n}`),
  fc.constantFrom(
    '?limit=0',
    '?limit=101',
    '?limit=1.5',
    '?limit=-1',
    '?limit=abc',
    '?limit=1&limit=2',
    '?cursor=AAAA',
    '?cursor=' + 'a'.repeat(129),
    '?cursor=%00',
    '?foo=bar',
  ),
  fc.nat().map((n) => `?limit=2&cursor=@cursor${n}`),
);
const auditQuery: fc.Arbitrary<string> = fc.oneof(
  fc.constant(''),
  fc.constantFrom(
    '?actor=cart',
    '?actor=admin',
    '?actor=x',
    '?action=cart.addLine',
    '?action=a;b',
    '?limit=1',
    '?limit=100',
    '?limit=101',
    '?cursor=1',
    '?cursor=0',
    '?from=2020-01-01T00:00:00Z',
    '?to=2999-01-01T00:00:00%2B02:00',
    '?from=yesterday',
    '?cartId=@cart',
    '?cartId=%27',
  ),
);

const cartPath =
  (rest = '') =>
  (_w: World, c: FuzzCart) =>
    `/api/carts/${c.id}${rest}`;
const nth = <T>(list: readonly T[], n: number): T | undefined => list[n % Math.max(1, list.length)];

/** A route: its method is the first word of its name. */
function route(
  name: string,
  audience: Route['audience'],
  path: Route['path'],
  ok: Route['ok'],
  weight: number,
  extra: { body?: fc.Arbitrary<BodyPlan>; query?: fc.Arbitrary<string> } = {},
): Route {
  const method = name.split(' ')[0] ?? 'GET';
  return {
    name,
    method,
    audience,
    path,
    ok,
    weight,
    body: extra.body ?? noBody,
    query: extra.query ?? noQuery,
  };
}

const none = { query: fc.constant('') };

/** Every route, with how often it is picked (relative weights). */
export const ROUTES: Route[] = [
  route('POST /carts', 'public', () => '/api/carts', { 201: CreatedCart }, 2),
  route('GET /carts/:id', 'cart', cartPath(), { 200: Cart, 304: 'empty' }, 6),
  // Only ever asked with a credential it refuses: a real event stream does not end.
  route('GET /carts/:id/events', 'cart', cartPath('/events'), {}, 1),
  route('POST /carts/:id/lines', 'cart', cartPath('/lines'), { 200: Cart }, 12, {
    body: bodyFrom(AddLineBody, fields),
  }),
  route(
    'PATCH /carts/:id/lines/:lineId',
    'cart',
    (w, c, p) => `/api/carts/${c.id}/lines/${lineOf(c, p.line)}`,
    { 200: Cart },
    6,
    { body: bodyFrom(SetLineQuantityBody, fields) },
  ),
  route(
    'DELETE /carts/:id/lines/:lineId',
    'cart',
    (w, c, p) => `/api/carts/${c.id}/lines/${lineOf(c, p.line)}`,
    { 200: Cart },
    3,
  ),
  route('POST /carts/:id/discounts', 'cart', cartPath('/discounts'), { 200: Cart }, 5, {
    body: bodyFrom(ApplyDiscountBody, fields),
  }),
  route(
    'DELETE /carts/:id/discounts/:code',
    'cart',
    (w, c, p) => `/api/carts/${c.id}/discounts/${encodeURIComponent(codeOf(w, c, p.code, p.junk))}`,
    { 200: Cart },
    2,
  ),
  route('PATCH /carts/:id', 'cart', cartPath(), { 200: Cart }, 7, {
    body: bodyFrom(UpdateCartBody, fields),
  }),
  route('POST /carts/:id/actions', 'cart', cartPath('/actions'), { 200: Cart }, 12, {
    body: bodyFrom(ActionBatch, fields),
  }),
  route('POST /carts/:id/merge', 'cart', cartPath('/merge'), { 200: Cart }, 3, { body: mergeBody }),
  route('POST /carts/:id/checkout', 'cart', cartPath('/checkout'), { 200: CheckoutResult }, 2),
  route(
    'GET /carts/:id/shipping-options',
    'cart',
    cartPath('/shipping-options'),
    { 200: CartShippingOptions },
    2,
  ),
  route('PUT /carts/:id/shipping-option', 'cart', cartPath('/shipping-option'), { 200: Cart }, 3, {
    body: bodyFrom(SetShippingOptionBody, fields),
  }),
  route('GET /regions', 'public', () => '/api/regions', { 200: RegionList }, 1),
  route('GET /csrf', 'public', () => '/api/csrf', { 200: CsrfAnswer }, 1),
  route('GET /products', 'public', () => '/api/products', { 200: ProductPage }, 3, {
    query: pageQuery,
  }),
  route(
    'GET /products/:id',
    'public',
    (w, c, p) =>
      `/api/products/${encodeURIComponent(p.product % 6 === 0 ? p.junk : (nth(w.products, p.product)?.id ?? 'x'))}`,
    { 200: Product },
    3,
  ),
  route('GET /admin/products', 'admin', () => '/api/admin/products', { 200: ProductPage }, 2, {
    query: pageQuery,
  }),
  route('POST /admin/products', 'admin', () => '/api/admin/products', { 201: Product }, 4, {
    body: bodyFrom(ProductInput, adminFields),
  }),
  route(
    'PUT /admin/products/:id',
    'admin',
    (w, c, p) => `/api/admin/products/${nth(w.products, p.product)?.id ?? 'x'}`,
    { 200: Product },
    3,
    { body: bodyFrom(ProductInput, adminFields) },
  ),
  route(
    'DELETE /admin/products/:id',
    'admin',
    (w, c, p) =>
      `/api/admin/products/${p.product % 3 === 0 ? (nth(w.products, p.product)?.id ?? 'x') : 'no-such-product'}`,
    { 204: 'empty' },
    1,
  ),
  route('GET /admin/discounts', 'admin', () => '/api/admin/discounts', { 200: DiscountPage }, 1, {
    query: pageQuery,
  }),
  route('POST /admin/discounts', 'admin', () => '/api/admin/discounts', { 201: Discount }, 3, {
    body: bodyFrom(DiscountInput, adminFields),
  }),
  route(
    'DELETE /admin/discounts/:code',
    'admin',
    (w, c, p) =>
      `/api/admin/discounts/${p.code % 4 === 0 ? (nth(w.codes, p.code) ?? 'X') : 'NOSUCHCODE'}`,
    { 204: 'empty' },
    1,
  ),
  route('GET /admin/regions', 'admin', () => '/api/admin/regions', { 200: RegionList }, 1),
  route('POST /admin/regions', 'admin', () => '/api/admin/regions', { 201: Region }, 2, {
    body: bodyFrom(RegionInput, adminFields),
  }),
  route(
    'PUT /admin/regions/:id',
    'admin',
    (w, c, p) => `/api/admin/regions/${p.product % 2 === 0 ? 'default' : 'no-such-region'}`,
    { 200: Region },
    1,
    { body: bodyFrom(RegionInput, adminFields) },
  ),
  route(
    'DELETE /admin/regions/:id',
    'admin',
    (w, c, p) => `/api/admin/regions/${p.product % 2 === 0 ? 'default' : 'no-such-region'}`,
    { 204: 'empty' },
    1,
  ),
  route(
    'GET /admin/shipping-options',
    'admin',
    () => '/api/admin/shipping-options',
    { 200: ShippingOptionList },
    1,
  ),
  route(
    'POST /admin/shipping-options',
    'admin',
    () => '/api/admin/shipping-options',
    { 201: ShippingOption },
    2,
    { body: bodyFrom(ShippingOptionInput, adminFields) },
  ),
  route(
    'PUT /admin/shipping-options/:id',
    'admin',
    () => '/api/admin/shipping-options/no-such-option',
    { 200: ShippingOption },
    1,
    { body: bodyFrom(ShippingOptionInput, adminFields) },
  ),
  route(
    'DELETE /admin/shipping-options/:id',
    'admin',
    () => '/api/admin/shipping-options/no-such-option',
    { 204: 'empty' },
    1,
  ),
  route('GET /admin/audit', 'admin', () => '/api/admin/audit', { 200: AuditPage }, 2, {
    query: auditQuery,
  }),
  route('GET /admin/errors', 'admin', () => '/api/admin/errors', { 200: ErrorGroupPage }, 1, {
    query: fc.oneof(
      pageQuery,
      fc.constantFrom('?source=server', '?source=client', '?source=x', '?source='),
    ),
  }),
  route(
    'GET /admin/errors/:fingerprint',
    'admin',
    (w, c, p) =>
      `/api/admin/errors/${p.code % 2 === 0 ? 'a'.repeat(32) : encodeURIComponent(p.junk)}`,
    {},
    0.5,
  ),
  route('GET /admin/analytics', 'admin', () => '/api/admin/analytics', { 200: Analytics }, 1, {
    query: fc.constantFrom('', '?window=1h', '?window=30d', '?window=2h', '?window=', '?x=1'),
  }),
  route('GET /admin/alerts', 'admin', () => '/api/admin/alerts', { 200: AlertsView }, 0.5),
  route(
    'GET /admin/monitoring/series',
    'admin',
    () => '/api/admin/monitoring/series',
    { 200: MonitoringSeries },
    0.5,
    { query: fc.constantFrom('', '?minutes=1', '?minutes=15', '?minutes=0', '?minutes=1.5') },
  ),
  route(
    'GET /admin/audit/verify',
    'admin',
    () => '/api/admin/audit/verify',
    { 200: AuditChainStatus },
    0.5,
    {
      query: fc.constantFrom('', '?full=true', '?full=maybe'),
    },
  ),
  route('POST /client-errors', 'public', () => '/api/client-errors', { 202: 'empty' }, 1, {
    body: bodyFrom(ClientErrorReport, fields),
  }),
  route('GET /healthz', 'public', () => '/healthz', { 200: Health }, 1, none),
  route('GET /readyz', 'public', () => '/readyz', { 200: Health }, 1, none),
  route('GET /docs/errors', 'public', () => '/docs/errors', { 200: 'html' }, 0.2, none),
  route('GET /openapi.json', 'public', () => '/openapi.json', { 200: 'json' }, 0.2, none),
  route('GET /metrics', 'public', () => '/metrics', { 200: 'text' }, 0.2, none),
  route('GET unknown', 'public', (w, c, p) => `/api/${p.junk}/nowhere`, {}, 2),
];

/** A code on the cart (half the time, when it has one), any known code, or junk. */
function codeOf(world: World, cart: FuzzCart, n: number, junk: string): string {
  if (n % 5 === 0) return junk;
  if (cart.codes.length > 0 && n % 2 === 0) return cart.codes[n % cart.codes.length] ?? 'X';
  return world.codes[n % Math.max(1, world.codes.length)] ?? 'X';
}

function lineOf(cart: FuzzCart, n: number): string {
  if (n % 7 === 0 || cart.lines.length === 0) return n % 14 === 0 ? 'not a line' : 'no-such-line';
  return cart.lines[n % cart.lines.length] ?? 'no-such-line';
}
