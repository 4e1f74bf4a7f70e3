// Over 400 lines on purpose: one test per refusal rule of checkRoutePolicy, each with its
// exact message, on one small app; a list, not a story to split.
/**
 * The route policies' own rules, on a small Fastify app wired as app.ts wires them (the
 * JSON parser, the error handler, `refuseUnwantedBodies`, `checkRoutePolicy` on
 * `onRoute`): every refusal rule of `checkRoutePolicy` with its exact message, the
 * declarations that pass, and each branch of the body refusal. The real server's routes
 * over HTTP are in test/hardening/route-policies.test.ts.
 */
import Fastify, {
  type FastifyInstance,
  type FastifyPluginAsync,
  type HTTPMethods,
  type RouteOptions,
} from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import errors, { acceptJsonOnly } from '../plugins/app/errors.ts';
import {
  ADMIN_READ,
  PUBLIC_READ,
  adminChange,
  checkRoutePolicy,
  hasBody,
  policyOf,
  refuseUnwantedBodies,
  routeScope,
  type RateLimitBucket,
  type RoutePolicy,
} from './route-policy.ts';

const SEE = ' (see packages/server/src/http/route-policy.ts)';
const JsonBody = z.strictObject({ note: z.string() });
const EmptyBody = z.strictObject({}).nullish();
const CART_SECURITY: Record<string, string[]>[] = [{ cartToken: [] }, { cartCookie: [] }];
const ADMIN_SECURITY: Record<string, string[]>[] = [{ adminToken: [] }, { adminSession: [] }];

/** A change with the cart's token, as routes/cart-route-common.ts declares them. */
const cartChange = (body: RoutePolicy['body'], ...extra: RateLimitBucket[]): RoutePolicy => ({
  auth: 'cart',
  csrf: 'token',
  rateLimit: ['client', 'cart', ...extra],
  idempotent: true,
  body,
});

const opened: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of opened.splice(0)) await app.close().catch(() => undefined);
});

