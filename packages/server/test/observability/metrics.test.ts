/**
 * /metrics against a real server: after scripted traffic the exposition parses as strict
 * Prometheus text, and every counter and histogram moved by exactly what was sent — no
 * more (refusals and replays do not count as business), no less.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Cart, CheckoutResult, CreatedCart, Product } from '@cart/core';
import { HttpClient, type Reply, type RequestOptions } from '@cart/test-support/http.ts';
import { parsePrometheus, type Exposition } from '../support/prometheus.ts';
import { startTestServer, type TestServer } from '@cart/test-support/test-server.ts';

const servers: TestServer[] = [];
async function start(env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startTestServer({ env });
  servers.push(server);
  return server;
}
afterAll(async () => {
  for (const s of servers.splice(0)) await s.close();
});
afterEach(() => {
  vi.useRealTimers();
});

async function scrape(http: HttpClient, token?: string): Promise<Exposition> {
  const res = await http.get('/metrics', token === undefined ? {} : { token });
  expect(res.status, res.text).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(res.text);
}

/** The increase of a sample between two scrapes. */
const delta = (before: Exposition, after: Exposition, name: string, labels = {}) =>
  after.value(name, labels) - before.value(name, labels);

/** A client that tallies what it sent by route template, method and status class. */
class TallyingClient {
  readonly sent = new Map<string, number>();
  constructor(private readonly http: HttpClient) {}

  async send<T>(
    method: string,
    route: string,
    params: Record<string, string>,
    options: RequestOptions = {},
  ): Promise<Reply<T>> {
    const path = route.replace(/:(\w+)/g, (_m, name: string) => params[name] ?? '');
    const res = await this.http.request<T>(method, path, options);
    const key = JSON.stringify([route, method, `${Math.floor(res.status / 100)}xx`]);
    this.sent.set(key, (this.sent.get(key) ?? 0) + 1);
    return res;
  }
}

