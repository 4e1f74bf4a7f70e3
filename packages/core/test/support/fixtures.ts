/**
 * Builders shared by the core tests: valid products, discounts, carts and a reducer
 * context whose clock, ids and catalog are plain data, so every test is deterministic.
 * Test support only: not exported from the package.
 */
import { DEFAULT_LIMITS, type ApplyContext, type CartLimits } from '../../src/actions/context.ts';
import type { CurrencyCode } from '../../src/money/currency.ts';
import type { Money } from '../../src/money/money.ts';
import type {
  Address,
  AppliedShippingOption,
  Region,
  ShippingOption,
} from '../../src/schemas/region.ts';
import { computeTotals, type TaxRule } from '../../src/totals/compute-totals.ts';
import type { Cart, CartState, LineState } from '../../src/schemas/cart.ts';
import type { Discount } from '../../src/schemas/discount.ts';
import type { Product } from '../../src/schemas/product.ts';

export const NOW = '2026-11-28T10:00:00.000Z';

/** A product; `prices` follows an overridden `price` unless given too. */
export function product(overrides: Partial<Product> = {}): Product {
  const price = overrides.price ?? { amount: 1000, currency: 'USD' };
  return {
    id: 'p1',
    sku: 'SKU-1',
    name: 'Blue Mug',
    description: '',
    price,
    prices: [price],
    requiresShipping: true,
    stock: null,
    maxPerOrder: null,
    imageUrl: null,
    ...overrides,
  };
}

export function discount(overrides: Partial<Discount> = {}): Discount {
  return {
    code: 'SAVE10',
    kind: 'percent',
    value: 1000,
    minSubtotal: null,
    usageLimit: null,
    combinable: true,
    currency: null,
    startsAt: null,
    endsAt: null,
    timesUsed: 0,
    ...overrides,
  };
}

export function cart(overrides: Partial<CartState> = {}): CartState {
  return {
    id: 'cart-1',
    version: 1,
    status: 'active',
    regionId: 'us',
    currency: 'USD',
    country: null,
    shippingAddress: null,
    shippingOption: null,
    taxRateBps: 0,
    taxInclusive: false,
    lines: [],
    discounts: [],
    note: '',
    email: null,
    createdAt: NOW,
    updatedAt: NOW,
    expiresAt: '2026-12-28T10:00:00.000Z',
    appliedActionIds: [],
    ...overrides,
  };
}

/** A stored line priced in whole `amount` minor units. */
export function line(
  id: string,
  quantity: number,
  amount: number,
  overrides: Partial<LineState> = {},
  currency: CurrencyCode = 'USD',
): LineState {
  return {
    id,
    productId: `prod-${id}`,
    sku: `SKU-${id}`,
    name: `Item ${id}`,
    quantity,
    unitPrice: { amount, currency },
    requiresShipping: true,
    attributes: {},
    ...overrides,
  };
}

/** `state` under another tax rule (a cart holds its region's as of its last move). */
export function withTax(state: CartState, rule: TaxRule): CartState {
  return { ...state, ...rule };
}

/** `state` priced under `rule`. */
export function priceUnder(state: CartState, rule: TaxRule): Cart {
  return computeTotals(withTax(state, rule));
}

/** A tax-exclusive rule at `bps`. */
export function exclusive(taxRateBps: number): TaxRule {
  return { taxRateBps, taxInclusive: false };
}

/** A tax-inclusive rule at `bps`. */
export function inclusive(taxRateBps: number): TaxRule {
  return { taxRateBps, taxInclusive: true };
}

/**
 * The regions of the demo shop: `us` (USD, tax added, the default), `eu` (EUR, 20%
 * included) and `uk` (GBP, 20% included).
 */
