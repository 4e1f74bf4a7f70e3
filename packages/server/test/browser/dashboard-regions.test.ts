/**
 * The dashboard's regions and shipping options end to end, in headless Chromium against
 * a real server: sign in, create a region (a country another region has is refused next
 * to Countries), edit it, create a shipping option (an amount in another currency is
 * refused next to Currency), see REGION_IN_USE when deleting the region while it has the
 * option, delete the option and then the region, and find every change in the audit log
 * view; no WCAG A/AA problem axe can find and no sideways scroll at 390 px on these
 * views, with refusals shown.
 *
 * Needs the built web app (`npm run build`; `npm test` builds it first).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, ConsoleMessage, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Region, RegionList, ShippingOption } from '@cart/core';
import { WEB_DIST } from '../../src/routes/web.ts';
import { launchChromium } from '@cart/test-support/browser.ts';
import { HttpClient } from '@cart/test-support/http.ts';
import { startTestServer, type TestServer } from '@cart/test-support/test-server.ts';
import { overflows } from '../support/storefront-page.ts';

const ARTIFACTS = fileURLToPath(new URL('../../../../test-artifacts/', import.meta.url));
const PHONE = { width: 390, height: 844 };
const WAIT = { timeout: 20_000 };
/** The region the test makes in the browser, and the one made before it over HTTP. */
const EUROPE = 'E2E Europe';
const BRITAIN = 'E2E Britain';
const OPTION = 'E2E Standard';

/** Console output that would mean a real problem: CSP violations, script errors. */
function watchConsole(page: Page, problems: string[]): void {
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    // Chromium logs every refused request as a failed load: the session probe before
    // sign-in (401) and the refusals this test provokes on purpose (400, 409).
    if (/Failed to load resource: the server responded with a status of (401|400|409)/.test(text))
      return;
    problems.push(`console: ${text}`);
  });
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Dashboard' }).waitFor(WAIT);
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

/** The text of the error a control is described by, once it is marked invalid. */
async function errorOf(control: Locator): Promise<string> {
  await expect.poll(() => control.getAttribute('aria-invalid'), WAIT).toBe('true');
  const ids = ((await control.getAttribute('aria-describedby')) ?? '').split(' ');
  const texts = await Promise.all(
    ids.map((id) => control.page().locator(`[id="${id}"]`).textContent()),
  );
  return texts.join(' ');
}

/** The answer to the next request of `method` to a path that starts with `path`. */
function nextAnswer(page: Page, method: string, path: string) {
  return page.waitForResponse(
    (r) => r.request().method() === method && new URL(r.url()).pathname.startsWith(path),
    WAIT,
  );
}

