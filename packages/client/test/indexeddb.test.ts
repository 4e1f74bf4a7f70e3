/**
 * IndexedDbStorage in a real browser (headless Debian Chromium): the adapter's own
 * source, type-stripped, runs in a page. It is held to the storage contract through a
 * proxy whose every call runs in the page, and checked where only a real IndexedDB can
 * tell: reloads and tabs, a database left by the version-1 bundle, one left by a newer
 * bundle, and a step that fails half-way.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrateMeta, readState } from '../src/records.ts';
import type { PersistedState, StorageAdapter, StorageStep } from '../src/storage.ts';
import { launchChromium } from '@cart/test-support/browser.ts';
import { actionRecord, metaRecord, storageContract } from './support/storage-contract.ts';

const source = readFileSync(new URL('../src/indexeddb-adapter.ts', import.meta.url), 'utf8');
// The adapter imports types only; stripped, it is a plain script defining the class.
const script = `${ts
  .transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022 } })
  .outputText.replace(/^export /gm, '')}\nglobalThis.IndexedDbStorage = IndexedDbStorage;`;

type Method = 'load' | 'save' | 'clear' | 'close';
interface InPage {
  load(): Promise<PersistedState>;
  save(step: StorageStep): Promise<void>;
  clear(): Promise<void>;
  close(): void;
}
interface PageGlobals {
  IndexedDbStorage: (new (name: string) => InPage) & { available(): boolean };
  adapters?: Map<string, InPage>;
}

let instances = 0;

/**
 * A StorageAdapter whose calls run on one adapter instance in the page (made at its first
 * call), so the contract's "new instance" is a new IndexedDbStorage on the same database.
 */
function adapterIn(page: Page, database: string): StorageAdapter {
  const id = `${database}#${++instances}`;
  const run = (method: Method, arg?: StorageStep) =>
    page.evaluate(
      async ([id, database, method, arg]) => {
        const g = globalThis as unknown as PageGlobals;
        const adapters = (g.adapters ??= new Map<string, InPage>());
        let adapter = adapters.get(id);
        if (!adapter) {
          adapter = new g.IndexedDbStorage(database);
          adapters.set(id, adapter);
        }
        switch (method) {
          case 'close':
            adapter.close();
            adapters.delete(id);
            return null;
          case 'load':
            return adapter.load();
          case 'save':
            await adapter.save(arg ?? {});
            return null;
          case 'clear':
            await adapter.clear();
            return null;
        }
      },
      [id, database, method, arg] as const,
    );
  return {
    load: () => run('load') as Promise<PersistedState>,
    save: async (step) => void (await run('save', step)),
    clear: async () => void (await run('clear')),
    close: () => void run('close').catch(() => undefined),
  };
}

/** What opening `database` with the raw API finds: its version and both stores' records. */
function rawContents(page: Page, database: string) {
  return page.evaluate(
    (database) =>
      new Promise<{ version: number; stores: string[]; meta: unknown; outbox: unknown[] }>(
        (resolve, reject) => {
          const req = indexedDB.open(database);
          req.onerror = () => reject(req.error ?? new Error('open failed'));
          req.onsuccess = () => {
            const db = req.result;
            const tx = db.transaction(['meta', 'outbox'], 'readonly');
            const meta = tx.objectStore('meta').get('cart');
            const outbox = tx.objectStore('outbox').getAll();
            tx.oncomplete = () => {
              db.close();
              resolve({
                version: db.version,
                stores: [...db.objectStoreNames],
                meta: meta.result as unknown,
                outbox: outbox.result,
              });
            };
          };
        },
      ),
    database,
  );
}

/** Makes `database` at `version` with the raw API, as the version-1 bundle made its schema. */
function createRaw(
  page: Page,
  database: string,
  version: number,
  records: { meta: unknown; outbox: unknown[] },
) {
  return page.evaluate(
    ([database, version, records]) =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open(database, version);
        req.onupgradeneeded = () => {
          const db = req.result;
          db.createObjectStore('meta');
          db.createObjectStore('outbox', { keyPath: 'actionId' }).createIndex('seq', 'seq');
          const tx = req.transaction as IDBTransaction;
          tx.objectStore('meta').put(records.meta, 'cart');
          for (const item of records.outbox) tx.objectStore('outbox').put(item);
        };
        req.onerror = () => reject(req.error ?? new Error('open failed'));
        req.onsuccess = () => {
          req.result.close();
          resolve();
        };
      }),
    [database, version, records] as const,
  );
}

