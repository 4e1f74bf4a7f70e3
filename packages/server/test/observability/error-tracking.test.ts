// Over 400 lines on purpose: one app and one browser for the whole error-tracking story,
// server-side and client-side, end to end.
/**
 * Error tracking end to end, on the real app: failures injected into real requests are
 * grouped by fingerprint in the database, with count, first and last seen, the request
 * id of the latest occurrence and its stack — which only the admin detail shows, never
 * the shopper's problem answer. The web app's reports are grouped the same way, taken
 * only from the shop's own pages (also through `navigator.sendBeacon` in Chromium), and
 * a report that is not valid is refused with nothing stored.
 *
 * The two server failures are injected honestly: a storage whose catalog listing fails
 * (a subclass of the real SQLite storage), and a database whose `discounts` table a
 * second connection dropped, so that applying a promo code fails inside SQLite itself.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ClientErrorReport,
  ErrorGroup,
  ErrorGroupPage,
  ErrorGroupSummary,
  ProductPage,
} from '@cart/core';
import { SqliteStorage } from '../../src/storage/sqlite/storage.ts';
import { launchChromium } from '@cart/test-support/browser.ts';
import {
  adminAuth,
  bearer,
  createCart,
  expectProblem,
  header,
  JSON_TYPE,
  buildTestApp,
  type TestApp,
} from '@cart/test-support/test-app.ts';
import { startTestServer, type TestServer } from '@cart/test-support/test-server.ts';

/** A failure of our own kind, so that its class names it. */
class CatalogIndexError extends Error {
  override name = 'CatalogIndexError';
}

/** The real SQLite storage, except that listing the catalog fails. */
class BrokenCatalogStorage extends SqliteStorage {
  override listProducts(): Promise<ProductPage> {
    return Promise.reject(
      new CatalogIndexError('catalog index unreadable for shopper@example.com (page 7)'),
    );
  }
}

/** What a shopper may never see in a problem answer: stacks, SQL, paths, the failure's text. */
const LEAK = /\n\s+at |\.ts:\d+|no such table|CatalogIndexError|catalog index|\/work\/|\/tmp\//;

const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' };

async function errorPage(t: TestApp, query = ''): Promise<ErrorGroupPage> {
  const res = await t.app.inject({ url: `/api/admin/errors${query}`, headers: adminAuth });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ErrorGroupPage>();
}

async function errorGroup(t: TestApp, fingerprint: string): Promise<ErrorGroup> {
  const res = await t.app.inject({ url: `/api/admin/errors/${fingerprint}`, headers: adminAuth });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ErrorGroup>();
}

