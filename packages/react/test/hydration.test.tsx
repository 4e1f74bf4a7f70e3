/**
 * Server rendering, then hydration in a real browser (headless Debian Chromium, as the
 * other browser tests; the repository has no jsdom). A server never has the shopper's
 * cart, while the page's store may hold it before React starts (the storefront starts
 * its store first): hydration must still match the server's HTML, then show the cart.
 *
 * The store is a stand-in holding snapshots made here (support/mirror-store.ts), so this
 * tests the bindings alone; hooks.test.tsx runs them over the real SDK.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderToString } from 'react-dom/server';
import type { CartSnapshot } from '@cart/client';
import { launchChromium } from '@cart/test-support/browser.ts';
import { CartProvider, LOADING_SNAPSHOT, useCartSnapshot } from '../src/index.ts';
import { CartSummary } from './support/cart-summary.tsx';
import type { cartPage } from './support/hydrate-in-page.tsx';
import { MirrorStore } from './support/mirror-store.ts';
import { snapshotWith, storeLoading, type SummaryLine } from './support/snapshots.ts';

const WAIT = { timeout: 10_000 };
const mug = (quantity: number, pending: boolean): SummaryLine => ({
  name: 'Mug',
  quantity,
  unitPrice: 1400,
  pending,
});

/** The page half, bundled with React in development mode (its hydration warnings on). */
async function pageScript(): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('./support/hydrate-in-page.tsx', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"development"' },
    logLevel: 'silent',
  });
  const file = out.outputFiles[0];
  if (!file) throw new Error('esbuild wrote nothing');
  return file.text;
}

type InPage = { cartPage: typeof cartPage };

/** The page's `cartPage`, called from here (snapshots cross as JSON). */
const inPage = (page: Page) => ({
  hydrate: (s: CartSnapshot) =>
    page.evaluate((x) => (globalThis as unknown as InPage).cartPage.hydrate(x), s),
  set: (s: CartSnapshot) =>
    page.evaluate((x) => (globalThis as unknown as InPage).cartPage.set(x), s),
  report: () => page.evaluate(() => (globalThis as unknown as InPage).cartPage.report()),
});

/** Waits until the page's #root holds `text`. */
const shows = (page: Page, text: string) =>
  page.waitForFunction(
    (t) => document.getElementById('root')?.innerHTML.includes(t) ?? false,
    text,
    WAIT,
  );

/** What a server sends: the summary rendered with the server's own store. */
const serverHtml = (serverSnapshot: CartSnapshot) =>
  renderToString(
    <CartProvider store={new MirrorStore(serverSnapshot).asStore()} start={false}>
      <CartSummary />
    </CartProvider>,
  );

describe('the React bindings, server-rendered then hydrated in Chromium', () => {
  let script: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    script = await pageScript();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    page = await browser.newPage();
  });
  afterEach(async () => {
    await page.close();
  });

  async function serve(html: string): Promise<void> {
    await page.setContent(`<!doctype html><title>cart</title><div id="root">${html}</div>`);
    await page.addScriptTag({ content: script });
  }

  it('hydrates without a mismatch when the page’s store already holds a cart', async () => {
    // The server's store, made for this request, has not loaded (it never has the cart).
    const html = serverHtml(storeLoading());
    expect(html).toContain('Loading your cart…');
    await serve(html);

    const page$ = inPage(page);
    await page$.hydrate(snapshotWith('idle', [mug(2, false)]));
    // Right after hydrating, React renders the store's own snapshot.
    await shows(page, 'Mug × 2</li>');
    const report = await page$.report();
    expect(report.consoleErrors).toEqual([]);
    expect(report.recoverable).toEqual([]);
    // Hydration read the shared loading snapshot; the render after it, the store's.
    expect(report.sawLoading).toEqual([true, false]);
  });

  it('follows the store once hydrated: the cart, a queued change, the confirmed one', async () => {
    await serve(serverHtml(storeLoading()));
    const page$ = inPage(page);
    await page$.hydrate(storeLoading());
    await shows(page, 'Loading your cart…');

    await page$.set(snapshotWith('idle', []));
    await shows(page, 'idle · 0 pending');

    await page$.set(snapshotWith('syncing', [mug(2, true)]));
    await shows(page, 'syncing · 1 pending');
    await shows(page, 'Mug × 2 (saving)');
    await shows(page, 'Total 2800');

    await page$.set(snapshotWith('idle', [mug(2, false)]));
    await shows(page, 'idle · 0 pending');
    await shows(page, 'Mug × 2</li>');

    const report = await page$.report();
    expect(report.consoleErrors).toEqual([]);
    expect(report.recoverable).toEqual([]);
  });

  it('renders one frozen loading snapshot on the server, whatever the store holds', () => {
    const seen: CartSnapshot[] = [];
    function Grab() {
      seen.push(useCartSnapshot());
      return null;
    }
    const render = (snapshot: CartSnapshot) =>
      renderToString(
        <CartProvider store={new MirrorStore(snapshot).asStore()} start={false}>
          <Grab />
          <CartSummary />
        </CartProvider>,
      );
    expect(render(snapshotWith('idle', [mug(1, false)]))).toContain('Loading your cart…');
    expect(render(storeLoading())).toContain('Loading your cart…');
    expect(seen).toEqual([LOADING_SNAPSHOT, LOADING_SNAPSHOT]);
    expect(seen[0]).toBe(LOADING_SNAPSHOT);
    expect(seen[1]).toBe(LOADING_SNAPSHOT);
    expect(Object.isFrozen(LOADING_SNAPSHOT)).toBe(true);
    expect(Object.isFrozen(LOADING_SNAPSHOT.pending)).toBe(true);
    expect(Object.isFrozen(LOADING_SNAPSHOT.sync)).toBe(true);
  });
});
