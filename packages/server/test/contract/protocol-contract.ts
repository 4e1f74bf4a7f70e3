/**
 * HTTP-level rules that hold for every route: problem+json errors, body parsing and its
 * limits, prototype-pollution payloads, security headers, CSRF for cookie-authenticated
 * browsers, and the operational endpoints.
 */
import { describe, expect, it } from 'vitest';
import { cookieHeader, rawRequest, toReply, type Reply } from '@cart/test-support/http.ts';
import {
  cartPath,
  createCart,
  createProduct,
  expectCart,
  expectNoLeak,
  expectProblem,
  getCart,
  type Harness,
  type OpenCart,
} from './harness.ts';

export function defineProtocolContract(h: Harness): void {
  describe('errors and request bodies', () => {
    it('answers an unknown route with 404 NOT_FOUND problem+json', async () => {
      expectProblem(await h.http.get('/api/nothing-here'), 404, 'NOT_FOUND');
      expectProblem(await h.http.post('/api/carts/x/teleport', { body: {} }), 404, 'NOT_FOUND');
      expectProblem(await h.http.delete('/api/products'), 404, 'NOT_FOUND');
    });

    it('answers malformed JSON with 400 VALIDATION_FAILED', async () => {
      const cart = await createCart(h);
      for (const rawBody of ['{"quantity":', '{quantity: 1}', "{'a':1}", '[1,2', 'nope']) {
        expectProblem(
          await h.http.post(cartPath(cart, '/lines'), {
            token: cart.token,
            rawBody,
            headers: { 'content-type': 'application/json' },
          }),
          400,
          'VALIDATION_FAILED',
        );
      }
      expectProblem(
        await h.http.post(cartPath(cart, '/lines'), { token: cart.token, body: [1, 2] }),
        400,
        'VALIDATION_FAILED',
      );
      expect((await getCart(h, cart)).version).toBe(1);
    });

    it('gives an unreadable body an errors[] entry pointing at the whole body ("")', async () => {
      const cart = await createCart(h);
      const body = expectProblem(
        await h.http.post(cartPath(cart, '/lines'), {
          token: cart.token,
          rawBody: '{"quantity":',
          headers: { 'content-type': 'application/json' },
        }),
        400,
        'VALIDATION_FAILED',
      );
      // Every VALIDATION_FAILED carries errors[]; "" is the JSON Pointer of the whole body.
      expect(body.errors?.length, JSON.stringify(body)).toBeGreaterThan(0);
      expect(body.errors?.map((e) => e.path)).toContain('');
    });

    it('answers a body that is not JSON with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      const json = JSON.stringify({ productId: product.id, quantity: 1 });
      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
      ]) {
        expectProblem(
          await h.http.post(cartPath(cart, '/lines'), {
            token: cart.token,
            rawBody: json,
            headers: { 'content-type': type },
          }),
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        );
      }
      expect((await getCart(h, cart)).version).toBe(1);
      const withCharset = await h.http.post(cartPath(cart, '/lines'), {
        token: cart.token,
        rawBody: json,
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
      expect(expectCart(withCharset).version).toBe(2);
    });

    it('answers a body over 64 KiB with 413 PAYLOAD_TOO_LARGE', async () => {
      const cart = await createCart(h);
      const big = JSON.stringify({ note: 'x'.repeat(70_000) });
      expectProblem(
        await h.http.patch(cartPath(cart), {
          token: cart.token,
          rawBody: big,
          headers: { 'content-type': 'application/json' },
        }),
        413,
        'PAYLOAD_TOO_LARGE',
      );
      expect((await getCart(h, cart)).note).toBe('');
    });

    it('refuses __proto__ and constructor.prototype payloads with 400, polluting nothing', async () => {
      const product = await createProduct(h);
      const cart = await createCart(h);
      const payloads = [
        `{"productId":"${product.id}","quantity":1,"__proto__":{"polluted":"yes"}}`,
        `{"productId":"${product.id}","quantity":1,"constructor":{"prototype":{"polluted":"yes"}}}`,
        `{"productId":"${product.id}","quantity":1,"attributes":{"__proto__":{"polluted":"yes"}}}`,
      ];
      for (const rawBody of payloads) {
        const reply = await h.http.post(cartPath(cart, '/lines'), {
          token: cart.token,
          rawBody,
          headers: { 'content-type': 'application/json' },
        });
        expectProblem(reply, 400, 'VALIDATION_FAILED');
      }
      const actions = `{"actions":[{"type":"setNote","note":"x","__proto__":{"polluted":"yes"}}]}`;
      expectProblem(
        await h.http.post(cartPath(cart, '/actions'), {
          token: cart.token,
          rawBody: actions,
          headers: { 'content-type': 'application/json' },
        }),
        400,
        'VALIDATION_FAILED',
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(await getCart(h, cart)).toMatchObject({ version: 1, lines: [], note: '' });
    });

    it('gives every error a fresh requestId and no internals', async () => {
      const cart = await createCart(h);
      const replies: Reply[] = [
        await h.http.get('/api/carts/unknown-cart-id', { token: cart.token }),
        await h.http.get('/api/carts/unknown-cart-id', { token: cart.token }),
        await h.http.post(cartPath(cart, '/lines'), {
          token: cart.token,
          rawBody: `{"productId":"' OR 1=1; DROP TABLE carts; --","quantity":1}`,
          headers: { 'content-type': 'application/json' },
        }),
        await h.http.post(cartPath(cart, '/lines'), {
          token: cart.token,
          body: { productId: "x'); DROP TABLE carts; --", quantity: 1 },
        }),
      ];
      const ids = replies.map((r) => {
        expect(r.status).toBeGreaterThanOrEqual(400);
        expectNoLeak(r.text);
        return (r.body as { requestId: string }).requestId;
      });
      expect(new Set(ids).size).toBe(ids.length);
      expect((await getCart(h, cart)).version).toBe(1);
    });
  });

  describe('security headers', () => {
    it('sends X-Content-Type-Options: nosniff and no X-Powered-By on every kind of answer', async () => {
      const cart = await createCart(h);
      const replies: Reply[] = [
        await h.http.post('/api/carts'),
        await h.http.get(cartPath(cart), { token: cart.token }),
        await h.http.get(cartPath(cart), {
          token: cart.token,
          headers: { 'if-none-match': '"1"' },
        }),
        await h.http.get('/api/carts/unknown-cart-id'),
        await h.http.get('/api/products?limit=1'),
        await h.http.get('/api/nothing-here'),
        await h.http.post(cartPath(cart, '/lines'), { token: cart.token, body: { quantity: '2' } }),
        await h.http.get('/api/admin/products'),
        await h.http.get('/healthz'),
        await h.http.get('/readyz'),
        await h.http.get('/openapi.json'),
        await h.http.get('/api/csrf'),
      ];
      for (const reply of replies) {
        expect(reply.headers.get('x-content-type-options'), reply.text).toBe('nosniff');
        expect(reply.headers.has('x-powered-by')).toBe(false);
      }
    });
  });

  describe('CSRF for cookie-authenticated changes', () => {
    async function browserSession(cart: OpenCart) {
      const reply = await h.http.get<{ token: string }>('/api/csrf');
      expect(reply.status, reply.text).toBe(200);
      expect(typeof reply.body.token).toBe('string');
      expect(reply.body.token.length).toBeGreaterThanOrEqual(16);
      const cookies = reply.headers.getSetCookie();
      expect(cookies.length).toBeGreaterThan(0);
      return {
        csrf: reply.body.token,
        cookie: `cart_token=${cart.token}; ${cookieHeader(cookies)}`,
      };
    }

    const patchNote = (cart: OpenCart, headers: Record<string, string>, note: string) =>
      rawRequest(h.url, {
        method: 'PATCH',
        path: cartPath(cart),
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ note }),
      });

    it('GET /api/csrf answers {token} and sets a cookie', async () => {
      const reply = await h.http.get<{ token: string }>('/api/csrf');
      expect(reply.status).toBe(200);
      expect(Object.keys(reply.body)).toEqual(['token']);
      expect(reply.headers.getSetCookie().length).toBeGreaterThan(0);
    });

    it('accepts a same-origin change with the token (Origin or Sec-Fetch-Site)', async () => {
      const cart = await createCart(h);
      const session = await browserSession(cart);
      const base = { cookie: session.cookie, 'x-csrf-token': session.csrf };
      const byOrigin = toReply(await patchNote(cart, { ...base, origin: h.url }, 'by origin'));
      expect(expectCart(byOrigin).note).toBe('by origin');
      const byFetchMetadata = toReply(
        await patchNote(cart, { ...base, 'sec-fetch-site': 'same-origin' }, 'by fetch metadata'),
      );
      expect(expectCart(byFetchMetadata).note).toBe('by fetch metadata');
    });

    it('refuses a cookie-authenticated change without a valid token or from another origin (403)', async () => {
      const cart = await createCart(h);
      const session = await browserSession(cart);
      const attempts: Record<string, string>[] = [
        { cookie: session.cookie, origin: h.url },
        { cookie: session.cookie, origin: h.url, 'x-csrf-token': `${session.csrf}x` },
        { cookie: session.cookie, origin: h.url, 'x-csrf-token': 'forged-token-value-000000' },
        { cookie: `cart_token=${cart.token}`, origin: h.url, 'x-csrf-token': session.csrf },
        { cookie: session.cookie, origin: 'https://evil.example', 'x-csrf-token': session.csrf },
        { cookie: session.cookie, origin: 'null', 'x-csrf-token': session.csrf },
        {
          cookie: session.cookie,
          origin: h.url,
          'sec-fetch-site': 'cross-site',
          'x-csrf-token': session.csrf,
        },
        { cookie: session.cookie, 'sec-fetch-site': 'same-site', 'x-csrf-token': session.csrf },
        { cookie: session.cookie, 'x-csrf-token': session.csrf },
      ];
      for (const headers of attempts) {
        const reply = toReply(await patchNote(cart, headers, 'forged'));
        expectProblem(reply, 403, 'CSRF_TOKEN_INVALID');
      }
      expect(await getCart(h, cart)).toMatchObject({ version: 1, note: '' });
    });

    it('lets bearer requests through without any of it', async () => {
      const cart = await createCart(h);
      const reply = toReply(
        await patchNote(
          cart,
          { authorization: `Bearer ${cart.token}`, origin: 'https://evil.example' },
          'bearer',
        ),
      );
      expect(expectCart(reply).note).toBe('bearer');
    });
  });

  describe('operations endpoints', () => {
    it('answers /healthz and /readyz with 200', async () => {
      expect((await h.http.get('/healthz')).status).toBe(200);
      expect((await h.http.get('/readyz')).status).toBe(200);
    });

    it('publishes an OpenAPI 3 document listing the cart paths', async () => {
      const reply = await h.http.get<{ openapi: string; paths: Record<string, unknown> }>(
        '/openapi.json',
      );
      expect(reply.status).toBe(200);
      expect(reply.body.openapi).toMatch(/^3\./);
      const paths = Object.keys(reply.body.paths);
      const param = '\\{[A-Za-z]+\\}';
      for (const pattern of [
        '/api/carts',
        `/api/carts/${param}`,
        `/api/carts/${param}/lines`,
        `/api/carts/${param}/lines/${param}`,
        `/api/carts/${param}/discounts`,
        `/api/carts/${param}/discounts/${param}`,
        `/api/carts/${param}/actions`,
        `/api/carts/${param}/merge`,
        `/api/carts/${param}/checkout`,
        `/api/carts/${param}/events`,
        '/api/products',
        `/api/products/${param}`,
      ]) {
        const re = new RegExp(`^${pattern}$`);
        expect(
          paths.some((p) => re.test(p)),
          `${pattern} in ${paths.join(', ')}`,
        ).toBe(true);
      }
    });

    it('serves /docs as HTML with a Content-Security-Policy that allows no inline script', async () => {
      let reply = await h.http.get('/docs');
      for (let hops = 0; hops < 3 && reply.status >= 300 && reply.status < 400; hops += 1) {
        reply = await h.http.get(
          new URL(reply.headers.get('location') ?? '', `${h.url}/docs`).pathname,
        );
      }
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = reply.headers.get('content-security-policy') ?? '';
      expect(csp).not.toBe('');
      const directive = (name: string) =>
        csp
          .split(';')
          .map((d) => d.trim())
          .find((d) => d.startsWith(`${name} `));
      const scripts = directive('script-src') ?? directive('default-src') ?? '';
      expect(scripts).not.toBe('');
      expect(scripts).not.toContain("'unsafe-inline'");
      expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
    });

    it('answers header sections over the HTTP limit with 431 HEADERS_TOO_LARGE and keeps serving', async () => {
      expectProblem(
        await h.http.get('/api/products', { headers: { 'x-pad': 'a'.repeat(20_000) } }),
        431,
        'HEADERS_TOO_LARGE',
      );
      expect((await h.http.get('/healthz')).status).toBe(200);
    });

    it('exposes Prometheus metrics at /metrics (DESIGN §4)', async () => {
      const reply = await h.http.get('/metrics');
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(reply.text).toMatch(/^# (HELP|TYPE) /m);
    });
  });
}
