import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS,
  applyAll,
  computeTotals,
  shippingCost,
  toCartState,
  type ApplyContext,
  type Cart,
  type CartAction,
  type CartState,
  type CurrencyCode,
  type Money,
  type Product,
  type Region,
  type ShippingOption,
} from '@cart/core';
import { CartStore } from './cart-store.ts';
import { alwaysOnline } from './online-signal.ts';
import { MemoryStorage } from './storage.ts';
import type { CartStoreOptions } from './store-options.ts';
import { soloTab } from './tab-coordinator.ts';
import type { FetchLike } from './transport.ts';

// The store's region and shipping operations, against a shop faked in memory that runs
// the core reducer as the server does. A request can be held (never answered) to look
// at what the store shows before the shop answers.

const NOW = '2026-11-28T10:00:00.000Z';
const money = (amount: number, currency: CurrencyCode = 'USD'): Money => ({ amount, currency });

const mug: Product = {
  id: 'mug',
  sku: 'MUG-1',
  name: 'Mug',
  description: '',
  price: money(1000),
  prices: [money(1000), money(800, 'GBP')],
  requiresShipping: true,
  stock: null,
  maxPerOrder: null,
  imageUrl: null,
};
const us: Region = {
  id: 'us',
  name: 'United States',
  currency: 'USD',
  countries: ['US'],
  taxRateBps: 1000,
  taxInclusive: false,
  default: true,
};
const gb: Region = {
  id: 'gb',
  name: 'United Kingdom',
  currency: 'GBP',
  countries: ['GB'],
  taxRateBps: 2000,
  taxInclusive: true,
  default: false,
};
const express: ShippingOption = {
  id: 'us-express',
  regionId: 'us',
  name: 'Express',
  amount: money(1500),
  freeOverSubtotal: null,
  taxable: true,
};

const context: ApplyContext = {
  now: NOW,
  newId: () => 'line-1',
  product: (id) => (id === mug.id ? mug : undefined),
  discount: () => undefined,
  limits: DEFAULT_LIMITS,
  region: (id) => [us, gb].find((r) => r.id === id),
  regionFor: (country) => [us, gb].find((r) => r.countries.includes(country)),
  shippingOption: (id) => (id === express.id ? express : undefined),
};

type Hold = 'create' | 'actions';

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A shop in memory: one cart, made in the default region, changed by the core reducer. */
function fakeShop(hold: ReadonlySet<Hold> = new Set()) {
  const sent: Sent[] = [];
  let cart: CartState | null = null;
  const answer = (status: number, body: unknown) =>
    Promise.resolve(
      new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json' },
      }),
    );
  const never = () => new Promise<Response>(() => undefined);
  const fetch: FetchLike = (url, init) => {
    const method = init.method ?? 'GET';
    const path = new URL(url, 'https://shop.example').pathname;
    const body: unknown = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    sent.push({ method, path, headers: { ...(init.headers as Record<string, string>) }, body });
    if (method === 'GET' && path === '/api/regions')
      // A field this SDK does not know (a newer server's) is dropped, not refused.
      return answer(200, { items: [{ ...us, flag: 'US' }, gb] });
    if (method === 'POST' && path === '/api/carts') {
      if (hold.has('create')) return never();
      cart = {
        id: 'c1',
        version: 1,
        status: 'active',
        regionId: us.id,
        currency: us.currency,
        country: null,
        shippingAddress: null,
        shippingOption: null,
        taxRateBps: us.taxRateBps,
        taxInclusive: us.taxInclusive,
        lines: [],
        discounts: [],
        note: '',
        email: null,
        createdAt: NOW,
        updatedAt: NOW,
        expiresAt: '2026-12-28T10:00:00.000Z',
        appliedActionIds: [],
      };
      return answer(201, { ...computeTotals(cart), token: 'secret' });
    }
    if (cart && method === 'GET' && path === '/api/carts/c1/shipping-options') {
      const discounted = computeTotals(cart).subtotal;
      const items = [express].map((o) => ({ ...o, cost: shippingCost(o, discounted) }));
      return answer(200, { items });
    }
    if (cart && method === 'POST' && path === '/api/carts/c1/actions') {
      if (hold.has('actions')) return never();
      const actions = (body as { actions: CartAction[] }).actions;
      const applied = applyAll(cart, actions, context);
      if (!applied.ok) throw new Error(`the fake shop refused ${JSON.stringify(applied.error)}`);
      cart = {
        ...applied.value,
        version: cart.version + 1,
        appliedActionIds: [
          ...cart.appliedActionIds,
          ...actions.flatMap((a) => (a.actionId === undefined ? [] : [a.actionId])),
        ],
      };
      return answer(200, computeTotals(cart));
    }
    return answer(404, { code: 'NOT_FOUND', status: 404, title: 'Not found', detail: path });
  };
  return { fetch, sent, cart: () => cart };
}

