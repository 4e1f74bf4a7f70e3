import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Product } from '@cart/core';
import {
  adminAuth,
  buildTestApp,
  productInput,
  type TestApp,
} from '../../server/test/support/test-app.ts';
import { createCartStore, type CartStore } from '../src/index.ts';
import { FakeClock } from './support/fake-clock.ts';
import { InjectNetwork } from './support/inject-network.ts';

/**
 * Cookie mode, as a page of the shop runs it: the cart token stays in the HttpOnly
 * cookie (never in script or storage) and every change carries the CSRF token.
 */
describe('the store in cookie mode', () => {
  let t: TestApp;
  let net: InjectNetwork;
  let s: CartStore;

  beforeEach(async () => {
    t = await buildTestApp({ env: { RATE_LIMITS: 'off', LOG_LEVEL: 'silent' } });
    net = new InjectNetwork(t.app, { browser: true });
    s = createCartStore({
      baseUrl: 'http://shop.test',
      auth: 'cookie',
      fetch: net.fetch,
      runtime: new FakeClock(),
      live: false,
    });
  });
  afterEach(async () => {
    s.dispose();
    await t.close();
  });

  const product = async (): Promise<Product> =>
    (
      await t.app.inject({
        method: 'POST',
        url: '/api/admin/products',
        headers: adminAuth,
        payload: productInput(),
      })
    ).json<Product>();

  it('changes the cart with the cookie and the CSRF token; the token never reaches script', async () => {
    const mug = await product();
    await s.start();
    expect((await s.addLine(mug, 1)).ok).toBe(true);
    expect(s.api.token).toBeNull();
    expect(net.cookies.has('cart_token')).toBe(true);
    // The server refuses a cookie change without the CSRF token: the add went through with it.
    expect(net.matching(/^GET \/api\/csrf$/)).toHaveLength(1);
  });

  it('fetches a new CSRF token once when the server refuses the old one, keeping the key', async () => {
    const mug = await product();
    await s.start();
    await s.addLine(mug, 1);
    net.cookies.delete('csrf_token'); // e.g. cleared by the browser
    expect((await s.addLine(mug, 1)).ok).toBe(true);
    expect(net.matching(/^GET \/api\/csrf$/)).toHaveLength(2);
    const posts = net.matching(/\/actions$/);
    expect(posts.at(-1)?.key).toBe(posts.at(-2)?.key);
    expect(s.getSnapshot().cart?.lines.map((l) => l.quantity)).toEqual([2]);
  });
});
