import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Cart, Product, ProductInput } from '@cart/core';
import { HttpClient } from '@cart/test-support/http.ts';
import { startTestServer, type TestServer } from '@cart/test-support/test-server.ts';
import {
  CartApiError,
  MemoryStorage,
  createCartStore,
  type CartStore,
  type CartStoreOptions,
} from '../src/index.ts';
import { startFlakyProxy, type FlakyProxy } from './support/flaky-proxy.ts';
import { until } from './support/until.ts';

/**
 * The SDK against the real server on a real socket, through a proxy that can lose
 * answers and refuse connections. Nothing in the request path is mocked.
 */
describe('the SDK against the real server', () => {
  let server: TestServer;
  let http: HttpClient;
  let proxy: FlakyProxy;
  const stores: CartStore[] = [];
  let skus = 0;

  beforeAll(async () => {
    server = await startTestServer();
    http = new HttpClient(server.url);
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) s.dispose();
    await proxy?.close();
  });

  const product = async (overrides: Partial<ProductInput> = {}): Promise<Product> => {
    const res = await http.post<Product>('/api/admin/products', {
      token: server.adminToken,
      body: {
        sku: `SDK-${++skus}`,
        name: `Thing ${skus}`,
        description: '',
        price: { amount: 1250, currency: 'USD' },
        stock: null,
        maxPerOrder: null,
        imageUrl: null,
        requiresShipping: false,
        ...overrides,
      },
    });
    expect(res.status, res.text).toBe(201);
    return res.body;
  };

  const store = (options: CartStoreOptions = {}): CartStore => {
    const s = createCartStore({
      baseUrl: proxy.url,
      auth: 'bearer',
      live: false,
      retry: { baseDelayMs: 5, maxDelayMs: 20 },
      reconnect: { baseDelayMs: 20, maxDelayMs: 100 },
      ...options,
    });
    stores.push(s);
    return s;
  };

  /** The cart as the server has it, read directly (not through the proxy). */
  const serverCart = async (s: CartStore): Promise<Cart> => {
    const res = await http.get<Cart>(`/api/carts/${s.getSnapshot().cartId}`, {
      token: s.api.token as string,
    });
    expect(res.status).toBe(200);
    return res.body;
  };

  it('retries an add whose answer was lost after the commit; the server replays; the line exists once', async () => {
    proxy = await startFlakyProxy(server.url);
    const mug = await product({ name: 'Mug' });
    const s = store();
    await s.start();
    await s.createCart();
    const before = (await serverCart(s)).version;

    proxy.dropAnswers(/^POST \/api\/carts\/[^/]+\/actions$/);
    const result = await s.addLine(mug, 2);

    expect(result.ok).toBe(true);
    expect(proxy.dropped).toHaveLength(1);
    const posts = proxy.requests.filter((r) => r.endsWith('/actions'));
    expect(posts).toHaveLength(2); // the lost one and its retry
    const cart = await serverCart(s);
    expect(cart.lines.map((l) => [l.productId, l.quantity])).toEqual([[mug.id, 2]]);
    expect(cart.version).toBe(before + 1);
    expect(s.getSnapshot()).toMatchObject({ status: 'idle', pendingCount: 0 });
    expect(s.getSnapshot().cart?.lines.map((l) => l.quantity)).toEqual([2]);
  });

  it('queues 3 actions offline, survives a reload, and applies exactly those 3 in one flush', async () => {
    proxy = await startFlakyProxy(server.url);
    const [a, b, c] = [await product(), await product(), await product()];
    const storage = new MemoryStorage();
    const first = store({ storage });
    await first.start();
    await first.createCart();
    const created = await serverCart(first);
    const token = first.api.token;

    proxy.down();
    void first.addLine(a, 1);
    await until(first, (snap) => snap.status === 'offline');
    void first.addLine(b, 2);
    void first.addLine(c, 3);
    const offline = first.getSnapshot();
    expect(offline.pendingCount).toBe(3);
    expect(offline.cart?.lines.map((l) => [l.productId, l.quantity, l.pending])).toEqual([
      [a.id, 1, true],
      [b.id, 2, true],
      [c.id, 3, true],
    ]);
    expect(offline.cart?.subtotal.amount).toBe(6 * 1250);

    // A reload: the page goes, a new store starts from what was persisted.
    first.dispose();
    const second = store({ storage });
    await second.start();
    const reloaded = await until(second, (snap) => snap.status === 'offline');
    expect(reloaded.pendingCount).toBe(3);
    expect(reloaded.cartId).toBe(created.id);
    expect(second.api.token).toBe(token);
    expect(reloaded.cart?.lines.map((l) => l.quantity)).toEqual([1, 2, 3]);

    const postsBefore = proxy.requests.filter((r) => r.endsWith('/actions')).length;
    proxy.up();
    const synced = await until(second, (snap) => snap.status === 'idle' && snap.pendingCount === 0);

    const cart = await serverCart(second);
    expect(cart.version).toBe(created.version + 1);
    expect(cart.lines.map((l) => [l.productId, l.quantity])).toEqual([
      [a.id, 1],
      [b.id, 2],
      [c.id, 3],
    ]);
    expect(proxy.requests.filter((r) => r.endsWith('/actions')).length - postsBefore).toBe(1);
    expect(synced.cart?.total).toEqual(cart.total);
    expect(synced.cart?.lines.every((l) => !l.pending)).toBe(true);
  });

  it('shows a refused add at once, then rolls it back and reports the catalog message', async () => {
    proxy = await startFlakyProxy(server.url);
    const scarce = await product({ name: 'Last Kettle', stock: 1 });
    const s = store();
    await s.start();
    await s.createCart();
    const refusals: string[] = [];
    s.onRefusal((r) => refusals.push(r.code));

    // The page was loaded when five were in stock.
    const pending = s.addLine({ ...scarce, stock: 5 }, 3);
    const optimistic = s.getSnapshot();
    expect(optimistic.cart?.lines.map((l) => [l.name, l.quantity, l.pending])).toEqual([
      ['Last Kettle', 3, true],
    ]);

    const result = await pending;
    expect(result.ok).toBe(false);
    const after = s.getSnapshot();
    expect(after.cart?.lines).toEqual([]);
    expect(after.pendingCount).toBe(0);
    expect(after.lastError).toMatchObject({
      code: 'OUT_OF_STOCK',
      status: 409,
      message: 'Sorry, we do not have that many in stock.',
      detail: 'Only 1 of Last Kettle left.',
      source: 'server',
      action: { type: 'addLine', productId: scarce.id, quantity: 3 },
    });
    expect(refusals).toEqual(['OUT_OF_STOCK']);
    expect((await serverCart(s)).lines).toEqual([]);
  });

  it('keeps two stores of one cart in step over live events', async () => {
    proxy = await startFlakyProxy(server.url);
    const mug = await product({ name: 'Mug' });
    const one = store({ live: true });
    await one.start();
    const cart = await one.createCart();
    const two = store({ live: true });
    await two.start();
    await two.loadCart(cart.id, one.api.token);

    await one.addLine(mug, 1);
    const seen = await until(two, (snap) => snap.cart?.lines.length === 1);
    const lineId = seen.cart?.lines[0]?.id as string;
    expect(seen.cart?.lines[0]).toMatchObject({ productId: mug.id, quantity: 1, pending: false });

    await two.setQuantity(lineId, 4);
    await until(one, (snap) => snap.cart?.lines[0]?.quantity === 4);
    const latest = await serverCart(one);
    await until(two, (snap) => snap.confirmed?.version === latest.version);
    expect(one.getSnapshot().confirmed).toEqual(latest);
    expect(two.getSnapshot().confirmed).toEqual(latest);
  });

  it('learns stock levels of its products live: shown in the snapshot, and held to on the device', async () => {
    proxy = await startFlakyProxy(server.url);
    const tea = await product({ name: 'Tea', stock: 5 });
    const s = store({ live: true });
    await s.start();
    await s.addLine(tea, 3);
    await until(s, (snap) => snap.status === 'idle' && snap.cart?.lines[0]?.pending === false);
    expect(s.getSnapshot().stock[tea.id]).toBe(5);

    const put = await http.put(`/api/admin/products/${tea.id}`, {
      token: server.adminToken,
      body: { ...tea, id: undefined, stock: 2 },
    });
    expect(put.status, put.text).toBe(200);
    await until(s, (snap) => snap.stock[tea.id] === 2);
    // The device now knows only 2 are left: a raise to 3 of a fresh line is refused at once.
    const lineId = s.getSnapshot().cart?.lines[0]?.id as string;
    await s.setQuantity(lineId, 2);
    const raised = await s.setQuantity(lineId, 3);
    expect(raised.ok).toBe(false);
    expect(!raised.ok && raised.error).toMatchObject({ code: 'OUT_OF_STOCK', source: 'local' });
  });

  it('follows live events again after the stream is cut', async () => {
    proxy = await startFlakyProxy(server.url);
    const mug = await product({ name: 'Mug' });
    const watcher = store({ live: true });
    await watcher.start();
    const cart = await watcher.createCart();
    const add = () =>
      http.post<Cart>(`/api/carts/${cart.id}/lines`, {
        token: watcher.api.token as string,
        body: { productId: mug.id, quantity: 1 },
      });

    const v2 = (await add()).body;
    await until(watcher, (s) => s.confirmed?.version === v2.version);
    proxy.down(); // the phone loses its network: the stream dies
    proxy.up();
    const v3 = (await add()).body;
    const seen = await until(watcher, (s) => s.confirmed?.version === v3.version);
    expect(seen.cart?.lines.map((l) => l.quantity)).toEqual([2]);
  });

  it('never counts its own batch twice when the live event overtakes the answer', async () => {
    proxy = await startFlakyProxy(server.url);
    const mug = await product({ name: 'Mug' });
    let release: (() => void) | null = null;
    const held = new Promise<void>((r) => (release = r));
    let holding = false;
    const s = store({
      live: true,
      // The answer to the batch is held back after it arrived; the live event is not.
      fetch: async (url, init) => {
        const res = await fetch(url, init);
        if (holding && init.method === 'POST' && url.endsWith('/actions')) await held;
        return res;
      },
    });
    await s.start();
    await s.createCart();
    await until(s, (snap) => snap.confirmed?.version === 1);
    const quantities: number[] = [];
    s.subscribe(() => quantities.push(s.getSnapshot().cart?.lines[0]?.quantity ?? 0));

    holding = true;
    const done = s.addLine(mug, 1);
    // Wait until the server has the change (the live stream has it too), then answer.
    for (let i = 0; i < 200 && (await serverCart(s)).version < 2; i++)
      await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    expect(s.getSnapshot().cart?.lines.map((l) => l.quantity)).toEqual([1]);
    // The live event lists the action as applied: it is confirmed before its answer.
    expect((await done).ok).toBe(true);
    (release as unknown as () => void)();
    await until(s, (snap) => snap.status === 'idle');
    expect(Math.max(...quantities)).toBe(1);
    expect(s.getSnapshot()).toMatchObject({ status: 'idle', confirmed: { version: 2 } });
  });

  it('does not check out when a queued change is refused on the way', async () => {
    proxy = await startFlakyProxy(server.url);
    const scarce = await product({ name: 'Scarce', stock: 1 });
    const mug = await product({ name: 'Mug' });
    const s = store();
    await s.start();
    await s.addLine(mug, 1);
    void s.addLine({ ...scarce, stock: 5 }, 2);
    const error = await s.checkout().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CartApiError);
    expect(error).toMatchObject({ code: 'OUT_OF_STOCK', detail: 'Only 1 of Scarce left.' });
    expect(proxy.requests.some((r) => r.endsWith('/checkout'))).toBe(false);
    expect((await serverCart(s)).status).toBe('active');
  });

  it('checks out after sending what is queued, never optimistically', async () => {
    proxy = await startFlakyProxy(server.url);
    const mug = await product({ name: 'Mug', stock: 10 });
    const s = store();
    await s.start();
    void s.addLine(mug, 2);
    const result = await s.checkout();
    expect(result.cart).toMatchObject({ status: 'checked_out', itemCount: 2 });
    expect(s.getSnapshot()).toMatchObject({ pendingCount: 0, lastOrder: result });
    const stock = await http.get<Product>(`/api/products/${mug.id}`);
    expect(stock.body.stock).toBe(8);

    // The cart is closed now: a further change starts a new cart; the order stays shown.
    const late = await s.addLine(mug, 1);
    expect(late.ok).toBe(true);
    expect(s.getSnapshot().cartId).not.toBe(result.cart.id);
    expect(s.getSnapshot()).toMatchObject({ lastOrder: result, confirmed: { itemCount: 1 } });
  });
});