const stores: CartStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.dispose();
});

function storeOn(shop: ReturnType<typeof fakeShop>, options: CartStoreOptions = {}): CartStore {
  let n = 0;
  const store = new CartStore({
    fetch: shop.fetch,
    auth: 'bearer',
    storage: new MemoryStorage(),
    online: alwaysOnline,
    tabs: soloTab(),
    live: false,
    newId: () => `id-${++n}`,
    ...options,
  });
  stores.push(store);
  return store;
}

/** Resolves once `check` passes (requests go out after a save, not on a snapshot change). */
async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
}

const batches = (sent: readonly Sent[]) =>
  sent
    .filter((r) => r.path.endsWith('/actions'))
    .flatMap((r) => (r.body as { actions: CartAction[] }).actions);

describe('regions', () => {
  it('reads the regions, and shows a queued setCountry at once in the new currency', async () => {
    const shop = fakeShop(new Set(['actions']));
    const store = storeOn(shop);
    await store.start();
    const { items } = await store.loadRegions();
    expect(items).toEqual([us, gb]);

    void store.addLine(mug, 2);
    void store.setCountry('GB');
    await eventually(() => batches(shop.sent).length > 0);
    const cart = store.getSnapshot().cart;
    expect([cart?.regionId, cart?.country, cart?.currency]).toEqual(['gb', 'GB', 'GBP']);
    // 2 × 800, tax-inclusive at 20%: 1600 contains 266.67.
    expect([cart?.subtotal, cart?.taxTotal, cart?.total]).toEqual([
      money(1600, 'GBP'),
      money(267, 'GBP'),
      money(1600, 'GBP'),
    ]);
    // Queued actions with their ids, like every other change: applied once, however often sent.
    const [add, move] = store.getSnapshot().pending.map((p) => p.actionId);
    expect(batches(shop.sent)).toEqual([
      { type: 'addLine', productId: 'mug', quantity: 2, actionId: add },
      { type: 'setCountry', country: 'GB', actionId: move },
    ]);
  });

  it('shows a setCountry once the shop has applied it while the regions are not known', async () => {
    const shop = fakeShop();
    const store = storeOn(shop);
    await store.start();
    void store.addLine(mug, 1);
    const moved = store.setCountry('GB');
    expect(store.getSnapshot().cart?.currency).toBe('USD');
    const result = await moved;
    expect(result.ok).toBe(true);
    expect(store.getSnapshot().cart).toMatchObject({
      currency: 'GBP',
      country: 'GB',
      total: money(800, 'GBP'),
    });
  });

  it('refuses on the device a country no region sells to, once the regions are known', async () => {
    const shop = fakeShop(new Set(['actions']));
    const store = storeOn(shop);
    await store.start();
    await store.loadRegions();
    const refused = await store.setCountry('FR');
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'COUNTRY_NOT_SERVED', source: 'local' },
    });
    expect(store.getSnapshot().pendingCount).toBe(0);
  });

  it('sends a country the device cannot judge, while the regions are not known', async () => {
    const shop = fakeShop(new Set(['create']));
    const store = storeOn(shop);
    await store.start();
    void store.setCountry('FR');
    expect(store.getSnapshot().pendingCount).toBe(1);
    expect(store.getSnapshot().lastError).toBeNull();
  });

  it('sets a shipping address, checked against the schema on the device', async () => {
    const shop = fakeShop();
    const store = storeOn(shop);
    await store.start();
    await store.loadRegions();
    const address = {
      name: 'Jo Bloggs',
      line1: '1 High Street',
      line2: '',
      city: 'London',
      postalCode: 'SW1A 1AA',
      province: '',
      country: 'GB' as const,
    };
    const bad = await store.setShippingAddress({ ...address, postalCode: '123' });
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', source: 'local' },
    });
    const set = store.setShippingAddress(address);
    expect(store.getSnapshot().cart).toMatchObject({ shippingAddress: address, currency: 'GBP' });
    expect((await set).ok).toBe(true);
    expect(shop.cart()).toMatchObject({ shippingAddress: address, regionId: 'gb' });
  });

  it('starts a cart not made yet in the default region, once the regions are known', async () => {
    const shop = fakeShop(new Set(['create']));
    const store = storeOn(shop, { currency: 'USD', taxRateBps: 500 });
    await store.start();
    void store.addLine(mug, 1);
    expect(store.getSnapshot().cart).toMatchObject({ regionId: 'pending', total: money(1050) });
    await store.loadRegions();
    expect(store.getSnapshot().cart).toMatchObject({
      regionId: 'us',
      currency: 'USD',
      taxTotal: money(100),
      total: money(1100),
    });
  });

  it('prices a cart not made yet with the tax rule of the options, inclusive too', async () => {
    const shop = fakeShop(new Set(['create']));
    const store = storeOn(shop, { taxRateBps: 2000, taxInclusive: true });
    await store.start();
    void store.addLine(mug, 3);
    // 3000 contains 3000 × 2000 / 12000 = 500 of tax.
    expect(store.getSnapshot().cart).toMatchObject({
      taxRateBps: 2000,
      taxInclusive: true,
      taxTotal: money(500),
      total: money(3000),
    });
  });

  it('remembers the tax rule of the carts the shop sends, for the next cart', async () => {
    const shop = fakeShop();
    const store = storeOn(shop, { taxRateBps: 0 });
    await store.start();
    expect((await store.addLine(mug, 1)).ok).toBe(true);
    await store.startNewCart();
    const cart = store.getSnapshot().cart;
    expect([cart?.id, cart?.taxRateBps, cart?.taxInclusive]).toEqual(['pending', 1000, false]);
  });
});

