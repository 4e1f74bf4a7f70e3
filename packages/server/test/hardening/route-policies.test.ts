// Over 400 lines on purpose: one real server for four findings that share its raw-HTTP
// helpers (node:http, paths sent as written).
/**
 * Issue 10, findings 1, 2, 6 and 9, over real HTTP against the real server on SQLite:
 * policies are declared on the route and read from the matched route, so a path spelled
 * another way (`/%61pi/…`) spends the same rate limits and shares one idempotency scope;
 * per-cart budgets are spent only by the cart's owner; every framework refusal is a 4xx
 * problem, never a 500 and never an error group; and an /api route without a declared
 * policy cannot be registered. Paths are sent exactly as written (node:http, not fetch).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { canonicalJson } from '../../src/audit/chain.ts';
import { productInput } from '../contract/harness.ts';
import { startTestServer, type TestServer } from '@cart/test-support/test-server.ts';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: Record<string, unknown>;
}

/** One request with the path exactly as given (no normalisation, no percent-decoding). */
function send(
  server: TestServer,
  method: string,
  path: string,
  options: { body?: string; json?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const body = options.json !== undefined ? JSON.stringify(options.json) : options.body;
  const headers: Record<string, string> = { ...options.headers };
  if (body !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port: Number(port), method, path, headers, agent: false },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          let parsed: Record<string, unknown> = {};
          try {
            parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
          } catch {
            // not JSON: the test looks at `text`
          }
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text,
            body: parsed,
          });
        });
      },
    );
    request.on('error', reject);
    if (body !== undefined) request.write(body);
    request.end();
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const randomToken = () => randomBytes(32).toString('base64url');
const deepArrays = (n: number) => '['.repeat(n) + ']'.repeat(n);

async function newCart(server: TestServer): Promise<{ id: string; token: string }> {
  const answer = await send(server, 'POST', '/api/carts');
  expect(answer.status, answer.text).toBe(201);
  return { id: answer.body.id as string, token: answer.body.token as string };
}

async function newProduct(server: TestServer): Promise<string> {
  const answer = await send(server, 'POST', '/api/admin/products', {
    headers: bearer(server.adminToken),
    json: productInput({ stock: 50 }),
  });
  expect(answer.status, answer.text).toBe(201);
  return answer.body.id as string;
}

function expectProblem(answer: Answer, status: number, code: string): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(answer.body.code, answer.text).toBe(code);
}

describe('finding 1: rate limits come from the matched route, whatever the spelling of its path', () => {
  let server: TestServer;
  beforeAll(async () => {
    // One window for the whole test (no reset half-way); a client budget out of the way.
    server = await startTestServer({
      env: { RATE_LIMITS: 'on', RATE_LIMIT_WINDOW_SECONDS: '3600', RATE_LIMIT_CLIENT: '100000' },
    });
  });
  afterAll(() => server.close());

  it('limits 40 promo-code guesses through /%61pi/… like /api/…: the 11th is 429', async () => {
    const cart = await newCart(server);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const answer = await send(server, 'POST', `/%61pi/carts/${cart.id}/discounts`, {
        headers: bearer(cart.token),
        json: { code: `GUESS${i}` },
      });
      statuses.push(answer.status);
      if (i === 10) {
        expectProblem(answer, 429, 'RATE_LIMITED');
        expect(answer.headers['retry-after']).toMatch(/^\d+$/);
        expect(answer.headers['ratelimit-policy']).toContain('"discount-cart";q=10;w=3600');
      }
    }
    expect(statuses.slice(0, 10)).toEqual(Array<number>(10).fill(422));
    expect(statuses.slice(10)).toEqual(Array<number>(30).fill(429));
  });

  it('limits checkouts through /%61pi/… (the 11th is 429)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const cart = await newCart(server);
      const answer = await send(server, 'POST', `/%61pi/carts/${cart.id}/checkout`, {
        headers: bearer(cart.token),
      });
      statuses.push(answer.status);
    }
    expect(statuses).toEqual([...Array<number>(10).fill(422), 429]);
  });

  it('limits guesses of the admin token through /%61pi/admin/session (the 11th is 429)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const answer = await send(server, 'POST', '/%61pi/admin/session', {
        json: { token: `guess-${i}-${randomToken()}` },
      });
      statuses.push(answer.status);
    }
    expect(statuses).toEqual([...Array<number>(10).fill(401), 429]);
  });
});

