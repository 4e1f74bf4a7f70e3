// Over 400 lines on purpose: one server and one Chromium for all of issue 16's feedback
// stories; each browser test file starts its own, which costs seconds.
/**
 * What the storefront tells the shopper, in headless Chromium against a real server with
 * the demo catalogue (issue 16): the shop down told apart from the device offline, in the
 * status bar, the announcements, the cart's lines ("Not saved yet", never a "Saving…"
 * that does not end) and at checkout; room kept for the status bar at 200% zoom; a first
 * visit made offline that does not promise shopping it cannot offer; Undo in place of a
 * removed line; the email checked on the device; "Added to your cart"; a product page
 * that loads itself once the shop is back; and the dashboard's words for the same.
 *
 * The shop is made unreachable with `page.route` (requests refused, 500s) while the
 * browser stays online; `context.setOffline` is the device without a network.
 *
 * Needs the built web app (`npm run build`; `npm test` builds it first).
 */
import type { BrowserContext, BrowserContextOptions, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WAIT,
  addButton,
  countIs,
  openShop,
  seriousViolations,
  settled,
  watchConsole,
  shipTo,
} from '../support/storefront-page.ts';
import { startStorefront, type Storefront } from '../support/storefront-server.ts';

const PHONE = { width: 390, height: 844 };
/** A 640 × 800 window at 200% zoom: 320 × 400 CSS pixels, each drawn twice as large. */
const ZOOMED = { viewport: { width: 320, height: 400 }, deviceScaleFactor: 2 };
/** What the failed requests of these tests make Chromium log. */
const FAILED_REQUESTS = [/Failed to load resource/, /net::ERR_/];

/** The words of the page's polite live region, as they change. */
async function statusWords(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { said: string[] }).said);
}

