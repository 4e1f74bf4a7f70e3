/**
 * IndexedDbStorage in a real browser (headless Debian Chromium): the adapter's own
 * source, type-stripped, runs in a page; what it wrote is read back after a reload and
 * from a second tab.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingAction, PersistedMeta, PersistedState } from '../src/index.ts';
import { launchChromium } from '../../server/test/support/browser.ts';

const source = readFileSync(new URL('../src/indexeddb-adapter.ts', import.meta.url), 'utf8');
// The adapter imports types only; stripped, it is a plain script defining the class.
const script = `${ts
  .transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022 } })
  .outputText.replace(/^export /gm, '')}\nglobalThis.IndexedDbStorage = IndexedDbStorage;`;

const item = (actionId: string, seq: string, createdAt = 1): PendingAction => ({
  actionId,
  action: { type: 'addLine', productId: 'p1', quantity: 1, attributes: { engraving: 'Jo' } },
  seq,
  createdAt,
  product: {
    id: 'p1',
    sku: 'MUG-1',
    name: 'Mug',
    description: '',
    price: { amount: 1400, currency: 'USD' },
    stock: 3,
    maxPerOrder: null,
    imageUrl: null,
  },
});
const meta = {
  cartId: 'c1',
  token: null,
  confirmed: null,
  lineIds: { tmp_a: 'L1', tmp_b: null },
  attempts: [{ key: 'k1', actions: [{ type: 'clear', actionId: 'a' }] }],
  checkoutKey: 'ck',
} satisfies PersistedMeta;

type Call = 'load' | 'saveMeta' | 'putActions' | 'deleteActions' | 'clear' | 'available';
type AdapterLike = Record<string, ((x?: unknown) => Promise<unknown>) | undefined> & {
  close?: () => void;
};
type AdapterClass = (new (name: string) => AdapterLike) & { available(): boolean };

/** Runs one adapter method in the page, on a fresh instance (as a new page load would). */
function call(page: Page, method: Call, arg?: unknown): Promise<unknown> {
  return page.evaluate(
    async ([m, a]) => {
      const Adapter = (globalThis as unknown as { IndexedDbStorage: AdapterClass })
        .IndexedDbStorage;
      if (m === 'available') return Adapter.available();
      const s = new Adapter('cart-sdk:test');
      const out = await s[m]?.(a);
      s.close?.();
      return out;
    },
    [method, arg] as const,
  );
}

describe('IndexedDbStorage in headless Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let site: Server;
  let url = '';

  beforeAll(async () => {
    site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>shop</title>');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
    browser = await launchChromium();
    context = await browser.newContext();
    await context.addInitScript({ content: script });
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await new Promise((resolve) => site.close(resolve));
  });

  it('keeps the queue by action in seq order and the meta record across a reload and tabs', async () => {
    const page = await context.newPage();
    await page.goto(url);
    expect(await call(page, 'available')).toBe(true);
    expect(await call(page, 'load')).toEqual({ meta: null, outbox: [] });

    await call(page, 'putActions', [item('b', '2'), item('a', '1')]);
    await call(page, 'putActions', [item('c', '3')]);
    await call(page, 'saveMeta', meta);
    await call(page, 'deleteActions', ['b', 'unknown']);

    await page.reload();
    const reloaded = (await call(page, 'load')) as PersistedState;
    expect(reloaded).toEqual({ meta, outbox: [item('a', '1'), item('c', '3')] });

    // Another tab of the shop sees it, and what it writes is seen here.
    const other = await context.newPage();
    await other.goto(url);
    expect(((await call(other, 'load')) as PersistedState).outbox).toHaveLength(2);
    await call(other, 'putActions', [item('a', '1', 2)]);
    await call(other, 'putActions', []);
    await call(other, 'deleteActions', []);
    expect(((await call(page, 'load')) as PersistedState).outbox.map((i) => i.createdAt)).toEqual([
      2, 1,
    ]);

    await call(page, 'clear');
    expect(await call(other, 'load')).toEqual({ meta: null, outbox: [] });
    await other.close();
    await page.close();
  });
});