describe('dashboard regions and shipping options in headless Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let http: HttpClient;
  let context: BrowserContext;
  let page: Page;
  let britain: Region;
  let britainOption: ShippingOption;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIST, 'dashboard', 'index.html')))
      throw new Error(`the web app is not built (${WEB_DIST}): run \`npm run build\` first`);
    server = await startTestServer();
    browser = await launchChromium();
    http = new HttpClient(server.url);
    const admin = { token: server.adminToken };

    // A region that already sells to GB, with a way to ship there.
    const region = await http.post<Region>('/api/admin/regions', {
      ...admin,
      body: {
        name: BRITAIN,
        currency: 'GBP',
        countries: ['GB'],
        taxRateBps: 2000,
        taxInclusive: true,
        default: false,
      },
    });
    expect(region.status, region.text).toBe(201);
    britain = region.body;
    const option = await http.post<ShippingOption>('/api/admin/shipping-options', {
      ...admin,
      body: {
        regionId: britain.id,
        name: 'E2E Royal Mail',
        amount: { amount: 395, currency: 'GBP' },
        freeOverSubtotal: null,
        taxable: true,
      },
    });
    expect(option.status, option.text).toBe(201);
    britainOption = option.body;

    context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    page = await context.newPage();
    watchConsole(page, problems);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs in and lists the regions', async () => {
    await page.goto(`${server.url}/dashboard`);
    await signIn(page, server.adminToken);
    await page.getByRole('navigation').getByRole('link', { name: 'Regions' }).click();
    await page.getByRole('heading', { level: 1, name: 'Regions and shipping' }).waitFor(WAIT);
    const regions = page.locator('section[aria-labelledby="regions-title"]');
    await regions.getByRole('link', { name: BRITAIN }).waitFor(WAIT);
    const row = regions.locator('tr', { has: page.getByRole('link', { name: BRITAIN }) });
    expect(await row.textContent()).toContain('20% included in prices');
    expect(await row.textContent()).toContain('GB');
    // The seeded default region is there too, marked.
    expect(await regions.locator('tr', { hasText: 'default' }).count()).toBe(1);
    await page
      .locator('section[aria-labelledby="shipping-options-title"]')
      .getByRole('link', { name: 'E2E Royal Mail' })
      .waitFor(WAIT);
    expect(await accessibilityProblems(page), 'regions').toEqual([]);
  }, 60_000);

  it('creates a region, a country another region has refused next to Countries', async () => {
    await page.getByRole('link', { name: 'New region' }).click();
    await page.getByRole('heading', { level: 1, name: 'New region' }).waitFor(WAIT);
    const form = page.getByRole('form', { name: 'Region' });
    await form.getByLabel('Name').fill(EUROPE);
    await form.getByLabel('Currency').selectOption('EUR');
    await form.getByLabel('Countries').fill('fr, de gb');
    await form.getByLabel('Tax rate (%)').fill('20');
    await form.getByLabel('Prices include tax').check();

    const refused = nextAnswer(page, 'POST', '/api/admin/regions');
    await form.getByRole('button', { name: 'Create region' }).click();
    expect(((await (await refused).json()) as { code: string }).code).toBe('ALREADY_EXISTS');
    const countries = form.getByLabel('Countries');
    expect(await errorOf(countries)).toContain('country GB already exists');
    // Focus is on the field the server refused, so its error is read with it.
    await expect.poll(() => countries.evaluate((e) => e === document.activeElement)).toBe(true);
    expect(await form.getByRole('alert').textContent()).toContain('Not saved');
    expect(await accessibilityProblems(page), 'region refused').toEqual([]);

    await countries.fill('FR DE');
    await form.getByRole('button', { name: 'Create region' }).click();
    await page.getByRole('heading', { level: 1, name: EUROPE }).waitFor(WAIT);
    expect(new URL(page.url()).pathname).toMatch(/^\/dashboard\/regions\/[0-9a-f-]{36}$/);
    await page.getByText(`Created the region “${EUROPE}”.`).waitFor(WAIT);
    const saved = page.getByRole('form', { name: 'Region' });
    expect(await saved.getByLabel('Countries').inputValue()).toBe('FR, DE');
    expect(await saved.getByLabel('Currency').inputValue()).toBe('EUR');
    expect(await saved.getByLabel('Prices include tax').isChecked()).toBe(true);
    expect(await accessibilityProblems(page), 'region').toEqual([]);
  }, 60_000);

  it('edits the region', async () => {
    const form = page.getByRole('form', { name: 'Region' });
    await form.getByLabel('Tax rate (%)').fill('21');
    await form.getByRole('button', { name: 'Save region' }).click();
    await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor(WAIT);
    const regions = await http.get<RegionList>('/api/admin/regions', { token: server.adminToken });
    const europe = regions.body.items.find((r) => r.name === EUROPE);
    expect(europe).toMatchObject({ currency: 'EUR', countries: ['FR', 'DE'], taxRateBps: 2100 });
  }, 60_000);

  it('creates a shipping option, an amount not in the region’s currency refused next to Currency', async () => {
    await page.getByRole('link', { name: 'New shipping option' }).click();
    await page.getByRole('heading', { level: 1, name: 'New shipping option' }).waitFor(WAIT);
    const form = page.getByRole('form', { name: 'Shipping option' });
    // The option starts in the region it was made from, priced in its currency.
    expect(await form.getByLabel('Region').locator('option:checked').textContent()).toBe(
      `${EUROPE} (EUR)`,
    );
    expect(await form.getByLabel('Currency').inputValue()).toBe('EUR');
    await form.getByLabel('Name').fill(OPTION);
    await form.getByLabel('Cost', { exact: true }).fill('4.9');
    await form.getByLabel('Free over').fill('50');
    await form.getByLabel('Currency').selectOption('USD');

    const refused = nextAnswer(page, 'POST', '/api/admin/shipping-options');
    await form.getByRole('button', { name: 'Create shipping option' }).click();
    const problem = (await (await refused).json()) as {
      code: string;
      errors: { path: string }[];
    };
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.errors.map((e) => e.path)).toEqual(['/amount/currency']);
    const currency = form.getByLabel('Currency');
    expect(await errorOf(currency)).toContain(`${EUROPE} is priced in EUR: give the amount in it.`);
    await expect.poll(() => currency.evaluate((e) => e === document.activeElement)).toBe(true);
    expect(await accessibilityProblems(page), 'option refused').toEqual([]);

    await currency.selectOption('EUR');
    await form.getByRole('button', { name: 'Create shipping option' }).click();
    await page.getByRole('heading', { level: 1, name: EUROPE }).waitFor(WAIT);
    await page.getByText(`Created the shipping option “${OPTION}”.`).waitFor(WAIT);
    const row = page
      .getByRole('region', { name: `Shipping options of ${EUROPE}` })
      .locator('tr', { has: page.getByRole('link', { name: OPTION }) });
    expect(await row.textContent()).toContain('€4.90');
    expect(await row.textContent()).toContain('€50.00');
  }, 60_000);

  it('refuses a currency change and deleting the region while it has the option: REGION_IN_USE', async () => {
    const form = page.getByRole('form', { name: 'Region' });
    await form.getByLabel('Currency').selectOption('USD');
    const changed = nextAnswer(page, 'PUT', '/api/admin/regions/');
    await form.getByRole('button', { name: 'Save region' }).click();
    expect(((await (await changed).json()) as { code: string }).code).toBe('REGION_IN_USE');
    expect(await errorOf(form.getByLabel('Currency'))).toContain(
      '1 shipping option is priced in EUR',
    );
    await form.getByLabel('Currency').selectOption('EUR');

    await page.getByRole('button', { name: 'Delete region' }).click();
    const question = page.getByRole('group', { name: /Delete the region/ });
    expect(await question.textContent()).toContain(`“${EUROPE}”`);
    // Focus on the safe answer.
    await expect
      .poll(() =>
        question
          .getByRole('button', { name: 'Cancel' })
          .evaluate((e) => e === document.activeElement),
      )
      .toBe(true);
    const refused = nextAnswer(page, 'DELETE', '/api/admin/regions/');
    await question.getByRole('button', { name: 'Yes, delete region' }).click();
    const answer = await refused;
    expect(answer.status()).toBe(409);
    expect(((await answer.json()) as { code: string }).code).toBe('REGION_IN_USE');
    const alert = page.getByRole('alert').filter({ hasText: 'Not deleted' });
    await alert.waitFor(WAIT);
    expect(await alert.textContent()).toContain('has shipping options');
    // The words are next to the button, which they describe, and which has focus again.
    const button = page.getByRole('button', { name: 'Delete region' });
    const described = ((await button.getAttribute('aria-describedby')) ?? '').split(' ');
    expect(described).toContain(await alert.getAttribute('id'));
    await expect.poll(() => button.evaluate((e) => e === document.activeElement)).toBe(true);
    expect(await page.getByRole('heading', { level: 1, name: EUROPE }).count()).toBe(1);
    expect(await accessibilityProblems(page), 'region in use').toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-region.png'), fullPage: true });
  }, 60_000);

  it('deletes the option, then the region', async () => {
    await page.getByRole('link', { name: OPTION }).click();
    await page.getByRole('heading', { level: 1, name: OPTION }).waitFor(WAIT);
    const form = page.getByRole('form', { name: 'Shipping option' });
    expect(await form.getByLabel('Cost', { exact: true }).inputValue()).toBe('4.90');
    expect(await form.getByLabel('Free over').inputValue()).toBe('50.00');
    expect(await accessibilityProblems(page), 'shipping option').toEqual([]);

    await page.getByRole('button', { name: 'Delete shipping option' }).click();
    const deleted = nextAnswer(page, 'DELETE', '/api/admin/shipping-options/');
    await page.getByRole('button', { name: 'Yes, delete shipping option' }).click();
    expect((await deleted).status()).toBe(204);
    await page.getByRole('heading', { level: 1, name: EUROPE }).waitFor(WAIT);
    await page.getByText(`Deleted the shipping option “${OPTION}”.`).waitFor(WAIT);
    await page.getByText('No shipping options in this region yet.').waitFor(WAIT);

    await page.getByRole('button', { name: 'Delete region' }).click();
    const gone = nextAnswer(page, 'DELETE', '/api/admin/regions/');
    await page.getByRole('button', { name: 'Yes, delete region' }).click();
    expect((await gone).status()).toBe(204);
    await page.getByRole('heading', { level: 1, name: 'Regions and shipping' }).waitFor(WAIT);
    await page.getByText(`Deleted the region “${EUROPE}”.`).waitFor(WAIT);
    await page.getByRole('link', { name: BRITAIN }).waitFor(WAIT);
    expect(await page.getByRole('link', { name: EUROPE }).count()).toBe(0);
    const regions = await http.get<RegionList>('/api/admin/regions', { token: server.adminToken });
    expect(regions.body.items.map((r) => r.name)).not.toContain(EUROPE);
  }, 60_000);

  it('finds the changes in the audit log view', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Audit' }).click();
    await page.locator('.chain').waitFor(WAIT);
    const records = page.getByRole('region', { name: 'Audit records' });
    await records.locator('tbody tr').first().waitFor(WAIT);
    const actions = await records.locator('tbody tr td:nth-child(4)').allTextContents();
    // Newest first: the deletes, the option, the edit, the region; the refusals left no record.
    const ours = actions.filter((a) => /^admin\.(region|shipping_option)\./.test(a));
    expect(ours.slice(0, 5)).toEqual([
      'admin.region.delete',
      'admin.shipping_option.delete',
      'admin.shipping_option.create',
      'admin.region.update',
      'admin.region.create',
    ]);
    expect(await page.locator('.chain').textContent()).toContain('Chain verified');
  }, 60_000);

  it('fits a 390 px phone: no view overflows sideways, refusals shown', async () => {
    const phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    const small = await phone.newPage();
    watchConsole(small, problems);
    await small.goto(`${server.url}/dashboard/regions`);
    await signIn(small, server.adminToken);

    const views: [path: string, heading: string][] = [
      ['/regions', 'Regions and shipping'],
      [`/regions/${britain.id}`, BRITAIN],
      [`/shipping-options/${britainOption.id}`, 'E2E Royal Mail'],
      [`/regions/${britain.id}/shipping-options/new`, 'New shipping option'],
      ['/regions/new', 'New region'],
    ];
    for (const [path, heading] of views) {
      await small.goto(`${server.url}/dashboard${path}`);
      await small.getByRole('heading', { level: 1, name: heading }).waitFor(WAIT);
      await small.waitForFunction(() => document.querySelectorAll('.skeleton').length === 0);
      expect(await overflows(small), path).toBe(false);
      expect(await accessibilityProblems(small), `${path} on a phone`).toEqual([]);
    }

    // The new region's form, refused: every field's error in place, still no overflow.
    const form = small.getByRole('form', { name: 'Region' });
    await form.getByLabel('Countries').fill('GB XX');
    await form.getByRole('button', { name: 'Create region' }).click();
    expect(await errorOf(form.getByLabel('Name'))).toContain('must not be empty');
    expect(await errorOf(form.getByLabel('Countries'))).toContain('XX: must be an ISO 3166-1');
    expect(await overflows(small), 'refused region').toBe(false);
    expect(await accessibilityProblems(small), 'refused region on a phone').toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await small.screenshot({ path: join(ARTIFACTS, 'dashboard-region-phone.png'), fullPage: true });

    // Deleting a region in use, refused in words next to the button.
    await small.goto(`${server.url}/dashboard/regions/${britain.id}`);
    await small.getByRole('button', { name: 'Delete region' }).click();
    await small.getByRole('button', { name: 'Yes, delete region' }).click();
    await small.getByRole('alert').filter({ hasText: 'Not deleted' }).waitFor(WAIT);
    expect(await overflows(small), 'region in use').toBe(false);
    expect(await accessibilityProblems(small), 'region in use on a phone').toEqual([]);
    await phone.close();
  }, 90_000);

  it('ran without a CSP violation or an uncaught error', async () => {
    expect(problems).toEqual([]);
    const groups = await http.get<{ items: { route: string; message: string }[] }>(
      '/api/admin/errors?source=client',
      { token: server.adminToken },
    );
    expect(groups.body.items.filter((g) => g.route.startsWith('/dashboard'))).toEqual([]);
  });
});
