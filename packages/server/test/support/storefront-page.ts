/**
 * Driving the storefront in headless Chromium, for the browser tests: its controls by
 * their accessible names, waits on what the page shows (the header's cart count, the
 * store's state on the "Cart" button), console watching and axe-core.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { ConsoleMessage, Locator, Page } from 'playwright-core';

export const WAIT = { timeout: 20_000 };

/** Console output that would mean a real problem (CSP violations, script errors), unless expected. */
export function watchConsole(page: Page, problems: string[], expected: RegExp[] = []): void {
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if (expected.some((re) => re.test(text))) return;
    problems.push(`console: ${text}`);
  });
}

/** A product card's or product page's "Add … to cart" button. */
export const addButton = (page: Page, name: string): Locator =>
  page.getByRole('button', { name: `Add ${name} to cart`, exact: true });

/** Opens the shop at `path` and waits until its products can be added. */
export async function openShop(page: Page, baseUrl: string, path = '/'): Promise<void> {
  await page.goto(`${baseUrl}${path}`);
  await page
    .getByRole('button', { name: /^Add .+ to cart$/ })
    .first()
    .waitFor(WAIT);
}

/** Waits until the header's cart count reads `n` (the cart as shown, pending changes included). */
export async function countIs(page: Page, n: number): Promise<void> {
  await page.waitForFunction(
    (expected) => document.querySelector('[data-testid="cart-count"]')?.textContent === expected,
    String(n),
    WAIT,
  );
}

/** Waits until the store is idle: nothing queued, nothing on its way. */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const button = document.querySelector('[data-testid="cart-button"]');
      return (
        button?.getAttribute('data-status') === 'idle' &&
        button.getAttribute('data-pending') === '0'
      );
    },
    undefined,
    WAIT,
  );
}

/** WCAG 2.x A/AA violations of serious or critical impact ("rule: element" each). */
export async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')}`));
}

/** Whether the page is wider than the window (a horizontal scrollbar on a phone). */
export const overflows = (page: Page): Promise<boolean> =>
  page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

/**
 * At checkout, where the order ships (a US address: the demo shop's default region) and
 * how, through the form as a shopper fills it in: every demo product is shipped.
 */
export async function shipTo(
  page: Page,
  method: 'Standard' | 'Express' = 'Standard',
): Promise<void> {
  await page.getByLabel('Full name').fill('Sam Shopper');
  await page.getByLabel('Address line 1').fill('1 Market Street');
  await page.getByLabel('Town or city').fill('San Francisco');
  await page.getByLabel('Postal code').fill('94103');
  await page
    .getByRole('group', { name: 'Shipping method' })
    .getByRole('radio', { name: new RegExp(`^${method} `) })
    .check();
}