describe('finding 1: client error reports and unmatched paths spend the client budget', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { RATE_LIMITS: 'on', RATE_LIMIT_WINDOW_SECONDS: '3600', RATE_LIMIT_CLIENT: '5' },
    });
  });
  afterAll(() => server.close());

  it('counts reports sent to /%61pi/client-errors, then an unknown path, against one budget', async () => {
    const report = { errorClass: 'TypeError', message: 'x is undefined', page: '/cart' };
    // Each report is counted (the budget's remainder goes down), whatever it answers.
    const remaining: string[] = [];
    for (let i = 0; i < 4; i++) {
      const answer = await send(server, 'POST', '/%61pi/client-errors', { json: report });
      expect(answer.status, answer.text).not.toBe(429);
      remaining.push(String(answer.headers['ratelimit']));
    }
    expect(remaining.map((r) => /^"client";r=(\d+);/.exec(r)?.[1])).toEqual(['4', '3', '2', '1']);
    // An unmatched request is counted too (the 5th), so scanning is limited like the rest.
    expectProblem(await send(server, 'GET', '/%61pi/no-such-thing'), 404, 'NOT_FOUND');
    expectProblem(
      await send(server, 'POST', '/%61pi/client-errors', { json: report }),
      429,
      'RATE_LIMITED',
    );
    // Pages and probes are not API requests and are never limited.
    expect((await send(server, 'GET', '/healthz')).status).toBe(200);
  });
});

describe('finding 9: per-cart budgets are spent only by the cart’s owner', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { RATE_LIMITS: 'on', RATE_LIMIT_WINDOW_SECONDS: '3600', RATE_LIMIT_CLIENT: '100000' },
    });
  });
  afterAll(() => server.close());

  it('answers the owner 200 after 130 changes with a bogus token; the stranger is limited alone', async () => {
    const cart = await newCart(server);
    const bogus = randomToken();
    const statuses: number[] = [];
    for (let i = 0; i < 130; i++) {
      const answer = await send(server, 'PATCH', `/api/carts/${cart.id}`, {
        headers: bearer(bogus),
        json: { note: `not yours ${i}` },
      });
      statuses.push(answer.status);
    }
    // The stranger's own budget (RATE_LIMIT_CART = 120) stops them…
    expect(statuses.slice(0, 120)).toEqual(Array<number>(120).fill(404));
    expect(statuses.slice(120)).toEqual(Array<number>(10).fill(429));
    // …and the owner's is untouched.
    const own = await send(server, 'PATCH', `/api/carts/${cart.id}`, {
      headers: bearer(cart.token),
      json: { note: 'mine' },
    });
    expect(own.status, own.text).toBe(200);
    expect(own.body).toMatchObject({ note: 'mine', version: 2 });
    expect(own.headers['ratelimit']).toMatch(/^"[a-z-]+";r=\d+;t=\d+$/);
    expect(own.headers['ratelimit-policy']).toContain('"cart";q=120;w=3600');
  });
});