/** Records what the status region says (it is cleared and rewritten for each message). */
async function recordAnnouncements(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const said: string[] = [];
    (window as unknown as { said: string[] }).said = said;
    new MutationObserver(() => {
      const text = document.querySelector('[data-testid="announcer-status"]')?.textContent;
      if (text) said.push(text);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
}

/** The shop stops answering: every API request is refused, the device stays online. */
const refuse = (route: Route) => route.abort('connectionrefused');

describe('storefront feedback (issue 16)', () => {
  let shop: Storefront;
  const problems: string[] = [];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    shop = await startStorefront();
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await shop?.close();
    expect(problems).toEqual([]);
  });

  async function shopper(
    options: BrowserContextOptions = {},
    expected: RegExp[] = FAILED_REQUESTS,
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await shop.browser.newContext({
      serviceWorkers: 'block',
      viewport: PHONE,
      ...options,
    });
    contexts.push(context);
    const page = await context.newPage();
    watchConsole(page, problems, expected);
    return { context, page };
  }

  it('tells the shop being down from the device being offline, in the bar, the announcements and the line', async () => {
    const { context, page } = await shopper();
    await recordAnnouncements(page);
    await openShop(page, shop.server.url);
    await addButton(page, 'Ceramic Mug').click();
    await countIs(page, 1);
    await settled(page);

    // The shop goes down; the network is fine.
    await page.route('**/api/**', refuse);
    await addButton(page, 'Ceramic Mug').click();
    await countIs(page, 2);
    const banner = page.getByTestId('offline-banner');
    await banner.waitFor(WAIT);
    const words = (await banner.textContent()) ?? '';
    expect(words).toContain('We can’t reach the shop right now.');
    expect(words).not.toMatch(/you are offline/i);
    expect(words).toContain('1 change kept, to be sent when it is back.');
    await page.waitForFunction(
      () =>
        (window as unknown as { said: string[] }).said.some((s) =>
          s.includes('We can’t reach the shop right now.'),
        ),
      undefined,
      WAIT,
    );
    expect((await statusWords(page)).join(' | ')).not.toMatch(/you are offline/i);

    // The line whose change waits says it is not saved, and when it is tried again.
    await page.getByRole('button', { name: /^Cart/ }).click();
    const drawer = page.getByRole('dialog', { name: 'Your cart' });
    const status = drawer.getByTestId('line-status');
    await drawer.getByTestId('line-not-saved').waitFor(WAIT);
    expect(await status.textContent()).toMatch(/^Not saved yet( — retrying in \d+ s)?Try now/);
    expect(await drawer.getByText('Saving…').count()).toBe(0);
    expect(await seriousViolations(page), 'the shop unreachable').toEqual([]);

    // Now the device loses its network too: that, the shopper can fix.
    await context.setOffline(true);
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="offline-banner"]')?.getAttribute('data-reason') ===
        'device',
      undefined,
      WAIT,
    );
    expect(await banner.textContent()).toContain('You are offline.');
    expect(await status.textContent()).toBe('Waiting for the network');

    // Both come back: the change is sent, the bar goes, and the page says so.
    await page.unroute('**/api/**');
    await context.setOffline(false);
    await banner.waitFor({ state: 'detached', ...WAIT });
    await settled(page);
    expect(await status.textContent()).toBe('');
    await page.waitForFunction(
      () =>
        (window as unknown as { said: string[] }).said.some((s) =>
          /^(Back online|The shop is back)\./.test(s),
        ),
      undefined,
      WAIT,
    );
  }, 90_000);

  it('after a 500 says the line is not saved yet, with "Try now", not "Saving…" for ever', async () => {
    const { page } = await shopper({}, [...FAILED_REQUESTS, /status of 500/]);
    await openShop(page, shop.server.url);
    await addButton(page, 'Glass Dripper').click();
    await countIs(page, 1);
    await settled(page);

    const fail = (route: Route) =>
      route.fulfill({
        status: 500,
        contentType: 'application/problem+json',
        body: JSON.stringify({
          type: 'about:blank',
          title: 'Internal error',
          status: 500,
          code: 'INTERNAL',
          detail: 'Something broke.',
        }),
      });
    await page.route('**/api/carts/*/actions', fail);
    await page.getByRole('button', { name: /^Cart/ }).click();
    const drawer = page.getByRole('dialog', { name: 'Your cart' });
    await drawer.getByRole('button', { name: 'Increase quantity of Glass Dripper' }).click();
    await countIs(page, 2);
    await drawer.getByTestId('line-not-saved').waitFor(WAIT);
    expect(await drawer.getByText('Saving…').count()).toBe(0);
    expect(await page.getByTestId('offline-banner').count()).toBe(0);

    // The shop is back; "Try now" sends it at once.
    await drawer.getByRole('button', { name: 'Try now to save Glass Dripper' }).waitFor(WAIT);
    await page.unroute('**/api/carts/*/actions', fail);
    // Pressed, unless the store's own next try (its backoff ended) got there first.
    await drawer
      .getByRole('button', { name: 'Try now to save Glass Dripper' })
      .click({ timeout: 5_000 })
      .catch(() => undefined);
    await settled(page);
    expect(await drawer.getByTestId('line-status').textContent()).toBe('');
    expect(await drawer.getByTestId('line-quantity').inputValue()).toBe('2');
  }, 90_000);
  it("says a proxy's 502 page is the shop's trouble, not the shopper's connection", async () => {
    const { page } = await shopper({}, [...FAILED_REQUESTS, /status of 502/]);
    await openShop(page, shop.server.url);
    await addButton(page, 'Sencha Green Tea').click();
    await countIs(page, 1);
    await settled(page);
    const gateway = (route: Route) =>
      route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>502 Bad Gateway</h1>' });
    await page.route('**/api/carts/*/actions', gateway);
    await addButton(page, 'Sencha Green Tea').click();
    const bar = page.locator('[data-testid="error-banner"], [data-testid="offline-banner"]');
    await bar.first().waitFor(WAIT);
    const words = (await bar.first().textContent()) ?? '';
    expect(words).not.toMatch(/offline|your connection|wi-?fi/i);
    expect(words).toContain('kept');
    await page.getByRole('button', { name: /^Cart/ }).click();
    const drawer = page.getByRole('dialog', { name: 'Your cart' });
    await drawer.getByTestId('line-not-saved').waitFor(WAIT);
    expect(await drawer.getByText('Saving…').count()).toBe(0);
    await drawer.getByRole('button', { name: 'Try now to save Sencha Green Tea' }).waitFor(WAIT);
    await page.unroute('**/api/carts/*/actions', gateway);
    // Pressed, unless the store's own next try (its backoff ended) got there first.
    await drawer
      .getByRole('button', { name: 'Try now to save Sencha Green Tea' })
      .click({ timeout: 5_000 })
      .catch(() => undefined);
    await settled(page);
  }, 60_000);

  it('at checkout, says the shop is not answering, not to check the connection', async () => {
    const { page } = await shopper();
    await openShop(page, shop.server.url);
    await addButton(page, 'Ceramic Mug').click();
    await countIs(page, 1);
    await page.goto(`${shop.server.url}/checkout`);
    await page.getByRole('button', { name: 'Place order' }).waitFor(WAIT);
    await page.getByLabel('Email for your receipt').fill('sam@example.com');
    await shipTo(page);
    await settled(page);
    await page.route('**/api/carts/*/checkout', refuse);
    await page.getByRole('button', { name: 'Place order' }).click();
    const problem = page.locator('#checkout-problem');
    await page.waitForFunction(
      () => document.querySelector('#checkout-problem')?.textContent?.includes('not placed yet'),
      undefined,
      { timeout: 60_000 },
    );
    const words = (await problem.textContent()) ?? '';
    expect(words).toContain('The shop is not answering right now');
    expect(words).not.toMatch(/check your connection/i);
    await page.unroute('**/api/carts/*/checkout', refuse);
  }, 90_000);

  it('keeps the end of the page and the focused control clear of the status bar at 200% zoom', async () => {
    const { page } = await shopper(ZOOMED);
    await openShop(page, shop.server.url);
    await addButton(page, 'Ceramic Mug').click();
    await countIs(page, 1);
    await settled(page);
    await page.goto(`${shop.server.url}/cart`);
    const checkout = page.getByRole('button', { name: 'Checkout', exact: true });
    await checkout.waitFor(WAIT);

    await page.route('**/api/**', refuse);
    await page.getByRole('button', { name: 'Increase quantity of Ceramic Mug' }).click();
    const bar = page.getByTestId('offline-banner');
    await bar.waitFor(WAIT);
    expect(await page.getByTestId('pending-note').textContent()).toBe(
      'Some changes are waiting for the shop to answer; totals include them.',
    );

    /** How far `selector`'s box reaches below the bar's top edge (0: clear of it). */
    const under = (selector: string) =>
      page.evaluate((sel) => {
        const barTop = document
          .querySelector('[data-testid="offline-banner"]')!
          .getBoundingClientRect().top;
        const box = document.querySelector(sel)!.getBoundingClientRect();
        return Math.max(0, Math.round(box.bottom - barTop));
      }, selector);

    // Scrolled to its end, the page's last panel shows whole above the bar.
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    expect(await under('.cart-side > :last-child'), 'the last panel under the bar').toBe(0);

    // Reached by the keyboard, "Checkout" and the note field are not hidden by the bar.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByRole('button', { name: 'Increase quantity of Ceramic Mug' }).focus();
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab');
      if (await checkout.evaluate((el) => el === document.activeElement)) break;
    }
    expect(await checkout.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await under('.cart-side button.button-primary'), '"Checkout" under the bar').toBe(0);
    await page.getByLabel('Note for the shop (optional)').focus();
    expect(await under('#cart-note'), 'the note field under the bar').toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
  }, 90_000);

  it('on a first visit made offline, does not offer shopping it cannot show', async () => {
    const { context, page } = await shopper({ serviceWorkers: 'allow' });
    // The service worker is installed by a page that reads no products (the empty cart)…
    await page.goto(`${shop.server.url}/cart`);
    await page.getByText('Your cart is empty.').waitFor(WAIT);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    if (!(await page.evaluate(() => navigator.serviceWorker.controller !== null))) {
      await page.reload();
      await page.waitForFunction(
        () => navigator.serviceWorker.controller !== null,
        undefined,
        WAIT,
      );
    }
    // …so the home page, opened offline, has its page and no products.
    await context.setOffline(true);
    await page.goto(`${shop.server.url}/`);
    await page.getByText('We could not load the products.').waitFor(WAIT);
    const banner = page.getByTestId('offline-banner');
    await banner.waitFor(WAIT);
    expect(await banner.textContent()).toContain('You are offline.');
    expect(await banner.textContent()).not.toContain('keep shopping');
    expect(await seriousViolations(page)).toEqual([]);
    await context.setOffline(false);
  }, 60_000);
  it('offers Undo in place of a removed line, keeps the focus there and the phone page still', async () => {
    const { page } = await shopper();
    const created = page.waitForResponse(
      (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/carts',
      WAIT,
    );
    await openShop(page, shop.server.url);
    for (const name of ['House Blend Beans', 'Ceramic Mug', 'Glass Dripper'])
      await addButton(page, name).click();
    await countIs(page, 3);
    const cartId = ((await (await created).json()) as { id: string }).id;
    await page.goto(`${shop.server.url}/cart`);
    await page.getByRole('button', { name: 'Increase quantity of Ceramic Mug' }).click();
    await countIs(page, 4);
    await settled(page);

    // The second line, mid-screen on a phone, removed with the keyboard.
    const remove = page.getByRole('button', { name: 'Remove Ceramic Mug' });
    await remove.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    const before = await page.evaluate(() => window.scrollY);
    expect(before).toBeGreaterThan(0);
    await remove.focus();
    await page.keyboard.press('Enter');
    const undo = page.getByRole('button', { name: 'Undo: add Ceramic Mug back' });
    await undo.waitFor(WAIT);
    await countIs(page, 2);
    expect(await undo.evaluate((el) => el === document.activeElement), 'focus on Undo').toBe(true);
    expect(await page.getByTestId('line-removed').textContent()).toContain('Removed Ceramic Mug.');
    // In the place of the line: between the first line and the last.
    const order = await page
      .locator('.lines > li')
      .evaluateAll((items) => items.map((li) => li.textContent?.slice(0, 30)));
    expect(order[1]).toContain('Removed Ceramic Mug');
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => window.scrollY), 'the page did not scroll').toBe(before);
    expect(await seriousViolations(page)).toEqual([]);
    await settled(page);
    expect((await shop.stored(cartId)).lines.map((l) => l.productId)).not.toContain('ceramic-mug');

    // Undo adds the same product back with the same quantity; focus goes with it.
    await page.keyboard.press('Enter');
    await countIs(page, 4);
    await page.getByTestId('line-removed').waitFor({ state: 'detached', ...WAIT });
    await page.waitForFunction(
      () => document.activeElement?.getAttribute('aria-label') === 'Remove Ceramic Mug',
      undefined,
      WAIT,
    );
    await settled(page);
    const mug = (await shop.stored(cartId)).lines.find((l) => l.productId === 'ceramic-mug');
    expect(mug?.quantity).toBe(2);
  }, 90_000);
  it('offers Undo in the drawer for its last line, above "Your cart is empty."', async () => {
    const { page } = await shopper();
    await openShop(page, shop.server.url);
    await addButton(page, 'Earl Grey Tea').click();
    await countIs(page, 1);
    await settled(page);
    await page.getByRole('button', { name: /^Cart/ }).click();
    const drawer = page.getByRole('dialog', { name: 'Your cart' });
    await drawer.getByRole('button', { name: 'Remove Earl Grey Tea' }).click();
    const undo = drawer.getByRole('button', { name: 'Undo: add Earl Grey Tea back' });
    await undo.waitFor(WAIT);
    await countIs(page, 0);
    expect(await drawer.getByText('Your cart is empty.').count()).toBe(1);
    expect(await undo.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await seriousViolations(page), 'the drawer with Undo').toEqual([]);
    await undo.click();
    await countIs(page, 1);
    await drawer.getByRole('link', { name: 'Earl Grey Tea' }).waitFor(WAIT);
    await page.waitForFunction(
      () => document.activeElement?.getAttribute('aria-label') === 'Remove Earl Grey Tea',
      undefined,
      WAIT,
    );
    await settled(page);
  }, 60_000);

  it('checks the email on the device, says what to fix under the field, and lists it by "Place order"', async () => {
    const { page } = await shopper();
    await recordAnnouncements(page);
    const emailsSent: unknown[] = [];
    page.on('request', (r) => {
      if (r.method() !== 'PATCH' && r.method() !== 'POST') return;
      const body = r.postData() ?? '';
      if (body.includes('email')) emailsSent.push(body);
    });
    await openShop(page, shop.server.url);
    await addButton(page, 'Ceramic Mug').click();
    await countIs(page, 1);
    await page.goto(`${shop.server.url}/checkout`);
    const place = page.getByRole('button', { name: 'Place order' });
    await place.waitFor(WAIT);
    await shipTo(page);
    await settled(page);

    // No email: the words under the field, the field marked, focus on it.
    await place.click();
    const email = page.getByLabel('Email for your receipt');
    await page.waitForFunction(() => document.activeElement?.id === 'cart-email', undefined, WAIT);
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    const error = page.getByTestId('email-error');
    expect(await error.textContent()).toBe('Enter an email address for your receipt.');
    expect((await email.getAttribute('aria-describedby'))?.split(' ')).toContain(
      await error.getAttribute('id'),
    );
    const field = (await email.boundingBox())!;
    const words = (await error.boundingBox())!;
    expect(words.y - (field.y + field.height), 'the words right under the field').toBeLessThan(40);
    // By the button: what to fix, a link to the field.
    const summary = page.getByTestId('error-summary');
    const link = summary.getByRole('link', { name: 'Enter an email address for your receipt.' });
    await link.waitFor(WAIT);

    // A malformed address: caught on the device, not sent, not "Email updated.".
    await email.fill('sam@');
    await page.keyboard.press('Tab');
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="email-error"]')?.textContent ===
        'Enter an email address like name@example.com.',
      undefined,
      WAIT,
    );
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    await page.waitForTimeout(500);
    expect(emailsSent).toEqual([]);
    expect(await statusWords(page)).not.toContain('Email updated.');
    expect(await seriousViolations(page), 'checkout with the errors').toEqual([]);

    await place.click();
    await summary
      .getByRole('link', { name: 'Enter an email address like name@example.com.' })
      .click();
    expect(await email.evaluate((el) => el === document.activeElement)).toBe(true);

    // Put right: the message goes, the address is saved and said.
    await email.fill('sam@example.com');
    expect(await error.count()).toBe(0);
    await page.keyboard.press('Tab');
    expect(await email.getAttribute('aria-invalid')).toBeNull();
    await page.waitForFunction(
      () => (window as unknown as { said: string[] }).said.includes('Email updated.'),
      undefined,
      WAIT,
    );
  }, 90_000);
  it('says "Added to your cart" next to the add, without taking the focus or moving the page', async () => {
    const { page } = await shopper();
    await openShop(page, shop.server.url);
    await settled(page);
    const add = addButton(page, 'Glass Dripper');
    await add.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    const cards = () =>
      page.locator('.card').evaluateAll((els) =>
        els.map((el) => {
          const r = el.getBoundingClientRect();
          return [Math.round(r.x), Math.round(r.y), Math.round(r.height)];
        }),
      );
    const before = { cards: await cards(), y: await page.evaluate(() => window.scrollY) };

    await add.focus();
    await page.keyboard.press('Enter');
    const notice = page.getByTestId('added-notice');
    await notice.waitFor(WAIT);
    const words = (await notice.textContent()) ?? '';
    expect(words).toContain('Added to your cart');
    expect(words).toContain('Glass Dripper');
    expect(words).toContain('Quantity: 1');
    await notice.getByRole('link', { name: 'View cart (1)' }).waitFor(WAIT);
    expect(await notice.getByRole('link', { name: 'Checkout' }).count()).toBe(1);
    // The focus stays on the button, which the notice does not cover; nothing moved.
    expect(await add.evaluate((el) => el === document.activeElement)).toBe(true);
    const [box, button] = [(await notice.boundingBox())!, (await add.boundingBox())!];
    const overlaps = box.y < button.y + button.height && button.y < box.y + box.height;
    expect(overlaps, 'the notice covers the focused button').toBe(false);
    expect({ cards: await cards(), y: await page.evaluate(() => window.scrollY) }).toEqual(before);
    expect(await seriousViolations(page), 'the grid with the notice').toEqual([]);

    // Next in the keyboard's order; Escape closes it and the focus goes back to the add.
    await page.keyboard.press('Tab');
    expect(await notice.evaluate((el) => el.contains(document.activeElement))).toBe(true);
    await page.keyboard.press('Escape');
    await notice.waitFor({ state: 'hidden', ...WAIT });
    expect(await add.evaluate((el) => el === document.activeElement)).toBe(true);

    // Another add shows it again; "View cart" goes to the cart.
    await add.click();
    await countIs(page, 2);
    await notice.getByRole('link', { name: 'View cart (2)' }).click();
    await page.waitForURL(/\/cart$/, WAIT);
    await page.getByRole('heading', { name: 'Your cart', level: 1 }).waitFor(WAIT);
  }, 90_000);
  it('loads a product page that failed by itself once the shop is back, with "Try again" meanwhile', async () => {
    const { page } = await shopper();
    await page.route('**/api/products/glass-dripper', refuse);
    await page.goto(`${shop.server.url}/products/glass-dripper`);
    const problem = page.getByTestId('problem');
    await problem.waitFor(WAIT);
    expect(await problem.textContent()).toContain('We could not load this product.');
    expect(await problem.textContent()).not.toMatch(/offline/i);
    expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);

    // The shop is back: no click needed.
    await page.unroute('**/api/products/glass-dripper', refuse);
    await page.getByRole('heading', { name: 'Glass Dripper', level: 1 }).waitFor(WAIT);
    await addButton(page, 'Glass Dripper').waitFor(WAIT);
  }, 60_000);
  it('the dashboard also tells the server down from the device offline, and loads again when back', async () => {
    const { context, page } = await shopper({ viewport: { width: 1280, height: 800 } }, [
      ...FAILED_REQUESTS,
      /status of 502/,
    ]);
    await page.goto(`${shop.server.url}/dashboard/`);
    await page.getByLabel('Admin token').fill(shop.server.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const nav = page.getByRole('navigation', { name: 'Dashboard' });
    await nav.waitFor(WAIT);

    // The server down behind a proxy: its 502 page is not the operator's connection.
    const gateway = (route: Route) =>
      route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>Bad Gateway</h1>' });
    await page.route('**/api/admin/regions**', gateway);
    await nav.getByRole('link', { name: 'Regions' }).click();
    const notice = page.locator('.notice-error');
    await notice.first().waitFor(WAIT);
    for (const text of await notice.allTextContents()) {
      expect(text).toContain('The server is not answering');
      expect(text).not.toContain('Check your connection');
    }
    await page.unroute('**/api/admin/regions**', gateway);

    // Refused connections, the network up: not "check your connection" either.
    await page.route('**/api/admin/audit**', refuse);
    await nav.getByRole('link', { name: 'Audit' }).click();
    await page.waitForFunction(
      () => document.querySelector('.notice-error')?.textContent?.includes('not answering'),
      undefined,
      WAIT,
    );
    for (const text of await notice.allTextContents())
      expect(text).not.toContain('Check your connection');
    await page.unroute('**/api/admin/audit**', refuse);

    // The device offline: that is the connection; back online, the view loads by itself.
    await context.setOffline(true);
    await nav.getByRole('link', { name: 'Regions' }).click();
    await page.waitForFunction(
      () => document.querySelector('.notice-error')?.textContent?.includes('You are offline.'),
      undefined,
      WAIT,
    );
    expect(await seriousViolations(page)).toEqual([]);
    await context.setOffline(false);
    await page.waitForFunction(
      () => document.querySelectorAll('.notice-error').length === 0,
      undefined,
      WAIT,
    );
    await page.getByRole('heading', { name: 'Regions', level: 1 }).waitFor(WAIT);
  }, 90_000);
});
