/**
 * The monitoring dashboard end to end, in headless Chromium against a real server: real
 * traffic (carts, lines, checkouts, a browser error report), then the operator's path —
 * a wrong token refused, sign in, live charts with the traffic's numbers, an error group
 * opened, the audit chain verified, the analytics funnel, the alerts — a screenshot in
 * test-artifacts/, a phone-width check that nothing overflows, no WCAG A/AA problem axe
 * can find on any view, and the session ending.
 *
 * Needs the built web app (`npm run build`; `npm test` builds it first).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import type {
  Browser,
  BrowserContext,
  ConsoleMessage,
  Page,
  Response as PlaywrightResponse,
} from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedCart, ErrorGroupPage, Product } from '@cart/core';
import { WEB_DIST } from '../../src/routes/web.ts';
import { launchChromium } from '@cart/test-support/browser.ts';
import { HttpClient } from '@cart/test-support/http.ts';
import { startTestServer, type TestServer } from '@cart/test-support/test-server.ts';
import { overflows } from '../support/storefront-page.ts';

const ARTIFACTS = fileURLToPath(new URL('../../../../test-artifacts/', import.meta.url));
const CARTS = 6;
const CHECKOUTS = 3;
const REPORTED = {
  errorClass: 'TypeError',
  message: 'e2e: cannot read properties of undefined (reading "price")',
  stack:
    'TypeError: e2e: cannot read properties of undefined (reading "price")\n    at renderLine (http://127.0.0.1/assets/storefront-e2e.js:12:34)\n    at renderCart (http://127.0.0.1/assets/storefront-e2e.js:40:5)',
  page: '/cart',
};
const PHONE = { width: 390, height: 844 };
/** The message of the error the test throws in the dashboard page on purpose. */
const DELIBERATE = 'e2e: the dashboard itself failed';
const WAIT = { timeout: 20_000 };

/** Console output that would mean a real problem: CSP violations, script errors. */
function watchConsole(page: Page, problems: string[]): void {
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    // A session ended or a wrong token is refused (401):
    // Chromium logs both failed loads, which are expected here.
    if (/Failed to load resource: the server responded with a status of 401/.test(text)) return;
    problems.push(`console: ${text}`);
  });
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The number a headline shows ("1,234" → 1234), once it is at least `min`. */
async function statAtLeast(page: Page, label: string, min: number): Promise<number> {
  await page.waitForFunction(
    ([name, least]) => {
      for (const stat of document.querySelectorAll('.stat')) {
        if (stat.querySelector('dt')?.textContent !== name) continue;
        const text = stat.querySelector('.stat-value')?.textContent ?? '';
        return Number(text.replaceAll(',', '')) >= least;
      }
      return false;
    },
    [label, min] as const,
    WAIT,
  );
  const text = await page
    .locator('.stat', { has: page.locator('dt', { hasText: label }) })
    .locator('.stat-value')
    .textContent();
  return Number((text ?? '').replaceAll(',', ''));
}

async function funnelCount(page: Page, step: string): Promise<number> {
  const text = await page
    .locator(`.funnel-step[data-step="${step}"] .funnel-count strong`)
    .textContent(WAIT);
  return Number((text ?? '').replaceAll(',', ''));
}

