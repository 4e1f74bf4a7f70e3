/**
 * An expired cart in the storefront, end to end in headless Chromium against a real
 * server with the demo catalogue. A shopper adds a product; the cart expires (the
 * server's background sweep, run as if 31 days had passed: the cart is stored expired
 * and its live subscribers are told); the shopper adds another product. The SDK starts
 * a new cart with that add in it, and the page says so in a calm notice the shopper can
 * dismiss: not an error, not "offline", no "Try again". The new cart is the one the
 * device keeps after a reload, and it is in the shopper's country (the page chooses it
 * again: a new cart starts in the shop's default region).
 *
 * Needs the built web app (`npm run build`; `npm test` builds it first).
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOG, type CreatedCart } from '@cart/core';
import {
  WAIT,
  addButton,
  countIs,
  openShop,
  seriousViolations,
  settled,
  watchConsole,
} from '../support/storefront-page.ts';
import { startStorefront, type Storefront } from '../support/storefront-server.ts';

const DAY_MS = 24 * 3600 * 1000;
const EXPIRED = ERROR_CATALOG.CART_EXPIRED.message;

/** The ids of the carts the page creates, as their `POST /api/carts` answers arrive. */
function recordCreations(context: BrowserContext): string[] {
  const ids: string[] = [];
  context.on('response', (r) => {
    if (r.request().method() !== 'POST' || new URL(r.url()).pathname !== '/api/carts') return;
    if (r.status() !== 201) return;
    r.json()
      .then((body: CreatedCart) => ids.push(body.id))
      .catch(() => undefined);
  });
  return ids;
}

/** What the page shows as a refusal or failure: problems next to controls and the error bar. */
async function refusalsShown(page: Page): Promise<string[]> {
  return page.locator('[data-testid="problem"], [data-testid="error-banner"]').allTextContents();
}

describe('an expired cart in the storefront', () => {
  let shop: Storefront;
  let context: BrowserContext | undefined;
  const problems: string[] = [];

  beforeAll(async () => {
    shop = await startStorefront();
  }, 60_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await shop?.close();
  });

  it('starts a new cart with the add that met the expiry, and says so calmly', async () => {
    context = await shop.browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    // The add sent to the expired cart is refused by the server (409 or 410): the SDK
    // handles it, but Chromium logs the failed request all the same.
    watchConsole(page, problems, [/status of 4(09|10)/]);
    const creations = recordCreations(context);

    await openShop(page, shop.server.url);
    await addButton(page, 'Ceramic Mug').click();
    await countIs(page, 1);
    await settled(page);
    expect(creations).toHaveLength(1);
    const oldId = creations[0]!;
    expect((await shop.stored(oldId)).lines.map((l) => l.productId)).toEqual(['ceramic-mug']);

    // 31 days on, the sweep closes the cart (30 days is its lifetime).
    const since = new Date().toISOString();
    await shop.server.app.sweep(new Date(Date.now() + 31 * DAY_MS));
    expect((await shop.server.app.storage.getCart(oldId))?.state.status).toBe('expired');

    await addButton(page, 'Glass Dripper').click();
    // The notice, or (the bug this guards against) a refusal of the add.
    await page
      .locator('[data-testid="cart-notice"], [data-testid="problem"], [data-testid="error-banner"]')
      .first()
      .waitFor(WAIT);
    expect(await refusalsShown(page), 'the add was refused instead of starting a new cart').toEqual(
      [],
    );

    const notice = page.getByTestId('cart-notice');
    await notice.waitFor(WAIT);
    expect(await notice.getAttribute('role')).toBe('status');
    const words = (await notice.textContent()) ?? '';
    expect(words).toContain(EXPIRED);
    expect(words).not.toMatch(/offline/i);
    expect(await page.getByRole('button', { name: /^Try (again|now)$/ }).count()).toBe(0);
    expect(await page.getByTestId('offline-banner').count()).toBe(0);
    // News, not an alarm: nothing in the alert region.
    expect(await page.getByTestId('announcer-alert').textContent()).toBe('');

    // The page shows the new cart: the new add alone.
    await countIs(page, 1);
    await settled(page);
    await page.getByRole('button', { name: /^Cart/ }).click();
    const drawer = page.getByRole('dialog', { name: 'Your cart' });
    await drawer.getByRole('link', { name: 'Glass Dripper' }).waitFor(WAIT);
    expect(await drawer.getByRole('link', { name: 'Ceramic Mug' }).count()).toBe(0);
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden', ...WAIT });

    // The server has it in a new cart; the old one is still expired, as it was.
    const filled = (await shop.createdSince(since)).filter((c) => c.lines.length > 0);
    expect(filled.map((c) => c.lines.map((l) => [l.productId, l.quantity]))).toEqual([
      [['glass-dripper', 1]],
    ]);
    const fresh = filled[0]!;
    expect(fresh.id).not.toBe(oldId);
    expect(fresh.status).toBe('active');
    expect(await shop.stored(oldId)).toMatchObject({
      status: 'expired',
      lines: [expect.objectContaining({ productId: 'ceramic-mug', quantity: 1 })],
    });

    expect(await seriousViolations(page), 'storefront with the notice').toEqual([]);

    // Dismissed, it goes; the cart stays.
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    await notice.waitFor({ state: 'detached', ...WAIT });
    await countIs(page, 1);

    // The device keeps the new cart: a reload shows it, with no notice.
    await page.reload();
    await countIs(page, 1);
    await settled(page);
    expect(await page.getByTestId('cart-notice').count()).toBe(0);
    expect(await refusalsShown(page)).toEqual([]);
  }, 90_000);

  it("keeps the shopper's country in the new cart: its prices stay in pounds", async () => {
    const other = await shop.browser.newContext({ serviceWorkers: 'block' });
    try {
      const page = await other.newPage();
      watchConsole(page, problems, [/status of 4(09|10)/]);
      await openShop(page, shop.server.url);
      const country = page.getByRole('combobox', { name: 'Ship to' });
      await country.selectOption({ label: 'United Kingdom (GBP)' });
      await addButton(page, 'Ceramic Mug').click();
      await countIs(page, 1);
      await settled(page);

      const since = new Date().toISOString();
      await shop.server.app.sweep(new Date(Date.now() + 31 * DAY_MS));
      await addButton(page, 'Glass Dripper').click();
      await page.getByTestId('cart-notice').waitFor(WAIT);
      await countIs(page, 1);

      // The new cart starts in the shop's default region (US dollars); the page chooses
      // the shopper's country for it again, and the add is priced in pounds.
      const carts = async () =>
        (await shop.createdSince(since))
          .filter((c) => c.lines.length > 0)
          .map((c) => ({
            country: c.country,
            currency: c.currency,
            lines: c.lines.map((l) => [l.productId, l.unitPrice.currency]),
          }));
      await expect
        .poll(carts, { timeout: WAIT.timeout })
        .toEqual([{ country: 'GB', currency: 'GBP', lines: [['glass-dripper', 'GBP']] }]);
      await settled(page);
      expect(await country.inputValue()).toBe('GB');
      expect(await refusalsShown(page)).toEqual([]);
    } finally {
      await other.close().catch(() => undefined);
    }
  }, 90_000);

  it('logged no script error and no Content-Security-Policy violation', () => {
    expect(problems).toEqual([]);
  });
});
