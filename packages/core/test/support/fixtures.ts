/**
 * Builders shared by the core tests: valid products, discounts, carts and a reducer
 * context whose clock, ids and catalog are plain data, so every test is deterministic.
 * Test support only: not exported from the package.
 */
import { DEFAULT_LIMITS, type ApplyContext, type CartLimits } from '../../src/actions/context.ts';
import type { CurrencyCode } from '../../src/money/currency.ts';
import type { CartState, LineState } from '../../src/schemas/cart.ts';
import type { Discount } from '../../src/schemas/discount.ts';
import type { Product } from '../../src/schemas/product.ts';

export const NOW = '2026-11-28T10:00:00.000Z';

export function product(overrides: Partial<Product> = {}): Product {
  return {
    id: 'p1',
    sku: 'SKU-1',
    name: 'Blue Mug',
    description: '',
    price: { amount: 1000, currency: 'USD' },
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
    currency: 'USD',
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
    attributes: {},
    ...overrides,
  };
}

export interface ContextOptions {
  products?: readonly Product[];
  discounts?: readonly Discount[];
  now?: string;
  limits?: Partial<CartLimits>;
  taxRateBps?: number;
}

/** A reducer context over an in-memory catalog; line ids are line-1, line-2, … */
export function context(options: ContextOptions = {}): ApplyContext {
  const products = new Map((options.products ?? [product()]).map((p) => [p.id, p]));
  const discounts = new Map((options.discounts ?? []).map((d) => [d.code, d]));
  let next = 0;
  return {
    now: options.now ?? NOW,
    newId: () => `line-${++next}`,
    product: (id) => products.get(id),
    discount: (code) => discounts.get(code),
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    taxRateBps: options.taxRateBps ?? 0,
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