/** A Fastify app with the hooks app.ts wires, then `routes` registered under `/api`. */
async function appWith(routes: (api: FastifyInstance) => void): Promise<{ app: FastifyInstance }> {
  const app = Fastify();
  opened.push(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  acceptJsonOnly(app);
  await app.register(errors);
  await app.register(refuseUnwantedBodies);
  app.addHook('onRoute', checkRoutePolicy);
  // Not awaited: a registration that throws rejects the plugin's promise, and so ready(),
  // as at the real start.
  const plugin: FastifyPluginAsync = (api) => Promise.resolve().then(() => routes(api));
  void app.register(plugin, { prefix: '/api' });
  // In an object: the instance is a thenable, and returning it would await its start.
  return { app };
}

interface Declared {
  method?: HTTPMethods | HTTPMethods[];
  url?: string;
  policy?: RoutePolicy;
  schema?: { body?: unknown; security?: Record<string, unknown>[] };
}

/** One route under /api, as `declared`, with a handler that answers `{ ok: true }`. */
const oneRoute =
  ({ method = 'GET', url = '/things', policy, schema }: Declared) =>
  (api: FastifyInstance) => {
    api.route({
      method,
      url,
      ...(policy === undefined ? {} : { config: { policy } }),
      ...(schema === undefined ? {} : { schema }),
      handler: () => ({ ok: true }),
    } as RouteOptions);
  };

/** Asserts that registering `declared` fails the start with `${where}: ${why}`. */
async function expectRefused(declared: Declared, where: string, why: string): Promise<void> {
  const { app } = await appWith(oneRoute(declared));
  await expect(app.ready()).rejects.toThrow(new Error(`${where}: ${why}${SEE}`));
}

describe('checkRoutePolicy: the declarations it refuses', () => {
  it('refuses an /api route without a policy', async () => {
    await expectRefused(
      { url: '/forgotten' },
      'GET /api/forgotten',
      'every /api route must declare its policies in `config: { policy }`',
    );
  });

  it('refuses a body on GET, DELETE and OPTIONS', async () => {
    // Fastify itself refuses a body schema on GET: the declaration alone is wrong.
    await expectRefused(
      { method: 'GET', policy: { ...PUBLIC_READ, body: 'empty' } },
      'GET /api/things',
      'GET takes no body',
    );
    await expectRefused(
      {
        method: 'DELETE',
        url: '/carts/:id',
        policy: cartChange('empty'),
        schema: { body: EmptyBody, security: CART_SECURITY },
      },
      'DELETE /api/carts/:id',
      'DELETE takes no body',
    );
    await expectRefused(
      { method: 'OPTIONS', policy: { ...PUBLIC_READ, body: 'json' } },
      'OPTIONS /api/things',
      'OPTIONS takes no body',
    );
  });

  it('refuses an Idempotency-Key on a read (GET or HEAD)', async () => {
    await expectRefused(
      { method: 'GET', policy: { ...PUBLIC_READ, idempotent: true } },
      'GET /api/things',
      'a read needs no Idempotency-Key',
    );
    await expectRefused(
      { method: 'HEAD', policy: { ...PUBLIC_READ, idempotent: true } },
      'HEAD /api/things',
      'a read needs no Idempotency-Key',
    );
  });

  it('refuses a CSRF defence on a read', async () => {
    await expectRefused(
      { method: 'GET', policy: { ...PUBLIC_READ, csrf: 'token' } },
      'GET /api/things',
      'a read needs no CSRF defence',
    );
    await expectRefused(
      { method: 'HEAD', policy: { ...PUBLIC_READ, csrf: 'origin' } },
      'HEAD /api/things',
      'a read needs no CSRF defence',
    );
  });

  it('refuses a change (POST, PUT, PATCH, DELETE) without a CSRF defence', async () => {
    for (const method of ['POST', 'PUT', 'PATCH'] as const) {
      await expectRefused(
        {
          method,
          policy: { ...adminChange('json'), csrf: 'none' },
          schema: { body: JsonBody, security: ADMIN_SECURITY },
        },
        `${method} /api/things`,
        'a change must declare its CSRF defence',
      );
    }
    await expectRefused(
      {
        method: 'DELETE',
        policy: { ...adminChange('none'), csrf: 'none' },
        schema: { security: ADMIN_SECURITY },
      },
      'DELETE /api/things',
      'a change must declare its CSRF defence',
    );
  });

  it('names every method of a multi-method route, and checks each of them', async () => {
    await expectRefused(
      { method: ['GET', 'POST'], policy: PUBLIC_READ },
      'GET,POST /api/things',
      'a change must declare its CSRF defence',
    );
  });

  it('refuses a body schema on a route that takes no body', async () => {
    await expectRefused(
      { method: 'POST', policy: { ...PUBLIC_READ, csrf: 'origin' }, schema: { body: JsonBody } },
      'POST /api/things',
      'body "none" but a body schema',
    );
  });

  it('refuses a "json" or "empty" body without a schema to validate it', async () => {
    await expectRefused(
      { method: 'POST', policy: { ...PUBLIC_READ, csrf: 'origin', body: 'json' } },
      'POST /api/things',
      'body "json" needs a body schema: only validated bodies are read',
    );
    await expectRefused(
      {
        method: 'POST',
        policy: { ...PUBLIC_READ, csrf: 'origin', body: 'empty' },
        schema: { security: [] },
      },
      'POST /api/things',
      'body "empty" needs a body schema: only validated bodies are read',
    );
  });

  it('refuses a route that does not spend the client budget', async () => {
    await expectRefused(
      { policy: { ...PUBLIC_READ, rateLimit: [] } },
      'GET /api/things',
      'every /api route spends the client budget',
    );
    await expectRefused(
      { policy: { ...PUBLIC_READ, rateLimit: ['checkout'] } },
      'GET /api/things',
      'every /api route spends the client budget',
    );
  });

  it('refuses an unknown rate-limit bucket, in rateLimit or in rateLimitPerItem', async () => {
    await expectRefused(
      { policy: { ...PUBLIC_READ, rateLimit: ['client', 'global' as RateLimitBucket] } },
      'GET /api/things',
      'unknown rate-limit bucket "global"',
    );
    await expectRefused(
      {
        method: 'POST',
        policy: {
          ...adminChange('json'),
          rateLimitPerItem: { buckets: ['per-item' as RateLimitBucket], count: () => 1 },
        },
        schema: { body: JsonBody, security: ADMIN_SECURITY },
      },
      'POST /api/things',
      'unknown rate-limit bucket "per-item"',
    );
  });

  it('refuses a per-cart bucket on a route without :id', async () => {
    await expectRefused(
      {
        method: 'POST',
        url: '/carts',
        policy: cartChange('json'),
        schema: { body: JsonBody, security: CART_SECURITY },
      },
      'POST /api/carts',
      'bucket "cart" is per cart: it needs auth "cart" and an :id parameter',
    );
    await expectRefused(
      {
        method: 'POST',
        url: '/carts/merge',
        policy: {
          ...cartChange('json'),
          rateLimit: ['client'],
          rateLimitPerItem: { buckets: ['discount-cart'], count: () => 1 },
        },
        schema: { body: JsonBody, security: CART_SECURITY },
      },
      'POST /api/carts/merge',
      'bucket "discount-cart" is per cart: it needs auth "cart" and an :id parameter',
    );
  });

  it('refuses a per-cart bucket on a route whose auth is not the cart', async () => {
    await expectRefused(
      {
        method: 'POST',
        url: '/carts/:id/discounts',
        policy: { ...adminChange('json'), rateLimit: ['client', 'discount-cart'] },
        schema: { body: JsonBody, security: ADMIN_SECURITY },
      },
      'POST /api/carts/:id/discounts',
      'bucket "discount-cart" is per cart: it needs auth "cart" and an :id parameter',
    );
    await expectRefused(
      { url: '/carts/:id', policy: { ...PUBLIC_READ, rateLimit: ['client', 'cart'] } },
      'GET /api/carts/:id',
      'bucket "cart" is per cart: it needs auth "cart" and an :id parameter',
    );
  });

  it('refuses an auth kind its OpenAPI security does not say', async () => {
    await expectRefused(
      { policy: PUBLIC_READ, schema: { security: [{ cartToken: [] }] } },
      'GET /api/things',
      'auth "none" does not match the OpenAPI security [cartToken]',
    );
    await expectRefused(
      { url: '/carts/:id', policy: { ...PUBLIC_READ, auth: 'cart' } },
      'GET /api/carts/:id',
      'auth "cart" does not match the OpenAPI security []',
    );
    await expectRefused(
      {
        url: '/carts/:id',
        policy: { ...PUBLIC_READ, auth: 'cart' },
        schema: { security: ADMIN_SECURITY },
      },
      'GET /api/carts/:id',
      'auth "cart" does not match the OpenAPI security [adminToken, adminSession]',
    );
    await expectRefused(
      { policy: ADMIN_READ, schema: { security: CART_SECURITY } },
      'GET /api/things',
      'auth "admin" does not match the OpenAPI security [cartToken, cartCookie]',
    );
  });
});

describe('checkRoutePolicy: the declarations it accepts', () => {
  it('starts with consistent declarations, and leaves routes outside /api alone', async () => {
    const { app } = await appWith((api) => {
      api.get('/products', { config: { policy: PUBLIC_READ } }, () => ({}));
      api.get(
        '/admin/orders',
        { config: { policy: ADMIN_READ }, schema: { security: ADMIN_SECURITY } },
        () => ({}),
      );
      api.post(
        '/admin/products',
        {
          config: { policy: adminChange('json') },
          schema: { body: JsonBody, security: ADMIN_SECURITY },
        },
        () => ({}),
      );
      api.delete(
        '/admin/products/:productId',
        { config: { policy: adminChange('none') }, schema: { security: ADMIN_SECURITY } },
        () => ({}),
      );
      api.post(
        '/carts',
        {
          config: { policy: { ...PUBLIC_READ, csrf: 'origin', idempotent: true, body: 'empty' } },
          schema: { body: EmptyBody },
        },
        () => ({}),
      );
      api.patch(
        '/carts/:id',
        {
          config: { policy: cartChange('json') },
          schema: { body: JsonBody, security: CART_SECURITY },
        },
        () => ({}),
      );
      api.post(
        '/carts/:id/batch',
        {
          config: {
            policy: {
              ...cartChange('json'),
              rateLimitPerItem: { buckets: ['discount-cart', 'discount-client'], count: () => 1 },
            },
          },
          schema: { body: JsonBody, security: CART_SECURITY },
        },
        () => ({}),
      );
      api.post(
        '/carts/:id/checkout',
        {
          config: { policy: cartChange('empty', 'checkout') },
          schema: { body: EmptyBody, security: CART_SECURITY },
        },
        () => ({}),
      );
      api.delete(
        '/carts/:id/lines/:lineId',
        { config: { policy: cartChange('none') }, schema: { security: CART_SECURITY } },
        () => ({}),
      );
      api.post(
        '/admin/session',
        {
          config: {
            policy: { ...PUBLIC_READ, csrf: 'origin', rateLimit: ['client', 'admin-login'] },
          },
        },
        () => ({}),
      );
    });
    // Outside /api: no policy needed (pages, probes, /docs).
    app.get('/healthz', () => ({ ok: true }));
    app.post('/hooks', () => ({ ok: true }));
    await app.ready();
    for (const [method, url] of [
      ['GET', '/api/products'],
      ['HEAD', '/api/products'],
      ['GET', '/api/admin/orders'],
      ['POST', '/api/admin/products'],
      ['DELETE', '/api/admin/products/:productId'],
      ['POST', '/api/carts'],
      ['PATCH', '/api/carts/:id'],
      ['POST', '/api/carts/:id/batch'],
      ['POST', '/api/carts/:id/checkout'],
      ['DELETE', '/api/carts/:id/lines/:lineId'],
      ['POST', '/api/admin/session'],
      ['GET', '/healthz'],
      ['POST', '/hooks'],
    ] as const)
      expect(app.hasRoute({ method, url }), `${method} ${url}`).toBe(true);
  });

  it('checks only /api/… paths: /apiary and /api itself need no policy', async () => {
    const app = Fastify();
    opened.push(app);
    app.addHook('onRoute', checkRoutePolicy);
    app.get('/apiary', () => ({}));
    app.get('/api', () => ({}));
    await expect(app.ready()).resolves.toBe(app);
  });
});

describe('routeScope', () => {
  it('is the route template and its decoded parameters, whatever the spelling of the path', async () => {
    const app = Fastify();
    opened.push(app);
    app.get('/api/things/:id/parts/:part', (request) => routeScope(request));
    app.setNotFoundHandler((request, reply) => reply.code(404).send(routeScope(request)));
    const scopes = [];
    for (const url of ['/api/things/a%20b/parts/7', '/%61pi/things/a%20b/parts/7', '/api/nowhere'])
      scopes.push((await app.inject({ url })).body);
    expect(scopes).toEqual([
      '/api/things/:id/parts/:part\u0000{"id":"a b","part":"7"}',
      '/api/things/:id/parts/:part\u0000{"id":"a b","part":"7"}',
      // Unmatched: no template, and the not-found route's wildcard.
      '\u0000{"*":"api/nowhere"}',
    ]);
  });
});

describe('hasBody', () => {
  it('sees a body in any Content-Length above 0 or any Transfer-Encoding', () => {
    expect(hasBody({})).toBe(false);
    expect(hasBody({ 'content-length': '0' })).toBe(false);
    expect(hasBody({ 'content-length': '000' })).toBe(false);
    expect(hasBody({ 'content-length': ' 0 ' })).toBe(false);
    expect(hasBody({ 'content-length': '1' })).toBe(true);
    expect(hasBody({ 'content-length': '10' })).toBe(true);
    expect(hasBody({ 'transfer-encoding': 'chunked' })).toBe(true);
    expect(hasBody({ 'transfer-encoding': 'chunked', 'content-length': '0' })).toBe(true);
    expect(hasBody({ 'transfer-encoding': '' })).toBe(true);
  });
});

describe('refuseUnwantedBodies', () => {
  const MESSAGE =
    'this request takes no body: send none (no Content-Length above 0, no Transfer-Encoding)';
  let reached: string[] = [];
  let seen: string[] = [];

  /** Routes that take no body, one that takes `{}`/`null`/nothing, one that takes JSON. */
  async function bodyApp(): Promise<FastifyInstance> {
    reached = [];
    seen = [];
    const { app } = await appWith((api) => {
      api.get('/things', { config: { policy: PUBLIC_READ } }, (request) => {
        reached.push('GET /things');
        return { body: policyOf(request)?.body };
      });
      api.delete('/things/:id', { config: { policy: { ...PUBLIC_READ, csrf: 'origin' } } }, () => {
        reached.push('DELETE /things/:id');
        return { deleted: true };
      });
      api.post('/ping', { config: { policy: { ...PUBLIC_READ, csrf: 'origin' } } }, () => {
        reached.push('POST /ping');
        return { pong: true };
      });
      api.post(
        '/carts',
        {
          config: { policy: { ...PUBLIC_READ, csrf: 'origin', idempotent: true, body: 'empty' } },
          schema: { body: EmptyBody },
        },
        (request) => {
          reached.push('POST /carts');
          return { received: request.body === undefined ? 'undefined' : request.body };
        },
      );
      api.post(
        '/notes',
        {
          config: { policy: { ...PUBLIC_READ, csrf: 'origin', body: 'json' } },
          schema: { body: JsonBody },
        },
        (request) => {
          reached.push('POST /notes');
          return { received: request.body };
        },
      );
    });
    app.post('/hooks', (request) => {
      reached.push('POST /hooks');
      return { received: request.body };
    });
    // The headers each request arrived with, whatever it was answered.
    app.addHook('onResponse', (request, _reply, done) => {
      const { 'content-length': length = '-', 'transfer-encoding': encoding = '-' } =
        request.headers;
      seen.push(`${request.method} ${request.url} length=${length} encoding=${encoding}`);
      done();
    });
    await app.ready();
    return app;
  }

  /** The 400 problem a body on a body-less route answers, for `method` on `url`. */
  function expectRefusal(
    res: Awaited<ReturnType<FastifyInstance['inject']>>,
    method: string,
    url: string,
  ): void {
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json\b/);
    expect(res.json()).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      detail: `${method} ${MESSAGE}.`,
      instance: url,
      errors: [{ path: '', message: MESSAGE }],
    });
  }

  it('refuses a GET with Content-Length above 0 before its handler runs', async () => {
    const app = await bodyApp();
    const res = await app.inject({
      method: 'GET',
      url: '/api/things',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expectRefusal(res, 'GET', '/api/things');
    expect(seen).toEqual(['GET /api/things length=2 encoding=-']);
    expect(reached).toEqual([]);
  });

  it('refuses a DELETE with Transfer-Encoding, with a body or without one', async () => {
    const app = await bodyApp();
    const chunked = await app.inject({
      method: 'DELETE',
      url: '/api/things/1',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      payload: '{}',
    });
    expectRefusal(chunked, 'DELETE', '/api/things/1');
    const bare = await app.inject({
      method: 'DELETE',
      url: '/api/things/1',
      headers: { 'transfer-encoding': 'chunked' },
    });
    expectRefusal(bare, 'DELETE', '/api/things/1');
    expect(seen[1]).toBe('DELETE /api/things/1 length=- encoding=chunked');
    expect(reached).toEqual([]);
  });

  it('refuses a body on any other route declared `body: "none"` (a POST)', async () => {
    const app = await bodyApp();
    const res = await app.inject({
      method: 'POST',
      url: '/api/ping?x=1',
      headers: { 'content-type': 'application/json' },
      payload: 'null',
    });
    expectRefusal(res, 'POST', '/api/ping');
    expect(reached).toEqual([]);
  });

  it('lets a body-less route through with no body or Content-Length: 0', async () => {
    const app = await bodyApp();
    const plain = await app.inject({ method: 'GET', url: '/api/things' });
    expect(plain.statusCode, plain.body).toBe(200);
    expect(plain.json()).toEqual({ body: 'none' });
    const zero = await app.inject({
      method: 'DELETE',
      url: '/api/things/1',
      headers: { 'content-length': '0' },
    });
    expect(zero.statusCode, zero.body).toBe(200);
    expect(zero.json()).toEqual({ deleted: true });
    const ping = await app.inject({ method: 'POST', url: '/api/ping' });
    expect(ping.statusCode, ping.body).toBe(200);
    expect(reached).toEqual(['GET /things', 'DELETE /things/:id', 'POST /ping']);
  });

  it('takes nothing, `{}` or `null` on a `body: "empty"` route, and validates the rest', async () => {
    const app = await bodyApp();
    const nothing = await app.inject({ method: 'POST', url: '/api/carts' });
    expect(nothing.statusCode, nothing.body).toBe(200);
    expect(nothing.json()).toEqual({ received: null });
    const emptyJson = await app.inject({
      method: 'POST',
      url: '/api/carts',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(emptyJson.statusCode, emptyJson.body).toBe(200);
    expect(emptyJson.json()).toEqual({ received: null });
    for (const [payload, received] of [
      ['{}', {}],
      ['null', null],
    ] as const) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/carts',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode, `${payload}: ${res.body}`).toBe(200);
      expect(res.json()).toEqual({ received });
    }
    // Anything else is the schema's to refuse, not this hook's.
    const extra = await app.inject({
      method: 'POST',
      url: '/api/carts',
      headers: { 'content-type': 'application/json' },
      payload: '{"x":1}',
    });
    expect(extra.statusCode, extra.body).toBe(400);
    expect(extra.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(JSON.stringify(extra.json())).not.toContain('takes no body');
    expect(reached).toEqual(Array<string>(4).fill('POST /carts'));
  });

  it('lets a body through on a `body: "json"` route, outside /api, and to an unknown path', async () => {
    const app = await bodyApp();
    const json = await app.inject({
      method: 'POST',
      url: '/api/notes',
      headers: { 'content-type': 'application/json' },
      payload: '{"note":"hi"}',
    });
    expect(json.statusCode, json.body).toBe(200);
    expect(json.json()).toEqual({ received: { note: 'hi' } });
    const outside = await app.inject({
      method: 'POST',
      url: '/hooks',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      payload: '{"a":1}',
    });
    expect(outside.statusCode, outside.body).toBe(200);
    expect(outside.json()).toEqual({ received: { a: 1 } });
    // An unmatched request has no policy: it is a 404, not this hook's 400.
    const unknown = await app.inject({
      method: 'GET',
      url: '/api/nowhere',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(unknown.statusCode, unknown.body).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect(reached).toEqual(['POST /notes', 'POST /hooks']);
  });
});
