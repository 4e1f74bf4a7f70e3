/**
 * Regions, shipping and currencies in the storefront, end to end in headless Chromium
 * against a real server with the demo shop (three regions; every product priced in USD,
 * EUR and GBP). A shopper chooses the United Kingdom in the header, and the prices on
 * the page turn to pounds; adds two products; at checkout enters a UK address (a postal
 * code the schema refuses is explained next to its field first), picks express shipping
 * from the "Shipping method" radio group, whose options show their cost, and places the
 * order. The summary states the shipping and the VAT the tax-inclusive total contains;
 * the server holds the same order, and the next cart is in pounds too. axe-core on
 * checkout, with a refused field on show; checkout on a 360 px phone.
 *
 * Needs the built web app (`npm run build`; `npm test` builds it first).
 */
import type { BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cart, CreatedCart } from '@cart/core';
import {
  WAIT,
  addButton,
  countIs,
  openShop,
  seriousViolations,
  settled,
  watchConsole,
  overflows,
} from '../support/storefront-page.ts';
import { startStorefront, type Storefront } from '../support/storefront-server.ts';

const PHONE = { width: 360, height: 740 };

/** The cart the page creates, read from the answer to its `POST /api/carts`. */
function cartCreated(page: Page): Promise<CreatedCart> {
  const created = page
    .waitForResponse(
      (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/carts',
      WAIT,
    )
    .then((r) => r.json() as Promise<CreatedCart>);
  created.catch(() => undefined);
  return created;
}

describe('regions, shipping and currencies in the storefront', () => {
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

  /** A new shopper: a fresh browser profile. */
  async function shopper(options: BrowserContextOptions = {}): Promise<Page> {
    const context = await shop.browser.newContext({ serviceWorkers: 'block', ...options });
    contexts.push(context);
    const page = await context.newPage();
    watchConsole(page, problems);
    return page;
  }

  it('shops in pounds from the United Kingdom: a UK address, express shipping, VAT included', async () => {
    const page = await shopper();
    const created = cartCreated(page);
    await openShop(page, shop.server.url);

    // The demo shop starts in its default region, the United States.
    const country = page.getByRole('combobox', { name: 'Ship to' });
    expect(await country.inputValue()).toBe('US');
    const mugCard = page.locator('.card').filter({ has: addButton(page, 'Ceramic Mug') });
    expect(await mugCard.locator('.card-price').textContent()).toContain('$14.00');

    // The country chosen, every price follows at once: the product's own GBP price.
    await country.selectOption({ label: 'United Kingdom (GBP)' });
    await page.waitForFunction(
      () => document.querySelector('.card-price')?.textContent?.includes('£') ?? false,
      undefined,
      WAIT,
    );
    expect(await mugCard.locator('.card-price').textContent()).toContain('£10.99');
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="announcer-status"]')?.textContent ===
        'Shipping to United Kingdom. Prices are in GBP.',
      undefined,
      WAIT,
    );

    await addButton(page, 'Ceramic Mug').click();
    await addButton(page, 'House Blend Beans').click();
    await countIs(page, 2);
    await settled(page);

    await page.getByRole('button', { name: /^Cart/ }).click();
    const drawer = page.getByRole('dialog', { name: 'Your cart' });
    // £10.99 + £9.99
    expect(await drawer.getByTestId('subtotal').textContent()).toBe('£20.98');
    await drawer.getByRole('button', { name: 'Checkout' }).click();
    await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor(WAIT);

    await page.getByLabel('Email for your receipt').fill('shopper@example.co.uk');
    // The address's country is the cart's.
    expect(await page.getByRole('combobox', { name: 'Country', exact: true }).inputValue()).toBe(
      'GB',
    );
    await page.getByLabel('Full name').fill('Jo Bloggs');
    await page.getByLabel('Address line 1').fill('1 High Street');
    await page.getByLabel('Town or city').fill('London');

    // A postal code the schema refuses: its message next to the field, which points at it.
    const postalCode = page.getByLabel('Postal code');
    await postalCode.fill('123');
    await postalCode.blur();
    const message = page.locator('#address-postalCode-error');
    await message.waitFor(WAIT);
    expect(await message.textContent()).toBe('Enter a postal code such as SW1A 1AA.');
    expect(await postalCode.getAttribute('aria-invalid')).toBe('true');
    expect((await postalCode.getAttribute('aria-describedby'))?.split(' ')).toContain(
      'address-postalCode-error',
    );
    expect(await seriousViolations(page), 'checkout with a refused field').toEqual([]);

    await postalCode.fill('SW1A 1AA');
    await message.waitFor({ state: 'detached', ...WAIT });
    expect(await postalCode.getAttribute('aria-invalid')).toBeNull();

    // The methods of the UK region, each with its cost for this cart.
    const methods = page.getByRole('group', { name: 'Shipping method' });
    const standard = methods.getByRole('radio', { name: 'Standard £3.99' });
    const express = methods.getByRole('radio', { name: 'Express £9.95' });
    await standard.waitFor(WAIT);
    await express.waitFor(WAIT);
    // Chosen with the keyboard: Tab from the address (saving it) into the group, an arrow on.
    await page.getByRole('combobox', { name: 'Country', exact: true }).focus();
    await page.keyboard.press('Tab');
    expect(await standard.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('ArrowDown');
    expect(await express.isChecked()).toBe(true);
    await page.waitForFunction(
      () =>
        document.querySelector('.checkout-side [data-testid="shipping-total"]')?.textContent ===
        '£9.95',
      undefined,
      WAIT,
    );
    // £20.98 + £9.95 = £30.93, which contains 30.93 × 20/120 = £5.155, half to even £5.16.
    const summary = page.locator('.checkout-side');
    expect(await summary.getByTestId('total').textContent()).toBe('£30.93');
    expect(await summary.getByTestId('tax-row').textContent()).toBe('Including tax (20%)£5.16');
    await settled(page);
    expect(await seriousViolations(page), 'checkout').toEqual([]);

    await page.getByRole('button', { name: 'Place order' }).click();
    await page.getByRole('heading', { level: 1, name: /your order is placed/ }).waitFor(WAIT);
    const order = page.locator('.order-page');
    expect(await order.getByTestId('shipping-row').textContent()).toBe('Shipping (Express)£9.95');
    expect(await order.getByTestId('tax-row').textContent()).toBe('Including tax (20%)£5.16');
    expect(await order.getByTestId('total').textContent()).toBe('£30.93');
    expect(await order.locator('address').textContent()).toContain('SW1A 1AA');
    // The next cart is in pounds too: the country stays the shopper's.
    await page.waitForFunction(
      () => document.querySelector<HTMLSelectElement>('#country')?.value === 'GB',
      undefined,
      WAIT,
    );

    const { id } = await created;
    const cart: Cart = await shop.stored(id);
    expect(cart).toMatchObject({
      status: 'checked_out',
      regionId: 'uk',
      currency: 'GBP',
      country: 'GB',
      email: 'shopper@example.co.uk',
      shippingOptionId: 'uk-express',
      shippingAddress: {
        name: 'Jo Bloggs',
        line1: '1 High Street',
        city: 'London',
        postalCode: 'SW1A 1AA',
        country: 'GB',
      },
      subtotal: { amount: 2098, currency: 'GBP' },
      shippingTotal: { amount: 995, currency: 'GBP' },
      taxTotal: { amount: 516, currency: 'GBP' },
      total: { amount: 3093, currency: 'GBP' },
      taxInclusive: true,
    });
    expect(cart.lines.map((l) => [l.productId, l.unitPrice.amount]).sort()).toEqual([
      ['ceramic-mug', 1099],
      ['coffee-beans-house', 999],
    ]);
  }, 90_000);

  it('fits checkout, with the address and the shipping methods, on a 360 px phone', async () => {
    const page = await shopper({ viewport: PHONE, isMobile: true, hasTouch: true });
    await openShop(page, shop.server.url);
    await page.getByRole('combobox', { name: 'Ship to' }).selectOption('DE');
    await addButton(page, 'Pour-over Kettle').click();
    await countIs(page, 1);
    await settled(page);
    expect(await overflows(page), 'product grid').toBe(false);
    await page.goto(`${shop.server.url}/checkout`);
    await page
      .getByRole('group', { name: 'Shipping method' })
      .getByRole('radio')
      .first()
      .waitFor(WAIT);
    // Errors on show too: the order placed with nothing filled in.
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.locator('#address-name-error').waitFor(WAIT);
    expect(await overflows(page), 'checkout').toBe(false);
  }, 60_000);

  it('logged no script error and no Content-Security-Policy violation', () => {
    expect(problems).toEqual([]);
  });
});
