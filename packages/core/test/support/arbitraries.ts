/**
 * fast-check arbitraries shared by the core tests. Test support only: not exported from
 * the package.
 */
import fc from 'fast-check';
import { CurrencyCode } from '../../src/money/currency.ts';
import type { CartState } from '../../src/schemas/cart.ts';
import { MAX_UNIT_PRICE } from '../../src/schemas/product.ts';

/** The bidi embedding, override and isolate characters text sanitizing removes (src/text/sanitize.ts). */
export const BIDI = [
  '\u202A',
  '\u202B',
  '\u202C',
  '\u202D',
  '\u202E',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
];

/** Strings rich in what sanitizing is about: marks, controls, bidi, invisibles. */
export const trickyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc
    .array(
      fc.constantFrom(
        'a',
        'e',
        'A',
        ' ',
        'é',
        '\u0301',
        '\u030A',
        'Å',
        '\u212B',
        '한',
        '\u1100',
        '\u1161',
        '\t',
        '\n',
        '\r',
        '\r\n',
        '\u0000',
        '\u0007',
        '\u001B',
        '\u007F',
        '\u0085',
        '\u009F',
        '\u200B',
        '\u200E',
        '\u200F',
        '\u061C',
        '\uFEFF',
        '\u2028',
        '😀',
        ...BIDI,
      ),
      { maxLength: 40 },
    )
    .map((parts) => parts.join('')),
);

export const currencyArb = fc.constantFrom(...CurrencyCode.options);

/** Minor-unit amounts: mostly shop-sized, sometimes anywhere in the safe range. */
export const amountArb = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 100_000 }) },
  { weight: 1, arbitrary: fc.maxSafeNat() },
);

export const moneyArb = fc.record({ amount: amountArb, currency: currencyArb });

export const idArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
export const skuArb = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
export const codeArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);

export const timestampArb = fc
  .date({
    min: new Date('2000-01-01T00:00:00.000Z'),
    max: new Date('2100-01-01T00:00:00.000Z'),
    noInvalidDate: true,
  })
  .map((d) => d.toISOString());

/** Attribute maps as a client might send them: tricky text, sometimes too many. */
export const attributesArb = fc.dictionary(
  fc.oneof(fc.constantFrom('size', 'color', 'engraving', 'gift'), trickyText),
  fc.oneof(fc.constantFrom('M', 'L', 'red', ''), trickyText),
  { maxKeys: 6 },
);

export const productArb = fc
  .record({
    id: idArb,
    sku: skuArb,
    name: fc.oneof(fc.constantFrom('Blue Mug', ' Tea ', 'Ünïcödé'), fc.string({ minLength: 1 })),
    description: fc.string({ maxLength: 100 }),
    price: fc.record({ amount: fc.nat({ max: MAX_UNIT_PRICE }), currency: currencyArb }),
    others: fc.uniqueArray(
      fc.record({ amount: fc.nat({ max: MAX_UNIT_PRICE }), currency: currencyArb }),
      { maxLength: 3, selector: (m) => m.currency },
    ),
    requiresShipping: fc.boolean(),
    stock: fc.option(fc.nat({ max: 1_000_000_000 }), { nil: null }),
    maxPerOrder: fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: null }),
    imageUrl: fc.option(fc.webUrl({ validSchemes: ['http', 'https'] }), { nil: null }),
  })
  .map(({ others, ...p }) => ({
    ...p,
    prices: [p.price, ...others.filter((m) => m.currency !== p.price.currency)],
  }));

const windowArb = fc
  .tuple(fc.option(timestampArb, { nil: null }), fc.option(timestampArb, { nil: null }))
  .map(([a, b]) => (a !== null && b !== null && a > b ? [b, a] : [a, b]));

export const discountArb = fc
  .record({
    code: fc.oneof(
      codeArb,
      codeArb.map((c) => ` ${c.toLowerCase()} `),
    ),
    kind: fc.constantFrom('percent', 'fixed'),
    value: fc.integer({ min: 1, max: 1_000_000 }),
    minSubtotal: fc.option(amountArb, { nil: null }),
    usageLimit: fc.option(fc.integer({ min: 1, max: 1_000_000_000 }), { nil: null }),
    combinable: fc.boolean(),
    window: windowArb,
    timesUsed: fc.nat({ max: 1000 }),
    currency: currencyArb,
    anyCurrency: fc.boolean(),
  })
  .map(({ window: [startsAt, endsAt], kind, value, currency, anyCurrency, ...rest }) => ({
    ...rest,
    kind,
    value: kind === 'percent' ? (value % 10_000) + 1 : value,
    startsAt,
    endsAt,
    // Only a percent code with no minimum may be for any currency.
    currency: anyCurrency && kind === 'percent' && rest.minSubtotal === null ? null : currency,
  }));

/** Addresses of the everyday shape (fc.emailAddress covers the RFC's odd corners). */
export const simpleEmailArb = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9]{1,8}([._+-][a-z0-9]{1,8})?$/),
    fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
  )
  .map(([local, domain]) => `${local}@${domain}.example`);

const actionIdArb = fc.option(fc.stringMatching(/^[\x21-\x7E]{1,128}$/), { nil: undefined });
const withActionId = <T extends object>(arb: fc.Arbitrary<T>) =>
  fc
    .tuple(arb, actionIdArb)
    .map(([a, actionId]) => (actionId === undefined ? a : { ...a, actionId }));

