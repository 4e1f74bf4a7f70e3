import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cart, CreatedCart, Product } from '@cart/core';
import {
  adminAuth,
  bearer,
  buildTestApp,
  productInput,
  type TestApp,
} from '@cart/test-support/test-app.ts';
import {
  MemoryStorage,
  browserTabs,
  createCartStore,
  type CartStore,
  type TabCoordinator,
} from '../src/index.ts';
import { FakeClock } from './support/fake-clock.ts';
import { InjectNetwork } from '@cart/test-support/inject-network.ts';
import { TestLockManager } from './support/test-locks.ts';
import { until } from './support/until.ts';

/**
 * Tabs of one browser, modelled in one process: Node's BroadcastChannel is the real
 * thing (delivered between channels of one name), and the tabs share one storage as
 * they would share IndexedDB.
 */
describe('several tabs', () => {
  let t: TestApp;
  let net: InjectNetwork;
  let clock: FakeClock;
  let channel: string;
  const stores: CartStore[] = [];
  let n = 0;

  beforeEach(async () => {
    t = await buildTestApp({ env: { RATE_LIMITS: 'off', LOG_LEVEL: 'silent' } });
    net = new InjectNetwork(t.app);
    clock = new FakeClock();
    channel = `cart-test-${++n}-${Math.random()}`;
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) s.dispose();
    await t.close();
  });

  const tab = (storage: MemoryStorage, tabs?: TabCoordinator): CartStore => {
    const s = createCartStore({
      baseUrl: 'http://shop.test',
      auth: 'bearer',
      fetch: net.fetch,
      runtime: clock,
      live: false,
      storage,
      tabs: tabs ?? browserTabs({ name: channel, locks: null, heartbeatMs: 20, leaseMs: 200 }),
    });
    stores.push(s);
    return s;
  };

  const product = async (): Promise<Product> => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/admin/products',
      headers: adminAuth,
      payload: productInput(),
    });
    return res.json<Product>();
  };

  const serverCart = async (s: CartStore): Promise<Cart> =>
    (
      await t.app.inject({
        url: `/api/carts/${s.getSnapshot().cartId}`,
        headers: bearer(s.api.token as string),
      })
    ).json<Cart>();

  const oneLeader = async (tabs: CartStore[]) => {
    for (let i = 0; i < 500; i++) {
      const leaders = tabs.filter((s) => s.getSnapshot().leader);
      if (leaders.length === 1) {
        // Stable for a few heartbeats: the election is over.
        await new Promise((r) => setTimeout(r, 100));
        const again = tabs.filter((s) => s.getSnapshot().leader);
        if (again.length === 1 && again[0] === leaders[0]) return leaders[0] as CartStore;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('no single leader');
  };

  it('elects one tab to send, shares the queue, and resolves the other tab’s actions', async () => {
    const storage = new MemoryStorage();
    const mug = await product();
    const [a, b] = [tab(storage), tab(storage)];
    await Promise.all([a.start(), b.start()]);
    const leader = await oneLeader([a, b]);
    const follower = leader === a ? b : a;

    const done = follower.addLine(mug, 2);
    expect(follower.getSnapshot().cart?.lines.map((l) => l.quantity)).toEqual([2]);
    const result = await done;
    expect(result.ok).toBe(true);
    const cart = await serverCart(leader);
    await until(follower, (s) => s.confirmed?.version === cart.version && s.pendingCount === 0);
    expect(follower.getSnapshot().cart?.total).toEqual(cart.total);
    expect(leader.getSnapshot().cart?.total).toEqual(cart.total);
    expect(cart.lines.map((l) => l.quantity)).toEqual([2]);
  });

  it('hands over when the leading tab closes: the next one sends what is queued, once', async () => {
    const storage = new MemoryStorage();
    const [x, y] = [await product(), await product()];
    const [a, b] = [tab(storage), tab(storage)];
    await Promise.all([a.start(), b.start()]);
    const leader = await oneLeader([a, b]);
    const follower = leader === a ? b : a;
    await leader.createCart();
    await until(follower, (s) => s.cartId !== null);

    net.isDown = true;
    void leader.addLine(x, 1);
    await until(leader, (s) => s.status === 'offline');
    void follower.addLine(y, 1);
    await until(leader, (s) => s.pendingCount === 2);
    leader.dispose();

    net.isDown = false;
    await until(follower, (s) => s.leader);
    await until(follower, (s) => s.status === 'idle' && s.pendingCount === 0);
    const cart = await serverCart(follower);
    expect(cart.lines.map((l) => [l.productId, l.quantity])).toEqual([
      [x.id, 1],
      [y.id, 1],
    ]);
    expect(cart.version).toBe(2);
  });

  it('lets a following tab create, load, retry, start anew and check out, through the leader', async () => {
    const storage = new MemoryStorage();
    const [a, b] = [tab(storage), tab(storage)];
    await Promise.all([a.start(), b.start()]);
    const leader = await oneLeader([a, b]);
    const follower = leader === a ? b : a;

    const made = await follower.createCart();
    await until(leader, (s) => s.cartId === made.id);

    const other = (await t.app.inject({ method: 'POST', url: '/api/carts' })).json<CreatedCart>();
    const loaded = await follower.loadCart(other.id, other.token);
    expect(loaded.id).toBe(other.id);
    await until(leader, (s) => s.cartId === other.id);
    follower.retry();

    await follower.startNewCart();
    await until(leader, (s) => s.cartId === null);
    await until(follower, (s) => s.cartId === null);

    const mug = await product();
    void follower.addLine(mug, 1);
    const order = await follower.checkout();
    expect(order.cart).toMatchObject({ status: 'checked_out', itemCount: 1 });
    await until(leader, (s) => s.confirmed?.status === 'checked_out');
  });

  it('takes leadership from Web Locks when the browser has them', async () => {
    const locks = new TestLockManager();
    const storage = new MemoryStorage();
    const mk = () => browserTabs({ name: channel, locks });
    const [a, b] = [tab(storage, mk()), tab(storage, mk())];
    await a.start();
    await b.start();
    expect(a.getSnapshot().leader).toBe(true);
    expect(b.getSnapshot().leader).toBe(false);
    a.dispose();
    await until(b, (s) => s.leader);
  });
});
