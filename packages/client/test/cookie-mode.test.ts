import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cart, CreatedCart, Product } from '@cart/core';
import {
  adminAuth,
  bearer,
  buildTestApp,
  productInput,
  type TestApp,
} from '@cart/test-support/test-app.ts';
import { createCartStore, type CartStore } from '../src/index.ts';
import { FakeClock } from './support/fake-clock.ts';
import { InjectNetwork } from '@cart/test-support/inject-network.ts';

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

  it('merges the account’s cart into this browser’s cart after sign-in (adoptCart)', async () => {
    const [mug, cup] = [await product(), await product()];
    await s.start();
    expect((await s.addLine(mug, 2)).ok).toBe(true);
    const browserCart = s.getSnapshot().cartId as string;
    const account = (await t.app.inject({ method: 'POST', url: '/api/carts' })).json<CreatedCart>();
    const added = await t.app.inject({
      method: 'POST',
      url: `/api/carts/${account.id}/lines`,
      headers: bearer(account.token),
      payload: { productId: cup.id, quantity: 1 },
    });
    expect(added.statusCode, added.body).toBe(200);

    const merged = await s.adoptCart(account.id, account.token);
    // The browser's cart survives (its credential is the HttpOnly cookie) and holds both.
    expect(merged.id).toBe(browserCart);
    expect(merged.lines.map((l) => [l.productId, l.quantity]).sort()).toEqual(
      [
        [mug.id, 2],
        [cup.id, 1],
      ].sort(),
    );
    expect(s.getSnapshot()).toMatchObject({ cartId: browserCart, status: 'idle' });
    const old = await t.app.inject({
      url: `/api/carts/${account.id}`,
      headers: bearer(account.token),
    });
    expect(old.json<Cart>().status).toBe('merged');
  });
});