/** One arbitrary per action type, valid or nearly so (the test filters what parses). */
export const actionArbs = {
  addLine: withActionId(
    fc.record(
      {
        type: fc.constant('addLine' as const),
        productId: idArb,
        quantity: fc.integer({ min: 1, max: 1_000_000 }),
        attributes: attributesArb,
      },
      { requiredKeys: ['type', 'productId', 'quantity'] },
    ),
  ),
  setLineQuantity: withActionId(
    fc.record({
      type: fc.constant('setLineQuantity' as const),
      lineId: idArb,
      quantity: fc.integer({ min: 0, max: 1_000_000 }),
    }),
  ),
  removeLine: withActionId(fc.record({ type: fc.constant('removeLine' as const), lineId: idArb })),
  applyDiscount: withActionId(
    fc.record({
      type: fc.constant('applyDiscount' as const),
      code: fc.oneof(
        codeArb,
        codeArb.map((c) => `  ${c.toLowerCase()}`),
      ),
    }),
  ),
  removeDiscount: withActionId(
    fc.record({ type: fc.constant('removeDiscount' as const), code: codeArb }),
  ),
  setNote: withActionId(
    fc.record({
      type: fc.constant('setNote' as const),
      note: fc.oneof(trickyText, fc.string({ maxLength: 1200 })),
    }),
  ),
  setEmail: withActionId(
    fc.record({
      type: fc.constant('setEmail' as const),
      email: fc.option(
        fc.oneof(
          fc.emailAddress(),
          simpleEmailArb,
          simpleEmailArb.map((e) => `  ${e}\u200B `),
        ),
        { nil: null },
      ),
    }),
  ),
  clear: withActionId(fc.record({ type: fc.constant('clear' as const) })),
};

export const lineStateArb = fc.record({
  id: idArb,
  productId: idArb,
  sku: skuArb,
  name: fc.string({ maxLength: 30 }),
  quantity: fc.integer({ min: 1, max: 999 }),
  unitPrice: fc.record({
    amount: fc.nat({ max: 10_000_000 }),
    currency: fc.constant('USD' as const),
  }),
  requiresShipping: fc.boolean(),
  attributes: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), {
    maxKeys: 3,
  }),
});

export const appliedDiscountArb = fc
  .record({
    code: codeArb.map((c) => c.toUpperCase()),
    kind: fc.constantFrom('percent' as const, 'fixed' as const),
    value: fc.integer({ min: 1, max: 100_000_000 }),
    minSubtotal: fc.option(fc.nat({ max: 5_000_000 }), { nil: null }),
    combinable: fc.boolean(),
    currency: fc.constantFrom('USD' as const, null),
  })
  .map((d) => (d.kind === 'percent' ? { ...d, value: (d.value % 10_000) + 1 } : d));

/** A chosen USD shipping option: flat, or free from some subtotal; taxed or not. */
export const appliedShippingOptionArb = fc.record({
  id: fc.constantFrom('us-standard', 'us-express', 'us-pickup'),
  name: fc.constantFrom('Standard', 'Express'),
  amount: fc.record({
    amount: fc.oneof(fc.constant(0), fc.nat({ max: 100_000 })),
    currency: fc.constant('USD' as const),
  }),
  freeOverSubtotal: fc.option(fc.nat({ max: 5_000_000 }), { nil: null }),
  taxable: fc.boolean(),
});

/** Valid US addresses, as the Address schema gives them back. */
export const addressArb = fc.record({
  name: fc.constantFrom('Ada Lovelace', 'Grace Hopper'),
  line1: fc.constantFrom('1 Main St', '350 Fifth Avenue'),
  line2: fc.constantFrom('', 'Apt 4'),
  city: fc.constantFrom('Springfield', 'New York'),
  postalCode: fc.constantFrom('10118', '94103-1234'),
  province: fc.constantFrom('', 'NY'),
  country: fc.constant('US' as const),
});

/** A stored USD cart with arbitrary lines and codes (not necessarily reachable by `apply`). */
export const cartStateArb: fc.Arbitrary<CartState> = fc.record({
  id: idArb,
  version: fc.integer({ min: 1, max: 1_000_000 }),
  status: fc.constantFrom(
    'active' as const,
    'merged' as const,
    'checked_out' as const,
    'expired' as const,
  ),
  regionId: fc.constant('us'),
  currency: fc.constant('USD' as const),
  country: fc.constantFrom('US' as const, null),
  shippingAddress: fc.option(addressArb, { nil: null }),
  shippingOption: fc.option(appliedShippingOptionArb, { nil: null }),
  taxRateBps: fc.integer({ min: 0, max: 10_000 }),
  taxInclusive: fc.boolean(),
  lines: fc.array(lineStateArb, { maxLength: 8 }),
  discounts: fc.uniqueArray(appliedDiscountArb, { maxLength: 5, selector: (d) => d.code }),
  note: fc.string({ maxLength: 50 }),
  email: fc.option(fc.emailAddress(), { nil: null }),
  createdAt: timestampArb,
  updatedAt: timestampArb,
  expiresAt: timestampArb,
  appliedActionIds: fc.uniqueArray(fc.stringMatching(/^[\x21-\x7E]{1,128}$/), { maxLength: 5 }),
});

export const taxRateArb = fc.oneof(
  fc.constantFrom(0, 500, 825, 1000, 2000, 2500),
  fc.integer({ min: 0, max: 10_000 }),
);

/** A region's tax rule: any rate, added to prices or included in them. */
export const taxRuleArb = fc.record({ taxRateBps: taxRateArb, taxInclusive: fc.boolean() });