describe('error tracking: server failures', () => {
  let t: TestApp;
  const failures: { route: string; requestId: string; body: string }[] = [];
  let started = '';
  let finished = '';

  beforeAll(async () => {
    t = await buildTestApp({ storage: (path) => new BrokenCatalogStorage(path) });
    const cart = await createCart(t.app);
    const raw = new Database(t.databasePath);
    raw.exec('DROP TABLE discounts');
    raw.close();

    started = new Date().toISOString();
    for (const attempt of [1, 2]) {
      const list = await t.app.inject({
        url: '/api/products',
        headers: { 'x-request-id': `list-products-${attempt}` },
      });
      const apply = await t.app.inject({
        method: 'POST',
        url: `/api/carts/${cart.id}/discounts`,
        headers: { ...bearer(cart.token), ...JSON_TYPE, 'x-request-id': `apply-code-${attempt}` },
        payload: { code: 'SAVE10' },
      });
      for (const [route, res] of [
        ['GET /api/products', list],
        ['POST /api/carts/:id/discounts', apply],
      ] as const) {
        expectProblem(res, 500, 'INTERNAL');
        failures.push({ route, requestId: header(res, 'x-request-id'), body: res.body });
      }
    }
    // Recording runs in the background, after the answers: wait for it.
    await t.app.errorTracker.flush();
    finished = new Date().toISOString();
  });

  afterAll(async () => {
    await t.close();
  });

  it('gives two groups of count 2 for two different failures injected twice each', async () => {
    const page = await errorPage(t);
    expect(page.nextCursor).toBeNull();
    expect(page.items).toHaveLength(2);
    const byRoute = new Map(page.items.map((g) => [g.route, g]));
    const list = byRoute.get('GET /api/products');
    const apply = byRoute.get('POST /api/carts/:id/discounts');
    expect(list).toMatchObject({ source: 'server', errorClass: 'CatalogIndexError', count: 2 });
    expect(apply).toMatchObject({ source: 'server', errorClass: 'SqliteError', count: 2 });
    // The top application frame: where our code failed, not inside node_modules.
    expect(list?.topFrame).toMatch(
      /^packages\/server\/test\/observability\/error-tracking\.test\.ts:\d+$/,
    );
    expect(apply?.topFrame).toMatch(/^packages\/server\/src\/storage\/sqlite\/[\w-]+\.ts:\d+$/);
    expect(list?.fingerprint).toMatch(/^[a-f0-9]{32}$/);
    expect(list?.fingerprint).not.toBe(apply?.fingerprint);
  });

  it('keeps first and last seen, and the request id of the latest failing response', async () => {
    const { items } = await errorPage(t);
    for (const group of items) {
      expect(group.firstSeen >= started).toBe(true);
      expect(group.lastSeen >= group.firstSeen).toBe(true);
      expect(group.lastSeen <= finished).toBe(true);
      const latest = failures.filter((f) => f.route === group.route).at(-1);
      expect(latest?.requestId).toMatch(/-2$/);
      expect(group.sampleRequestId).toBe(latest?.requestId);
    }
  });

  it('shows the stack in the admin detail only, never in the problem answer', async () => {
    const { items } = await errorPage(t);
    for (const summary of items) expect(summary).not.toHaveProperty('stack');

    const list = items.find((g) => g.route === 'GET /api/products') as ErrorGroupSummary;
    const detail = await errorGroup(t, list.fingerprint);
    expect(detail).toEqual({ ...list, stack: detail.stack });
    expect(detail.stack).toMatch(/^CatalogIndexError: catalog index unreadable/);
    expect(detail.stack).toMatch(/\n\s+at .*error-tracking\.test\.ts:\d+/);
    // Scrubbed before it was stored: no email, in the message or the stack.
    expect(detail.message).toBe('catalog index unreadable for [email] (page 7)');
    expect(detail.stack).not.toContain('shopper@example.com');

    const apply = items.find((g) => g.route !== 'GET /api/products') as ErrorGroupSummary;
    expect((await errorGroup(t, apply.fingerprint)).stack).toMatch(/no such table: discounts/);

    for (const failure of failures) expect(failure.body).not.toMatch(LEAK);
  });

  it('counts captured errors in cart_errors_captured_total', async () => {
    const res = await t.app.inject({ url: '/metrics' });
    expect(res.body).toMatch(/^cart_errors_captured_total\{source="server"\} 4$/m);
  });

  it('answers 404 for an unknown group and 400 for a malformed fingerprint or cursor', async () => {
    expectProblem(
      await t.app.inject({ url: `/api/admin/errors/${'0'.repeat(32)}`, headers: adminAuth }),
      404,
      'NOT_FOUND',
    );
    expectProblem(
      await t.app.inject({ url: '/api/admin/errors/not-a-fingerprint', headers: adminAuth }),
      400,
      'VALIDATION_FAILED',
    );
    for (const query of ['?cursor=bm9wZQ', '?source=browser', '?limit=0', '?stack=1'])
      expectProblem(
        await t.app.inject({ url: `/api/admin/errors${query}`, headers: adminAuth }),
        400,
        'VALIDATION_FAILED',
      );
  });

  it('pages and filters by source', async () => {
    const first = await errorPage(t, '?limit=1');
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).not.toBeNull();
    const second = await errorPage(t, `?limit=1&cursor=${first.nextCursor}`);
    expect(second.items).toHaveLength(1);
    expect(second.items[0]?.fingerprint).not.toBe(first.items[0]?.fingerprint);
    expect((await errorPage(t, '?source=client')).items).toEqual([]);
  });

  it('requires the admin credential', async () => {
    const { items } = await errorPage(t);
    const fingerprint = items[0]?.fingerprint ?? '';
    for (const url of ['/api/admin/errors', `/api/admin/errors/${fingerprint}`]) {
      expectProblem(await t.app.inject({ url }), 401, 'UNAUTHORIZED');
      expectProblem(
        await t.app.inject({ url, headers: bearer('wrong-admin-token-0123456789') }),
        401,
        'UNAUTHORIZED',
      );
    }
  });
});

