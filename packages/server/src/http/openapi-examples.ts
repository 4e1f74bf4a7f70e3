// Over 400 lines on purpose: one table of an example request and answer for every
// operation of the API (the document's own test holds each against its schemas), kept in
// one place so that a new operation has one place to get its example.
import type * as z from 'zod';
import type {
  ActionBatch,
  AlertsView,
  Analytics,
  AuditChainStatus,
  AuditPage,
  Cart,
  CheckoutResult,
  ClientErrorReport,
  CreatedCart,
  Discount,
  DiscountInput,
  ErrorGroup,
  ErrorGroupPage,
  MonitoringSeries,
  Product,
  ProductInput,
  ProductPage,
  Address,
  CartShippingOptions,
  Region,
  RegionList,
  ShippingOption,
} from '@cart/core';
import type {
  AddLineBody,
  ApplyDiscountBody,
  MergeBody,
  SetLineQuantityBody,
  SetShippingOptionBody,
  UpdateCartBody,
} from '@cart/core';

/**
 * One example request and answer for every operation of the OpenAPI document, by
 * operationId, taken from a run against the demo catalog. Typed with core's types, and
 * validated against the document's own schemas by its test (plugins/external/
 * swagger.test.ts), so an example that no longer fits its operation fails the build.
 */

const usd = (amount: number) => ({ amount, currency: 'USD' as const });
const CART_ID = 'b0f6f2fd-1f22-4472-bb52-e97b3730975e';

const US: Region = {
  id: 'us',
  name: 'United States',
  currency: 'USD',
  countries: ['US'],
  taxRateBps: 0,
  taxInclusive: false,
  default: true,
};
const UK: Region = {
  id: 'uk',
  name: 'United Kingdom',
  currency: 'GBP',
  countries: ['GB'],
  taxRateBps: 2000,
  taxInclusive: true,
  default: false,
};
const US_STANDARD: ShippingOption = {
  id: 'us-standard',
  regionId: 'us',
  name: 'Standard',
  amount: usd(500),
  freeOverSubtotal: 5000,
  taxable: true,
};
const US_EXPRESS: ShippingOption = {
  ...US_STANDARD,
  id: 'us-express',
  name: 'Express',
  amount: usd(1500),
  freeOverSubtotal: null,
};
const { id: _uk, ...UK_INPUT } = UK;
const { id: _express, ...EXPRESS_INPUT } = US_EXPRESS;

const MUG: Product = {
  id: 'ceramic-mug',
  sku: 'MUG-CER-01',
  name: 'Ceramic Mug',
  description: 'Stoneware mug, 350 ml, dishwasher safe.',
  price: usd(1400),
  prices: [usd(1400), { amount: 1300, currency: 'EUR' }, { amount: 1100, currency: 'GBP' }],
  requiresShipping: true,
  stock: 120,
  maxPerOrder: null,
  imageUrl: null,
};

const EMPTY_CART: Cart = {
  id: CART_ID,
  version: 1,
  status: 'active',
  regionId: US.id,
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
  createdAt: '2026-12-07T11:53:20.091Z',
  updatedAt: '2026-12-07T11:53:20.091Z',
  expiresAt: '2027-01-06T11:53:20.091Z',
  appliedActionIds: [],
  itemCount: 0,
  subtotal: usd(0),
  discountTotal: usd(0),
  shippingTotal: usd(0),
  taxTotal: usd(0),
  total: usd(0),
  shippingOptionId: null,
};

/** Two mugs with WELCOME10 (10% off): $28.00 − $2.80 = $25.20. */
const CART: Cart = {
  ...EMPTY_CART,
  version: 3,
  lines: [
    {
      id: '48397877-15a8-4351-903b-9e341082e557',
      productId: MUG.id,
      sku: MUG.sku,
      name: MUG.name,
      unitPrice: usd(1400),
      quantity: 2,
      requiresShipping: true,
      attributes: {},
      subtotal: usd(2800),
      discountTotal: usd(280),
      total: usd(2520),
    },
  ],
  discounts: [
    {
      code: 'WELCOME10',
      kind: 'percent',
      value: 1000,
      minSubtotal: null,
      combinable: true,
      currency: null,
      amount: usd(280),
      applicable: true,
    },
  ],
  updatedAt: '2026-12-07T11:53:20.108Z',
  expiresAt: '2027-01-06T11:53:20.108Z',
  itemCount: 2,
  subtotal: usd(2800),
  discountTotal: usd(280),
  total: usd(2520),
};

