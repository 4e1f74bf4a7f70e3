import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditRecord } from './storage/port.ts';
import { SqliteStorage } from './storage/sqlite/storage.ts';
import {
  JSON_TYPE,
  adminAuth,
  addLine,
  bearer,
  buildTestApp,
  createCart,
  createProduct,
  expectProblem,
  header,
  logLines,
  type TestApp,
} from '@cart/test-support/test-app.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const opened: TestApp[] = [];
async function open(...args: Parameters<typeof buildTestApp>): Promise<TestApp> {
  const t = await buildTestApp(...args);
  opened.push(t);
  return t;
}
afterEach(async () => {
  vi.useRealTimers();
  for (const t of opened.splice(0).reverse()) await t.close();
});

describe('request ids', () => {
  it.each(['abc-123', 'A.b_c:d-9', 'x'.repeat(128)])(
    'honours a valid X-Request-Id %j: echoed, in the problem and in the log',
    async (id) => {
      const t = await open();
      const ok = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': id } });
      expect(header(ok, 'x-request-id')).toBe(id);
      const res = await t.app.inject({ url: '/api/carts/nope', headers: { 'x-request-id': id } });
      expect(expectProblem(res, 404, 'CART_NOT_FOUND').requestId).toBe(id);
      expect(t.logs.some((l) => l.reqId === id && l.msg === 'request completed')).toBe(true);
    },
  );

  it.each(['has space', 'x'.repeat(129), 'semi;colon', 'é', '<script>'])(
    'replaces an invalid X-Request-Id %j with a fresh UUID',
    async (id) => {
      const t = await open();
      const res = await t.app.inject({ url: '/api/carts/nope', headers: { 'x-request-id': id } });
      const given = header(res, 'x-request-id');
      expect(given).toMatch(UUID);
      expect(expectProblem(res, 404, 'CART_NOT_FOUND').requestId).toBe(given);
    },
  );

  it('gives each request without one its own UUID', async () => {
    const t = await open();
    const ids = await Promise.all(
      [1, 2, 3].map(async () => header(await t.app.inject({ url: '/healthz' }), 'x-request-id')),
    );
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(3);
  });
});