describe('finding 2 and 6: one server without rate limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('finding 2: one Idempotency-Key on two spellings of the path applies the change once', async () => {
    const productId = await newProduct(server);
    const cart = await newCart(server);
    const key = randomUUID();
    const request = {
      headers: { ...bearer(cart.token), 'idempotency-key': key },
      json: { productId, quantity: 1 },
    };
    const first = await send(server, 'POST', `/api/carts/${cart.id}/lines`, request);
    expect(first.status, first.text).toBe(200);
    const second = await send(server, 'POST', `/%61pi/carts/${cart.id}/lines`, request);
    expect(second.status, second.text).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.text).toBe(first.text);
    const now = await send(server, 'GET', `/api/carts/${cart.id}`, {
      headers: bearer(cart.token),
    });
    expect(now.body.version).toBe(2);
    expect((now.body.lines as { quantity: number }[]).map((l) => l.quantity)).toEqual([1]);
    // The same key with another body on the other spelling is a reuse, not a new request.
    const reused = await send(server, 'POST', `/%61pi/carts/${cart.id}/lines`, {
      ...request,
      json: { productId, quantity: 3 },
    });
    expectProblem(reused, 422, 'IDEMPOTENCY_KEY_REUSED');
  });

  it('finding 6: answers GET /assets/../x (path as is) with a 4xx problem, not a 500', async () => {
    for (const path of [
      '/assets/../x',
      '/assets/%2e%2e/x',
      '/assets/..%2fx',
      '/assets/a/../../x',
    ]) {
      const answer = await send(server, 'GET', path);
      expect(answer.status, `${path}: ${answer.text}`).toBeGreaterThanOrEqual(400);
      expect(answer.status, path).toBeLessThan(500);
      expect(answer.headers['content-type'], path).toMatch(/^application\/problem\+json/);
    }
    expectProblem(await send(server, 'GET', '/assets/../x'), 404, 'NOT_FOUND');
  });

  it('finding 6: answers a 30,000-deep body with an Idempotency-Key 400, with a body or without', async () => {
    const productId = await newProduct(server);
    const cart = await newCart(server);
    const added = await send(server, 'POST', `/api/carts/${cart.id}/lines`, {
      headers: bearer(cart.token),
      json: { productId, quantity: 1 },
    });
    const lineId = (added.body.lines as { id: string }[])[0]?.id ?? '';
    const deep = deepArrays(30_000);
    const hostile = { ...bearer(cart.token), 'idempotency-key': randomUUID() };
    const targets: [string, string][] = [
      ['DELETE', `/api/carts/${cart.id}/lines/${lineId}`], // takes no body
      ['DELETE', `/%61pi/carts/${cart.id}/discounts/SAVE10`], // takes no body
      ['POST', `/api/carts/${cart.id}/checkout`], // takes `{}` or nothing
      ['POST', `/api/carts/${cart.id}/lines`], // takes a body
      ['PATCH', `/api/carts/${cart.id}`], // takes a body
    ];
    for (const [method, path] of targets) {
      const answer = await send(server, method, path, { body: deep, headers: hostile });
      expectProblem(answer, 400, 'VALIDATION_FAILED');
    }
    const after = await send(server, 'GET', `/api/carts/${cart.id}`, {
      headers: bearer(cart.token),
    });
    expect(after.body).toMatchObject({ version: 2, status: 'active' });
  });

  it('refuses a body on a route that takes none before reading it, and keeps what clients send today', async () => {
    const cart = await newCart(server);
    const withBody = await send(server, 'GET', `/api/carts/${cart.id}`, {
      headers: bearer(cart.token),
      json: {},
    });
    expectProblem(withBody, 400, 'VALIDATION_FAILED');
    expect(withBody.body.errors).toHaveLength(1);
    expect(JSON.stringify(withBody.body.errors)).toMatch(/takes no body/);
    const chunked = await send(server, 'DELETE', '/api/admin/products/' + randomUUID(), {
      headers: { ...bearer(server.adminToken), 'transfer-encoding': 'chunked' },
      body: '{}',
    });
    expect(chunked.status, chunked.text).toBe(400);
    // Create and checkout: nothing, `{}` or `null`, as packages/client and the web app send.
    for (const body of [undefined, '{}', 'null']) {
      const created = await send(server, 'POST', '/api/carts', body === undefined ? {} : { body });
      expect(created.status, created.text).toBe(201);
      const checkout = await send(
        server,
        'POST',
        `/api/carts/${created.body.id as string}/checkout`,
        {
          headers: bearer(created.body.token as string),
          ...(body === undefined ? {} : { body }),
        },
      );
      expectProblem(checkout, 422, 'CART_EMPTY');
    }
    // An empty declared-JSON body (Content-Length: 0) is no body.
    const empty = await send(server, 'DELETE', '/api/admin/products/' + randomUUID(), {
      headers: { ...bearer(server.adminToken), 'content-length': '0' },
    });
    expectProblem(empty, 404, 'NOT_FOUND');
  });

  it('finding 6: answers a wrong method, over-long URLs and headers with 4xx problems', async () => {
    // Fastify's router has no 405: a wrong method on a known path stays the contract's
    // 404 NOT_FOUND problem (test/contract/protocol-contract.ts), and says what it takes.
    const wrong = await send(server, 'PUT', '/api/carts');
    expectProblem(wrong, 404, 'NOT_FOUND');
    expect(wrong.headers.allow).toBe('POST');
    const product = await send(server, 'DELETE', `/%61pi/products/${randomUUID()}`);
    expectProblem(product, 404, 'NOT_FOUND');
    expect(product.headers.allow).toBe('GET, HEAD');
    expect((await send(server, 'GET', '/api/nothing-here')).headers.allow).toBeUndefined();
    expectProblem(
      await send(server, 'GET', `/api/carts/${'a'.repeat(5000)}`),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await send(server, 'GET', `/api/products?x=${'a'.repeat(20_000)}`),
      431,
      'HEADERS_TOO_LARGE',
    );
  });

  it('finding 6: 300 hostile requests answer no 5xx and record no error group', async () => {
    const cart = await newCart(server);
    const deep = deepArrays(30_000);
    const key = () => ({ ...bearer(cart.token), 'idempotency-key': randomUUID() });
    const hostile: (() => Promise<Answer>)[] = [
      () => send(server, 'GET', '/assets/../x'),
      () => send(server, 'GET', '/assets/%2e%2e/%2e%2e/etc/passwd'),
      () =>
        send(server, 'DELETE', `/api/carts/${cart.id}/lines/${randomUUID()}`, {
          body: deep,
          headers: key(),
        }),
      () => send(server, 'POST', `/%61pi/carts/${cart.id}/lines`, { body: deep, headers: key() }),
      () => send(server, 'POST', `/api/carts/${cart.id}/merge`, { body: deep, headers: key() }),
      () => send(server, 'PUT', `/api/carts/${cart.id}`, { body: deep }),
      () => send(server, 'GET', `/api/carts/${'%ff'.repeat(400)}`),
      () => send(server, 'GET', `/api/products?${'a'.repeat(17_000)}`),
      () => send(server, 'OPTIONS', '/api/carts'),
      () => send(server, 'GET', '/api/products', { body: deep }),
    ];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const answer = await hostile[i % hostile.length]!();
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      expect(
        answer.status,
        `request ${i % hostile.length}: ${answer.text.slice(0, 200)}`,
      ).toBeLessThan(500);
    }
    expect([...statuses.values()].reduce((a, b) => a + b)).toBe(300);
    await server.app.errorTracker.flush();
    const groups = await send(server, 'GET', '/api/admin/errors', {
      headers: bearer(server.adminToken),
    });
    expect(groups.status, groups.text).toBe(200);
    expect(groups.body.items).toEqual([]);
  });
});

