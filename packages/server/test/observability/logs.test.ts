/**
 * The log as an operator gets it: the production logger settings writing to a captured
 * stream, behind a real listening server. Every line is JSON; each request has one line
 * carrying the request id its response returned, its route template, status, duration
 * and cart; committed changes give "cart event" lines; and no token, cookie, CSRF token
 * or email that the requests carried appears anywhere in what was written.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { FastifyInstance, FastifyLoggerOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cart, CreatedCart, Product } from '@cart/core';
import { buildApp, loggerOptions } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createStorage } from '../../src/storage/create-storage.ts';
import type { Storage } from '../../src/storage/port.ts';
import { HttpClient, type Reply } from '@cart/test-support/http.ts';
import { TEST_ADMIN_TOKEN } from '@cart/test-support/test-server.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const REPO_ROOT = resolve(import.meta.dirname, '../../../..');
const SECRET = 'logs-test-server-secret-0123456789abcdef';

type Line = Record<string, unknown>;

describe('request and event logs', () => {
  let dir: string;
  let app: FastifyInstance;
  let storage: Storage;
  let http: HttpClient;
  let raw = '';
  /** Everything the logger wrote, parsed line by line (throws on a line that is not JSON). */
  const lines = (): Line[] =>
    raw
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Line);
  const requestLines = (id: string) =>
    lines().filter((l) => l.msg === 'request completed' && l.reqId === id);
  /** The one request line of a response, found by the X-Request-Id it returned. */
  const lineOf = (res: Reply) => {
    const id = res.headers.get('x-request-id') ?? '';
    expect(id).not.toBe('');
    const found = requestLines(id);
    expect(found, `request line for ${id}`).toHaveLength(1);
    return found[0] as Line;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cart-logs-'));
    const config = loadConfig({
      DATABASE_URL: `sqlite:${join(dir, 'cart.db')}`,
      SEED_DEMO: 'false',
      LOG_LEVEL: 'trace',
      RATE_LIMITS: 'off',
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      SECRET,
    });
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        raw += chunk.toString('utf8');
        callback();
      },
    });
    storage = await createStorage(config);
    app = await buildApp(config, {
      logger: { ...(loggerOptions(config) as FastifyLoggerOptions), stream },
      storage,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    http = new HttpClient(`http://127.0.0.1:${address.port}`);
  });
  afterAll(async () => {
    await app.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes one JSON line per request with its request id, route, status, duration and cart', async () => {
    const product = await http.post<Product>('/api/admin/products', {
      token: TEST_ADMIN_TOKEN,
      body: {
        sku: 'logs-mug',
        name: 'Mug',
        description: '',
        price: { amount: 1200, currency: 'USD' },
        stock: null,
        maxPerOrder: null,
        imageUrl: null,
      },
    });
    expect(product.status, product.text).toBe(201);

    // A request id given by the client is used…
    const created = await http.post<CreatedCart>('/api/carts', {
      headers: { 'x-request-id': 'logs-create-1' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe('logs-create-1');
    expect(lineOf(created)).toMatchObject({
      level: 30,
      method: 'POST',
      route: '/api/carts',
      path: '/api/carts',
      statusCode: 201,
    });

    // …else one is generated, and it is the one in the response and in the line.
    const cart = created.body;
    const added = await http.post<Cart>(`/api/carts/${cart.id}/lines?`, {
      token: cart.token,
      body: { productId: product.body.id, quantity: 2 },
    });
    expect(added.status, added.text).toBe(200);
    expect(added.headers.get('x-request-id')).toMatch(UUID);
    const line = lineOf(added);
    expect(line).toMatchObject({
      level: 30,
      method: 'POST',
      route: '/api/carts/:id/lines',
      path: `/api/carts/${cart.id}/lines`,
      statusCode: 200,
      cartId: cart.id,
    });
    expect(typeof line.durationMs).toBe('number');
    expect(line.durationMs).toBeGreaterThanOrEqual(0);
    expect(typeof line.time).toBe('number');

    // A problem answer: the line names its code; a client error is not an error line.
    const missing = await http.get(`/api/carts/00000000-0000-4000-8000-000000000000`, {
      token: cart.token,
      headers: { 'x-request-id': 'logs-missing-1' },
    });
    expect(missing.status).toBe(404);
    expect(lineOf(missing)).toMatchObject({
      level: 30,
      route: '/api/carts/:id',
      statusCode: 404,
      code: 'CART_NOT_FOUND',
    });
    const unrouted = await http.get('/nothing/here?x=1');
    expect(lineOf(unrouted)).toMatchObject({ route: null, path: '/nothing/here', statusCode: 404 });

    // Committed changes are logged as domain events, joined to their request.
    const events = lines().filter((l) => l.msg === 'cart event');
    expect(events.filter((l) => l.reqId === 'logs-create-1')).toEqual([
      expect.objectContaining({ level: 30, event: 'cart_created', cartId: cart.id }),
    ]);
    expect(events.filter((l) => l.reqId === added.headers.get('x-request-id'))).toEqual([
      expect.objectContaining({
        event: 'line_added',
        cartId: cart.id,
        productId: product.body.id,
        quantity: 2,
      }),
    ]);
  });

  it('never writes a token, cookie, CSRF token or email that the requests carried', async () => {
    const carried: string[] = [TEST_ADMIN_TOKEN, SECRET];
    const created = await http.post<CreatedCart>('/api/carts');
    const cart = created.body;
    carried.push(cart.token, `cart_token=${cart.token}`);
    const csrf = await http.get<{ token: string }>('/api/csrf');
    const csrfToken = csrf.body.token;
    carried.push(csrfToken);
    const cookie = `cart_token=${cart.token}; csrf_token=${csrfToken}`;

    // By bearer token, by cookie with the CSRF token, and by cookie without it (refused).
    expect((await http.get(`/api/carts/${cart.id}`, { token: cart.token })).status).toBe(200);
    const byCookie = await http.patch(`/api/carts/${cart.id}`, {
      body: { note: 'by cookie' },
      headers: { cookie, 'x-csrf-token': csrfToken, 'sec-fetch-site': 'same-origin' },
    });
    expect(byCookie.status, byCookie.text).toBe(200);
    const noCsrf = await http.patch(`/api/carts/${cart.id}`, {
      body: { note: 'no token' },
      headers: { cookie, 'x-csrf-token': 'forged.value' },
    });
    expect(noCsrf.status).toBe(403);
    expect(lineOf(noCsrf)).toMatchObject({ level: 40, code: 'CSRF_TOKEN_INVALID' });

    // Emails: set by the update endpoint and by a batch action, and one refused.
    const emails = ['ada.lovelace@example.com', 'grace.hopper@navy.example.org'];
    const invalidEmail = 'not-an-email@@example';
    carried.push(...emails, invalidEmail);
    const setEmail = await http.patch<Cart>(`/api/carts/${cart.id}`, {
      token: cart.token,
      body: { email: emails[0] },
    });
    expect(setEmail.status, setEmail.text).toBe(200);
    expect(setEmail.body.email).toBe(emails[0]);
    const batch = await http.post<Cart>(`/api/carts/${cart.id}/actions`, {
      token: cart.token,
      body: { actions: [{ type: 'setEmail', email: emails[1] }] },
    });
    expect(batch.status, batch.text).toBe(200);
    const refused = await http.patch(`/api/carts/${cart.id}`, {
      token: cart.token,
      body: { email: invalidEmail },
    });
    expect(refused.status).toBe(400);
    expect(lineOf(refused)).toMatchObject({ code: 'VALIDATION_FAILED' });

    // Secrets in the query string (refused: cart routes take no query) and in the path.
    const query = await http.get(
      `/api/carts/${cart.id}?token=${cart.token}&email=${encodeURIComponent(emails[0] ?? '')}`,
      { token: cart.token },
    );
    expect(query.status).toBe(400);
    expect(lineOf(query).path).toBe(`/api/carts/${cart.id}`);
    const inPath = await http.get(`/api/carts/${cart.token}/${emails[1]}`);
    expect(inPath.status).toBe(404);

    // The admin token, right and wrong; a cart token where the admin one should be.
    const wrongAdmin = 'wrong-admin-token-0123456789abcdef';
    carried.push(wrongAdmin);
    expect((await http.get('/api/admin/products', { token: TEST_ADMIN_TOKEN })).status).toBe(200);
    const denied = await http.get('/api/admin/products', { token: wrongAdmin });
    expect(denied.status).toBe(401);
    expect(lineOf(denied)).toMatchObject({ level: 40, statusCode: 401 });
    expect((await http.get('/api/admin/products', { token: cart.token })).status).toBe(401);
    const idempotent = await http.post(`/api/carts/${cart.id}/discounts`, {
      token: cart.token,
      body: { code: 'NOPE' },
      headers: { 'idempotency-key': 'logs-secret-idempotency-key-1' },
    });
    expect(idempotent.status).toBe(422);
    carried.push('logs-secret-idempotency-key-1');

    const text = raw;
    expect(text.length).toBeGreaterThan(0);
    for (const secret of carried) expect(text, `the log holds ${secret}`).not.toContain(secret);
    for (const line of lines()) expect(JSON.stringify(line)).not.toMatch(/@[a-z]+\.example/);
  });

  it('logs a server error at error level, with the request id the problem document quoted', async () => {
    const cart = (await http.post<CreatedCart>('/api/carts')).body;
    // The database goes away under the running app: a real failure, answered 5xx.
    await storage.close();
    const res = await http.get<{ requestId: string }>(`/api/carts/${cart.id}`, {
      token: cart.token,
      headers: { 'x-request-id': 'logs-boom-1' },
    });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.body.requestId).toBe('logs-boom-1');
    expect(lineOf(res)).toMatchObject({
      level: 50,
      statusCode: res.status,
      route: '/api/carts/:id',
      cartId: cart.id,
    });
    expect(raw).not.toContain(cart.token);
    // Every line written, the error with its stack among them, is still one JSON object.
    expect(() => lines()).not.toThrow();
  });
});

