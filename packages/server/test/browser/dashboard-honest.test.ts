/**
 * The dashboard says what its numbers are (issue 16), in headless Chromium against a real
 * server: the Overview's p95 is the window's own (slow requests early, a fast burst last),
 * refused checkouts count apart from successes, the abandonment tile states its idle time,
 * lost demand lists the products refused for stock and for a limit, the audit log filters
 * and opens a record, and at 390 px nothing scrolls sideways or breaks inside a word.
 *
 * Needs the built web app (`npm run build`).
 */
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedCart, MonitoringSeries, Product } from '@cart/core';
import { WEB_DIST } from '../../src/routes/web.ts';
import { launchChromium } from '@cart/test-support/browser.ts';
import { HttpClient } from '@cart/test-support/http.ts';
import { startTestServer, type TestServer } from '@cart/test-support/test-server.ts';
import { overflows } from '../support/storefront-page.ts';

const PHONE = { width: 390, height: 844 };
const WAIT = { timeout: 20_000 };
/** How long each slow request's body takes to arrive: the server times it from the headers. */
const SLOW_MS = 150;
const SLOW = 10;
const FAST = 25;
/** The dashboard's own number format for milliseconds (format.ts). */
const ms = (v: number) =>
  `${new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }).format(v)} ms`;

async function accessibilityProblems(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return result.violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id} (${v.impact ?? 'unknown'}): ${n.target.join(' ')}`),
  );
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Dashboard' }).waitFor(WAIT);
}

/** A headline tile (`.stat`) by its label. */
const stat = (page: Page, label: string) =>
  page.locator('.stat', { has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) });

const statValue = async (page: Page, label: string) =>
  (await stat(page, label).locator('.stat-value').textContent(WAIT)) ?? '';

/** A POST whose JSON body arrives `delayMs` after its headers: a request that is slow for real. */
function slowPost(url: string, body: unknown, token: string, delayMs: number): Promise<number> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(payload.length),
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.write(payload.subarray(0, 1));
    setTimeout(() => req.end(payload.subarray(1)), delayMs);
  });
}

/** Words (runs of non-space) drawn on more than one line inside `selector`: broken mid-token. */
function brokenWords(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => {
    const broken: string[] = [];
    for (const root of document.querySelectorAll(sel)) {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) {
        const node = walker.currentNode as Text;
        const text = node.data;
        for (const m of text.matchAll(/\S+/g)) {
          const range = document.createRange();
          range.setStart(node, m.index);
          range.setEnd(node, m.index + m[0].length);
          const lines = new Set(
            [...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)),
          );
          if (lines.size > 1) broken.push(m[0]);
        }
      }
    }
    return broken;
  }, selector);
}

describe('an honest dashboard in headless Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let http: HttpClient;
  let context: BrowserContext;
  let page: Page;
  let kettle: Product;
  let cup: Product;
  let tea: Product;
  const admin = () => ({ token: server.adminToken });

  const product = async (sku: string, name: string, more: Partial<Product>) => {
    const res = await http.post<Product>('/api/admin/products', {
      ...admin(),
      body: {
        sku,
        name,
        description: '',
        price: { amount: 900, currency: 'USD' },
        requiresShipping: false,
        stock: null,
        maxPerOrder: null,
        imageUrl: null,
        ...more,
      },
    });
    expect(res.status, res.text).toBe(201);
    return res.body;
  };
  const cart = async () => (await http.post<CreatedCart>('/api/carts')).body;
  const add = (c: CreatedCart, productId: string, quantity: number) =>
    http.post(`/api/carts/${c.id}/lines`, { token: c.token, body: { productId, quantity } });
  const checkout = (c: CreatedCart) => http.post(`/api/carts/${c.id}/checkout`, { token: c.token });

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIST, 'dashboard', 'index.html')))
      throw new Error(`the web app is not built (${WEB_DIST}): run \`npm run build\` first`);
    server = await startTestServer();
    browser = await launchChromium();
    http = new HttpClient(server.url);

    kettle = await product('HONEST-KETTLE', 'Honest kettle', { stock: 1 });
    cup = await product('HONEST-CUP', 'Honest cup', { maxPerOrder: 2 });
    tea = await product('HONEST-TEA', 'Honest tea', {});
    // Two carts want the one kettle: the first checks out, the second is refused for stock.
    const first = await cart();
    const second = await cart();
    expect((await add(first, kettle.id, 1)).status).toBe(200);
    expect((await add(second, kettle.id, 1)).status).toBe(200);
    expect((await checkout(first)).status).toBe(200);
    expect((await checkout(second)).status).toBe(409);
    // An empty cart's checkout is refused too.
    expect((await checkout(await cart())).status).toBe(422);
    // Refused adds: the kettle is sold out; three cups is over the limit of two.
    const shopper = await cart();
    expect((await add(shopper, kettle.id, 2)).status).toBe(409);
    expect((await add(shopper, cup.id, 3)).status).toBe(422);
    expect((await add(shopper, cup.id, 1)).status).toBe(200);

    // Slow requests (their bodies trickle in), then, a second later, a burst of fast ones:
    // the latest busy second is all fast, the window is not.
    const browsing = await cart();
    await Promise.all(
      Array.from({ length: SLOW }, () =>
        slowPost(
          `${server.url}/api/carts/${browsing.id}/lines`,
          { productId: tea.id, quantity: 1 },
          browsing.token,
          SLOW_MS,
        ),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 1100));
    for (let i = 0; i < FAST; i++) await http.get(`/api/products/${tea.id}`);
    await new Promise((resolve) => setTimeout(resolve, 1100));

    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await page.goto(`${server.url}/dashboard`);
    await signIn(page, server.adminToken);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the window\'s p95 under "Last 15 minutes", not the latest second\'s', async () => {
    await page.getByLabel('Window').selectOption('15');
    await stat(page, 'Latency p95').waitFor(WAIT);
    const series = async () =>
      (await http.get<MonitoringSeries>('/api/admin/monitoring/series?minutes=15', admin())).body;
    // The tile and the window agree (read together: a stray request may move the window).
    await expect
      .poll(async () => {
        const tile = await statValue(page, 'Latency p95');
        const p95 = (await series()).window?.p95;
        return p95 !== null && p95 !== undefined && tile === ms(p95);
      }, WAIT)
      .toBe(true);
    const { window, points } = await series();
    // 10 slow of some 60 timed requests: the window's p95 is a slow one...
    expect(window.p95).toBeGreaterThanOrEqual(SLOW_MS * 0.8);
    // ...while the latest busy second, all fast, says otherwise.
    const latest = points.filter((p) => p.p95 !== null).at(-1);
    expect(latest?.p95).toBeLessThan(SLOW_MS / 2);
    const definition = await stat(page, 'Latency p95').locator('.stat-definition').textContent();
    expect(definition).toMatch(/95% of the \d+ timed requests of the last 15 minutes/);
    expect(await accessibilityProblems(page), 'overview').toEqual([]);
  }, 60_000);

  it('counts checkout attempts, refusals and successes apart, and says what abandonment is', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Analytics' }).click();
    await page.getByLabel('Last hour').check();
    await page.getByRole('heading', { name: 'Checkouts', exact: true }).waitFor(WAIT);
    expect(await statValue(page, 'Checkout attempts')).toBe('3');
    expect(await statValue(page, 'Refused checkouts')).toBe('2');
    expect(await statValue(page, 'Succeeded checkouts')).toBe('1');
    const started = await page
      .locator('.funnel-step[data-step="checkout_started"] .funnel-count strong')
      .textContent();
    expect(started).toBe('3');
    const why = await page.locator('.refused-codes').textContent();
    expect(why).toContain('OUT_OF_STOCK');
    expect(why).toContain('CART_EMPTY');

    const abandonment = await stat(page, 'Abandonment rate').textContent();
    expect(abandonment).toContain('idle with items for 1 hour');
    expect(abandonment).toContain('last hour');
    // Every tile says what it counts.
    const tiles = await page.locator('.stat').count();
    expect(await page.locator('.stat .stat-definition').count()).toBe(tiles);
  }, 60_000);

  it('lists lost demand: what to restock, which limits turn buyers away', async () => {
    const restock = page.getByRole('region', { name: 'Refused for stock' });
    const limits = page.getByRole('region', { name: 'Refused for a limit' });
    // The kettle: refused at add (2 units) and at checkout (1 unit), in two carts.
    const kettleRow = restock.locator('tr', { hasText: 'Honest kettle' });
    await kettleRow.waitFor(WAIT);
    expect((await kettleRow.locator('td').allTextContents()).slice(1)).toEqual(['2', '3', '2']);
    const cupRow = limits.locator('tr', { hasText: 'Honest cup' });
    expect((await cupRow.locator('td').allTextContents()).slice(1)).toEqual(['1', '3', '1']);
    expect(await accessibilityProblems(page), 'analytics').toEqual([]);
  }, 60_000);

  it('filters the audit log and opens a record with all its fields', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Audit' }).click();
    const rows = page.locator('section[aria-labelledby="records-title"] tbody tr');
    await rows.first().waitFor(WAIT);
    const all = await rows.count();
    await page.getByLabel('Action').fill('cart.checkout');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('heading', { name: 'Matching records' }).waitFor(WAIT);
    await expect.poll(() => rows.count(), WAIT).toBe(1);
    expect(all).toBeGreaterThan(1);
    expect(await rows.first().textContent()).toContain('cart.checkout');
    expect(await accessibilityProblems(page), 'audit filtered').toEqual([]);

    await rows
      .first()
      .getByRole('link', { name: /^Record #\d+$/ })
      .click();
    await page.getByRole('heading', { name: 'Audit record', level: 1 }).waitFor(WAIT);
    const detail = await page.getByLabel('Detail as JSON').textContent();
    expect(detail).toContain('"orderId"');
    const facts = await page.locator('.facts').textContent();
    for (const term of ['Versions', 'Request id', 'Hash', 'Previous hash', 'Cart'])
      expect(facts).toContain(term);
    expect(facts).toContain('2 → 3');
    expect(await accessibilityProblems(page), 'audit record').toEqual([]);
    // The cart's link lists every record of that cart.
    await page.getByRole('link', { name: 'All records of this cart' }).click();
    await page.getByRole('heading', { name: 'Matching records' }).waitFor(WAIT);
    await expect.poll(() => rows.count(), WAIT).toBeGreaterThanOrEqual(3);
    expect(new URL(page.url()).search).toMatch(/^\?cartId=/);
  }, 60_000);

  it('fits 390 px: no sideways scroll, no word broken inside', async () => {
    const phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    const small = await phone.newPage();
    await small.goto(`${server.url}/dashboard/audit`);
    await signIn(small, server.adminToken);
    const rows = small.locator('section[aria-labelledby="records-title"] tbody tr');
    await rows.first().waitFor(WAIT);
    expect(await overflows(small), 'audit').toBe(false);
    expect(await brokenWords(small, 'section[aria-labelledby="records-title"] table')).toEqual([]);
    expect(await accessibilityProblems(small), 'audit on a phone').toEqual([]);

    await rows.first().getByRole('link').click();
    await small.getByLabel('Detail as JSON').waitFor(WAIT);
    expect(await overflows(small), 'audit record').toBe(false);

    await small.goto(`${server.url}/dashboard/analytics`);
    await small.getByRole('heading', { name: 'Lost demand' }).waitFor(WAIT);
    expect(await overflows(small), 'analytics').toBe(false);
    expect(await brokenWords(small, '.stats, .lost-demand')).toEqual([]);
    expect(await accessibilityProblems(small), 'analytics on a phone').toEqual([]);

    await small.goto(`${server.url}/dashboard`);
    await stat(small, 'Latency p95').waitFor(WAIT);
    expect(await overflows(small), 'overview').toBe(false);
    expect(await brokenWords(small, '.stats')).toEqual([]);
    await phone.close();
  }, 90_000);
});
