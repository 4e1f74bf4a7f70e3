import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedCart, Product } from '@cart/core';
import {
  bearer,
  buildTestApp,
  createCart,
  createProduct,
  expectProblem,
  header,
  readCart,
  type TestApp,
} from '@cart/test-support/test-app.ts';

describe('cart credentials', () => {
  let t: TestApp;
  let cart: CreatedCart;
  let other: CreatedCart;
  let product: Product;
  let csrf: { token: string; cookie: string };

  beforeAll(async () => {
    t = await buildTestApp();
    cart = await createCart(t.app);
    other = await createCart(t.app);
    product = await createProduct(t.app);
    const issued = await t.app.inject({ url: '/api/csrf' });
    const token = issued.json<{ token: string }>().token;
    csrf = { token, cookie: `csrf_token=${token}` };
  });
  afterAll(() => t.close());

  const read = (headers: Record<string, string>) =>
    t.app.inject({ url: `/api/carts/${cart.id}`, headers });
  const addLine = (headers: Record<string, string>) =>
    t.app.inject({
      method: 'POST',
      url: `/api/carts/${cart.id}/lines`,
      headers,
      payload: { productId: product.id, quantity: 1 },
    });
  /** What an unknown cart answers, minus what differs per request. */
  const unknownCart = async () => {
    const res = await t.app.inject({
      url: '/api/carts/no-such-cart',
      headers: bearer(cart.token),
    });
    const { requestId: _r, instance: _i, ...rest } = expectProblem(res, 404, 'CART_NOT_FOUND');
    return rest;
  };
  const expectLikeUnknown = async (res: Awaited<ReturnType<typeof read>>) => {
    const { requestId: _r, instance: _i, ...rest } = expectProblem(res, 404, 'CART_NOT_FOUND');
    expect(rest).toEqual(await unknownCart());
  };

  describe('bearer tokens', () => {
    it('reads the cart with its own token', async () => {
      expect((await read(bearer(cart.token))).statusCode).toBe(200);
    });

    const malformed = () => [
      ['too short', `Bearer ${cart.token.slice(1)}`],
      ['too long', `Bearer ${cart.token}A`],
      ['outside base64url', `Bearer ${cart.token.slice(0, -1)}+`],
      ['two spaces', `Bearer  ${cart.token}`],
      ['no token', 'Bearer'],
      ['another scheme', `Basic ${cart.token}`],
      ['no scheme', cart.token],
      ['text after the token', `Bearer ${cart.token} extra`],
      ['text before the scheme', `x Bearer ${cart.token}`],
    ];

    it('answers a malformed bearer exactly as an unknown cart', async () => {
      for (const [name, authorization] of malformed()) {
        const res = await read({ authorization: authorization ?? '' });
        await expectLikeUnknown(res).catch((e: Error) => {
          throw new Error(`${name}: ${e.message}`);
        });
      }
    });

    it('refuses a change with a malformed bearer as an unknown cart, changing nothing', async () => {
      for (const [, authorization] of malformed())
        await expectLikeUnknown(await addLine({ authorization: authorization ?? '' }));
      expect((await readCart(t.app, cart)).version).toBe(1);
    });

    it("answers another cart's token, and no token, as an unknown cart", async () => {
      await expectLikeUnknown(await read(bearer(other.token)));
      await expectLikeUnknown(await read({}));
    });

    it('answers a change with no credential at all as an unknown cart, not as a CSRF refusal', async () => {
      await expectLikeUnknown(await addLine({}));
    });
  });

  describe('the cookie', () => {
    it('reads the cart with the cart cookie', async () => {
      const res = await read({ cookie: `cart_token=${cart.token}` });
      expect(res.statusCode, res.body).toBe(200);
    });

    it.each([
      ['short', 'abc'],
      ['one character too long', 'A'.repeat(44)],
      ['empty', ''],
    ])('answers a %s cookie token as an unknown cart', async (_name, value) => {
      await expectLikeUnknown(await read({ cookie: `cart_token=${value}` }));
    });

    it('answers a malformed cookie token on a change as an unknown cart once CSRF passes', async () => {
      const res = await addLine({
        cookie: `cart_token=garbage; ${csrf.cookie}`,
        'x-csrf-token': csrf.token,
        'sec-fetch-site': 'same-origin',
      });
      await expectLikeUnknown(res);
    });
  });

  describe('bearer and cookie together', () => {
    it('goes by the bearer: a wrong bearer loses even with the right cookie', async () => {
      await expectLikeUnknown(
        await read({ ...bearer(other.token), cookie: `cart_token=${cart.token}` }),
      );
      await expectLikeUnknown(
        await read({ authorization: 'Bearer nope', cookie: `cart_token=${cart.token}` }),
      );
    });

    it('goes by the bearer: the right bearer wins over a wrong cookie, and needs no CSRF token', async () => {
      expect((await read({ ...bearer(cart.token), cookie: 'cart_token=garbage' })).statusCode).toBe(
        200,
      );
      const res = await addLine({
        ...bearer(cart.token),
        cookie: `cart_token=${other.token}`,
        'sec-fetch-site': 'cross-site',
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<{ id: string }>().id).toBe(cart.id);
    });
  });

  describe('idempotency keys are scoped to the credential', () => {
    it("does not replay a stranger's answer under the same key", async () => {
      const target = await createCart(t.app);
      const request = (headers: Record<string, string>) =>
        t.app.inject({
          method: 'PATCH',
          url: `/api/carts/${target.id}`,
          headers: { ...headers, 'idempotency-key': 'shared-key' },
          payload: { note: 'n' },
        });
      expectProblem(await request(bearer(other.token)), 404, 'CART_NOT_FOUND');
      const own = await request(bearer(target.token));
      expect(own.statusCode, own.body).toBe(200);
      expect(own.headers['idempotent-replayed']).toBeUndefined();
      expect(header(await request(bearer(target.token)), 'idempotent-replayed')).toBe('true');
    });

    it('scopes the key of a new cart, which has no credential yet, by the client address', async () => {
      const create = (remoteAddress: string) =>
        t.app.inject({
          method: 'POST',
          url: '/api/carts',
          headers: { 'idempotency-key': 'new-cart-key' },
          remoteAddress,
        });
      const first = await create('192.0.2.20');
      expect(first.statusCode, first.body).toBe(201);
      const retry = await create('192.0.2.20');
      expect(header(retry, 'idempotent-replayed')).toBe('true');
      expect(retry.json<CreatedCart>().id).toBe(first.json<CreatedCart>().id);
      // Another client with the same key gets a cart (and a token) of its own.
      const stranger = await create('192.0.2.21');
      expect(stranger.statusCode, stranger.body).toBe(201);
      expect(stranger.headers['idempotent-replayed']).toBeUndefined();
      expect(stranger.json<CreatedCart>().id).not.toBe(first.json<CreatedCart>().id);
    });

    it('gives a creation asked again with the cookie its lost answer set the same cart', async () => {
      // The first answer's headers arrived (the browser kept its cookie), its body did not;
      // the retry carries that cookie, or an older cart's, and is still the same request.
      const create = (cookie?: string) =>
        t.app.inject({
          method: 'POST',
          url: '/api/carts',
          headers: {
            'idempotency-key': 'lost-answer-key',
            'sec-fetch-site': 'same-origin',
            ...(cookie === undefined ? {} : { cookie }),
          },
          remoteAddress: '192.0.2.30',
        });
      const first = await create();
      expect(first.statusCode, first.body).toBe(201);
      const made = first.json<CreatedCart>();
      for (const cookie of [`cart_token=${made.token}`, `cart_token=${other.token}`]) {
        const retry = await create(cookie);
        expect(retry.statusCode, retry.body).toBe(201);
        expect(header(retry, 'idempotent-replayed')).toBe('true');
        expect(retry.json<CreatedCart>().id).toBe(made.id);
      }
    });

    it('scopes cookie-authenticated keys by the cookie', async () => {
      const target = await createCart(t.app);
      const request = (cartToken: string) =>
        t.app.inject({
          method: 'PATCH',
          url: `/api/carts/${target.id}`,
          headers: {
            cookie: `cart_token=${cartToken}; ${csrf.cookie}`,
            'x-csrf-token': csrf.token,
            'sec-fetch-site': 'same-origin',
            'idempotency-key': 'cookie-key',
          },
          payload: { note: 'n' },
        });
      expectProblem(await request(other.token), 404, 'CART_NOT_FOUND');
      const own = await request(target.token);
      expect(own.statusCode, own.body).toBe(200);
      expect(own.headers['idempotent-replayed']).toBeUndefined();
      const again = await request(target.token);
      expect(header(again, 'idempotent-replayed')).toBe('true');
      expect(again.json<{ version: number }>().version).toBe(2);
    });
  });
});

describe('the cart cookie', () => {
  let t: TestApp;
  beforeAll(async () => (t = await buildTestApp({ env: { TRUST_PROXY: 'true' } })));
  afterAll(() => t.close());

  it('is HttpOnly, SameSite=Lax, scoped to /api, kept for the cart TTL, not Secure over HTTP', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/carts' });
    const created = res.json<CreatedCart>();
    expect(res.cookies).toEqual([
      {
        name: 'cart_token',
        value: created.token,
        httpOnly: true,
        sameSite: 'Lax',
        path: '/api',
        maxAge: t.config.CART_TTL_SECONDS,
      },
    ]);
  });

  it('is set again, for the whole TTL, by each change made with it; not by reads, refusals or bearers', async () => {
    const created = (await t.app.inject({ method: 'POST', url: '/api/carts' })).json<CreatedCart>();
    const issued = await t.app.inject({ url: '/api/csrf' });
    const csrfToken = issued.json<{ token: string }>().token;
    const change = (cartToken: string, note: string) =>
      t.app.inject({
        method: 'PATCH',
        url: `/api/carts/${created.id}`,
        headers: {
          cookie: `cart_token=${cartToken}; csrf_token=${csrfToken}`,
          'x-csrf-token': csrfToken,
          'sec-fetch-site': 'same-origin',
        },
        payload: { note },
      });
    const changed = await change(created.token, 'leave at the door');
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.cookies).toEqual([
      {
        name: 'cart_token',
        value: created.token,
        httpOnly: true,
        sameSite: 'Lax',
        path: '/api',
        maxAge: t.config.CART_TTL_SECONDS,
      },
    ]);
    const read = await t.app.inject({
      url: `/api/carts/${created.id}`,
      headers: { cookie: `cart_token=${created.token}` },
    });
    expect(read.statusCode, read.body).toBe(200);
    expect(read.cookies).toEqual([]);
    const refused = await change('x'.repeat(43), 'not mine');
    expect(refused.statusCode, refused.body).toBe(404);
    expect(refused.cookies).toEqual([]);
    const byBearer = await t.app.inject({
      method: 'PATCH',
      url: `/api/carts/${created.id}`,
      headers: { authorization: `Bearer ${created.token}` },
      payload: { note: 'by the SDK' },
    });
    expect(byBearer.statusCode, byBearer.body).toBe(200);
    expect(byBearer.cookies).toEqual([]);
  });

  it('is Secure behind a TLS-terminating proxy', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/carts',
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(res.cookies[0]).toMatchObject({ name: 'cart_token', secure: true });
  });
});

describe('the admin credential', () => {
  let t: TestApp;
  beforeAll(async () => (t = await buildTestApp({ env: { RATE_LIMITS: 'off' } })));
  afterAll(() => t.close());

  it('says what it takes when it is missing', async () => {
    const problem = expectProblem(
      await t.app.inject({ url: '/api/admin/audit' }),
      401,
      'UNAUTHORIZED',
    );
    expect(problem.detail).toBe(
      'This needs the admin credential: Authorization: Bearer <ADMIN_TOKEN>, or a dashboard login (POST /api/admin/session).',
    );
  });
});