describe('metrics after scripted traffic', () => {
  let server: TestServer;
  let http: HttpClient;
  const products: Product[] = [];

  beforeAll(async () => {
    server = await start();
    http = new HttpClient(server.url);
    const admin = { token: server.adminToken };
    for (let i = 1; i <= 5; i++) {
      const res = await http.post<Product>('/api/admin/products', {
        ...admin,
        body: {
          sku: `metrics-${i}`,
          name: `Mug ${i}`,
          description: '',
          price: { amount: 1000 * i, currency: 'USD' },
          stock: null,
          maxPerOrder: null,
          imageUrl: null,
          requiresShipping: false,
        },
      });
      expect(res.status, res.text).toBe(201);
      products.push(res.body);
    }
    const code = await http.post('/api/admin/discounts', {
      ...admin,
      body: { code: 'SAVE10', kind: 'percent', value: 1000 },
    });
    expect(code.status, code.text).toBe(201);
  });

  it('parses strictly and moves every counter and histogram by exactly the traffic sent', async () => {
    const before = await scrape(http);
    const client = new TallyingClient(http);
    const [p1, p2, p3, p4, p5] = products as [Product, Product, Product, Product, Product];
    const create = async () => {
      const res = await client.send<CreatedCart>('POST', '/api/carts', {});
      expect(res.status, res.text).toBe(201);
      return res.body;
    };
    const addLine = (cart: CreatedCart, productId: string, extra: RequestOptions = {}) =>
      client.send<Cart>(
        'POST',
        '/api/carts/:id/lines',
        { id: cart.id },
        { token: cart.token, body: { productId, quantity: 1 }, ...extra },
      );

    // Cart A: three lines, one removed, a code applied, an unknown code refused, checkout.
    const a = await create();
    for (const p of [p1, p2, p3]) expect((await addLine(a, p.id)).status).toBe(200);
    const lineId = (await addLine(a, p3.id)).body.lines.find((l) => l.productId === p3.id)?.id;
    // (adding p3 again merged into its line: a quantity change, not a new line)
    const removed = await client.send(
      'DELETE',
      '/api/carts/:id/lines/:lineId',
      { id: a.id, lineId: lineId ?? '' },
      { token: a.token },
    );
    expect(removed.status, removed.text).toBe(200);
    const applied = await client.send(
      'POST',
      '/api/carts/:id/discounts',
      { id: a.id },
      { token: a.token, body: { code: 'save10' } },
    );
    expect(applied.status, applied.text).toBe(200);
    const refused = await client.send(
      'POST',
      '/api/carts/:id/discounts',
      { id: a.id },
      { token: a.token, body: { code: 'NOSUCHCODE' } },
    );
    expect(refused.status, refused.text).toBe(422);
    const checkout = await client.send<CheckoutResult>(
      'POST',
      '/api/carts/:id/checkout',
      { id: a.id },
      { token: a.token },
    );
    expect(checkout.status, checkout.text).toBe(200);
    const orderTotal = checkout.body.cart.total.amount;
    expect(orderTotal).toBe(2700); // (1000 + 2000) − 10%

    // Cart B: a line added with an Idempotency-Key, then the same request replayed; a
    // change based on a stale version.
    const b = await create();
    const keyed = { headers: { 'idempotency-key': 'metrics-replay-1' } };
    expect((await addLine(b, p4.id, keyed)).status).toBe(200);
    const replay = await addLine(b, p4.id, keyed);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const stale = await client.send(
      'PATCH',
      '/api/carts/:id',
      { id: b.id },
      { token: b.token, body: { note: 'hello' }, headers: { 'if-match': '"99"' } },
    );
    expect(stale.status, stale.text).toBe(412);

    // Cart C: a line; a cookie-authenticated change without the CSRF token; an unknown
    // cart; then C is touched after its expiry.
    const c = await create();
    expect((await addLine(c, p5.id)).status).toBe(200);
    const csrf = await client.send(
      'POST',
      '/api/carts/:id/lines',
      { id: c.id },
      { body: { productId: p1.id, quantity: 1 }, headers: { cookie: `cart_token=${c.token}` } },
    );
    expect(csrf.status, csrf.text).toBe(403);
    const unknown = await client.send(
      'GET',
      '/api/carts/:id',
      { id: '00000000-0000-4000-8000-000000000000' },
      { token: c.token },
    );
    expect(unknown.status).toBe(404);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 31 * 24 * 3600 * 1000 });
    const late = await addLine(c, p1.id);
    vi.useRealTimers();
    expect(late.status, late.text).toBe(410);

    const after = await scrape(http);
    const d = (name: string, labels = {}) => delta(before, after, name, labels);

    // Business counters: committed changes only.
    expect(d('cart_carts_created_total')).toBe(3);
    expect(d('cart_lines_added_total')).toBe(5);
    expect(d('cart_lines_removed_total')).toBe(1);
    expect(d('cart_discounts_applied_total')).toBe(1);
    expect(d('cart_discounts_refused_total', { code: 'DISCOUNT_INVALID' })).toBe(1);
    expect(d('cart_checkouts_total')).toBe(1);
    expect(d('cart_checkout_value_minor_units_count', { currency: 'USD' })).toBe(1);
    expect(d('cart_checkout_value_minor_units_sum', { currency: 'USD' })).toBe(orderTotal);
    expect(d('cart_checkout_value_minor_units_bucket', { currency: 'USD', le: '2500' })).toBe(0);
    expect(d('cart_checkout_value_minor_units_bucket', { currency: 'USD', le: '5000' })).toBe(1);
    expect(d('cart_carts_expired_total')).toBe(1);
    expect(d('cart_carts_abandoned_total')).toBe(0);

    // Refusals and replays.
    expect(d('cart_idempotent_replays_total')).toBe(1);
    expect(d('cart_version_conflicts_total')).toBe(1);
    expect(d('cart_csrf_rejections_total')).toBe(1);
    const problems = Object.fromEntries(
      after
        .samples('cart_http_problems_total')
        .map((s): [string, number] => [
          s.labels.code ?? '',
          s.value - before.value(s.name, s.labels),
        ])
        .filter(([, v]) => v !== 0),
    );
    expect(problems).toEqual({
      DISCOUNT_INVALID: 1,
      VERSION_CONFLICT: 1,
      CSRF_TOKEN_INVALID: 1,
      CART_NOT_FOUND: 1,
      CART_EXPIRED: 1,
    });

    // The request histogram: one observation per request, by route, method and class;
    // the first scrape is counted too (it was answered before the second one read).
    const moved = new Map<string, number>();
    for (const s of after.samples('http_server_request_duration_seconds_count')) {
      const change = s.value - before.value(s.name, s.labels);
      if (change === 0) continue;
      const { http_route: route, http_request_method: method, status_class: cls } = s.labels;
      moved.set(JSON.stringify([route, method, cls]), change);
    }
    const expected = new Map(client.sent);
    expected.set(JSON.stringify(['/metrics', 'GET', '2xx']), 1);
    expect(Object.fromEntries(moved)).toEqual(Object.fromEntries(expected));
    const lines2xx = { http_route: '/api/carts/:id/lines', http_request_method: 'POST' };
    expect(
      d('http_server_request_duration_seconds_bucket', {
        ...lines2xx,
        status_class: '2xx',
        le: '+Inf',
      }),
    ).toBe(7);

    // Storage timings: one `mutate` per change that reached the cart service (3 carts,
    // 8 line additions with the replay and the late one, a removal, 2 codes, a checkout,
    // the stale PATCH; the CSRF refusal never got there), one `getCart` for the read.
    const db = (operation: string) => d('cart_db_query_duration_seconds_count', { operation });
    expect(db('mutate')).toBe(3 + 8 + 1 + 2 + 1 + 1);
    expect(db('readCart')).toBe(1);
  });

  it('exposes every agreed metric, with HELP and the right TYPE, and the process metrics', async () => {
    const exposition = await scrape(http);
    const types: Record<string, string> = {
      http_server_request_duration_seconds: 'histogram',
      cart_http_problems_total: 'counter',
      cart_carts_created_total: 'counter',
      cart_lines_added_total: 'counter',
      cart_lines_removed_total: 'counter',
      cart_discounts_applied_total: 'counter',
      cart_discounts_refused_total: 'counter',
      cart_checkouts_total: 'counter',
      cart_checkout_value_minor_units: 'histogram',
      cart_carts_abandoned_total: 'counter',
      cart_carts_expired_total: 'counter',
      cart_rate_limit_rejections_total: 'counter',
      cart_idempotent_replays_total: 'counter',
      cart_version_conflicts_total: 'counter',
      cart_csrf_rejections_total: 'counter',
      cart_db_query_duration_seconds: 'histogram',
      cart_rate_limit_store_fallbacks_total: 'counter',
      cart_process_cpu_seconds_total: 'counter',
      cart_nodejs_eventloop_lag_p99_seconds: 'gauge',
    };
    for (const [name, type] of Object.entries(types)) {
      const family = exposition.family(name);
      expect(family?.type, name).toBe(type);
      expect(family?.help, name).toMatch(/\S/);
    }
    const buckets = exposition
      .samples('http_server_request_duration_seconds_bucket')
      .map((s) => s.labels.le);
    expect(buckets).toContain('0.3');
  });
});