describe('error tracking: reports from the web app', () => {
  let t: TestApp;
  const report: ClientErrorReport = {
    errorClass: 'TypeError',
    message: "Cannot read properties of undefined (reading 'total') for ann@example.com",
    stack: [
      "TypeError: Cannot read properties of undefined (reading 'total')",
      '    at CartSummary (http://shop.example/assets/index-B1x2c3D4.js:40:1234)',
      '    at renderWithHooks (http://shop.example/assets/vendor-Zz9y8x7w.js:1:999)',
    ].join('\n'),
    page: '/cart/0b5a4a4e-5c1f-4c55-9a33-0d1b2f3e4a5b',
  };
  const post = (body: unknown, headers: Record<string, string> = SAME_ORIGIN) =>
    t.app.inject({
      method: 'POST',
      url: '/api/client-errors',
      headers: { ...JSON_TYPE, ...headers },
      payload: JSON.stringify(body),
    });

  beforeAll(async () => {
    t = await buildTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('groups the same report sent twice into one group of count 2', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await post(report);
      expect(res.statusCode, res.body).toBe(202);
      expect(res.body).toBe('');
      ids.push(header(res, 'x-request-id'));
    }
    const { items } = await errorPage(t, '?source=client');
    expect(items).toEqual([
      {
        fingerprint: expect.stringMatching(/^[a-f0-9]{32}$/) as string,
        source: 'client',
        errorClass: 'TypeError',
        message: "Cannot read properties of undefined (reading 'total') for [email]",
        // The cart's id is not part of the page's identity.
        route: '/cart/:id',
        topFrame: '/assets/index-B1x2c3D4.js:40',
        count: 2,
        firstSeen: expect.any(String) as string,
        lastSeen: expect.any(String) as string,
        sampleRequestId: ids[1],
      },
    ]);
    // The same error from the next build (a new bundle hash) is still the same group.
    const rebuilt = { ...report, stack: report.stack.replaceAll('B1x2c3D4', 'Q9w8e7R6') };
    expect((await post(rebuilt)).statusCode).toBe(202);
    const again = await errorPage(t, '?source=client');
    expect(again.items.map((g) => g.count)).toEqual([3]);
  });

  it('refuses a report from another site, before reading it, and stores nothing', async () => {
    const before = await errorPage(t, '?source=client');
    for (const headers of <Record<string, string>[]>[
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'https://evil.example' },
    ]) {
      expectProblem(await post(report, headers), 403, 'CSRF_TOKEN_INVALID');
      expectProblem(await post({ nonsense: true }, headers), 403, 'CSRF_TOKEN_INVALID');
    }
    expect(await errorPage(t, '?source=client')).toEqual(before);
  });

  it('refuses a report that is not valid with 400 (or 415), and stores nothing', async () => {
    const before = await errorPage(t, '?source=client');
    for (const body of [
      { ...report, userEmail: 'ann@example.com' },
      { ...report, page: 'https://shop.example/cart' },
      { ...report, page: '/cart?token=abc' },
      { ...report, errorClass: 'not a class!' },
      { ...report, message: 'x'.repeat(1001) },
      { page: '/cart' },
      [],
    ]) {
      expectProblem(await post(body), 400, 'VALIDATION_FAILED');
    }
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/api/client-errors',
        headers: { 'content-type': 'text/plain', ...SAME_ORIGIN },
        payload: JSON.stringify(report),
      }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expect(await errorPage(t, '?source=client')).toEqual(before);
    expect((await errorPage(t, '?source=server')).items).toEqual([]);
  });

  it('counts reports in cart_errors_captured_total{source="client"}', async () => {
    const res = await t.app.inject({ url: '/metrics' });
    expect(res.body).toMatch(/^cart_errors_captured_total\{source="client"\} 3$/m);
  });
});

