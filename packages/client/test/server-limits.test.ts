import { afterEach, describe, expect, it } from 'vitest';
import type { Cart, Product } from '@cart/core';
import {
  adminAuth,
  bearer,
  buildTestApp,
  productInput,
  type TestApp,
} from '@cart/test-support/test-app.ts';
import { createCartStore, type CartStore, type CartStoreOptions } from '../src/index.ts';
import { FakeClock } from './support/fake-clock.ts';
import { InjectNetwork } from '@cart/test-support/inject-network.ts';
import { until } from './support/until.ts';

/** The store against servers configured tighter than its defaults. */
describe('the store and the server’s limits', () => {
  let t: TestApp;
  let net: InjectNetwork;
  const stores: CartStore[] = [];

  const setup = async (
    env: Record<string, string>,
    network: { browser?: boolean; crossSite?: boolean } = {},
  ) => {
    t = await buildTestApp({ env: { RATE_LIMITS: 'off', LOG_LEVEL: 'silent', ...env } });
    net = new InjectNetwork(t.app, network);
  };
  afterEach(async () => {
    for (const s of stores.splice(0)) s.dispose();
    await t.close();
  });

  const store = (options: CartStoreOptions = {}) => {
    const s = createCartStore({
      baseUrl: 'http://shop.test',
      auth: 'bearer',
      fetch: net.fetch,
      runtime: new FakeClock(),
      live: false,
      ...options,
    });
    stores.push(s);
    return s;
  };
  const product = async (): Promise<Product> =>
    (
      await t.app.inject({
        method: 'POST',
        url: '/api/admin/products',
        headers: adminAuth,
        payload: productInput(),
      })
    ).json<Product>();
  const serverCart = async (s: CartStore): Promise<Cart> =>
    (
      await t.app.inject({
        url: `/api/carts/${s.getSnapshot().cartId}`,
        headers: bearer(s.api.token as string),
      })
    ).json<Cart>();

  it('sends smaller batches when the server takes fewer actions per batch', async () => {
    await setup({ MAX_BATCH_ACTIONS: '2' });
    const products = await Promise.all([product(), product(), product(), product(), product()]);
    const online = { on: false, listeners: [] as ((o: boolean) => void)[] };
    const s = store({
      online: {
        isOnline: () => online.on,
        subscribe: (l) => {
          online.listeners.push(l);
          return () => undefined;
        },
      },
    });
    await s.start();
    for (const p of products) void s.addLine(p, 1);
    online.on = true;
    for (const l of online.listeners) l(true);
    await until(s, (snap) => snap.status === 'idle' && snap.pendingCount === 0);
    const cart = await serverCart(s);
    expect(cart.lines).toHaveLength(5);
    expect(
      net.matching(/\/actions$/).map((r) => (r.body as { actions: unknown[] }).actions.length),
    ).toEqual([5, 2, 2, 1]);
  });

  it('drops an action too large for the server on its own, and says so', async () => {
    await setup({ MAX_BODY_BYTES: '1024' });
    const s = store();
    await s.start();
    const r = await s.setNote('x'.repeat(1000));
    expect(r).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE', status: 413 } });
    expect(s.getSnapshot()).toMatchObject({ status: 'idle', pendingCount: 0 });
    expect((await s.setNote('short')).ok).toBe(true);
  });

  it('starts a new cart when the old one expired, carrying the queue over', async () => {
    await setup({ CART_TTL_SECONDS: '1' });
    const mug = await product();
    const s = store();
    await s.start();
    const first = await s.createCart();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the server's own clock
    expect((await s.addLine(mug, 1)).ok).toBe(true);
    const snap = s.getSnapshot();
    expect(snap.cartId).not.toBe(first.id);
    expect(snap.confirmed?.lines).toHaveLength(1);
  });

  it('stops with an error when the server refuses the store itself, until retried', async () => {
    await setup({}, { browser: true, crossSite: true });
    const s = store({ auth: 'cookie' });
    await s.start();
    const mug = await product();
    void s.addLine(mug, 1);
    const stuck = await until(s, (snap) => snap.status === 'error');
    expect(stuck.lastError).toMatchObject({ code: 'CSRF_TOKEN_INVALID', retryable: false });
    expect(stuck.pendingCount).toBe(1);
    s.retry();
    await until(s, (snap) => snap.status === 'error' && snap.pendingCount === 1);
  });

  it('keeps trying while the shop answers 5xx, and reports it as retryable', async () => {
    await setup({});
    const mug = await product();
    const clock = new FakeClock();
    let failing = true;
    const s = store({
      runtime: clock,
      fetch: (url, init) =>
        failing && init.method === 'POST'
          ? Promise.resolve(new Response('upstream down', { status: 503 }))
          : net.fetch(url, init),
    });
    await s.start();
    void s.addLine(mug, 1);
    const trouble = await until(s, (snap) => snap.status === 'error');
    expect(trouble.lastError).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    failing = false;
    clock.tick(60_000);
    await until(s, (snap) => snap.status === 'idle' && snap.pendingCount === 0);
  });
});
