import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CreatedCart } from '@cart/core';
import {
  bearer,
  buildTestApp,
  createCart,
  expectProblem,
  header,
  readCart,
  type TestApp,
} from '@cart/test-support/test-app.ts';

const HOST = 'shop.test';
const ALLOWED = 'https://www.shop.test';

describe('CSRF defence for cookie-authenticated changes', () => {
  let t: TestApp;
  let cart: CreatedCart;
  let token: string;

  beforeAll(async () => {
    t = await buildTestApp({ env: { ALLOWED_ORIGINS: `${ALLOWED}, https://admin.shop.test` } });
  });
  beforeEach(async () => {
    cart = await createCart(t.app);
    token = (await t.app.inject({ url: '/api/csrf' })).json<{ token: string }>().token;
  });
  afterAll(() => t.close());

  /** A cookie-authenticated note change as a browser would send it, with overrides. */
  const change = (headers: Record<string, string | undefined>, cookieToken = token) => {
    const sent: Record<string, string> = {
      host: HOST,
      cookie: `cart_token=${cart.token}; csrf_token=${cookieToken}`,
      'x-csrf-token': token,
    };
    for (const [k, v] of Object.entries(headers)) {
      if (v === undefined) delete sent[k];
      else sent[k] = v;
    }
    return t.app.inject({
      method: 'PATCH',
      url: `/api/carts/${cart.id}`,
      headers: sent,
      payload: { note: 'changed' },
    });
  };
  const expectRefused = async (res: Awaited<ReturnType<typeof change>>) => {
    const problem = expectProblem(res, 403, 'CSRF_TOKEN_INVALID');
    expect(problem.detail).toBe(
      'This change must come from the shop page itself, with its CSRF token (GET /api/csrf).',
    );
    expect((await readCart(t.app, cart)).version).toBe(1);
  };

  describe('origin', () => {
    it.each(['same-origin', 'none'])('accepts Sec-Fetch-Site: %s with the token', async (site) => {
      const res = await change({ 'sec-fetch-site': site });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<{ note: string }>().note).toBe('changed');
    });

    it.each(['cross-site', 'same-site'])(
      'refuses Sec-Fetch-Site: %s even with a valid token',
      async (site) => {
        await expectRefused(await change({ 'sec-fetch-site': site }));
      },
    );

    it('trusts Sec-Fetch-Site over Origin', async () => {
      await expectRefused(
        await change({ 'sec-fetch-site': 'cross-site', origin: `http://${HOST}` }),
      );
    });

    it('accepts, without Sec-Fetch-Site, an Origin equal to its own scheme and host', async () => {
      const res = await change({ origin: `http://${HOST}` });
      expect(res.statusCode, res.body).toBe(200);
    });

    it.each([ALLOWED, 'https://admin.shop.test'])(
      'accepts an Origin listed in ALLOWED_ORIGINS (%s)',
      async (origin) => {
        const res = await change({ origin });
        expect(res.statusCode, res.body).toBe(200);
      },
    );

    it.each([
      ['another site', 'https://evil.example'],
      ['another scheme', `https://${HOST}`],
      ['another port', `http://${HOST}:8080`],
      ['a sibling subdomain', 'https://evil.shop.test'],
      ['an opaque origin', 'null'],
    ])('refuses an Origin of %s', async (_name, origin) => {
      await expectRefused(await change({ origin }));
    });

    it('refuses a change with neither Sec-Fetch-Site nor Origin', async () => {
      await expectRefused(await change({}));
    });
  });

  describe('token', () => {
    const sameOrigin = { 'sec-fetch-site': 'same-origin' };

    it('refuses a tampered signature, even when cookie and header agree', async () => {
      const [nonce, signature = ''] = token.split('.');
      const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
      const forged = `${nonce}.${flipped}`;
      await expectRefused(await change({ ...sameOrigin, 'x-csrf-token': forged }, forged));
    });

    it('refuses a token whose nonce was changed', async () => {
      const [, signature] = token.split('.');
      const forged = `another-nonce.${signature}`;
      await expectRefused(await change({ ...sameOrigin, 'x-csrf-token': forged }, forged));
    });

    it.each([
      ['no signature', (tk: string) => tk.split('.')[0] ?? ''],
      ['an empty signature', (tk: string) => `${tk.split('.')[0]}.`],
      ['an empty nonce', (tk: string) => `.${tk.split('.')[1]}`],
      ['a third part', (tk: string) => `${tk}.extra`],
    ])('refuses a token with %s', async (_name, forge) => {
      const forged = forge(token);
      await expectRefused(await change({ ...sameOrigin, 'x-csrf-token': forged }, forged));
    });

    it('refuses a header that does not match the cookie, both validly signed', async () => {
      const second = (await t.app.inject({ url: '/api/csrf' })).json<{ token: string }>().token;
      expect(second).not.toBe(token);
      await expectRefused(await change({ ...sameOrigin, 'x-csrf-token': second }));
    });

    it('refuses a missing header or a missing cookie', async () => {
      await expectRefused(await change({ ...sameOrigin, 'x-csrf-token': undefined }));
      await expectRefused(await change({ ...sameOrigin, cookie: `cart_token=${cart.token}` }));
    });

    it('refuses a token signed by another server', async () => {
      const stranger = await buildTestApp();
      try {
        const foreign = (await stranger.app.inject({ url: '/api/csrf' })).json<{ token: string }>()
          .token;
        await expectRefused(await change({ ...sameOrigin, 'x-csrf-token': foreign }, foreign));
      } finally {
        await stranger.close();
      }
    });
  });

  describe('what needs no token', () => {
    it('lets a cookie read the cart from anywhere', async () => {
      const res = await t.app.inject({
        url: `/api/carts/${cart.id}`,
        headers: { cookie: `cart_token=${cart.token}`, 'sec-fetch-site': 'cross-site' },
      });
      expect(res.statusCode, res.body).toBe(200);
    });

    it('exempts bearer requests, cross-site or not', async () => {
      const res = await t.app.inject({
        method: 'PATCH',
        url: `/api/carts/${cart.id}`,
        headers: {
          ...bearer(cart.token),
          'sec-fetch-site': 'cross-site',
          origin: 'https://x.example',
        },
        payload: { note: 'api client' },
      });
      expect(res.statusCode, res.body).toBe(200);
    });
  });

  describe('creating a cart', () => {
    const create = (headers: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: '/api/carts', headers: { host: HOST, ...headers } });

    it.each([
      ['a cross-site browser', { 'sec-fetch-site': 'cross-site' }],
      ['a same-site sibling', { 'sec-fetch-site': 'same-site' }],
      ['a foreign Origin', { origin: 'https://evil.example' }],
    ])('is refused to %s, and sets no cookie', async (_name, headers) => {
      const res = await create(headers);
      const problem = expectProblem(res, 403, 'CSRF_TOKEN_INVALID');
      expect(problem.detail).toBe("Carts can be created only from the shop's own pages.");
      expect(res.cookies).toEqual([]);
    });

    it.each([
      ['the shop page', { 'sec-fetch-site': 'same-origin' }],
      ['its own Origin', { origin: `http://${HOST}` }],
      ['an allowed Origin', { origin: ALLOWED }],
      ['a client that is no browser', {}],
    ])('is allowed from %s, without a token', async (_name, headers) => {
      const res = await create(headers);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.cookies.map((c) => c.name)).toEqual(['cart_token']);
    });
  });
});

describe('GET /api/csrf', () => {
  let t: TestApp;
  beforeAll(async () => (t = await buildTestApp({ env: { TRUST_PROXY: 'true' } })));
  afterAll(() => t.close());

  it('answers a fresh signed token, uncached, and sets it as a strict HttpOnly cookie', async () => {
    const res = await t.app.inject({ url: '/api/csrf' });
    expect(res.statusCode).toBe(200);
    expect(header(res, 'cache-control')).toBe('no-store');
    const { token } = res.json<{ token: string }>();
    expect(token).toMatch(/^[A-Za-z0-9_-]{24}\.[A-Za-z0-9_-]{43}$/);
    expect(res.cookies).toEqual([
      { name: 'csrf_token', value: token, httpOnly: true, sameSite: 'Strict', path: '/' },
    ]);
    const again = (await t.app.inject({ url: '/api/csrf' })).json<{ token: string }>().token;
    expect(again).not.toBe(token);
  });

  it('marks the cookie Secure over HTTPS', async () => {
    const res = await t.app.inject({ url: '/api/csrf', headers: { 'x-forwarded-proto': 'https' } });
    expect(res.cookies[0]).toMatchObject({ name: 'csrf_token', secure: true });
  });
});