describe('error tracking: navigator.sendBeacon in headless Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let elsewhere: Server;
  let elsewhereUrl = '';

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    // Another origin (another port): a page there must not be able to file reports.
    elsewhere = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>x</title>');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await browser.close();
    await new Promise((resolve) => elsewhere.close(resolve));
    await server.close();
  });

  /**
   * Opens `pageUrl` and sends `body` as beacons, one per content type; resolves once the
   * browser has finished with every one of them (answered, or blocked), with the
   * statuses of those that were answered and readable.
   */
  async function beacons(
    pageUrl: string,
    body: ClientErrorReport,
    types: ('json' | 'text')[],
  ): Promise<number[]> {
    const page = await browser.newPage();
    try {
      await page.goto(pageUrl);
      const target = `${server.url}/api/client-errors`;
      const statuses: number[] = [];
      let left = types.length;
      const settled = new Promise<void>((resolve) => {
        const done = () => {
          left -= 1;
          if (left === 0) resolve();
        };
        page.on('requestfinished', (request) => {
          if (request.url() !== target) return;
          void request.response().then((r) => {
            if (r) statuses.push(r.status());
            done();
          });
        });
        page.on('requestfailed', (request) => {
          if (request.url() === target) done();
        });
      });
      const queued = await page.evaluate(
        ([url, json, kinds]) =>
          kinds.map((kind) =>
            navigator.sendBeacon(
              url,
              kind === 'json' ? new Blob([json], { type: 'application/json' }) : json,
            ),
          ),
        [target, JSON.stringify(body), types] as const,
      );
      expect(queued).toEqual(types.map(() => true));
      await settled;
      return statuses;
    } finally {
      await page.close();
    }
  }

  const adminGet = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${server.url}${path}`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    return (path === '/metrics' ? await res.text() : await res.json()) as T;
  };

  it('stores a beacon from the shop’s own page, and none from another origin', async () => {
    const report: ClientErrorReport = {
      errorClass: 'RangeError',
      message: 'Invalid time value',
      stack: `RangeError: Invalid time value\n    at formatDate (${server.url}/assets/index-AbCd1234.js:3:77)`,
      page: '/dashboard',
    };
    // Another origin: the JSON beacon needs a CORS preflight the server never grants,
    // so the browser does not send it; the text/plain one (no preflight) reaches the
    // server, which refuses it by its origin (403, before reading it).
    await beacons(`${elsewhereUrl}/`, { ...report, page: '/elsewhere' }, ['json', 'text']);
    const metrics = await adminGet<string>('/metrics');
    expect(metrics).toMatch(/^cart_http_problems_total\{code="CSRF_TOKEN_INVALID"\} 1$/m);

    // From one of its pages (not an API answer such as /healthz, whose CSP allows no
    // connections: it is never meant to be a page).
    expect(await beacons(`${server.url}/docs/errors`, report, ['json'])).toEqual([202]);
    const { items } = await adminGet<ErrorGroupPage>('/api/admin/errors?source=client');
    expect(items.map((g) => [g.route, g.errorClass, g.topFrame, g.count])).toEqual([
      ['/dashboard', 'RangeError', '/assets/index-AbCd1234.js:3', 1],
    ]);
  });
});