/** WCAG 2.1 A/AA problems axe finds on the page as it is now ("rule: element" each). */
async function accessibilityProblems(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return result.violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id} (${v.impact ?? 'unknown'}): ${n.target.join(' ')}`),
  );
}

describe('monitoring dashboard in headless Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let http: HttpClient;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIST, 'dashboard', 'index.html')))
      throw new Error(`the web app is not built (${WEB_DIST}): run \`npm run build\` first`);
    server = await startTestServer();
    browser = await launchChromium();
    http = new HttpClient(server.url);

    // Traffic: products, carts with lines, some checked out, and a browser error report.
    // The products need no shipping, so a cart checks out without an address or option.
    const products: Product[] = [];
    for (const [sku, name, amount] of [
      ['E2E-MUG', 'Dashboard mug', 1200],
      ['E2E-TEA', 'Dashboard tea', 650],
    ] as const) {
      const res = await http.post<Product>('/api/admin/products', {
        token: server.adminToken,
        body: {
          sku,
          name,
          description: '',
          price: { amount, currency: 'USD' },
          requiresShipping: false,
          stock: null,
          maxPerOrder: null,
          imageUrl: null,
        },
      });
      expect(res.status, res.text).toBe(201);
      products.push(res.body);
    }
    for (let i = 0; i < CARTS; i++) {
      const created = await http.post<CreatedCart>('/api/carts');
      expect(created.status, created.text).toBe(201);
      const { id, token } = created.body;
      const product = products[i % products.length] as Product;
      const added = await http.post(`/api/carts/${id}/lines`, {
        token,
        body: { productId: product.id, quantity: 1 + (i % 3) },
      });
      expect(added.status, added.text).toBe(200);
      if (i < CHECKOUTS) {
        const done = await http.post(`/api/carts/${id}/checkout`, { token });
        expect(done.status, done.text).toBe(200);
      }
    }
    const reported = await http.post('/api/client-errors', { body: REPORTED });
    expect(reported.status, reported.text).toBe(202);

    context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    page = await context.newPage();
    watchConsole(page, problems);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows its frame before its script runs', async () => {
    const early = await browser.newContext();
    try {
      const tab = await early.newPage();
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      await tab.route(/\/assets\/dashboard-[\w-]+\.js$/, async (route) => {
        await held;
        await route.continue().catch(() => undefined);
      });
      await tab.goto(`${server.url}/dashboard`, { waitUntil: 'commit' });
      await tab.getByText('Cart monitoring · Loading…').waitFor(WAIT);
      release();
      await tab.getByLabel('Admin token').waitFor(WAIT);
      expect(await tab.getByText('Cart monitoring · Loading…').count()).toBe(0);
    } finally {
      await early.close();
    }
  }, 60_000);

  it('refuses a wrong token with a message in words, then signs in', async () => {
    const refused: string[] = [];
    const onResponse = (r: PlaywrightResponse) => {
      if (r.status() === 401) refused.push(`${r.request().method()} ${new URL(r.url()).pathname}`);
    };
    page.on('response', onResponse);
    await page.goto(`${server.url}/dashboard`);
    await page.getByLabel('Admin token').waitFor(WAIT);
    // A first visit is not refused anything (which the browser would log as an error).
    expect(refused).toEqual([]);
    page.off('response', onResponse);
    expect(await accessibilityProblems(page), 'sign-in screen').toEqual([]);
    await signIn(page, 'not-the-admin-token-at-all');
    const alert = page.getByRole('alert');
    await alert.waitFor(WAIT);
    expect(await alert.textContent()).toContain('That admin token is not right');
    expect(await page.getByRole('navigation', { name: 'Dashboard' }).count()).toBe(0);

    await signIn(page, server.adminToken);
    await page.getByRole('navigation', { name: 'Dashboard' }).waitFor(WAIT);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Overview');
  }, 60_000);

  it('draws the live charts with the traffic the test sent', async () => {
    // Four uPlot charts, each a canvas.
    await page.waitForFunction(
      () => document.querySelectorAll('.chart .uplot canvas').length >= 4,
      undefined,
      WAIT,
    );
    const titles = await page.locator('.chart figcaption').allTextContents();
    expect(titles).toEqual(
      expect.arrayContaining([
        'Requests per second',
        'Error rate (5xx answers, %)',
        'Latency (ms)',
      ]),
    );
    expect(await statAtLeast(page, 'Carts created', CARTS)).toBeGreaterThanOrEqual(CARTS);
    expect(await statAtLeast(page, 'Checkouts', CHECKOUTS)).toBeGreaterThanOrEqual(CHECKOUTS);
    expect(await statAtLeast(page, 'Requests', CARTS * 2)).toBeGreaterThanOrEqual(CARTS * 2);
    // The latency chart's accessible description names real values, not "no data".
    const latency = await page
      .locator('.chart', { hasText: 'Latency (ms)' })
      .locator('[role="img"]')
      .getAttribute('aria-label');
    expect(latency).toMatch(/p95: latest [\d.,]+ ms/);
    // The firing-alerts panel answered (whatever the rules' state).
    await page.locator('#firing-title').waitFor(WAIT);

    expect(await accessibilityProblems(page), 'overview').toEqual([]);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  }, 60_000);

  it('reports a browser error of its own and shows it as a group', async () => {
    // An uncaught error in the dashboard page goes to POST /api/client-errors.
    await page.evaluate((message) => {
      setTimeout(() => {
        throw new RangeError(message);
      });
    }, DELIBERATE);
    const admin = { token: server.adminToken };
    await expect
      .poll(
        async () =>
          (await http.get<ErrorGroupPage>('/api/admin/errors?source=client', admin)).body.items.map(
            (g) => `${g.errorClass}: ${g.message} @ ${g.route}`,
          ),
        { timeout: 10_000 },
      )
      .toContain(`RangeError: ${DELIBERATE} @ /dashboard`);
  }, 30_000);

  it('lists error groups and opens one with its stack and request id', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Errors' }).click();
    const link = page.getByRole('link', {
      name: new RegExp(`TypeError\\s+${REPORTED.message.slice(0, 20)}`),
    });
    await link.waitFor(WAIT);
    const row = page.locator('tr', { has: link });
    expect(await row.textContent()).toContain(REPORTED.page);
    expect(await page.getByRole('link', { name: /RangeError/ }).count()).toBe(1);
    expect(await accessibilityProblems(page), 'errors').toEqual([]);

    await link.click();
    await page
      .getByRole('heading', { name: `${REPORTED.errorClass}: ${REPORTED.message}` })
      .waitFor(WAIT);
    expect(new URL(page.url()).pathname).toMatch(/^\/dashboard\/errors\/[a-f0-9]{16,64}$/);
    const stack = await page.getByLabel('Stack trace').textContent();
    expect(stack).toContain('at renderLine');
    const requestId = await page.locator('.request-id').textContent();
    expect(requestId).toMatch(/\S{8,}/);
    expect(await accessibilityProblems(page), 'error group').toEqual([]);
    // The back button returns to the list.
    await page.goBack();
    await page.getByRole('heading', { name: 'Error groups' }).waitFor(WAIT);
  }, 60_000);

  it('shows the audit log with its chain verified', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Audit' }).click();
    const chain = page.locator('.chain');
    await chain.waitFor(WAIT);
    const text = (await chain.textContent()) ?? '';
    const m = /Chain verified: ([\d,]+) records/.exec(text);
    expect(m, text).not.toBeNull();
    // Every product, cart, line and checkout above was audited.
    expect(Number(m?.[1]?.replaceAll(',', ''))).toBeGreaterThanOrEqual(2 + CARTS * 2 + CHECKOUTS);
    const actions = await page.locator('table tbody tr td:nth-child(4)').allTextContents();
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.join(' ')).toContain('admin.product.create');
    expect(await accessibilityProblems(page), 'audit').toEqual([]);
  }, 60_000);

  it('shows the analytics funnel of the traffic', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Analytics' }).click();
    await page.getByRole('heading', { name: 'Funnel' }).waitFor(WAIT);
    await page.getByLabel('Last hour').check();
    await page.locator('.funnel-step').first().waitFor(WAIT);
    expect(await funnelCount(page, 'cart_created')).toBeGreaterThanOrEqual(CARTS);
    expect(await funnelCount(page, 'line_added')).toBeGreaterThanOrEqual(CARTS);
    expect(await funnelCount(page, 'checked_out')).toBeGreaterThanOrEqual(CHECKOUTS);
    const products = await page
      .locator('section', { has: page.locator('#top-products-title') })
      .locator('td')
      .allTextContents();
    expect(products.join(' ')).toContain('Dashboard mug');
    expect(await accessibilityProblems(page), 'analytics').toEqual([]);
  }, 60_000);

  it('shows the alert rules and their history', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('heading', { name: 'Rules' }).waitFor(WAIT);
    const rules = page
      .locator('section', { has: page.locator('#rules-title') })
      .locator('tbody tr');
    expect(await rules.count()).toBeGreaterThan(0);
    await page.getByRole('heading', { name: 'History' }).waitFor(WAIT);
    expect(await accessibilityProblems(page), 'alerts').toEqual([]);
  }, 60_000);

  it('fits a 390 px phone: no view overflows sideways', async () => {
    const phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    const small = await phone.newPage();
    watchConsole(small, problems);
    await small.goto(`${server.url}/dashboard`);
    await signIn(small, server.adminToken);
    await small.waitForFunction(
      () => document.querySelectorAll('.chart .uplot canvas').length >= 4,
      undefined,
      WAIT,
    );
    // The charts follow the narrow width.
    const widths = await small
      .locator('.chart .uplot canvas')
      .evaluateAll((canvases) => canvases.map((c) => c.getBoundingClientRect().right));
    for (const right of widths) expect(right).toBeLessThanOrEqual(PHONE.width);
    expect(await overflows(small)).toBe(false);
    mkdirSync(ARTIFACTS, { recursive: true });
    await small.screenshot({ path: join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });

    for (const [view, heading] of [
      ['errors', 'Error groups'],
      ['audit', 'Hash chain'],
      ['analytics', 'Funnel'],
      ['alerts', 'Rules'],
    ] as const) {
      await small.goto(`${server.url}/dashboard/${view}`);
      await small.getByRole('heading', { name: heading }).waitFor(WAIT);
      await small.waitForFunction(() => document.querySelectorAll('.skeleton').length === 0);
      expect(await overflows(small), view).toBe(false);
      expect(await accessibilityProblems(small), `${view} on a phone`).toEqual([]);
    }
    // The error detail, with its long stack and ids.
    await small.goto(`${server.url}/dashboard/errors`);
    await small.getByRole('link', { name: /TypeError/ }).click();
    await small.getByLabel('Stack trace').waitFor(WAIT);
    expect(await overflows(small), 'error detail').toBe(false);
    await phone.close();
  }, 90_000);

  it('returns to the sign-in screen when the session ends, and signs out', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Overview' }).click();
    await page.locator('.chart').first().waitFor(WAIT);
    // The session is ended behind the page's back (as by expiry): the next poll gets 401.
    await page.evaluate(async () => {
      await fetch('/api/admin/session', { method: 'DELETE' });
    });
    await page.getByText('Your session has ended. Sign in again to continue.').waitFor(WAIT);
    await page.getByLabel('Admin token').waitFor(WAIT);

    await signIn(page, server.adminToken);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor(WAIT);
    const after = await page.evaluate(async () => (await fetch('/api/admin/alerts')).status);
    expect(after).toBe(401);
  }, 60_000);

  it('ran without a CSP violation or an uncaught error', async () => {
    // The error thrown on purpose above is no problem (it is reported when the browser
    // gets to it, so it is filtered here rather than counted off there).
    expect(problems.filter((p) => !p.includes(DELIBERATE))).toEqual([]);
    // Nothing went wrong in the dashboard's own pages either (the charts' resizing on
    // two screen sizes included): the deliberate error is the only one they reported.
    const groups = await http.get<ErrorGroupPage>('/api/admin/errors?source=client', {
      token: server.adminToken,
    });
    const own = groups.body.items
      .filter((g) => g.route.startsWith('/dashboard'))
      .map((g) => `${g.errorClass}: ${g.message}`);
    expect(own).toEqual([`RangeError: ${DELIBERATE}`]);
  });
});
