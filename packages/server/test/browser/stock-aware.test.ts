/**
 * A live, stock-aware cart in headless Chromium against a real server: an admin's stock
 * change reaches the open page (no reload) and marks the line it breaks, with its fix one
 * tap away, while checkout waits; checkout's own OUT_OF_STOCK marks the line without live
 * events; "+" stops at the per-order limit; a quantity can be typed; the product page
 * counts what the cart holds. axe-core and a 390 px width on the marked pages.
 *
 * Needs the built web app (`npm run build`).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Product, ProductInput } from '@cart/core';
import { WAIT, seriousViolations, settled, watchConsole } from '../support/storefront-page.ts';
import { startStorefront, type Storefront } from '../support/storefront-server.ts';

const PHONE = { width: 390, height: 844 };

describe('a stock-aware cart', { timeout: 90_000 }, () => {
  let shop: Storefront;
  let skus = 0;

  beforeAll(async () => {
    shop = await startStorefront();
  }, 60_000);
  afterAll(async () => {
    await shop?.close();
  });

  const input = (name: string, overrides: Partial<ProductInput>): ProductInput => ({
    sku: `STOCK-${++skus}`,
    name,
    description: '',
    price: { amount: 500, currency: 'USD' },
    prices: [],
    // Not shipped: checkout then needs only an email.
    requiresShipping: false,
    stock: null,
    maxPerOrder: null,
    imageUrl: null,
    ...overrides,
  });

  const createProduct = async (name: string, overrides: Partial<ProductInput> = {}) => {
    const res = await shop.http.post<Product>('/api/admin/products', {
      token: shop.server.adminToken,
      body: input(name, overrides),
    });
    expect(res.status, res.text).toBe(201);
    return res.body;
  };

  /** What an admin does: replaces the product with a new stock level. */
  const setStock = async (product: Product, stock: number | null) => {
    const { id: _, ...rest } = product;
    const res = await shop.http.put<Product>(`/api/admin/products/${product.id}`, {
      token: shop.server.adminToken,
      body: { ...rest, stock },
    });
    expect(res.status, res.text).toBe(200);
  };

  const openPage = async (width = 1280): Promise<{ page: Page; problems: string[] }> => {
    const context = await shop.browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    // The refused checkout is a 409 the page expects.
    watchConsole(page, problems, [/status of 409/]);
    return { page, problems };
  };

  /** On the product page: chooses a quantity and adds it. */
  const addFromPage = async (page: Page, product: Product, quantity: number) => {
    await page.goto(`${shop.server.url}/products/${product.id}`);
    const add = page.getByRole('button', { name: `Add ${product.name} to cart`, exact: true });
    await add.waitFor(WAIT);
    if (quantity > 1)
      await page.getByLabel('Quantity', { exact: true }).selectOption(String(quantity));
    await add.click();
    await settled(page);
  };

  const openDrawer = async (page: Page) => {
    await page.getByRole('button', { name: /^Cart/ }).click();
    const drawer = page.getByRole('dialog', { name: 'Your cart' });
    await drawer.waitFor(WAIT);
    return drawer;
  };

  const quantityOf = (page: Page, name: string) =>
    page.getByRole('spinbutton', { name: `Quantity of ${name}` });

  it('marks a line the stock no longer covers as it changes, with its fix one tap away; checkout waits', async () => {
    const oolong = await createProduct('Milk Oolong', { stock: 10 });
    const { page, problems } = await openPage();
    try {
      await addFromPage(page, oolong, 3);
      const drawer = await openDrawer(page);
      const checkout = drawer.getByRole('button', { name: 'Checkout' });
      expect(await checkout.getAttribute('aria-disabled')).toBe('false');

      // Sold out while the drawer is open: the line says so, and removing it is one tap.
      await setStock(oolong, 0);
      const remove = drawer.getByRole('button', { name: 'Sold out – remove (Milk Oolong)' });
      await remove.waitFor(WAIT);
      expect(await checkout.getAttribute('aria-disabled')).toBe('true');
      // Said too, for a shopper who cannot see the line change.
      await page.waitForFunction(
        () =>
          document.querySelector('[data-testid="announcer-status"]')?.textContent ===
          'Milk Oolong is sold out: remove it to check out.',
        undefined,
        WAIT,
      );
      expect(await drawer.getByTestId('stock-gate').textContent()).toContain(
        "1 item in your cart can't be bought as it is",
      );
      expect(await seriousViolations(page)).toEqual([]);
      // "Checkout" points at the line instead of going on.
      await checkout.focus();
      await page.keyboard.press('Enter');
      expect(await remove.evaluate((el) => el === document.activeElement)).toBe(true);
      await remove.click();
      await drawer.getByText('Your cart is empty.').waitFor(WAIT);
      await settled(page);

      // Back in stock, three in the cart, then two left: "update to 2" sets 2.
      await setStock(oolong, 10);
      await page.keyboard.press('Escape');
      await addFromPage(page, oolong, 3);
      await openDrawer(page);
      await setStock(oolong, 2);
      const update = drawer.getByRole('button', {
        name: 'Only 2 left – update to 2 (Milk Oolong)',
      });
      await update.waitFor(WAIT);
      // "+" is off over the stock: only fewer can be bought.
      expect(
        await drawer
          .getByRole('button', { name: 'Increase quantity of Milk Oolong' })
          .getAttribute('aria-disabled'),
      ).toBe('true');
      await update.click();
      await settled(page);
      expect(await quantityOf(page, 'Milk Oolong').inputValue()).toBe('2');
      expect(await drawer.getByTestId('stock-fix').count()).toBe(0);
      expect(await checkout.getAttribute('aria-disabled')).toBe('false');

      // On the checkout page, its list marks the line and "Place order" waits too.
      await checkout.click();
      await page.getByRole('heading', { name: 'Checkout', level: 1 }).waitFor(WAIT);
      const place = page.getByRole('button', { name: 'Place order' });
      expect(await place.getAttribute('aria-disabled')).toBe('false');
      await setStock(oolong, 1);
      const fix = page.getByRole('button', { name: 'Only 1 left – update to 1 (Milk Oolong)' });
      await fix.waitFor(WAIT);
      expect(await place.getAttribute('aria-disabled')).toBe('true');
      expect(await seriousViolations(page)).toEqual([]);
      await fix.click();
      await settled(page);
      await page.waitForFunction(
        () =>
          document
            .querySelector('.checkout-side button[type="submit"]')
            ?.getAttribute('aria-disabled') === 'false',
        undefined,
        WAIT,
      );
      expect(problems).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("marks the line checkout's OUT_OF_STOCK names, without live events", async () => {
    const sencha = await createProduct('Quiet Sencha', { stock: 10 });
    const { page } = await openPage(PHONE.width);
    // No live events reach this page: it learns only from checkout's answer.
    await page.route('**/api/carts/*/events', (route) => route.abort());
    try {
      await addFromPage(page, sencha, 3);
      await page.goto(`${shop.server.url}/checkout`);
      const place = page.getByRole('button', { name: 'Place order' });
      await place.waitFor(WAIT);
      await page.getByLabel(/^Email/).fill('sam@example.com');
      await setStock(sencha, 2);
      await place.click();
      const fix = page.getByRole('button', { name: 'Only 2 left – update to 2 (Quiet Sencha)' });
      await fix.waitFor(WAIT);
      await page.waitForFunction(
        () => document.activeElement?.closest('[data-testid="stock-fix"]') !== null,
        undefined,
        WAIT,
      );
      expect(await place.getAttribute('aria-disabled')).toBe('true');
      // The server's words next to the total, once.
      expect(await page.getByTestId('problem').textContent()).toBe(
        'Sorry, we do not have that many in stock. Only 2 of Quiet Sencha left.',
      );
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        PHONE.width,
      );
      expect(await seriousViolations(page)).toEqual([]);
      await fix.click();
      await settled(page);
      expect(await place.getAttribute('aria-disabled')).toBe('false');
    } finally {
      await page.context().close();
    }
  });

  it('stops "+" at the per-order limit, and the product page counts what the cart holds', async () => {
    const mug = await createProduct('Limited Mug', { stock: 50, maxPerOrder: 3 });
    const { page, problems } = await openPage(PHONE.width);
    try {
      await addFromPage(page, mug, 2);
      expect(await page.getByTestId('in-cart').textContent()).toBe('2 in your cart');
      // Only one more may be added: the quantity offered stops there.
      const options = await page
        .getByLabel('Quantity', { exact: true })
        .locator('option')
        .allTextContents();
      expect(options).toEqual(['1']);

      const drawer = await openDrawer(page);
      const plus = drawer.getByRole('button', { name: 'Increase quantity of Limited Mug' });
      expect(await plus.getAttribute('aria-disabled')).toBe('false');
      await plus.click();
      await settled(page);
      expect(await quantityOf(page, 'Limited Mug').inputValue()).toBe('3');
      expect(await plus.getAttribute('aria-disabled')).toBe('true');
      // Pressing it changes nothing, and says why.
      await plus.focus();
      await page.keyboard.press('Enter');
      await drawer.getByText('3 is the most you can order.').waitFor(WAIT);
      await settled(page);
      expect(await quantityOf(page, 'Limited Mug').inputValue()).toBe('3');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        PHONE.width,
      );
      await page.keyboard.press('Escape');

      await page
        .getByRole('button', { name: /^Per-order limit reached\W+Limited Mug$/ })
        .waitFor(WAIT);
      expect(await page.getByTestId('in-cart').textContent()).toBe('3 in your cart');
      expect(await seriousViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it('takes a typed quantity, applied on Enter, brought down to the limit with a word', async () => {
    const tea = await createProduct('Typed Darjeeling', { stock: 20 });
    const { page, problems } = await openPage();
    try {
      await addFromPage(page, tea, 1);
      await page.goto(`${shop.server.url}/cart`);
      const field = quantityOf(page, 'Typed Darjeeling');
      await field.waitFor(WAIT);
      await field.fill('13');
      await field.press('Enter');
      await settled(page);
      expect(await field.inputValue()).toBe('13');
      const created = await shop.createdSince(new Date(Date.now() - 60_000).toISOString());
      const line = created
        .flatMap((c) => c.lines)
        .find((l) => l.productId === tea.id && l.quantity === 13);
      expect(line).toBeDefined();

      // Past the stock: set to what is left, and told so; blur applies it too.
      await field.fill('25');
      await page.getByRole('heading', { name: 'Your cart', level: 1 }).click();
      await page.getByText('Set to 20: 20 is the most you can order.').waitFor(WAIT);
      await settled(page);
      expect(await field.inputValue()).toBe('20');
      expect(await seriousViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await page.context().close();
    }
  });
});