describe('JSON bodies', () => {
  it('takes an empty body declared as JSON as no body on checkout', async () => {
    const t = await open();
    const product = await createProduct(t.app);
    const empty = await createCart(t.app);
    const checkout = (cart: { id: string; token: string }) =>
      t.app.inject({
        method: 'POST',
        url: `/api/carts/${cart.id}/checkout`,
        headers: { ...bearer(cart.token), ...JSON_TYPE },
        payload: '',
      });
    // Reaches the cart rules (an empty cart cannot check out), not a parser error.
    expectProblem(await checkout(empty), 422, 'CART_EMPTY');
    const full = await createCart(t.app);
    await addLine(t.app, full, product.id, 2);
    const res = await checkout(full);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ cart: { status: string } }>().cart.status).toBe('checked_out');
  });

  it('creates a cart from an empty JSON body', async () => {
    const t = await open();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/carts',
      headers: JSON_TYPE,
      payload: '',
    });
    expect(res.statusCode, res.body).toBe(201);
  });

  it('still requires a body where the route has one', async () => {
    const t = await open();
    const cart = await createCart(t.app);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/carts/${cart.id}/lines`,
      headers: { ...bearer(cart.token), ...JSON_TYPE },
      payload: '',
    });
    expectProblem(res, 400, 'VALIDATION_FAILED');
  });
});

describe('answers Fastify makes before routing', () => {
  // docs/api.md: every error is problem+json, and every response carries nosniff.
  it('answers a URL with a broken percent-encoding as a 400 problem with nosniff', async () => {
    const t = await open();
    const res = await t.app.inject({ url: '/api/products/%E0%A4%A' });
    expectProblem(res, 400, 'VALIDATION_FAILED');
  });

  it('answers a path parameter over the router limit as a 400 problem with nosniff', async () => {
    const t = await open();
    const cart = await createCart(t.app);
    const res = await t.app.inject({
      url: `/api/carts/${'a'.repeat(250)}`,
      headers: bearer(cart.token),
    });
    expectProblem(res, 400, 'VALIDATION_FAILED');
  });
});

describe('configuration', () => {
  async function browserChange(t: TestApp, cart: { id: string; token: string }, csrf: string) {
    return t.app.inject({
      method: 'PATCH',
      url: `/api/carts/${cart.id}`,
      headers: {
        cookie: `cart_token=${cart.token}; csrf_token=${csrf}`,
        'x-csrf-token': csrf,
        'sec-fetch-site': 'same-origin',
      },
      payload: { note: 'from the page' },
    });
  }

  it('signs CSRF tokens with SECRET, so every instance sharing it accepts them', async () => {
    const secret = 's'.repeat(40);
    const first = await open({ env: { SECRET: secret } });
    const cart = await createCart(first.app);
    const csrf = (await first.app.inject({ url: '/api/csrf' })).json<{ token: string }>().token;

    const sibling = await open({ env: { SECRET: secret }, databasePath: first.databasePath });
    const accepted = await browserChange(sibling, cart, csrf);
    expect(accepted.statusCode, accepted.body).toBe(200);

    const stranger = await open({
      env: { SECRET: 't'.repeat(40) },
      databasePath: first.databasePath,
    });
    expectProblem(await browserChange(stranger, cart, csrf), 403, 'CSRF_TOKEN_INVALID');
    // Without SECRET, the secret stored in the database signs: not the one SECRET named.
    const unset = await open({ databasePath: first.databasePath });
    expectProblem(await browserChange(unset, cart, csrf), 403, 'CSRF_TOKEN_INVALID');
  });

  it('seeds the demo catalog once when SEED_DEMO is on', async () => {
    const t = await open({ env: { SEED_DEMO: 'true' } });
    expect(logLines(t.logs, 'seeded the demo catalog')).toHaveLength(1);
    const page = await t.app.inject({ url: '/api/products?limit=100' });
    expect(page.json<{ items: unknown[] }>().items.length).toBeGreaterThan(5);

    const again = await open({ env: { SEED_DEMO: 'true' }, databasePath: t.databasePath });
    expect(logLines(again.logs, 'seeded the demo catalog')).toHaveLength(0);
  });

  it('leaves the catalog empty when SEED_DEMO is off', async () => {
    const t = await open();
    expect(logLines(t.logs, 'seeded the demo catalog')).toHaveLength(0);
    expect((await t.app.inject({ url: '/api/products' })).json()).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('warns at start when ADMIN_TOKEN is unset, and only then', async () => {
    const unset = await open({ env: { ADMIN_TOKEN: '' } });
    const warning = 'ADMIN_TOKEN is not set: the admin API answers 401 to everyone';
    expect(logLines(unset.logs, warning)).toMatchObject([{ level: 40 }]);
    const set = await open();
    expect(logLines(set.logs, warning)).toHaveLength(0);
  });

  it('never writes a cart token to the log, even at trace level', async () => {
    const t = await open({ env: { LOG_LEVEL: 'trace' } });
    const cart = await createCart(t.app);
    await t.app.inject({
      url: `/api/carts/${cart.id}`,
      headers: { ...bearer(cart.token), cookie: `cart_token=${cart.token}`, 'x-csrf-token': 'c' },
    });
    const text = JSON.stringify(t.logs);
    expect(text).not.toContain(cart.token);
  });
});

describe('lifecycle', () => {
  it('closes the storage it opened itself', async () => {
    const t = await buildTestApp();
    expect(await t.app.storage.ping()).toBe(true);
    await t.close();
    expect(await t.app.storage.ping()).toBe(false);
  });

  it('leaves a storage it was given open for its owner to close', async () => {
    let given: SqliteStorage | undefined;
    const t = await buildTestApp({ storage: (path) => (given = new SqliteStorage(path)) });
    expect(t.app.storage).toBe(given);
    await t.app.close();
    expect(await given?.ping()).toBe(true);
    await t.close();
    expect(await given?.ping()).toBe(false);
  });

  it('closes carts past their expiry in the background every minute', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const t = await open({ env: { CART_TTL_SECONDS: '1' } });
    const cart = await createCart(t.app);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // Past its expiry but untouched: still stored as active until the sweep.
    expect((await t.app.storage.getCart(cart.id))?.state.status).toBe('active');

    await vi.advanceTimersByTimeAsync(60_000);
    await vi.waitFor(async () =>
      expect((await t.app.storage.getCart(cart.id))?.state.status).toBe('expired'),
    );
    const audit = await t.app.inject({
      url: `/api/admin/audit?action=cart.expire&cartId=${cart.id}`,
      headers: adminAuth,
    });
    expect(audit.json<{ items: AuditRecord[] }>().items).toMatchObject([
      { action: 'cart.expire', actorType: 'system', requestId: 'expiry-sweeper', cartId: cart.id },
    ]);
  });

  it('logs a failed expiry sweep and keeps serving', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    class UnreadableStorage extends SqliteStorage {
      override findExpiredCarts(): Promise<string[]> {
        return Promise.reject(new Error('disk I/O error'));
      }
    }
    const t = await open({ storage: (path) => new UnreadableStorage(path) });
    await vi.advanceTimersByTimeAsync(60_000);
    await vi.waitFor(() =>
      expect(logLines(t.logs, 'expiry sweep failed')).toMatchObject([
        { level: 50, err: { message: 'disk I/O error' } },
      ]),
    );
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });
});