const CREATED: CreatedCart = {
  ...EMPTY_CART,
  token: 'q7Vd2mX9cT4bN0sL1pR8yK3wE6hU5jA2fG9zC0vB1nM',
};

const ADDRESS: Address = {
  name: 'Ada Lovelace',
  line1: '350 Fifth Avenue',
  line2: 'Floor 34',
  city: 'New York',
  postalCode: '10118',
  province: 'NY',
  country: 'US',
};

/** CART shipped by standard delivery ($5.00: under the $50.00 that makes it free). */
const SHIPPED: Cart = {
  ...CART,
  version: 5,
  country: 'US',
  shippingAddress: ADDRESS,
  shippingOption: {
    id: US_STANDARD.id,
    name: US_STANDARD.name,
    amount: US_STANDARD.amount,
    freeOverSubtotal: US_STANDARD.freeOverSubtotal,
    taxable: US_STANDARD.taxable,
  },
  shippingOptionId: US_STANDARD.id,
  shippingTotal: usd(500),
  total: usd(3020),
};

const CHECKED_OUT: CheckoutResult = {
  orderId: '279fab63-02ca-4ccf-923f-dc500fe566b9',
  orderNumber: 1042,
  cart: { ...SHIPPED, version: 6, status: 'checked_out' },
};

const PRODUCT_INPUT: ProductInput = {
  sku: MUG.sku,
  name: MUG.name,
  description: MUG.description,
  price: MUG.price,
  prices: MUG.prices,
  requiresShipping: true,
  stock: MUG.stock,
  maxPerOrder: MUG.maxPerOrder,
  imageUrl: MUG.imageUrl,
};

const SAVE5: Discount = {
  code: 'SAVE5',
  kind: 'fixed',
  value: 500,
  minSubtotal: usd(3000).amount,
  startsAt: null,
  endsAt: null,
  usageLimit: null,
  timesUsed: 0,
  combinable: true,
  currency: 'USD',
};

const SAVE5_INPUT: DiscountInput = {
  code: SAVE5.code,
  kind: SAVE5.kind,
  value: SAVE5.value,
  minSubtotal: SAVE5.minSubtotal,
  startsAt: null,
  endsAt: '2027-01-31T23:59:59Z',
  usageLimit: 1000,
  combinable: true,
  currency: 'USD',
};

const ERROR_GROUP: ErrorGroup = {
  fingerprint: '9f2c4e1a7b3d5f60',
  source: 'client',
  errorClass: 'TypeError',
  message: "Cannot read properties of undefined (reading 'lines')",
  route: '/cart',
  topFrame: 'apps/web/src/storefront/cart-page.tsx:42',
  count: 3,
  firstSeen: '2026-12-07T10:02:11.410Z',
  lastSeen: '2026-12-07T11:40:05.027Z',
  sampleRequestId: '0d642fcd-e97d-4347-9c0a-575279b2b7a7',
  // Empty, as a report without one is kept: the public document shows no stack, since
  // the leak checks (test/security/leaks.ts) refuse any answer that does.
  stack: '',
};

const { stack: _stack, ...ERROR_SUMMARY } = ERROR_GROUP;

export interface OperationExample {
  /** The JSON body sent, for operations that take one. */
  request?: unknown;
  /** The body of the success answer; undefined for answers without one (204). */
  response?: unknown;
}

