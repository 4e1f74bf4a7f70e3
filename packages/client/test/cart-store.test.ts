// Over 400 lines on purpose: the store's public API, method by method, every test against
// an in-process server made by the one setup at the top.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cart, CreatedCart, Product, ProductInput } from '@cart/core';
import {
  adminAuth,
  bearer,
  buildTestApp,
  productInput,
  type TestApp,
} from '@cart/test-support/test-app.ts';
import {
  CartApiError,
  CartNetworkError,
  ManualOnlineSignal,
  MemoryStorage,
  createCartStore,
  type CartStore,
  type CartStoreOptions,
} from '../src/index.ts';
import { FakeClock } from './support/fake-clock.ts';
import { InjectNetwork } from '@cart/test-support/inject-network.ts';
import { until } from './support/until.ts';

const ACTIONS = /^POST \/api\/carts\/[^/]+\/actions$/;

/**
 * The store against the real application (through app.inject, so the server's own
 * idempotency, actionId and refusal logic answer), with a fake clock for every wait
 * the SDK makes and a network the test breaks on purpose.
 */
describe('the cart store', () => {
  let t: TestApp;
  let net: InjectNetwork;
  let clock: FakeClock;
  const stores: CartStore[] = [];

  beforeEach(async () => {
    t = await buildTestApp({ env: { RATE_LIMITS: 'off', LOG_LEVEL: 'silent' } });
    net = new InjectNetwork(t.app);
    clock = new FakeClock();
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) s.dispose();
    await t.close();
  });

  const store = (options: CartStoreOptions = {}): CartStore => {
    const s = createCartStore({
      baseUrl: 'http://shop.test',
      auth: 'bearer',
      fetch: net.fetch,
      runtime: clock,
      live: false,
      ...options,
    });
    stores.push(s);
    return s;
  };

  const product = async (overrides: Partial<ProductInput> = {}): Promise<Product> => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/admin/products',
      headers: adminAuth,
      payload: productInput(overrides),
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<Product>();
  };

  const serverCart = async (s: CartStore): Promise<Cart> => {
    const res = await t.app.inject({
      url: `/api/carts/${s.getSnapshot().cartId}`,
      headers: bearer(s.api.token as string),
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Cart>();
  };

  const idle = (s: CartStore) =>
    until(s, (snap) => snap.status === 'idle' && snap.pendingCount === 0);

  /** Fails the network until the store has given up and gone offline. */
  const goOffline = async (s: CartStore) => {
    net.isDown = true;
    s.retry(); // a request, so that the store finds out
    await until(s, (snap) => snap.status === 'offline');
  };

  /** Brings the network back and lets the store's backoff timer fire. */
  const comeBack = (s: CartStore) => {
    net.isDown = false;
    clock.tick(60_000);
    return idle(s);
  };

  it('loads, shows an add at once, and confirms it with the server totals', async () => {
    const mug = await product({ name: 'Mug', price: { amount: 1999, currency: 'USD' } });
    const s = store();
    expect(s.getSnapshot()).toMatchObject({ status: 'loading', cart: null });
    await s.start();
    expect(s.getSnapshot()).toMatchObject({ status: 'idle', cartId: null, pendingCount: 0 });
    expect(s.getSnapshot().cart?.lines).toEqual([]);

    const done = s.addLine(mug, 2);
    const shown = s.getSnapshot();
    expect(shown.status).toBe('syncing');
    expect(shown.cart?.subtotal.amount).toBe(3998);
    expect(shown.cart?.lines[0]).toMatchObject({ name: 'Mug', quantity: 2, pending: true });

    const result = await done;
    expect(result.ok).toBe(true);
    const confirmed = await serverCart(s);
    expect(s.getSnapshot()).toMatchObject({ status: 'idle', confirmed });
    expect(s.getSnapshot().cart).toMatchObject({
      total: confirmed.total,
      subtotal: confirmed.subtotal,
      version: confirmed.version,
    });
  });

  it('keeps the same snapshot object until something changes', async () => {
    const s = store();
    await s.start();
    const a = s.getSnapshot();
    expect(s.getSnapshot()).toBe(a);
    s.dismissError();
    expect(s.getSnapshot()).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    let calls = 0;
    const unsubscribe = s.subscribe(() => calls++);
    void s.setNote('leave at the door');
    expect(s.getSnapshot()).not.toBe(a);
    expect(calls).toBeGreaterThan(0);
    unsubscribe();
    await idle(s);
  });

  it('reuses the Idempotency-Key on every retry of one batch; the server replays', async () => {
    const mug = await product();
    const s = store();
    await s.start();
    await s.createCart();
    // The first copy commits and every answer is lost, until the transport gives up.
    net.loseAnswers(ACTIONS, 4);
    void s.addLine(mug, 1);
    await until(s, (snap) => snap.status === 'offline');
    expect(clock.sleeps.length).toBeGreaterThanOrEqual(3);

    await comeBack(s);
    const posts = net.matching(ACTIONS);
    expect(posts).toHaveLength(5);
    expect(new Set(posts.map((p) => p.key)).size).toBe(1);
    expect(new Set(posts.map((p) => JSON.stringify(p.body))).size).toBe(1);
    const cart = await serverCart(s);
    expect(cart.lines.map((l) => l.quantity)).toEqual([1]);
    expect(cart.version).toBe(2);
  });

  it('recomposes a batch after a lost answer: the server skips what it applied, each action once', async () => {
    const [a, b] = [await product(), await product()];
    const s = store();
    await s.start();
    await s.createCart();
    net.loseAnswers(ACTIONS, 4);
    void s.addLine(a, 1);
    await until(s, (snap) => snap.status === 'offline');
    void s.addLine(b, 1);

    await comeBack(s);
    const posts = net.matching(ACTIONS);
    const last = posts.at(-1);
    expect(last?.key).not.toBe(posts[0]?.key);
    expect((last?.body as { actions: unknown[] }).actions).toHaveLength(2);
    const cart = await serverCart(s);
    expect(cart.lines.map((l) => [l.productId, l.quantity])).toEqual([
      [a.id, 1],
      [b.id, 1],
    ]);
    // Version 2 was the lost batch; the recomposed one applied only b: version 3.
    expect(cart.version).toBe(3);
  });

  it('attributes a refusal correctly after a lost answer, re-sending the old batch first', async () => {
    const a = await product({ name: 'A' });
    const gone = await product({ name: 'Gone', stock: 0 });
    const c = await product({ name: 'C' });
    const s = store();
    await s.start();
    await s.createCart();
    net.loseAnswers(ACTIONS, 4);
    const first = s.addLine(a, 1);
    await until(s, (snap) => snap.status === 'offline');
    // The page still showed stock, so the device cannot know this will be refused.
    const second = s.addLine({ ...gone, stock: 5 }, 1);
    const third = s.addLine(c, 1);

    await comeBack(s);
    // [A, Gone, C] was refused at index 0 of what the server did not skip ([Gone, C]):
    // taken at face value that would blame A. The old batch [A] went again first.
    expect((await first).ok).toBe(true);
    expect(await second).toMatchObject({ ok: false, error: { code: 'OUT_OF_STOCK' } });
    expect((await third).ok).toBe(true);
    const cart = await serverCart(s);
    expect(cart.lines.map((l) => l.name)).toEqual(['A', 'C']);
    expect(s.getSnapshot().cart?.lines.map((l) => l.name)).toEqual(['A', 'C']);
    expect(s.getSnapshot().lastError).toMatchObject({
      code: 'OUT_OF_STOCK',
      action: { productId: gone.id },
    });
  });

  it('drops the one refused action of a batch, rolls it back, and applies the others', async () => {
    const a = await product({ name: 'A' });
    const scarce = await product({ name: 'Scarce', stock: 1 });
    const c = await product({ name: 'C' });
    const s = store();
    await s.start();
    await s.createCart();
    await goOffline(s);
    const results = [s.addLine(a, 1), s.addLine({ ...scarce, stock: 9 }, 2), s.addLine(c, 1)];
    expect(s.getSnapshot().cart?.lines.map((l) => l.name)).toEqual(['A', 'Scarce', 'C']);

    await comeBack(s);
    const [ra, rs, rc] = await Promise.all(results);
    expect(ra?.ok).toBe(true);
    expect(rs).toMatchObject({
      ok: false,
      error: { code: 'OUT_OF_STOCK', message: 'Sorry, we do not have that many in stock.' },
    });
    expect(rc?.ok).toBe(true);
    const cart = await serverCart(s);
    expect(cart.lines.map((l) => l.name)).toEqual(['A', 'C']);
    expect(cart.version).toBe(2); // the refused batch changed nothing
    expect(s.getSnapshot().cart?.lines.map((l) => l.name)).toEqual(['A', 'C']);
  });

  it('rebases the queue on each answer: a change made elsewhere shows under the pending ones', async () => {
    const [a, b, other] = [
      await product({ name: 'A' }),
      await product({ name: 'B' }),
      await product({ name: 'Other' }),
    ];
    const s = store();
    await s.start();
    const created = await s.createCart();
    const release = net.hold(ACTIONS);
    void s.addLine(a, 1);
    await until(
      s,
      () => net.matching(ACTIONS).length === 0 && s.getSnapshot().status === 'syncing',
    );
    // Another device adds to the same cart while our batch is on its way.
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/carts/${created.id}/lines`,
      headers: bearer(s.api.token as string),
      payload: { productId: other.id, quantity: 1 },
    });
    expect(res.statusCode).toBe(200);
    void s.addLine(b, 2);
    release();
    const rebased = await until(s, (snap) => snap.confirmed?.lines.length === 2);
    // Confirmed: Other, A. Shown: that plus B, still pending.
    expect(rebased.cart?.lines.map((l) => [l.name, l.pending])).toEqual(
      rebased.pendingCount === 1
        ? [
            ['Other', false],
            ['A', false],
            ['B', true],
          ]
        : [
            ['Other', false],
            ['A', false],
            ['B', false],
          ],
    );
    await idle(s);
    expect(s.getSnapshot().cart).toMatchObject({ total: (await serverCart(s)).total });
  });

  it('sends a change to a line it just added once the server has named that line', async () => {
    const mug = await product({ name: 'Mug' });
    const s = store();
    await s.start();
    await s.createCart();
    await goOffline(s);
    void s.addLine(mug, 1);
    const temp = s.getSnapshot().cart?.lines[0]?.id as string;
    expect(temp).toMatch(/^tmp_/);
    void s.setQuantity(temp, 5);
    expect(s.getSnapshot().cart?.lines.map((l) => l.quantity)).toEqual([5]);

    await comeBack(s);
    const cart = await serverCart(s);
    expect(cart.lines.map((l) => l.quantity)).toEqual([5]);
    const posts = net.matching(ACTIONS).slice(-2);
    expect(
      posts.map((p) => (p.body as { actions: { type: string }[] }).actions.map((x) => x.type)),
    ).toEqual([['addLine'], ['setLineQuantity']]);
    const line = s.getSnapshot().cart?.lines[0];
    expect(line?.id).toBe(cart.lines[0]?.id);
    expect(line?.key).toBe(temp); // a UI keyed by it keeps the row (and its focus)
  });

  it('drops what depends on a refused add', async () => {
    const gone = await product({ name: 'Gone', stock: 0 });
    const s = store();
    await s.start();
    await s.createCart();
    await goOffline(s);
    const add = s.addLine({ ...gone, stock: 3 }, 1);
    const temp = s.getSnapshot().cart?.lines[0]?.id as string;
    const change = s.setQuantity(temp, 2);
    await comeBack(s);
    expect(await add).toMatchObject({ ok: false, error: { code: 'OUT_OF_STOCK' } });
    expect(await change).toMatchObject({ ok: false, error: { code: 'LINE_NOT_FOUND' } });
    expect(s.getSnapshot().lastError?.code).toBe('OUT_OF_STOCK');
  });

  it('refuses on the device what the cart shown already breaks, without a request', async () => {
    const limited = await product({ name: 'Kettle', maxPerOrder: 2 });
    const s = store();
    await s.start();
    await s.addLine(limited, 2);
    const before = net.sent.length;
    const r = await s.addLine(limited, 1);
    expect(r).toMatchObject({
      ok: false,
      error: {
        code: 'QUANTITY_LIMIT_EXCEEDED',
        source: 'local',
        detail: 'At most 2 of Kettle per order.',
      },
    });
    const bad = await s.setQuantity('no-such-line', 1);
    expect(bad).toMatchObject({ ok: false, error: { code: 'LINE_NOT_FOUND' } });
    const invalid = await s.setQuantity('x', -1);
    expect(invalid).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', errors: [{ path: '/quantity' }] },
    });
    expect(net.sent.length).toBe(before);
  });

  it('sends codes to the server, which alone knows them', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/api/admin/discounts',
      headers: adminAuth,
      payload: {
        code: 'TEN',
        kind: 'percent',
        value: 1000,
        minSubtotal: null,
        startsAt: null,
        endsAt: null,
        usageLimit: null,
        combinable: true,
      },
    });
    const mug = await product({ price: { amount: 1000, currency: 'USD' } });
    const s = store();
    await s.start();
    await s.addLine(mug, 1);
    const good = await s.applyDiscount('ten');
    expect(good.ok).toBe(true);
    expect(s.getSnapshot().cart?.discountTotal.amount).toBe(100);
    const bad = await s.applyDiscount('NOPE');
    expect(bad).toMatchObject({ ok: false, error: { code: 'DISCOUNT_INVALID', source: 'server' } });
    expect((await s.removeDiscount('TEN')).ok).toBe(true);
    expect((await s.setEmail('a@example.com')).ok).toBe(true);
    expect((await s.clear()).ok).toBe(true);
    const cart = await serverCart(s);
    expect(cart).toMatchObject({ lines: [], discounts: [], email: 'a@example.com' });
  });

  it('shows offline while the device says so, still tries (the signal is a hint), and tries again at once when it is back', async () => {
    const online = new ManualOnlineSignal(false);
    const mug = await product();
    const s = store({ online });
    await s.start();
    void s.addLine(mug, 1);
    expect(s.getSnapshot()).toMatchObject({ status: 'offline', online: false, pendingCount: 1 });
    // A wrong navigator.onLine never stalls the queue: the network works, so it is sent.
    await until(s, (snap) => snap.pendingCount === 0);
    expect((await serverCart(s)).lines).toHaveLength(1);

    net.isDown = true;
    void s.addLine(mug, 1);
    await until(s, (snap) => snap.sync.kind === 'waiting');
    net.isDown = false;
    online.set(true); // no clock tick: the online event skips the backoff
    await idle(s);
    expect((await serverCart(s)).lines[0]?.quantity).toBe(2);
  });

  it('says why it is offline: the device without a network, or the shop not answering', async () => {
    const online = new ManualOnlineSignal(true);
    const mug = await product();
    const s = store({ online });
    await s.start();
    await s.addLine(mug, 1);
    expect(s.getSnapshot()).toMatchObject({ status: 'idle', offlineReason: null });

    // The device is online, the shop does not answer (connection refused, a proxy's page).
    await goOffline(s);
    expect(s.getSnapshot()).toMatchObject({ status: 'offline', offlineReason: 'shop' });
    // The device loses its network too: that is what the shopper can fix.
    online.set(false);
    expect(s.getSnapshot()).toMatchObject({ status: 'offline', offlineReason: 'device' });
    online.set(true);
    net.isDown = false;
    await comeBack(s);
    expect(s.getSnapshot().offlineReason).toBeNull();
  });

  it('round-trips its queue and cart through storage (a reload)', async () => {
    const storage = new MemoryStorage();
    const [a, b] = [await product({ name: 'A' }), await product({ name: 'B' })];
    const first = store({ storage });
    await first.start();
    await first.addLine(a, 1);
    await goOffline(first);
    void first.addLine(b, 2);
    void first.setNote('gift');
    const before = first.getSnapshot();
    first.dispose();

    const second = store({ storage });
    await second.start();
    const after = await until(second, (snap) => snap.status === 'offline');
    expect(after.pending).toEqual(before.pending);
    expect(after.confirmed).toEqual(before.confirmed);
    expect(after.cart?.lines.map((l) => [l.name, l.quantity, l.pending])).toEqual([
      ['A', 1, false],
      ['B', 2, true],
    ]);
    expect(after.cart?.note).toBe('gift');
    expect(second.api.token).toBe(first.api.token);

    await comeBack(second);
    const cart = await serverCart(second);
    expect(cart).toMatchObject({ note: 'gift', version: 3 });
    expect((await storage.load()).outbox).toEqual([]);
  });

  it('starts a new cart when the old one is gone, carrying the queue over', async () => {
    const storage = new MemoryStorage();
    await storage.save({
      meta: {
        v: 2,
        cart: { kind: 'active', id: 'vanished', token: 'x'.repeat(43), confirmed: null },
        lineIds: {},
        checkout: null,
        createKey: null,
        clock: 0,
        lastOrder: null,
      },
    });
    const mug = await product();
    const s = store({ storage });
    await s.start();
    expect(s.getSnapshot()).toMatchObject({ cartId: null, lastError: { code: 'CART_NOT_FOUND' } });
    expect((await s.addLine(mug, 1)).ok).toBe(true);
    expect(s.getSnapshot().cartId).not.toBe('vanished');
    expect((await serverCart(s)).lines).toHaveLength(1);
  });

  it('starts a new cart when the cart was checked out elsewhere, and says so', async () => {
    const mug = await product();
    const s = store();
    await s.start();
    await s.addLine(mug, 1);
    const old = s.getSnapshot().cartId;
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/carts/${old}/checkout`,
      headers: bearer(s.api.token as string),
    });
    expect(res.statusCode).toBe(200);
    // The change that met the closed cart lands in a new one, not in the order.
    const r = await s.addLine(mug, 2);
    expect(r.ok).toBe(true);
    expect(s.getSnapshot().cartId).not.toBe(old);
    expect(s.getSnapshot().lastError).toMatchObject({ code: 'CART_CLOSED' });
    const fresh = await serverCart(s);
    expect(fresh).toMatchObject({ status: 'active', itemCount: 2 });
  });

  it('checks out once even when the answer is lost: the repeat replays the same order', async () => {
    const mug = await product({ stock: 5 });
    const s = store();
    await s.start();
    await s.addLine(mug, 1);
    net.loseAnswers(/\/checkout$/, 4);
    await expect(s.checkout()).rejects.toBeInstanceOf(CartNetworkError);
    const result = await s.checkout();
    const keys = new Set(net.matching(/\/checkout$/).map((r) => r.key));
    expect(keys.size).toBe(1);
    expect(result.cart.status).toBe('checked_out');
    const stock = await t.app.inject({ url: `/api/products/${mug.id}` });
    expect(stock.json<Product>().stock).toBe(4);
  });

  it('shows the re-priced cart that comes with PRICES_CHANGED; confirming checks out with a new key', async () => {
    const mug = await product({ price: { amount: 1000, currency: 'USD' } });
    const s = store();
    await s.start();
    await s.addLine(mug, 2);
    await idle(s);
    const put = await t.app.inject({
      method: 'PUT',
      url: `/api/admin/products/${mug.id}`,
      headers: adminAuth,
      payload: {
        ...productInput({ sku: mug.sku, name: mug.name }),
        price: { amount: 1200, currency: 'USD' },
      },
    });
    expect(put.statusCode, put.body).toBe(200);

    const error = await s.checkout().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CartApiError);
    expect(error).toMatchObject({ code: 'PRICES_CHANGED', status: 409 });
    const shown = s.getSnapshot();
    expect(shown.confirmed).toMatchObject({ version: 3, status: 'active' });
    expect(shown.cart?.total).toEqual({ amount: 2400, currency: 'USD' });
    expect(shown.lastError).toMatchObject({ code: 'PRICES_CHANGED' });

    const order = await s.checkout();
    expect(order.cart.total).toEqual({ amount: 2400, currency: 'USD' });
    const keys = new Set(net.matching(/\/checkout$/).map((r) => r.key));
    expect(keys.size).toBe(2);
  });

  it('refuses to check out an empty cart with the catalog words', async () => {
    const s = store();
    await s.start();
    await s.createCart();
    const error = await s.checkout().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CartApiError);
    expect(error).toMatchObject({
      code: 'CART_EMPTY',
      status: 422,
      message: 'Your cart is empty. Add something before checking out.',
    });
  });

  it('loads an existing cart by id and token', async () => {
    const created = (await t.app.inject({ method: 'POST', url: '/api/carts' })).json<CreatedCart>();
    const s = store();
    await s.start();
    const cart = await s.loadCart(created.id, created.token);
    expect(cart.id).toBe(created.id);
    expect(s.getSnapshot()).toMatchObject({ cartId: created.id, status: 'idle' });
    await expect(s.loadCart(created.id, 'y'.repeat(43))).rejects.toMatchObject({
      code: 'CART_NOT_FOUND',
    });
  });

  it('keeps product facts for optimistic adds from the catalog', async () => {
    const mug = await product({ name: 'Catalog Mug' });
    const s = store();
    await s.start();
    const page = await s.loadProducts({ limit: 50 });
    expect(page.items.map((p) => p.id)).toContain(mug.id);
    void s.addLine(mug.id, 1);
    expect(s.getSnapshot().cart?.lines.map((l) => l.name)).toEqual(['Catalog Mug']);
    await idle(s);
  });
});