describe('every /api route declares its policies', () => {
  it('refuses to register an /api route without a policy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cart-policy-'));
    const config = loadConfig({
      DATABASE_URL: `sqlite:${join(dir, 'cart.db')}`,
      SEED_DEMO: 'false',
      LOG_LEVEL: 'silent',
      ADMIN_TOKEN: 'test-admin-token-0123456789abcdef',
    });
    const app = await buildApp(config);
    try {
      // Registration throws inside the plugin; returning its promise lets ready() reject.
      const undeclared: FastifyPluginAsync = (api) =>
        Promise.resolve().then(() => {
          api.get('/forgotten', () => ({ ok: true }));
        });
      await expect(
        (async () => {
          await app.register(undeclared, { prefix: '/api' });
          await app.ready();
        })(),
      ).rejects.toThrow(/GET \/api\/forgotten: every \/api route must declare its policies/);
    } finally {
      await app.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('canonicalJson', () => {
  it('writes a 30,000-deep value without overflowing the stack', () => {
    const deep = JSON.parse(deepArrays(30_000)) as unknown;
    expect(canonicalJson(deep)).toBe(deepArrays(30_000));
    expect(canonicalJson({ b: [1, { d: 2, c: undefined }], a: null })).toBe(
      '{"a":null,"b":[1,{"d":2}]}',
    );
  });
});
