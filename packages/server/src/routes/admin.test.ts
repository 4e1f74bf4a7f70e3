// Over 400 lines on purpose: the admin API (credential, audit log, catalog and discounts,
// two instances racing) on the shared setup at the top, one describe each.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import type { Discount, Product, ProductInput } from '@cart/core';
import type { AuditEntry, AuditRecord, IdempotencyRecord } from '../storage/port.ts';
import { SqliteStorage } from '../storage/sqlite/storage.ts';
import {
  JSON_TYPE,
  TEST_ADMIN_TOKEN,
  adminAuth,
  bearer,
  buildTestApp,
  createCart,
  createProduct,
  expectProblem,
  header,
  productInput,
  type TestApp,
} from '@cart/test-support/test-app.ts';

type AuditPage = { items: AuditRecord[]; nextCursor: string | null };

describe('admin credential', () => {
  let t: TestApp;
  beforeAll(async () => (t = await buildTestApp()));
  afterAll(() => t.close());

  const expectUnauthorized = (res: Awaited<ReturnType<TestApp['app']['inject']>>) => {
    expectProblem(res, 401, 'UNAUTHORIZED');
    expect(header(res, 'www-authenticate')).toBe('Bearer realm="cart-admin"');
  };

  it('answers 401 with WWW-Authenticate without a credential', async () => {
    expectUnauthorized(await t.app.inject({ url: '/api/admin/products' }));
  });

  it.each([
    ['a wrong token', `Bearer ${TEST_ADMIN_TOKEN}x`],
    ['a prefix of the token', `Bearer ${TEST_ADMIN_TOKEN.slice(0, -1)}`],
    ['another scheme', `Basic ${Buffer.from(`admin:${TEST_ADMIN_TOKEN}`).toString('base64')}`],
    ['an empty bearer', 'Bearer '],
    ['a token with a space', `Bearer ${TEST_ADMIN_TOKEN} x`],
  ])('answers 401 to %s', async (_name, authorization) => {
    expectUnauthorized(await t.app.inject({ url: '/api/admin/audit', headers: { authorization } }));
  });

  it('answers 401 to a cart token', async () => {
    const cart = await createCart(t.app);
    expectUnauthorized(
      await t.app.inject({ url: '/api/admin/products', headers: bearer(cart.token) }),
    );
  });

  it('lets the right token in, whatever the case of "Bearer"', async () => {
    for (const scheme of ['Bearer', 'bearer']) {
      const res = await t.app.inject({
        url: '/api/admin/products',
        headers: { authorization: `${scheme} ${TEST_ADMIN_TOKEN}` },
      });
      expect(res.statusCode, res.body).toBe(200);
    }
  });

  it('checks the credential before it looks at the body', async () => {
    for (const [type, payload] of [
      ['application/json', '{"broken":'],
      ['text/plain', 'hello'],
    ]) {
      expectUnauthorized(
        await t.app.inject({
          method: 'POST',
          url: '/api/admin/products',
          headers: { 'content-type': type ?? '' },
          payload,
        }),
      );
    }
  });
});

describe('admin API without ADMIN_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => (t = await buildTestApp({ env: { ADMIN_TOKEN: '' } })));
  afterAll(() => t.close());

  it.each(['', `Bearer ${TEST_ADMIN_TOKEN}`, 'Bearer undefined', 'Bearer '])(
    'answers 401 to authorization %j',
    async (authorization) => {
      const headers = authorization === '' ? {} : { authorization };
      for (const url of ['/api/admin/products', '/api/admin/discounts', '/api/admin/audit']) {
        const res = await t.app.inject({ url, headers });
        expectProblem(res, 401, 'UNAUTHORIZED');
        expect(header(res, 'www-authenticate')).toBe('Bearer realm="cart-admin"');
      }
    },
  );
});