describe('LOG_FORMAT=pretty', () => {
  it('writes readable lines (not JSON) through pino-pretty, still scrubbed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cart-pretty-'));
    const child = spawn(
      process.execPath,
      ['--conditions=@cart/source', '--import', 'tsx', 'packages/server/src/server.ts'],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          PORT: '0',
          HOST: '127.0.0.1',
          SEED_DEMO: 'false',
          ADMIN_TOKEN: TEST_ADMIN_TOKEN,
          DATABASE_URL: `sqlite:${join(dir, 'cart.db')}`,
          LOG_FORMAT: 'pretty',
          NO_COLOR: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const output: string[] = [];
    try {
      const url = await new Promise<string>((done, fail) => {
        child.once('exit', (code) =>
          fail(new Error(`server exited (${code}): ${output.join('\n')}`)),
        );
        createInterface({ input: child.stdout }).on('line', (line) => {
          output.push(line);
          const m = /url: "(http:\/\/[^"]+)"/.exec(line);
          if (m?.[1]) done(m[1]);
        });
      });
      const http = new HttpClient(url);
      const res = await http.get('/healthz', { headers: { 'x-request-id': 'pretty-1' } });
      expect(res.status).toBe(200);
      const cart = await http.post<CreatedCart>('/api/carts');
      await http.get(`/api/carts/${cart.body.id}`, { token: cart.body.token });
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
      const text = output.join('\n');
      expect(text).toMatch(/INFO.*request completed GET \/healthz 200 [\d.]+ ms/);
      expect(text).toMatch(/reqId: "pretty-1"/);
      expect(text).toMatch(/cart event/);
      expect(text).not.toContain(cart.body.token);
      expect(text).not.toContain(TEST_ADMIN_TOKEN);
      for (const line of output)
        if (line.startsWith('{')) expect(() => JSON.parse(line) as unknown).toThrow();
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
