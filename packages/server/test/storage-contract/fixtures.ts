/**
 * Fixtures of the storage contract suite and of the adapters' own tests: carts, lines,
 * products, codes, audit entries and mutation decisions as the cart service would make
 * them, each with fresh ids, so that tests sharing one database never see each other's
 * rows.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { CartState, DiscountInput, LineState, Product } from '@cart/core';
import { AuditKeyring } from '../../src/audit/keyring.ts';
import type {
  AuditEntry,
  IdempotencyRecord,
  MutationDecision,
  MutationPlan,
  MutationWrite,
  Storage,
} from '../../src/storage/port.ts';

/** Audit keys for adapters the tests open themselves (the signing key first). */
export const TEST_AUDIT_KEYS = new AuditKeyring(
  [{ id: 'test-key', secret: Buffer.alloc(32, 0x5a) }],
  'the test key',
);

export const AT = '2026-11-28T10:00:00.000Z';
export const LATER = '2026-12-28T10:00:00.000Z';

/** The token hash a cart is created with (derived from its id, so a test can check it). */
export const tokenHash = (id: string): Buffer => createHash('sha256').update(id).digest();

/** An admin entry when `cartId` is null, else one of that cart's own changes. */
export function entry(
  action: string,
  cartId: string | null = null,
  detail: Record<string, unknown> = {},
): AuditEntry {
  return {
    at: AT,
    actorType: cartId === null ? 'admin' : 'cart',
    actorId: cartId ?? 'admin',
    requestId: randomUUID(),
    clientAddress: '127.0.0.1',
    action,
    cartId,
    beforeVersion: null,
    afterVersion: null,
    detail,
  };
}

export function cartState(overrides: Partial<CartState> = {}): CartState {
  return {
    id: randomUUID(),
    version: 1,
    status: 'active',
    regionId: 'default',
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
    createdAt: AT,
    updatedAt: AT,
    expiresAt: LATER,
    appliedActionIds: [],
    ...overrides,
  };
}

export function line(product: Product, quantity: number): LineState {
  return {
    id: randomUUID(),
    productId: product.id,
    sku: product.sku,
    name: product.name,
    quantity,
    unitPrice: product.price,
    requiresShipping: product.requiresShipping,
    attributes: { size: 'L', colour: 'blue' },
  };
}

/** A product sold in the currency of its price only, unless `prices` is given. */
export function productFixture(overrides: Partial<Product> = {}): Product {
  const id = randomUUID();
  const price = overrides.price ?? { amount: 1000, currency: 'USD' };
  return {
    id,
    sku: `SKU-${id.slice(0, 8)}`,
    name: 'Mug',
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

/** A code no other test uses: letters and digits, upper case, as the service stores it. */
export const uniqueCode = (prefix: string): string =>
  `${prefix}${randomUUID().slice(0, 8).toUpperCase()}`;

export function discountInput(overrides: Partial<DiscountInput> = {}): DiscountInput {
  return {
    code: uniqueCode('D'),
    kind: 'percent',
    value: 1000,
    minSubtotal: null,
    startsAt: null,
    endsAt: null,
    usageLimit: null,
    combinable: true,
    currency: null,
    ...overrides,
  };
}

export const plan = (cartId: string, more: Partial<MutationPlan> = {}): MutationPlan => ({
  cartId,
  productIds: [],
  discountCodes: [],
  actionIds: [],
  idempotencyId: null,
  ...more,
});

/** A decision that writes `w` (plus whatever else is given) and answers the new cart. */
export const writes =
  (w: Partial<MutationWrite> & { cart: CartState }, idempotency: IdempotencyRecord | null = null) =>
  (): MutationDecision<CartState> => ({
    reply: w.cart,
    write: { expectedVersion: null, appliedActionIds: [], audit: [], events: [], ...w },
    idempotency,
  });

/** The next version of a cart, as a change would write it. */
export function next(state: CartState, more: Partial<MutationWrite> = {}): MutationWrite {
  return {
    cart: { ...state, version: state.version + 1, updatedAt: AT },
    expectedVersion: state.version,
    appliedActionIds: [],
    audit: [
      {
        ...entry('cart.change', state.id),
        beforeVersion: state.version,
        afterVersion: state.version + 1,
      },
    ],
    events: [{ at: AT, type: 'quantity_changed', cartId: state.id }],
    ...more,
  };
}

export function idempotencyRecord(
  id: string = randomUUID(),
  more: Partial<IdempotencyRecord> = {},
): IdempotencyRecord {
  return {
    id,
    fingerprint: 'f',
    payload: 'sealed',
    createdAt: AT,
    expiresAt: LATER,
    cartId: null,
    ...more,
  };
}

/** Creates a cart (version 1) as `POST /api/carts` would, with its audit record and event. */
export function createCart(storage: Storage, state: CartState = cartState()): Promise<CartState> {
  return storage.mutate(
    plan(state.id),
    writes({
      cart: state,
      tokenHash: tokenHash(state.id),
      audit: [{ ...entry('cart.create', state.id), afterVersion: 1 }],
      events: [{ at: AT, type: 'cart_created', cartId: state.id }],
    }),
  );
}

/**
 * Stores an idempotency record on its own, as a request that changed nothing would (a
 * refusal); with `answersPerCart`, under that bound for the record's cart.
 */
export function keepIdempotency(
  storage: Storage,
  record: IdempotencyRecord,
  answersPerCart?: number,
): Promise<null> {
  return storage.mutate(plan(record.cartId ?? randomUUID(), { idempotencyId: record.id }), () => ({
    reply: null,
    write: null,
    idempotency: record,
    ...(answersPerCart === undefined ? {} : { answersPerCart }),
  }));
}

/** The sequence number of the newest audit record: how many there are (0 when none). */
export async function auditHead(storage: Storage): Promise<number> {
  const [newest] = await storage.listAudit({ limit: 1 });
  return newest?.seq ?? 0;
}
