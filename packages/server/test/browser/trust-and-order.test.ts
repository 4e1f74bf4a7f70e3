/**
 * Costs, trust and the order confirmation (issue 16), end to end in headless Chromium
 * against a real server with the demo shop. A discounted line shows the price paid as
 * its one bold number, after the original struck through and what the code saves; the
 * tax row says why it is $0.00; short notes on delivery, returns and payment sit right
 * under "Checkout" and "Place order". The confirmation shows a short order number from
 * the server, the codes and the note, and opens in a second tab of the same browser
 * (another browser is told why it cannot). axe-core finds nothing in the light and the
 * dark scheme on home, cart, checkout, the confirmation and the dashboard's overview,
 * and the dark scheme is dark; with reduced motion no animation runs, not even one the
 * page did not know about.
 *
 * Needs the built web app (`npm run build`; `npm test` builds it first).
 */
import type { BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';
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

const NOTE = 'Please leave it with the neighbour at number 3.';

/** At checkout: the receipt's email, a US address, standard shipping and a note. */
async function fillCheckout(page: Page): Promise<void> {
  await page.getByLabel('Email for your receipt').fill('shopper@example.com');
  await page.getByLabel('Note for the shop').fill(NOTE);
  await shipTo(page);
}

/** Two mugs ($28.00) with WELCOME10 (10% off), on the cart page. */
async function discountedCart(page: Page, baseUrl: string): Promise<void> {
  await openShop(page, baseUrl);
  await addButton(page, 'Ceramic Mug').click();
  await countIs(page, 1);
  await page.goto(`${baseUrl}/cart`);
  await page.getByRole('button', { name: 'Increase quantity of Ceramic Mug' }).click();
  await countIs(page, 2);
  await page.getByRole('textbox', { name: 'Promo code' }).fill('WELCOME10');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByTestId('discount-total').waitFor(WAIT);
  await settled(page);
}

/** What a sighted shopper reads in `l`: its text without the words for screen readers. */
const visibleText = (l: Locator) =>
  l.evaluate((el) => {
    const copy = el.cloneNode(true) as HTMLElement;
    for (const hidden of copy.querySelectorAll('.sr-only')) hidden.remove();
    return (copy.textContent ?? '').replace(/\s+/g, ' ').trim();
  });

/** The vertical gap between the bottom of `above` and the top of `below`, in px. */
async function gapBetween(above: Locator, below: Locator): Promise<number> {
  const a = await above.boundingBox();
  const b = await below.boundingBox();
  if (!a || !b) throw new Error('not laid out');
  return b.y - (a.y + a.height);
}

/** The relative luminance of the page's background (body's, else the root's). */
function backgroundLuminance(page: Page): Promise<number> {
  return page.evaluate(() => {
    const colour = [document.body, document.documentElement]
      .map((el) => getComputedStyle(el).backgroundColor)
      .find((c) => c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent');
    const [r = 255, g = 255, b = 255] = (colour ?? 'rgb(255, 255, 255)')
      .match(/\d+(\.\d+)?/g)!
      .map(Number);
    const linear = (c: number) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  });
}

/** The animations running on the page now (CSS ones included). */
const runningAnimations = (page: Page) =>
  page.evaluate(() =>
    document
      .getAnimations()
      .filter((a) => a.playState === 'running')
      .map((a) => (a as CSSAnimation).animationName ?? a.id ?? 'animation'),
  );

/**
 * Adds an element with an endless animation the stylesheet's `name` keyframes drive, as
 * a later change of the page might: with reduced motion it must stop too.
 */
const addAnimatedProbe = (page: Page, name: string) =>
  page.evaluate((keyframes) => {
    const probe = document.createElement('div');
    probe.id = 'motion-probe';
    probe.style.animation = `${keyframes} 1s linear infinite`;
    probe.style.transition = 'opacity 5s';
    document.body.append(probe);
  }, name);

describe('costs, trust and the order confirmation', () => {
  let shop: Storefront;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    shop = await startStorefront();
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await shop?.close();
  });

  /**
   * A new shopper (a fresh browser profile). The dashboard's sign-in screen probes the
   * session first (401), which Chromium logs: expected where a test signs in.
   */
  async function shopper(options: BrowserContextOptions = {}, signsIn = false): Promise<Page> {
    const context = await shop.browser.newContext({ serviceWorkers: 'block', ...options });
    contexts.push(context);
    const page = await context.newPage();
    watchConsole(page, problems, signsIn ? [/status of 401/] : []);
    return page;
  }

  it('shows the price paid for a discounted line, explains the tax, and keeps the trust notes by the button', async () => {
    const page = await shopper();
    await discountedCart(page, shop.server.url);
    const line = page.getByRole('list', { name: 'Items in your cart' }).getByRole('listitem');

    // $28.00 struck through, then $25.20 — the one bold number — and what the code saves.
    const paid = line.getByTestId('line-paid');
    const was = line.getByTestId('line-was');
    expect(await visibleText(paid)).toBe('$25.20');
    expect(await visibleText(was)).toBe('$28.00');
    expect(await visibleText(line.getByTestId('line-saving'))).toBe('Save $2.80 (WELCOME10)');
    const style = (l: Locator) =>
      l.evaluate((el) => {
        const s = getComputedStyle(el);
        return { weight: Number(s.fontWeight), decoration: s.textDecorationLine };
      });
    expect(await style(was)).toMatchObject({ decoration: 'line-through' });
    expect((await style(paid)).weight).toBeGreaterThanOrEqual(700);
    expect((await style(was)).weight).toBeLessThan(700);
    // Read out in words, since a strike-through is not.
    expect(await line.locator('.line-total').textContent()).toBe(
      'Original price $28.00, you pay $25.20, Save $2.80 (WELCOME10)',
    );

    // The totals name the code, and the tax says why it is nothing.
    const summary = page.getByRole('region', { name: 'Order summary' });
    expect(await visibleText(summary.getByTestId('discount-codes'))).toBe('(WELCOME10)');
    expect(await visibleText(summary.getByTestId('tax-row'))).toMatch(
      /^Tax \(none on orders to United States\) ?\$0\.00$/,
    );

    // Delivery, returns and payment, right under "Checkout".
    const notes = summary.getByTestId('trust-notes');
    const text = await notes.innerText();
    expect(text).toMatch(/Delivery: choose a shipping method at checkout/);
    expect(text).toMatch(/Return unused items within 30 days/);
    expect(text).toMatch(/takes no payment/);
    const gap = await gapBetween(summary.getByRole('button', { name: 'Checkout' }), notes);
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(gap).toBeLessThan(32);

    // All of it fits a 360 px phone: no sideways scrolling.
    await page.setViewportSize({ width: 360, height: 740 });
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth),
    ).toBe(false);
    expect(problems).toEqual([]);
  }, 60_000);

  it('confirms the order with a short number, its codes and note, in a second tab too', async () => {
    const page = await shopper();
    await discountedCart(page, shop.server.url);
    await page.goto(`${shop.server.url}/checkout`);
    await fillCheckout(page);
    await settled(page);

    // At checkout the notes sit under "Place order", now with the method chosen.
    const side = page.locator('.checkout-side');
    const notes = side.getByTestId('trust-notes');
    await page.waitForFunction(
      () =>
        document
          .querySelector('.checkout-side [data-testid="trust-notes"]')
          ?.textContent?.includes('Standard shipping') ?? false,
      undefined,
      WAIT,
    );
    expect(await notes.innerText()).toMatch(/Delivery: Standard shipping, \$5\.00\./);
    const gap = await gapBetween(side.getByRole('button', { name: 'Place order' }), notes);
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(gap).toBeLessThan(32);

    const placed = page.waitForResponse(
      (r) => r.request().method() === 'POST' && r.url().endsWith('/checkout'),
      WAIT,
    );
    await page.getByRole('button', { name: 'Place order' }).click();
    const answer = (await (await placed).json()) as { orderId: string; orderNumber: number };
    await page.getByRole('heading', { level: 1, name: /your order is placed/ }).waitFor(WAIT);

    /** What the confirmation must show, wherever it is opened. */
    const confirms = async (tab: Page) => {
      const number = await tab.getByTestId('order-number').innerText();
      expect(number).toBe(`#${answer.orderNumber}`);
      expect(number.length).toBeLessThanOrEqual(8);
      expect(await visibleText(tab.getByTestId('discount-codes'))).toBe('(WELCOME10)');
      expect(await tab.getByTestId('order-note').innerText()).toBe(NOTE);
      expect(await visibleText(tab.getByTestId('tax-row'))).toMatch(
        /^Tax \(none on orders to United States\) ?\$0\.00$/,
      );
      expect(await tab.getByText('Standard shipping').count()).toBeGreaterThan(0);
    };
    expect(new URL(page.url()).pathname).toBe(`/orders/${answer.orderId}`);
    await confirms(page);

    // A second tab of the same browser (a link opened in a new tab).
    const second = await page.context().newPage();
    watchConsole(second, problems);
    await second.goto(page.url());
    await second.getByRole('heading', { level: 1, name: /your order is placed/ }).waitFor(WAIT);
    await confirms(second);

    // Another browser has no way to read it, and says so instead of half an order.
    const stranger = await shopper();
    await stranger.goto(page.url());
    const heading = stranger.getByRole('heading', { level: 1 });
    await heading.waitFor(WAIT);
    expect(await heading.innerText()).toBe('Order details not on this device');
    expect(await stranger.getByText(/only in the browser that placed it/).count()).toBe(1);
    expect(problems).toEqual([]);
  }, 90_000);

  it.each(['light', 'dark'] as const)(
    'has no serious axe violations in the %s scheme on home, cart, checkout, order and the dashboard',
    async (scheme) => {
      const page = await shopper({ colorScheme: scheme }, true);
      const seen: Record<string, string[]> = {};
      const luminance: Record<string, number> = {};
      const check = async (name: string) => {
        seen[name] = await seriousViolations(page);
        luminance[name] = await backgroundLuminance(page);
      };
      await openShop(page, shop.server.url);
      await check('home');
      await discountedCart(page, shop.server.url);
      await check('cart');
      await page.getByRole('button', { name: /^Cart/ }).click();
      await page
        .getByRole('dialog', { name: 'Your cart' })
        .getByTestId('trust-notes')
        .waitFor(WAIT);
      await check('cart drawer');
      await page.keyboard.press('Escape');
      await page.goto(`${shop.server.url}/checkout`);
      await fillCheckout(page);
      await settled(page);
      await check('checkout');
      await page.getByRole('button', { name: 'Place order' }).click();
      await page.getByRole('heading', { level: 1, name: /your order is placed/ }).waitFor(WAIT);
      await check('order');

      await page.goto(`${shop.server.url}/dashboard`);
      await page.getByLabel('Admin token').fill(shop.server.adminToken);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor(WAIT);
      await page.waitForFunction(
        () => document.querySelectorAll('.chart .uplot canvas').length >= 1,
        undefined,
        WAIT,
      );
      await check('dashboard overview');

      expect(seen).toEqual({
        home: [],
        cart: [],
        'cart drawer': [],
        checkout: [],
        order: [],
        'dashboard overview': [],
      });
      // The scheme asked for is the one shown: a dark page in the dark scheme.
      for (const [name, l] of Object.entries(luminance)) {
        if (scheme === 'dark') expect(l, name).toBeLessThan(0.05);
        else expect(l, name).toBeGreaterThan(0.8);
      }
    },
    120_000,
  );

  it('runs no animation with reduced motion, on the storefront and the dashboard', async () => {
    const page = await shopper({ reducedMotion: 'reduce' }, true);
    await openShop(page, shop.server.url);
    // A change on its way: the line's "Saving…" dot pulses, without reduced motion.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/carts/*/actions', async (route) => {
      await held;
      await route.continue().catch(() => undefined);
    });
    await addButton(page, 'Ceramic Mug').click();
    await countIs(page, 1);
    await page.getByRole('button', { name: /^Cart/ }).click();
    await page.locator('.pending-dot').first().waitFor(WAIT);
    await addAnimatedProbe(page, 'pulse');
    await page.waitForTimeout(100);
    expect(await runningAnimations(page)).toEqual([]);
    release();
    await settled(page);
    await page.keyboard.press('Escape');

    await page.goto(`${shop.server.url}/dashboard`);
    await page.getByLabel('Admin token').fill(shop.server.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor(WAIT);
    await addAnimatedProbe(page, 'shimmer');
    await page.waitForTimeout(100);
    expect(await runningAnimations(page)).toEqual([]);
    expect(problems).toEqual([]);
  }, 60_000);
});