describe('rate-limit rejections', () => {
  it('are counted by the policy that refused, and /metrics itself is never limited', async () => {
    const server = await start({
      RATE_LIMITS: 'on',
      RATE_LIMIT_CLIENT: '6',
      RATE_LIMIT_DISCOUNT_CART: '1',
    });
    const http = new HttpClient(server.url);
    const before = await scrape(http);
    const cart = await http.post<CreatedCart>('/api/carts');
    expect(cart.status).toBe(201);
    const code = (c: string) =>
      http.post(`/api/carts/${cart.body.id}/discounts`, {
        token: cart.body.token,
        body: { code: c },
      });
    expect((await code('FIRST')).status).toBe(422); // attempt 1: an unknown code
    expect((await code('SECOND')).status).toBe(429); // attempt 2: over the per-cart budget
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await http.get('/api/products')).status);
    expect(statuses).toEqual([200, 200, 200, 429]); // requests 4–7 of a budget of 6
    for (let i = 0; i < 3; i++) await scrape(http);
    const after = await scrape(http);
    const d = (name: string, labels = {}) => delta(before, after, name, labels);
    expect(d('cart_rate_limit_rejections_total', { policy: 'discount-cart' })).toBe(1);
    expect(d('cart_rate_limit_rejections_total', { policy: 'client' })).toBe(1);
    expect(after.samples('cart_rate_limit_rejections_total')).toHaveLength(2);
    expect(d('cart_http_problems_total', { code: 'RATE_LIMITED' })).toBe(2);
    expect(d('cart_discounts_refused_total', { code: 'DISCOUNT_INVALID' })).toBe(1);
    expect(d('cart_carts_created_total')).toBe(1);
  });
});

describe('METRICS_ACCESS=token', () => {
  const METRICS_TOKEN = 'metrics-scrape-token-0123456789';

  it('refuses a scrape without the metrics or admin token with a 401 problem', async () => {
    const server = await start({ METRICS_ACCESS: 'token', METRICS_TOKEN });
    const http = new HttpClient(server.url);
    for (const token of [undefined, 'wrong-token-0123456789abcdef']) {
      const res = await http.get<{ code: string; status: number }>(
        '/metrics',
        token === undefined ? {} : { token },
      );
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(res.body).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
      expect(res.text).not.toContain('cart_');
    }
    const scraped = await scrape(http, METRICS_TOKEN);
    expect(scraped.value('cart_http_problems_total', { code: 'UNAUTHORIZED' })).toBe(2);
    await scrape(http, server.adminToken);
  });

  it('is public by default', async () => {
    const server = await start();
    await scrape(new HttpClient(server.url));
  });
});
