import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  buildTestApp,
  expectProblem,
  header,
  type TestApp,
} from '@cart/test-support/test-app.ts';
import { clientKey } from './rate-limit.ts';

describe('clientKey: the key a client’s budgets are counted under', () => {
  it('keeps IPv4, keys IPv6 by its /64, and counts IPv4-mapped IPv6 as the IPv4 address', () => {
    expect(clientKey('192.0.2.1')).toBe('192.0.2.1');
    expect(clientKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(clientKey('::ffff:c000:201')).toBe('192.0.2.1');
    expect(clientKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0DB8:0001:0002:ffff::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:3::1')).not.toBe(clientKey('2001:db8:1:2::1'));
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('not-an-ip')).toBe('not-an-ip');
  });

  it('reads every way of writing an IPv6 address', () => {
    // Written in full, zeros compressed at the end, all zeros, capitals.
    expect(clientKey('0:0:0:0:0:ffff:c000:0201')).toBe('192.0.2.1');
    expect(clientKey('2001:db8:a:b::')).toBe('2001:db8:a:b::/64');
    expect(clientKey('::')).toBe('0:0:0:0::/64');
    expect(clientKey('FE80::ABCD')).toBe('fe80:0:0:0::/64');
    // An IPv4 address in the last 32 bits of an address that is not IPv4-mapped: the
    // dotted quad is two groups, and the /64 is what counts.
    expect(clientKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
    expect(clientKey('1:2:3:4:5:6:192.0.2.1')).toBe('1:2:3:4::/64');
    expect(clientKey('::ffff:0:192.0.2.1')).toBe('0:0:0:0::/64');
    // Mapped, but with a zone: still the IPv4 client.
    expect(clientKey('::ffff:192.0.2.1%eth0')).toBe('192.0.2.1');
  });

  it('takes only ::ffff:0:0/96 as IPv4-mapped: ffff after any non-zero group is IPv6', () => {
    for (const [ip, prefix] of [
      ['1::ffff:c000:201', '1:0:0:0::/64'],
      ['0:1::ffff:c000:201', '0:1:0:0::/64'],
      ['0:0:1::ffff:c000:201', '0:0:1:0::/64'],
      ['0:0:0:1::ffff:c000:201', '0:0:0:1::/64'],
      ['::1:ffff:c000:201', '0:0:0:0::/64'],
    ])
      expect(clientKey(ip!), ip).toBe(prefix);
  });

  it('keeps anything that is not an address as it is, zone and all', () => {
    expect(clientKey('unix%socket')).toBe('unix%socket');
    expect(clientKey('')).toBe('');
    // Hex groups and "::", but five digits in a group: not an address.
    expect(clientKey('00001::')).toBe('00001::');
  });
});

describe('rate limits in the app', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({
      env: {
        RATE_LIMITS: 'on',
        RATE_LIMIT_WINDOW_SECONDS: '60',
        RATE_LIMIT_CLIENT: '1000',
        RATE_LIMIT_CART: '2',
        RATE_LIMIT_DISCOUNT_CART: '2',
        RATE_LIMIT_DISCOUNT_CLIENT: '50',
        RATE_LIMIT_CHECKOUT: '10',
        RATE_LIMIT_ADMIN_LOGIN: '10',
      },
    });
  });
  afterAll(() => t.close());

  /** Each test is its own client, so that no test spends another's budgets. */
  const from = (remoteAddress: string) => ({
    cart: async () => {
      const res = await t.app.inject({ method: 'POST', url: '/api/carts', remoteAddress });
      expect(res.statusCode, res.body).toBe(201);
      return JSON.parse(res.body) as { id: string; token: string };
    },
    send: (options: InjectOptions) => t.app.inject({ ...options, remoteAddress }),
  });

  it('names every budget a request spent, and the one closest to its limit', async () => {
    const client = from('192.0.2.10');
    const cart = await client.cart();
    const batch = (actions: unknown[]) =>
      client.send({
        method: 'POST',
        url: `/api/carts/${cart.id}/actions`,
        headers: bearer(cart.token),
        payload: { actions },
      });
    // Each promo code in a batch is an attempt against the promo-code budgets too.
    const res = await batch([{ type: 'applyDiscount', code: 'NOPE' }]);
    expectProblem(res, 422, 'DISCOUNT_INVALID');
    expect(header(res, 'ratelimit-policy')).toBe(
      '"client";q=1000;w=60, "cart";q=2;w=60, "discount-cart";q=2;w=60, "discount-client";q=50;w=60',
    );
    // cart and discount-cart both have 1 left: the first of them is named.
    expect(header(res, 'ratelimit')).toBe('"cart";r=1;t=60');
    // A batch without a code spends no promo-code budget.
    const plain = await batch([{ type: 'setNote', note: 'hi' }]);
    expect(plain.statusCode, plain.body).toBe(200);
    expect(header(plain, 'ratelimit-policy')).toBe('"client";q=1000;w=60, "cart";q=2;w=60');
    expect(header(plain, 'ratelimit')).toBe('"cart";r=0;t=60');
  });

  it('refuses past a budget with 429, Retry-After and the limit in words', async () => {
    const client = from('192.0.2.11');
    const cart = await client.cart();
    const note = () =>
      client.send({
        method: 'PATCH',
        url: `/api/carts/${cart.id}`,
        headers: bearer(cart.token),
        payload: { note: 'again' },
      });
    expect((await note()).statusCode).toBe(200);
    expect((await note()).statusCode).toBe(200);
    const over = await note();
    const problem = expectProblem(over, 429, 'RATE_LIMITED');
    expect(problem.detail).toBe('Too many requests (cart limit: 2 per 60 s). Try again in 60 s.');
    expect(header(over, 'retry-after')).toBe('60');
  });

  it("keys a cart's budget by the cart and the credential: a stranger's tries on one cart leave another's alone", async () => {
    const client = from('192.0.2.12');
    const [a, b] = [await client.cart(), await client.cart()];
    const noteWithoutToken = (id: string) =>
      client.send({ method: 'PATCH', url: `/api/carts/${id}`, payload: { note: 'x' } });
    expectProblem(await noteWithoutToken(a.id), 404, 'CART_NOT_FOUND');
    expectProblem(await noteWithoutToken(a.id), 404, 'CART_NOT_FOUND');
    expectProblem(await noteWithoutToken(a.id), 429, 'RATE_LIMITED');
    expectProblem(await noteWithoutToken(b.id), 404, 'CART_NOT_FOUND');
  });

  it('counts an unmatched path against the client budget, and checkout and sign-in against their own', async () => {
    const client = from('192.0.2.13');
    const missing = await client.send({ method: 'GET', url: '/api/nothing-here' });
    expect(missing.statusCode).toBe(404);
    expect(header(missing, 'ratelimit-policy')).toBe('"client";q=1000;w=60');
    expect(header(missing, 'ratelimit')).toBe('"client";r=999;t=60');

    const cart = await client.cart();
    const checkout = await client.send({
      method: 'POST',
      url: `/api/carts/${cart.id}/checkout`,
      headers: bearer(cart.token),
    });
    expectProblem(checkout, 422, 'CART_EMPTY');
    expect(header(checkout, 'ratelimit-policy')).toContain('"checkout";q=10;w=60');

    const signIn = await client.send({
      method: 'POST',
      url: '/api/admin/session',
      payload: { token: 'not the admin token' },
    });
    expectProblem(signIn, 401, 'UNAUTHORIZED');
    expect(header(signIn, 'ratelimit-policy')).toBe(
      '"client";q=1000;w=60, "admin-login";q=10;w=60',
    );
  });
});