describe('IndexedDbStorage in headless Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let site: Server;
  let url = '';
  let databases = 0;
  let database = '';

  beforeAll(async () => {
    site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>shop</title>');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
    browser = await launchChromium();
    context = await browser.newContext();
    await context.addInitScript({ content: script });
    page = await context.newPage();
    await page.goto(url);
  });
  beforeEach(() => {
    database = `cart-sdk:test-${++databases}`;
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  describe('holds to the storage contract', () => {
    storageContract(() => adapterIn(page, database));
  });

  it('is available, and keeps what it saved across a page reload and between tabs', async () => {
    expect(
      await page.evaluate(() =>
        (globalThis as unknown as PageGlobals).IndexedDbStorage.available(),
      ),
    ).toBe(true);
    await adapterIn(page, database).save({
      meta: metaRecord(),
      put: [actionRecord('b', '2'), actionRecord('a', '1'), actionRecord('c', '3')],
      delete: ['b', 'unknown'],
    });

    await page.reload();
    expect(await adapterIn(page, database).load()).toEqual({
      meta: metaRecord(),
      outbox: [actionRecord('a', '1'), actionRecord('c', '3')],
    });

    // Another tab of the shop sees it, and what it writes is seen here.
    const other = await context.newPage();
    await other.goto(url);
    const there = adapterIn(other, database);
    expect((await there.load()).outbox).toHaveLength(2);
    await there.save({ put: [actionRecord('a', '1', 2)] });
    expect((await adapterIn(page, database).load()).outbox).toEqual([
      actionRecord('a', '1', 2),
      actionRecord('c', '3'),
    ]);
    await adapterIn(page, database).clear();
    expect(await there.load()).toEqual({ meta: null, outbox: [] });
    await other.close();
  });

  it('opens a database of the version-1 bundle with its records intact', async () => {
    const v1Meta = {
      cartId: 'c1',
      token: 'secret',
      confirmed: null,
      lineIds: { tmp_a: 'L1' },
      attempts: [{ key: 'k1', actions: [{ type: 'clear', actionId: 'a' }] }],
      checkoutKey: 'ck',
    };
    await createRaw(page, database, 1, { meta: v1Meta, outbox: [actionRecord('a', '1')] });

    const loaded = await adapterIn(page, database).load();
    expect(loaded).toEqual({ meta: v1Meta, outbox: [actionRecord('a', '1')] });
    const raw = await rawContents(page, database);
    expect(raw).toMatchObject({ version: 2, meta: v1Meta, outbox: [actionRecord('a', '1')] });
    expect(raw.stores.sort()).toEqual(['meta', 'outbox']);

    // The record-level migration: the version-1 meta reads as version 2.
    const v2 = {
      v: 2,
      cart: { kind: 'active', id: 'c1', token: 'secret', confirmed: null },
      lineIds: { tmp_a: 'L1' },
      checkout: { key: 'ck', actionIds: [], version: null },
      createKey: null,
      clock: 0,
      lastOrder: null,
    };
    expect(migrateMeta(loaded.meta)).toEqual(v2);
    expect(readState(loaded)).toEqual({
      meta: v2,
      metaIsNewer: false,
      outbox: [actionRecord('a', '1')],
      setAside: [],
    });
  });

  it('upgrades while an older tab holds the database open: the older tab lets go', async () => {
    await createRaw(page, database, 1, { meta: null, outbox: [] });
    const older = await context.newPage();
    await older.goto(url);
    // The version-1 adapter's behaviour: close on a version change.
    await older.evaluate(
      (database) =>
        new Promise<void>((resolve) => {
          const req = indexedDB.open(database, 1);
          req.onsuccess = () => {
            req.result.onversionchange = () => req.result.close();
            resolve();
          };
        }),
      database,
    );
    expect(await adapterIn(page, database).load()).toEqual({ meta: null, outbox: [] });
    await older.close();
  });

  it('rejects every call with StorageVersionError on a database of a newer bundle, and leaves it alone', async () => {
    const newer = { v: 3, cart: 'whatever a newer bundle keeps' };
    await createRaw(page, database, 3, { meta: newer, outbox: [] });
    const outcome = await page.evaluate(async (database) => {
      const g = globalThis as unknown as PageGlobals;
      const adapter = new g.IndexedDbStorage(database);
      const failure = (p: Promise<unknown>) =>
        p.then(
          () => 'resolved',
          (e: Error) => `${e.name}: ${e.message}`,
        );
      const out = {
        load: await failure(adapter.load()),
        save: await failure(adapter.save({ delete: ['a'] })),
        clear: await failure(adapter.clear()),
      };
      adapter.close();
      return out;
    }, database);
    expect(outcome.load).toMatch(
      /^StorageVersionError: IndexedDB "cart-sdk:test-\d+" was written by a newer version of the cart SDK/,
    );
    expect(outcome.save).toMatch(/^StorageVersionError/);
    expect(outcome.clear).toMatch(/^StorageVersionError/);
    expect(await rawContents(page, database)).toMatchObject({ version: 3, meta: newer });
  });

  it('writes nothing of a step that fails half-way (one transaction)', async () => {
    const before = { meta: metaRecord(1), outbox: [actionRecord('a', '1')] };
    await adapterIn(page, database).save({ meta: before.meta, put: before.outbox });
    const error = await page.evaluate(
      async ([database, meta, good]) => {
        const g = globalThis as unknown as PageGlobals;
        const adapter = new g.IndexedDbStorage(database);
        // A function cannot be stored: the second put throws after the meta and the first
        // put were requested.
        const uncloneable = { actionId: 'x', seq: '9', later: () => 1 };
        try {
          await adapter.save({ meta, put: [good, uncloneable as never], delete: ['a'] });
          return 'saved';
        } catch (e) {
          return (e as Error).name;
        } finally {
          adapter.close();
        }
      },
      [database, metaRecord(2), actionRecord('b', '2')] as const,
    );
    expect(error).toBe('DataCloneError');
    expect(await adapterIn(page, database).load()).toEqual(before);
  });
});