describe('audit log', () => {
  let t: TestApp;
  let cartA: string;
  let cartB: string;
  let between: string;

  const audit = async (query: string): Promise<AuditPage> => {
    const res = await t.app.inject({ url: `/api/admin/audit${query}`, headers: adminAuth });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<AuditPage>();
  };

  beforeAll(async () => {
    t = await buildTestApp();
    const a = await createCart(t.app);
    cartA = a.id;
    const product = await createProduct(t.app);
    await t.app.inject({
      method: 'POST',
      url: `/api/carts/${a.id}/lines`,
      headers: bearer(a.token),
      payload: { productId: product.id, quantity: 1 },
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    between = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const b = await createCart(t.app);
    cartB = b.id;
    await t.app.inject({
      method: 'PATCH',
      url: `/api/carts/${b.id}`,
      headers: bearer(b.token),
      payload: { note: 'hi' },
    });
  });
  afterAll(() => t.close());

  it('lists everything, newest first, 50 to a page by default', async () => {
    const page = await audit('');
    expect(page.items.map((r) => r.action)).toEqual([
      'cart.update',
      'cart.create',
      'cart.addLine',
      'admin.product.create',
      'cart.create',
      // The default region, made on the first start from CURRENCY and TAX_RATE_BPS.
      'seed.region.create',
    ]);
    const seqs = page.items.map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => y - x));
    expect(page.nextCursor).toBeNull();
  });

  it('filters by cart', async () => {
    const page = await audit(`?cartId=${cartA}`);
    expect(page.items.map((r) => [r.cartId, r.action])).toEqual([
      [cartA, 'cart.addLine'],
      [cartA, 'cart.create'],
    ]);
  });

  it('filters by actor', async () => {
    expect((await audit('?actor=admin')).items.map((r) => r.action)).toEqual([
      'admin.product.create',
    ]);
    const carts = await audit('?actor=cart');
    expect(carts.items).toHaveLength(4);
    expect(carts.items.every((r) => r.actorType === 'cart')).toBe(true);
    expect((await audit('?actor=system')).items.map((r) => r.action)).toEqual([
      'seed.region.create',
    ]);
  });

  it('filters by action', async () => {
    const page = await audit('?action=cart.create');
    expect(page.items.map((r) => r.cartId)).toEqual([cartB, cartA]);
  });

  it('filters by time: from is inclusive, to exclusive, offsets understood', async () => {
    expect((await audit(`?from=${between}`)).items.map((r) => r.cartId)).toEqual([cartB, cartB]);
    expect((await audit(`?to=${between}`)).items).toHaveLength(4);
    const first = (await audit('?action=cart.update')).items[0];
    expect(first).toBeDefined();
    const at = first?.at ?? '';
    expect((await audit(`?from=${at}&action=cart.update`)).items).toHaveLength(1);
    expect((await audit(`?to=${at}&action=cart.update`)).items).toHaveLength(0);
    // The same instant written with an offset.
    const shifted = new Date(Date.parse(between) + 2 * 3600_000)
      .toISOString()
      .replace('Z', '+02:00');
    expect((await audit(`?from=${encodeURIComponent(shifted)}`)).items).toHaveLength(2);
  });

  it('combines filters', async () => {
    const page = await audit(`?cartId=${cartB}&action=cart.create&actor=cart&from=${between}`);
    expect(page.items.map((r) => r.action)).toEqual(['cart.create']);
  });

  it('pages with limit and cursor through the whole log, without gaps or repeats', async () => {
    const all = (await audit('')).items.map((r) => r.seq);
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: AuditPage = await audit(`?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((r) => r.seq));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(seen).toEqual(all);
    // Six records: three full pages, and an empty one after the last full page.
    expect(pages).toBe(4);
  });

  it('says there is a next page when a page is full, even if it is the last', async () => {
    const page = await audit(`?limit=6`);
    expect(page.items).toHaveLength(6);
    expect(page.nextCursor).toBe(String(page.items[5]?.seq));
    expect(await audit(`?limit=6&cursor=${page.nextCursor}`)).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it.each([
    '?limit=0',
    '?limit=101',
    '?limit=2.5',
    '?cursor=0',
    '?cursor=abc',
    '?actor=robot',
    '?action=cart;drop',
    '?from=yesterday',
    '?to=2026-01-01',
    '?cartId=not%20an%20id',
    '?page=2',
  ])('refuses %s with 400', async (query) => {
    const res = await t.app.inject({ url: `/api/admin/audit${query}`, headers: adminAuth });
    expectProblem(res, 400, 'VALIDATION_FAILED');
  });
});

describe('catalog and discount changes', () => {
  let t: TestApp;
  beforeAll(async () => (t = await buildTestApp()));
  afterAll(() => t.close());

  const send = (method: 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, key?: string) =>
    t.app.inject({
      method,
      url,
      headers: { ...adminAuth, ...(key === undefined ? {} : { 'idempotency-key': key }) },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  const auditCount = async (action: string) =>
    (
      await t.app.inject({ url: `/api/admin/audit?action=${action}`, headers: adminAuth })
    ).json<AuditPage>().items.length;

  it('replays a product creation under the same Idempotency-Key: one product, one audit record', async () => {
    const input = productInput();
    const before = await auditCount('admin.product.create');
    const first = await send('POST', '/api/admin/products', input, 'create-1');
    expect(first.statusCode, first.body).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await send('POST', '/api/admin/products', input, 'create-1');
    expect(again.statusCode).toBe(201);
    expect(header(again, 'idempotent-replayed')).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await auditCount('admin.product.create')).toBe(before + 1);
    const product = first.json<Product>();
    const read = await t.app.inject({ url: `/api/products/${product.id}` });
    expect(read.json()).toEqual(product);
  });

  it('refuses the same key with another body: 422 IDEMPOTENCY_KEY_REUSED', async () => {
    await send('POST', '/api/admin/products', productInput(), 'create-2');
    const res = await send('POST', '/api/admin/products', productInput(), 'create-2');
    expectProblem(res, 422, 'IDEMPOTENCY_KEY_REUSED');
  });

  it('replays an update, and refuses the key for another one', async () => {
    const product = await createProduct(t.app);
    const input: ProductInput = { ...productInput(), sku: product.sku, name: 'Renamed' };
    const url = `/api/admin/products/${product.id}`;
    const first = await send('PUT', url, input, 'update-1');
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({ id: product.id, ...input, prices: [input.price] });
    // Changed by someone else in between: the replay still answers what the key did.
    await send('PUT', url, { ...input, name: 'Changed since' });
    const again = await send('PUT', url, input, 'update-1');
    expect(header(again, 'idempotent-replayed')).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect((await t.app.inject({ url: `/api/products/${product.id}` })).json()).toMatchObject({
      name: 'Changed since',
    });
    expectProblem(
      await send('PUT', url, { ...input, name: 'Other' }, 'update-1'),
      422,
      'IDEMPOTENCY_KEY_REUSED',
    );
  });

  it('replays a deletion as 204, where a plain repeat is 404', async () => {
    const product = await createProduct(t.app);
    const url = `/api/admin/products/${product.id}`;
    const first = await send('DELETE', url, undefined, 'delete-1');
    expect(first.statusCode, first.body).toBe(204);
    expect(first.body).toBe('');
    const again = await send('DELETE', url, undefined, 'delete-1');
    expect(again.statusCode).toBe(204);
    expect(header(again, 'idempotent-replayed')).toBe('true');
    expectProblem(await send('DELETE', url), 404, 'NOT_FOUND');
    expectProblem(await t.app.inject({ url: `/api/products/${product.id}` }), 404, 'NOT_FOUND');
  });

  it('answers 404 for an unknown product, and does not store it against the key', async () => {
    const url = '/api/admin/products/no-such-product';
    const input = productInput();
    const res = await send('PUT', url, input, 'missing-1');
    expect(expectProblem(res, 404, 'NOT_FOUND').detail).toBe('There is no product with that id.');
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    const again = await send('PUT', url, input, 'missing-1');
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expectProblem(await send('DELETE', url, undefined, 'missing-2'), 404, 'NOT_FOUND');
  });

  it('answers 409 ALREADY_EXISTS for a duplicate sku, on create and on update', async () => {
    const taken = await createProduct(t.app);
    const dup = await send('POST', '/api/admin/products', productInput({ sku: taken.sku }));
    expect(expectProblem(dup, 409, 'ALREADY_EXISTS').detail).toBe(
      `A product with sku ${taken.sku} already exists.`,
    );
    const other = await createProduct(t.app);
    expectProblem(
      await send('PUT', `/api/admin/products/${other.id}`, productInput({ sku: taken.sku })),
      409,
      'ALREADY_EXISTS',
    );
  });

  it('creates, lists, pages and deletes discount codes, replaying under a key', async () => {
    const body = { code: 'spring10', kind: 'percent', value: 1000 };
    const first = await send('POST', '/api/admin/discounts', body, 'discount-1');
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toEqual({
      code: 'SPRING10',
      kind: 'percent',
      value: 1000,
      minSubtotal: null,
      startsAt: null,
      endsAt: null,
      usageLimit: null,
      combinable: true,
      // A percent code without a minimum applies in any currency.
      currency: null,
      timesUsed: 0,
    });
    const replay = await send('POST', '/api/admin/discounts', body, 'discount-1');
    expect(header(replay, 'idempotent-replayed')).toBe('true');
    expectProblem(await send('POST', '/api/admin/discounts', body), 409, 'ALREADY_EXISTS');

    const windowed = await send('POST', '/api/admin/discounts', {
      code: 'SUMMER',
      kind: 'fixed',
      value: 500,
      startsAt: '2026-06-01T00:00:00+02:00',
      endsAt: '2026-09-01T00:00:00Z',
    });
    expect(windowed.json<Discount>()).toMatchObject({
      startsAt: '2026-05-31T22:00:00.000Z',
      endsAt: '2026-09-01T00:00:00.000Z',
    });

    const list = await t.app.inject({ url: '/api/admin/discounts', headers: adminAuth });
    expect(list.json<{ items: Discount[] }>().items.map((d) => d.code)).toEqual([
      'SPRING10',
      'SUMMER',
    ]);
    const page1 = await t.app.inject({ url: '/api/admin/discounts?limit=1', headers: adminAuth });
    const { items, nextCursor } = page1.json<{ items: Discount[]; nextCursor: string }>();
    expect(items.map((d) => d.code)).toEqual(['SPRING10']);
    const page2 = await t.app.inject({
      url: `/api/admin/discounts?limit=1&cursor=${nextCursor}`,
      headers: adminAuth,
    });
    expect(page2.json<{ items: Discount[] }>().items.map((d) => d.code)).toEqual(['SUMMER']);

    const del = await send('DELETE', '/api/admin/discounts/spring10');
    expect(del.statusCode).toBe(204);
    const missing = await send('DELETE', '/api/admin/discounts/SPRING10');
    expect(expectProblem(missing, 404, 'NOT_FOUND').detail).toBe('There is no discount SPRING10.');
  });

  it('refuses a discount list cursor it did not give out', async () => {
    const res = await t.app.inject({ url: '/api/admin/discounts?cursor=AAAA', headers: adminAuth });
    expect(expectProblem(res, 400, 'VALIDATION_FAILED').errors).toEqual([
      { path: '/query/cursor', message: 'unknown cursor' },
    ]);
  });

  it('records who changed the catalog, from where, under which request', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/admin/products',
      headers: { ...adminAuth, ...JSON_TYPE, 'x-request-id': 'admin-req-1' },
      payload: JSON.stringify(productInput()),
    });
    const product = res.json<Product>();
    const page = (
      await t.app.inject({
        url: '/api/admin/audit?action=admin.product.create',
        headers: adminAuth,
      })
    ).json<AuditPage>();
    expect(page.items[0]).toMatchObject({
      actorType: 'admin',
      actorId: 'admin',
      requestId: 'admin-req-1',
      clientAddress: '127.0.0.1',
      cartId: null,
      detail: { productId: product.id, sku: product.sku },
    });
  });
});

/**
 * A second instance on the same database whose writes wait at a gate: lets a test make
 * a request on it read "no answer stored for this key", then lose the race to the same
 * request on the first instance before it writes. (In one process the in-flight check
 * answers 409 first; across instances only the database sees both.)
 */
class GatedStorage extends SqliteStorage {
  gate: Promise<void> = Promise.resolve();
  /** When set, the next admin write fails with it (after the gate). */
  failure: Error | null = null;
  private async wait(): Promise<void> {
    await this.gate;
    const failure = this.failure;
    this.failure = null;
    if (failure) throw failure;
  }
  override async createProduct(
    product: Product,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Product> {
    await this.wait();
    return super.createProduct(product, audit, idempotency);
  }
  override async updateProduct(
    id: string,
    input: ProductInput,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<Product | null> {
    await this.wait();
    return super.updateProduct(id, input, audit, idempotency);
  }
  override async deleteProduct(
    id: string,
    audit: AuditEntry,
    idempotency?: IdempotencyRecord | null,
  ): Promise<boolean> {
    await this.wait();
    return super.deleteProduct(id, audit, idempotency);
  }
}

describe('the same admin request racing on two instances', () => {
  let a: TestApp;
  let b: TestApp;
  let gated: GatedStorage;
  beforeAll(async () => {
    a = await buildTestApp();
    b = await buildTestApp({
      databasePath: a.databasePath,
      storage: (path) => (gated = new GatedStorage(path)),
    });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  /** Runs `request` on B up to its write, the same on A to the end, then lets B write. */
  async function race(request: InjectOptions) {
    let open!: () => void;
    gated.gate = new Promise((resolve) => (open = resolve));
    const onB = b.app.inject(request);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const onA = await a.app.inject(request);
    open();
    return { onA, onB: await onB };
  }

  it("answers the loser of an update race with the winner's answer, replayed", async () => {
    const product = await createProduct(a.app);
    const { onA, onB } = await race({
      method: 'PUT',
      url: `/api/admin/products/${product.id}`,
      headers: { ...adminAuth, 'idempotency-key': 'race-put' },
      payload: { ...productInput({ sku: product.sku }), name: 'Raced' },
    });
    expect(onA.statusCode, onA.body).toBe(200);
    expect(onB.statusCode, onB.body).toBe(200);
    expect(header(onB, 'idempotent-replayed')).toBe('true');
    expect(onB.json()).toEqual(onA.json());
  });

  it("answers the loser of a creation race with the winner's answer, replayed", async () => {
    const { onA, onB } = await race({
      method: 'POST',
      url: '/api/admin/products',
      headers: { ...adminAuth, 'idempotency-key': 'race-post' },
      payload: productInput(),
    });
    expect(onA.statusCode, onA.body).toBe(201);
    expect({ status: onB.statusCode, replayed: onB.headers['idempotent-replayed'] }).toEqual({
      status: 201,
      replayed: 'true',
    });
    expect(onB.json()).toEqual(onA.json());
  });

  it("answers the loser of a deletion race with the winner's answer, replayed", async () => {
    const product = await createProduct(a.app);
    const { onA, onB } = await race({
      method: 'DELETE',
      url: `/api/admin/products/${product.id}`,
      headers: { ...adminAuth, 'idempotency-key': 'race-delete' },
    });
    expect(onA.statusCode, onA.body).toBe(204);
    expect({ status: onB.statusCode, replayed: onB.headers['idempotent-replayed'] }).toEqual({
      status: 204,
      replayed: 'true',
    });
  });

  it('answers 503 when the database is locked, stores nothing for the key, and a retry works', async () => {
    const request = {
      method: 'POST' as const,
      url: '/api/admin/products',
      headers: { ...adminAuth, 'idempotency-key': 'locked-create' },
      payload: productInput(),
    };
    gated.failure = new Database.SqliteError('database is locked', 'SQLITE_BUSY');
    const failed = await b.app.inject(request);
    expectProblem(failed, 503, 'UNAVAILABLE');
    expect(header(failed, 'retry-after')).toBe('2');
    const retry = await b.app.inject(request);
    expect(retry.statusCode, retry.body).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
  });

  it('refuses the loser when the winner used the key for another body', async () => {
    const product = await createProduct(a.app);
    let open!: () => void;
    gated.gate = new Promise((resolve) => (open = resolve));
    const url = `/api/admin/products/${product.id}`;
    const headers = { ...adminAuth, 'idempotency-key': 'race-reuse' };
    const onB = b.app.inject({
      method: 'PUT',
      url,
      headers,
      payload: { ...productInput({ sku: product.sku }), name: 'From B' },
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const onA = await a.app.inject({
      method: 'PUT',
      url,
      headers,
      payload: { ...productInput({ sku: product.sku }), name: 'From A' },
    });
    open();
    expect(onA.statusCode).toBe(200);
    expectProblem(await onB, 422, 'IDEMPOTENCY_KEY_REUSED');
    expect((await a.app.inject({ url: `/api/products/${product.id}` })).json()).toMatchObject({
      name: 'From A',
    });
  });
});