export const OPERATION_EXAMPLES: Record<string, OperationExample> = {
  createCart: { request: {}, response: CREATED },
  getCart: { response: CART },
  addLine: {
    request: { productId: MUG.id, quantity: 2 } satisfies z.input<typeof AddLineBody>,
    response: { ...CART, version: 2, discounts: [], discountTotal: usd(0), total: usd(2800) },
  },
  setLineQuantity: {
    request: { quantity: 2 } satisfies z.input<typeof SetLineQuantityBody>,
    response: CART,
  },
  removeLine: { response: { ...EMPTY_CART, version: 4 } },
  applyDiscount: {
    request: { code: 'WELCOME10' } satisfies z.input<typeof ApplyDiscountBody>,
    response: CART,
  },
  removeDiscount: { response: CART },
  updateCart: {
    request: { email: 'ada@example.com', shippingAddress: ADDRESS } satisfies z.input<
      typeof UpdateCartBody
    >,
    response: {
      ...CART,
      version: 4,
      email: 'ada@example.com',
      country: 'US',
      shippingAddress: ADDRESS,
    },
  },
  setShippingOption: {
    request: { shippingOptionId: US_STANDARD.id } satisfies z.input<typeof SetShippingOptionBody>,
    response: SHIPPED,
  },
  listCartShippingOptions: {
    response: {
      items: [
        { ...US_STANDARD, cost: usd(500) },
        { ...US_EXPRESS, cost: usd(1500) },
      ],
    } satisfies CartShippingOptions,
  },
  listRegions: { response: { items: [US, UK] } satisfies RegionList },
  listAdminRegions: { response: { items: [US, UK] } satisfies RegionList },
  createRegion: { request: UK_INPUT, response: UK },
  updateRegion: {
    request: { ...UK_INPUT, taxRateBps: 1750 },
    response: { ...UK, taxRateBps: 1750 },
  },
  deleteRegion: {},
  listShippingOptions: { response: { items: [US_STANDARD, US_EXPRESS] } },
  createShippingOption: { request: EXPRESS_INPUT, response: US_EXPRESS },
  updateShippingOption: {
    request: { ...EXPRESS_INPUT, amount: usd(1800) },
    response: { ...US_EXPRESS, amount: usd(1800) },
  },
  deleteShippingOption: {},
  applyActions: {
    request: {
      actions: [
        { type: 'addLine', productId: MUG.id, quantity: 2, actionId: 'a-1' },
        { type: 'applyDiscount', code: 'WELCOME10', actionId: 'a-2' },
      ],
    } satisfies ActionBatch,
    response: { ...CART, appliedActionIds: ['a-1', 'a-2'] },
  },
  mergeCart: {
    request: {
      sourceCartId: '6a1d3c0e-9b2f-4e57-8c41-2f0e7d5a9b13',
      sourceToken: 'Zk3pQ8wT1yV6nB0cX5mL2rH9sJ4dF7gA8eU1iO3qW6t',
    } satisfies z.input<typeof MergeBody>,
    response: CART,
  },
  checkout: { request: {}, response: CHECKED_OUT },
  streamCartEvents: {},
  listProducts: {
    response: {
      items: [MUG],
      nextCursor: 'MjAyNi0xMi0wN1QxMTo1MzoyMC4wNjVafGNlcmFtaWMtbXVn',
    } satisfies ProductPage,
  },
  getProduct: { response: MUG },
  getCsrfToken: {
    response: { token: 'r2Dk8vQm1xW7nF4tB9sLcA0z.Yp3e6J1hU8gT5qN2wM7kR4vX9bC0sD6fA1zL3iO5uE' },
  },
  reportClientErrors: {
    request: {
      errorClass: ERROR_GROUP.errorClass,
      message: ERROR_GROUP.message,
      stack: ERROR_GROUP.stack,
      page: '/cart',
    } satisfies ClientErrorReport,
  },
  listAdminProducts: { response: { items: [MUG], nextCursor: null } satisfies ProductPage },
  createProduct: { request: PRODUCT_INPUT, response: MUG },
  updateProduct: { request: { ...PRODUCT_INPUT, stock: 80 }, response: { ...MUG, stock: 80 } },
  deleteProduct: {},
  listDiscounts: { response: { items: [SAVE5], nextCursor: null } },
  createDiscount: {
    request: SAVE5_INPUT,
    response: { ...SAVE5, endsAt: '2027-01-31T23:59:59.000Z', usageLimit: 1000 },
  },
  deleteDiscount: {},
  listAuditLog: {
    response: {
      items: [
        {
          seq: 28,
          at: '2026-12-07T11:53:20.113Z',
          actorType: 'cart',
          actorId: CART_ID,
          requestId: 'bcc09812-bd9c-4d33-bfa7-48c98d4e3509',
          clientAddress: '127.0.0.1',
          action: 'cart.checkout',
          cartId: CART_ID,
          beforeVersion: 3,
          afterVersion: 4,
          detail: {
            orderId: CHECKED_OUT.orderId,
            orderNumber: CHECKED_OUT.orderNumber,
            total: 3020,
            codes: ['WELCOME10'],
          },
          prevHash: '4e18695df738ed75655060030cb64e66eb140eca4bdf5345ba091224521a8de5',
          hash: '3e574839985d52b49922cef34a44b073471a8bd213b34e324fbc4e7568ccd1ea',
          keyId: 'k20261207-8ce4',
        },
      ],
      nextCursor: '28',
    } satisfies AuditPage,
  },
  getAnalytics: {
    response: {
      window: '24h',
      from: '2026-12-06T11:53:20.118Z',
      to: '2026-12-07T11:53:20.118Z',
      currency: 'USD',
      funnel: [
        { step: 'cart_created', carts: 4 },
        { step: 'line_added', carts: 3 },
        { step: 'checkout_started', carts: 2 },
        { step: 'checked_out', carts: 1 },
      ],
      conversionRate: 0.25,
      abandonmentRate: 0.3333,
      orders: 1,
      revenue: 2520,
      averageOrderValue: 2520,
      abandonedCarts: 1,
      abandonAfterSeconds: 3600,
      checkouts: {
        attempts: 2,
        succeeded: 1,
        refused: 1,
        refusedByCode: [{ code: 'OUT_OF_STOCK', count: 1 }],
      },
      lostDemand: [
        { productId: MUG.id, name: MUG.name, reason: 'stock', refusals: 2, units: 5, carts: 2 },
      ],
      topProducts: [{ productId: MUG.id, name: MUG.name, quantityAdded: 2, carts: 1 }],
    } satisfies Analytics,
  },
  listErrorGroups: {
    response: { items: [ERROR_SUMMARY], nextCursor: null } satisfies ErrorGroupPage,
  },
  getErrorGroup: { response: ERROR_GROUP },
  getMonitoringSeries: {
    response: {
      resolutionSeconds: 1,
      points: [
        {
          t: 1796644340000,
          requests: 12,
          errors: 0,
          p50: 2.1,
          p95: 6.4,
          p99: 9.8,
          rateLimited: 0,
          cartsCreated: 1,
          checkouts: 0,
        },
      ],
      window: { timed: 12, p50: 2.1, p95: 6.4, p99: 9.8 },
    } satisfies MonitoringSeries,
  },
  listAlerts: {
    response: {
      rules: [
        {
          rule: 'ErrorBudgetBurnPage',
          severity: 'page',
          state: 'ok',
          since: null,
          value: 0,
          summary:
            'Error budget (99.9% of requests without a 5xx): 1 requests over 1h, fewer than the 100 needed to alert',
        },
      ],
      history: [],
    } satisfies AlertsView,
  },
  verifyAuditChain: {
    response: {
      intact: true,
      records: 28,
      brokenAtSeq: null,
      checkedAt: '2026-12-07T11:53:20.122Z',
    } satisfies AuditChainStatus,
  },
  createAdminSession: { request: { token: 'the ADMIN_TOKEN, at least 16 characters' } },
  getAdminSession: { response: { via: 'cookie', expiresAt: '2026-12-07T19:53:20.000Z' } },
  deleteAdminSession: {},
};

/** An example value of a path parameter, for the operation at `path`. */
export function parameterExample(path: string, name: string): string | undefined {
  if (name === 'id') {
    if (path.startsWith('/api/carts/')) return CART_ID;
    if (path.startsWith('/api/admin/regions/')) return UK.id;
    if (path.startsWith('/api/admin/shipping-options/')) return US_EXPRESS.id;
    return MUG.id;
  }
  return { lineId: CART.lines[0]?.id, code: 'WELCOME10', fingerprint: ERROR_GROUP.fingerprint }[
    name
  ];
}