describe('shipping options', () => {
  it('has none to read before there is a cart', async () => {
    const shop = fakeShop();
    const store = storeOn(shop);
    await store.start();
    expect(await store.loadShippingOptions()).toEqual({ items: [] });
    expect(shop.sent.filter((r) => r.path.includes('shipping-options'))).toEqual([]);
  });

  it("reads the cart's options with their cost, and shows a queued choice of one at once", async () => {
    const shop = fakeShop();
    const store = storeOn(shop);
    await store.start();
    expect((await store.addLine(mug, 1)).ok).toBe(true);
    const { items } = await store.loadShippingOptions();
    expect(items).toEqual([{ ...express, cost: money(1500) }]);
    const read = shop.sent.find((r) => r.path === '/api/carts/c1/shipping-options');
    expect(read?.headers['authorization']).toBe('Bearer secret');

    const chosen = store.setShippingOption('us-express');
    const cart = store.getSnapshot().cart;
    // 1000 + 1500 shipping, taxable at 10%.
    expect(cart).toMatchObject({
      shippingOptionId: 'us-express',
      shippingTotal: money(1500),
      taxTotal: money(250),
      total: money(2750),
    });
    // The cart holds the option's terms, not what the list said it costs.
    expect(cart?.shippingOption).toEqual({
      id: 'us-express',
      name: 'Express',
      amount: money(1500),
      freeOverSubtotal: null,
      taxable: true,
    });
    expect((await chosen).ok).toBe(true);
    expect(store.getSnapshot().confirmed?.total).toEqual(money(2750));
  });

  it('shows a choice of an option not read once the shop has applied it', async () => {
    const shop = fakeShop();
    const store = storeOn(shop);
    await store.start();
    expect((await store.addLine(mug, 1)).ok).toBe(true);
    const chosen = store.setShippingOption('us-express');
    expect(store.getSnapshot().cart?.shippingTotal).toEqual(money(0));
    expect(store.getSnapshot().pendingCount).toBe(1);
    expect((await chosen).ok).toBe(true);
    expect(store.getSnapshot().cart?.shippingTotal).toEqual(money(1500));
  });

  it('clears the choice with null', async () => {
    const shop = fakeShop();
    const store = storeOn(shop);
    await store.start();
    await store.addLine(mug, 1);
    await store.setShippingOption('us-express');
    expect((await store.setShippingOption(null)).ok).toBe(true);
    const confirmed: Cart | null = store.getSnapshot().confirmed;
    expect(confirmed && toCartState(confirmed).shippingOption).toBeNull();
  });
});