export function regions(usTaxRateBps = 0): Region[] {
  return [
    {
      id: 'us',
      name: 'United States',
      currency: 'USD',
      countries: ['US'],
      taxRateBps: usTaxRateBps,
      taxInclusive: false,
      default: true,
    },
    {
      id: 'eu',
      name: 'Europe',
      currency: 'EUR',
      countries: ['DE', 'FR', 'NL'],
      taxRateBps: 2000,
      taxInclusive: true,
      default: false,
    },
    {
      id: 'uk',
      name: 'United Kingdom',
      currency: 'GBP',
      countries: ['GB'],
      taxRateBps: 2000,
      taxInclusive: true,
      default: false,
    },
  ];
}

/** Shipping options: standard (free over a threshold) and express, in each demo region. */
export function shippingOptions(): ShippingOption[] {
  const option = (
    id: string,
    regionId: string,
    amount: Money,
    freeOverSubtotal: number | null,
  ): ShippingOption => ({
    id,
    regionId,
    name: id.endsWith('express') ? 'Express' : 'Standard',
    amount,
    freeOverSubtotal,
    taxable: true,
  });
  return [
    option('us-standard', 'us', { amount: 500, currency: 'USD' }, 5000),
    option('us-express', 'us', { amount: 1500, currency: 'USD' }, null),
    option('eu-standard', 'eu', { amount: 450, currency: 'EUR' }, 5000),
    option('eu-express', 'eu', { amount: 1200, currency: 'EUR' }, null),
    option('uk-standard', 'uk', { amount: 399, currency: 'GBP' }, 4000),
    option('uk-express', 'uk', { amount: 995, currency: 'GBP' }, null),
  ];
}

/** An address in each demo region's country. */
export const US_ADDRESS: Address = {
  name: 'Ada Lovelace',
  line1: '350 Fifth Avenue',
  line2: '',
  city: 'New York',
  postalCode: '10118',
  province: 'NY',
  country: 'US',
};
export const UK_ADDRESS: Address = {
  ...US_ADDRESS,
  line1: '10 Downing Street',
  city: 'London',
  postalCode: 'SW1A 2AA',
  province: '',
  country: 'GB',
};
export const DE_ADDRESS: Address = {
  ...US_ADDRESS,
  line1: 'Unter den Linden 1',
  city: 'Berlin',
  postalCode: '10117',
  province: '',
  country: 'DE',
};

/** The demo option `id` as a cart holds it once chosen. */
export function chosen(id: string): AppliedShippingOption {
  const option = shippingOptions().find((o) => o.id === id);
  if (!option) throw new Error(`no shipping option ${id}`);
  const { regionId: _region, ...terms } = option;
  return terms;
}
export const US_STANDARD = chosen('us-standard');

export interface ContextOptions {
  products?: readonly Product[];
  discounts?: readonly Discount[];
  now?: string;
  limits?: Partial<CartLimits>;
  /** The tax rate of the default region `us` (0). */
  taxRateBps?: number;
  regions?: readonly Region[];
  shippingOptions?: readonly ShippingOption[];
}

/** A reducer context over an in-memory catalog; line ids are line-1, line-2, … */
export function context(options: ContextOptions = {}): ApplyContext {
  const products = new Map((options.products ?? [product()]).map((p) => [p.id, p]));
  const discounts = new Map((options.discounts ?? []).map((d) => [d.code, d]));
  const regionList = options.regions ?? regions(options.taxRateBps);
  const byId = new Map((options.shippingOptions ?? shippingOptions()).map((o) => [o.id, o]));
  let next = 0;
  return {
    now: options.now ?? NOW,
    newId: () => `line-${++next}`,
    product: (id) => products.get(id),
    discount: (code) => discounts.get(code),
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    region: (id) => regionList.find((r) => r.id === id),
    regionFor: (country) => regionList.find((r) => r.countries.includes(country)),
    shippingOption: (id) => byId.get(id),
  };
}

/** A deep copy of plain JSON data (carts, actions). */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Freezes a value and everything reachable from it, so any mutation throws. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) {
      deepFreeze((value as Record<PropertyKey, unknown>)[key]);
    }
  }
  return value;
}

/** Unwraps a successful result, failing the test with the error otherwise. */
export function expectOk<T>(
  result: { ok: true; value: T } | { ok: false; error: { code: string; message: string } },
): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}
